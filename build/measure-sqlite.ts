/**
 * The SQLite drivers through the DAL, the three figures the benchmark's
 * database page depends on: `node --import tsx build/measure-sqlite.ts`.
 * The driver is the one this Node gets (server/dal/drivers): better-sqlite3
 * on the checkout's Node 20, node:sqlite on the binaries' Node 26
 * (`npm run test:lts` has the path: `$(node --import tsx build/targets.ts node)
 * --import tsx build/measure-sqlite.ts`). A short run (a few seconds), medians of 5.
 * `--json` prints one line of JSON (tests/bench/micro/sqlite-drivers.ts reads it);
 * `--rounds <r> --n <n>` shortens the run (a smoke check).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DAL, Field, closeAllConnections } from '../server/dal'
import { sqliteDriverName } from '../server/dal/drivers'

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name)
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback
  if (!Number.isInteger(v) || v < 1) throw new Error(`measure-sqlite: ${name} takes a positive integer`)
  return v
}

export interface SqliteFigures { node: string; driver: string; insert1000Ms: number; select10Us: number; page10Us: number }

async function main(): Promise<void> {
  const ROUNDS = arg('--rounds', 5)
  const N = arg('--n', 2000)
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-measure-sqlite-'))
  try {
    const db = new DAL('sqlite://storage.sqlite', { folder })
    db.defineTable('thing', Field('name', 'string'), Field('value', 'integer'), Field('note', 'text'))
    const inserts: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      const t = performance.now()
      for (let i = 0; i < 1000; i++) await db.thing.insert({ name: `thing ${i}`, value: i, note: 'x'.repeat(40) })
      await db.commit()
      inserts.push(performance.now() - t)
    }
    const selects: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      const n = N
      const t = performance.now()
      for (let i = 0; i < n; i++) {
        const rows = await db(db.thing.value.gt(i % 500)).select({ orderby: db.thing.name, limitby: [0, 10] })
        if (rows.length !== 10) throw new Error('expected 10 rows')
      }
      selects.push(((performance.now() - t) * 1000) / n)
    }
    const pages: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      const n = N
      const t = performance.now()
      for (let i = 0; i < n; i++) {
        // the bench's 10-row page: a count and a page of rows, in a transaction
        await db(db.thing).count()
        const rows = await db(db.thing).select({ orderby: db.thing.id, limitby: [i % 100, (i % 100) + 10] })
        if (rows.length !== 10) throw new Error('expected 10 rows')
        await db.commit()
      }
      pages.push(((performance.now() - t) * 1000) / n)
    }
    if (process.argv.includes('--json')) {
      const f: SqliteFigures = { node: process.version, driver: sqliteDriverName(), insert1000Ms: median(inserts), select10Us: median(selects), page10Us: median(pages) }
      console.log(JSON.stringify(f))
      return
    }
    console.log(`node ${process.version}, ${sqliteDriverName()}`)
    console.log(`insert 1,000 rows (each committed): ${median(inserts).toFixed(1)} ms`)
    console.log(`select 10 rows (where, orderby, limitby): ${median(selects).toFixed(1)} µs`)
    console.log(`10-row page (count + 10 rows + commit): ${median(pages).toFixed(1)} µs`)
  } finally {
    await closeAllConnections()
    fs.rmSync(folder, { recursive: true, force: true })
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e)
  process.exitCode = 1
})
