/**
 * DAL micro-benchmark (standalone: `node --import tsx tests/bench/dal-micro.ts`):
 *  - select 10 rows by a query: DAL vs a better-sqlite3 prepared statement
 *  - 1,000 inserts in one transaction: DAL vs better-sqlite3
 *  - defining 10 tables in a fresh DAL object, as every request does
 * Same process, same file; prints µs/op and the ratios. The select and insert pairs are timed by
 * micro/measure.ts (interleaved batches, the JavaScript thread's CPU time); the rest by `time` below.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { DAL, Field, closeAllConnections } from '../../server/dal'
import { measureMany } from './micro/measure'

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

async function pair(what: string, aLabel: string, a: () => unknown, bLabel: string, b: () => unknown): Promise<[number, number]> {
  const [ua, ub] = await measureMany([a, b], { warmupMs: 300, runMs: 1000 })
  console.log(`${`${what}: ${aLabel}`.padEnd(48)} ${ua.toFixed(2).padStart(9)} µs/op CPU (thread, median of interleaved batches)`)
  console.log(`${`${what}: ${bLabel}`.padEnd(48)} ${ub.toFixed(2).padStart(9)} µs/op CPU`)
  return [ua, ub]
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
    // the DAL and its baseline in interleaved batches, CPU time of the JavaScript thread, medians (micro/measure.ts):
    // a busy machine shifts both alike, so the ratio holds
    const [dal, direct] = await pair('select 10 rows', 'DAL (new query each time)', () => { const a = next(); return db(db.item.id.gt(a).and(db.item.id.le(a + 10))).select() },
      'better-sqlite3 prepared', () => { const a = next(); return stmt.all(a, a + 10) })
    const perRequest = await time('select 10 rows: DAL (new DAL + define + select)', 5000, () => {
      const d = new DAL('sqlite://bench.sqlite', { folder }); define(d)
      const a = next()
      return d(d.item.id.gt(a).and(d.item.id.le(a + 10))).select()
    })
    const ins = raw.prepare('INSERT INTO "item"("name","category","price","note") VALUES (?,?,?,?)')
    const [dalIns, directIns] = await pair('1,000 inserts in a transaction', 'DAL', () => db.transaction(async () => {
      for (let i = 0; i < 1000; i++) await db.item.insert({ name: `x${i}`, category: i, price: i / 2, note: 'n' })
    }), 'better-sqlite3', () => {
      raw.transaction(() => { for (let i = 0; i < 1000; i++) ins.run(`x${i}`, i, i / 2, 'n') })()
    })
    // the batched API: bulkInsert's rows after the first run without a promise each on SQLite
    const [dalBulk, directBulk] = await pair('1,000 rows by bulkInsert (one transaction)', 'DAL', () =>
      db.item.bulkInsert(Array.from({ length: 1000 }, (_v, i) => ({ name: `x${i}`, category: i, price: i / 2, note: 'n' }))), 'better-sqlite3', () => {
      raw.transaction(() => { for (let i = 0; i < 1000; i++) ins.run(`x${i}`, i, i / 2, 'n') })()
    })
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
      bulkInsertDirectUs: directBulk, bulkInsertDalUs: dalBulk, bulkInsertRatio: dalBulk / directBulk,
      define10TablesUs: tables, perTableUs: tables / 10,
    }
    console.log(`select ratio DAL/direct: ${out.selectRatio.toFixed(2)}x   insert ratio: ${out.insertRatio.toFixed(2)}x   bulkInsert ratio: ${out.bulkInsertRatio.toFixed(2)}x   per table defined: ${out.perTableUs.toFixed(2)} µs`)
    return out
  } finally {
    await closeAllConnections()
    fs.rmSync(folder, { recursive: true, force: true })
  }
}

if (typeof require !== 'undefined' && require.main === module) runDalMicro().catch((e) => { console.error(e); process.exit(1) })
