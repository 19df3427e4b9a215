/**
 * DAL micro-benchmarks (server/dal) against better-sqlite3 used directly
 * with prepared statements, on the same file in the same process:
 * select 10 rows by a query, insert 1,000 rows in one transaction, and the
 * per-request cost of `new DAL(...)` plus 10 `defineTable` calls.
 *
 * When tests/bench/dal-micro.ts exists (written by the DAL room) the runner
 * uses it instead; this is the suite's own version so the figures exist
 * either way.
 */
import Database from 'better-sqlite3'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { importRoom, measure, measureMany, result, skipped, type MicroResult } from './measure'

const N_ROWS = 100

export async function dalMicros(): Promise<MicroResult[]> {
  const { mod, why } = await importRoom('dal')
  if (!mod) return [skipped('dal-select-10', 'DAL select 10 rows / insert 1,000 / define 10 tables', why!)]
  const { DAL, Field } = mod as { DAL: new (uri: string, opts?: Record<string, unknown>) => any; Field: (...a: unknown[]) => unknown }
  if (typeof DAL !== 'function' || typeof Field !== 'function') return [skipped('dal-select-10', 'DAL', 'server/dal does not export DAL and Field')]
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-bench-dal-'))
  const out: MicroResult[] = []
  let db: any
  let raw: Database.Database | undefined
  try {
    db = new DAL('sqlite://bench.sqlite', { folder: dir })
    db.defineTable('thing', Field('name', 'string'), Field('value', 'integer', { default: 0 }))
    for (let i = 0; i < N_ROWS; i++) await db.thing.insert({ name: `thing ${String(i).padStart(3, '0')}`, value: i + 1 })
    await db.commit()
    raw = new Database(path.join(dir, 'bench.sqlite'))
    const count = (raw.prepare('SELECT COUNT(*) AS n FROM thing').get() as { n: number }).n
    if (count !== N_ROWS) throw new Error(`expected ${N_ROWS} rows through better-sqlite3, found ${count}`)

    // select 10 rows by a query, ordered
    const stmt = raw.prepare('SELECT id, name, value FROM thing WHERE value > ? ORDER BY name LIMIT 10 OFFSET 0')
    const viaDal = () => db(db.thing.value.gt(0)).select({ orderby: db.thing.name, limitby: [0, 10] })
    const direct = () => stmt.all(0)
    const check = await viaDal()
    const first = [...check][0] as { name?: string }
    if ([...check].length !== 10 || first?.name !== 'thing 000') throw new Error(`DAL select returned ${[...check].length} rows, first ${JSON.stringify(first)}`)
    const [usDal, usRaw] = await measureMany([viaDal, direct])
    const sql = String(db(db.thing.value.gt(0))._select({ orderby: db.thing.name, limitby: [0, 10] }))
    out.push(result('dal-select-10', 'DAL select 10 rows (where, orderby, limitby)', usDal, { ratio: usDal / usRaw, baseline: 'of better-sqlite3', note: `better-sqlite3 prepared: ${usRaw.toFixed(1)} µs; DAL SQL: ${sql}` }))

    // insert 1,000 rows in one transaction
    db.defineTable('item', Field('name', 'string'), Field('value', 'integer'))
    await db(db.item).delete()
    await db.commit()
    const ins = raw.prepare('INSERT INTO item (name, value) VALUES (?, ?)')
    const rawTx = raw.transaction(() => { for (let i = 0; i < 1000; i++) ins.run(`item ${i}`, i) })
    // outside a request the DAL autocommits: db.transaction() makes the 1,000 inserts one transaction, as a request does
    const dalInsert = () => db.transaction(async () => {
      for (let i = 0; i < 1000; i++) await db.item.insert({ name: `item ${i}`, value: i })
    })
    const usDalIns = await measure(dalInsert, { warmupMs: 200, runMs: 1000 })
    const usRawIns = await measure(rawTx, { warmupMs: 200, runMs: 1000 })
    out.push(result('dal-insert-1000', 'DAL insert 1,000 rows in one transaction', usDalIns, { ratio: usDalIns / usRawIns, baseline: 'of better-sqlite3', note: `better-sqlite3 prepared in a transaction: ${(usRawIns / 1000).toFixed(1)} ms` }))

    // the cost a model pays on every request: the same definitions each time, as a model makes them
    const define10 = () => {
      const d = new DAL('sqlite://bench.sqlite', { folder: dir })
      for (let t = 0; t < 10; t++) {
        d.defineTable(`t${t}`, Field('name', 'string', { length: 64 }), Field('value', 'integer', { default: 0 }),
          Field('price', 'double'), Field('created', 'datetime'), Field('flag', 'boolean', { default: false }))
      }
      return d
    }
    define10()
    out.push(result('dal-define-10', 'new DAL + define 10 tables of 5 fields (per-request model cost)', await measure(define10, { warmupMs: 200, runMs: 800 })))
  } catch (e) {
    if (out.length === 0) out.push(skipped('dal-select-10', 'DAL select 10 rows', `DAL failed: ${String((e as Error).message).split('\n')[0].slice(0, 200)}`))
    else out.push(skipped('dal-rest', 'DAL (remaining micro-benchmarks)', `DAL failed: ${String((e as Error).message).split('\n')[0].slice(0, 200)}`))
  } finally {
    raw?.close()
    try { await db?.close?.() } catch { /* reported above if it mattered */ }
    fs.rmSync(dir, { recursive: true, force: true })
  }
  return out
}
