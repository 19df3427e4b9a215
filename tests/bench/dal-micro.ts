/**
 * DAL micro-benchmark (standalone: `node --import tsx tests/bench/dal-micro.ts`):
 *  - select 10 rows by a query: DAL vs a better-sqlite3 prepared statement
 *  - 1,000 inserts in one transaction: DAL vs better-sqlite3
 *  - defining 10 tables in a fresh DAL object, as every request does
 * Same process, same file; prints µs/op and the ratios.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { DAL, Field, closeAllConnections } from '../../server/dal'

function define(db: DAL): void {
  db.defineTable('item', Field('name', 'string'), Field('category', 'integer'), Field('price', 'double'), Field('note', 'text'))
}

async function time(label: string, n: number, fn: () => unknown): Promise<number> {
  for (let i = 0; i < Math.min(n, 200); i++) await fn()  // warm up
  // CPU time of this process (user+system), not wall time: on a loaded machine the ratio stays meaningful
  const c0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < n; i++) await fn()
  const wall = Number(process.hrtime.bigint() - t0) / 1000 / n
  const c = process.cpuUsage(c0)
  const us = (c.user + c.system) / n
  console.log(`${label.padEnd(48)} ${us.toFixed(2).padStart(9)} µs/op CPU  (${wall.toFixed(2)} wall)`)
  return us
}

export async function runDalMicro(): Promise<Record<string, number>> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-bench-dal-'))
  try {
    const db = new DAL('sqlite://bench.sqlite', { folder })
    define(db)
    await db.item.bulkInsert(Array.from({ length: 1000 }, (_v, i) => ({ name: `item ${i}`, category: i % 100, price: i / 3, note: 'n' })))
    const raw = new Database(path.join(folder, 'bench.sqlite'))
    raw.pragma('journal_mode = WAL')
    // 10 rows by a query on the primary key (a range), the same SQL text for both
    const stmt = raw.prepare('SELECT "item"."id", "item"."name", "item"."category", "item"."price", "item"."note" FROM "item" WHERE (("item"."id" > ?) AND ("item"."id" <= ?))')
    let k = 0
    const next = () => (k = (k + 10) % 990)
    const direct = await time('select 10 rows: better-sqlite3 prepared', 20000, () => { const a = next(); return stmt.all(a, a + 10) })
    const dal = await time('select 10 rows: DAL (new query each time)', 20000, () => { const a = next(); return db(db.item.id.gt(a).and(db.item.id.le(a + 10))).select() })
    const perRequest = await time('select 10 rows: DAL (new DAL + define + select)', 5000, () => {
      const d = new DAL('sqlite://bench.sqlite', { folder }); define(d)
      const a = next()
      return d(d.item.id.gt(a).and(d.item.id.le(a + 10))).select()
    })
    const ins = raw.prepare('INSERT INTO "item"("name","category","price","note") VALUES (?,?,?,?)')
    const directIns = await time('1,000 inserts in a transaction: better-sqlite3', 20, () => {
      raw.transaction(() => { for (let i = 0; i < 1000; i++) ins.run(`x${i}`, i, i / 2, 'n') })()
    })
    const dalIns = await time('1,000 inserts in a transaction: DAL', 20, () => db.transaction(async () => {
      for (let i = 0; i < 1000; i++) await db.item.insert({ name: `x${i}`, category: i, price: i / 2, note: 'n' })
    }))
    const tables = await time('new DAL + define 10 tables (per request)', 20000, () => {
      const d = new DAL('sqlite://bench.sqlite', { folder })
      for (let t = 0; t < 10; t++) {
        d.defineTable(`table${t}`, Field('name', 'string', { requires: null }), Field('value', 'integer', { default: 0 }),
          Field('created', 'datetime'), Field('owner', 'integer'), Field('body', 'text'))
      }
    })
    raw.close()
    const out = {
      selectDirectUs: direct, selectDalUs: dal, selectRatio: dal / direct, selectPerRequestUs: perRequest,
      insertDirectUs: directIns, insertDalUs: dalIns, insertRatio: dalIns / directIns,
      define10TablesUs: tables, perTableUs: tables / 10,
    }
    console.log(`select ratio DAL/direct: ${out.selectRatio.toFixed(2)}x   insert ratio: ${out.insertRatio.toFixed(2)}x   per table defined: ${out.perTableUs.toFixed(2)} µs`)
    return out
  } finally {
    await closeAllConnections()
    fs.rmSync(folder, { recursive: true, force: true })
  }
}

if (typeof require !== 'undefined' && require.main === module) runDalMicro().catch((e) => { console.error(e); process.exit(1) })
