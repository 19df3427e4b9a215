/**
 * Issue 21: TechEmpower's six test types, Quark (te-app.ts, started with its
 * own CLI) against Fastify with the raw driver (servers/fastify-te.ts), on
 * SQLite and on PostgreSQL, alternated within each round like the macro suite.
 * Every row is verified as TechEmpower's verifier does (te-verify.ts) before
 * it is measured; a row that fails verification is reported, never measured.
 */
import Database from 'better-sqlite3'
import esbuild from 'esbuild'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { runLoad } from './load'
import { freePort, get, lastLines, startProcess, stop, treeCpuMs, waitReady, type ServerProcess } from './proc'
import { ROOT, startQuark } from './servers'
import { median } from './stats'
import { writeTeApp } from './te-app'
import { QUERY_CASES, TE_TESTS, checkDb, checkFortunes, checkJson, checkPersisted, checkPlaintext, checkWorldList, worldsOf, type TeTest } from './te-verify'

export type TeDb = 'sqlite' | 'pg'
export type TeSide = 'quark' | 'fastify'

/** rows per request of the measured queries and updates rows (the issue's table: 20 queries, 5 updates) */
export const MEASURED_QUERIES = 20
export const MEASURED_UPDATES = 5

export interface TeOptions {
  rounds: number
  seconds: number
  warmupSeconds: number
  connections: number
  /** ids or substrings (te-sqlite, te-pg-fortunes, ...); empty or 'te' = all */
  only: string[]
  log(line: string): void
}

export interface TeRow {
  id: string
  db: TeDb
  test: TeTest
  side: TeSide
  failed?: string
  rps: number[]
  cpuUs: number[]
  non2xx: number
  errors: number
}

export interface TeResult { rows: TeRow[]; notes: string[] }

const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' }

function path4(side: TeSide, db: TeDb, test: TeTest): string {
  const q = test === 'queries' ? `?queries=${MEASURED_QUERIES}` : test === 'updates' ? `?queries=${MEASURED_UPDATES}` : ''
  const name = test === 'db' ? 'single' : test
  return side === 'quark' ? `/${db === 'sqlite' ? 'te' : 'tepg'}/default/${name}${q}` : `/${test}${q}`
}

/** every row: the six tests on SQLite, the four database tests on PostgreSQL (plaintext and JSON do not touch it) */
export function teRows(only: string[]): TeRow[] {
  const rows: TeRow[] = []
  for (const db of ['sqlite', 'pg'] as const) {
    for (const test of TE_TESTS) {
      if (db === 'pg' && (test === 'plaintext' || test === 'json')) continue
      for (const side of ['quark', 'fastify'] as const) rows.push({ id: `te-${db}-${test}-${side}`, db, test, side, rps: [], cpuUs: [], non2xx: 0, errors: 0 })
    }
  }
  const sel = only.filter((o) => o !== 'te')
  return sel.length ? rows.filter((r) => sel.some((s) => r.id.includes(s))) : rows
}

/** Reads the current randomNumber of worlds straight from the database (the updates check). */
type WorldReader = (ids: number[]) => Promise<Map<number, number>>

async function verify(p: ServerProcess, row: TeRow, read: WorldReader): Promise<string | null> {
  const base = path4(row.side, row.db, row.test).replace(/\?.*$/, '')
  const probe = (suffix = '') => get(p.port, base + suffix, false, 60000)
  switch (row.test) {
    case 'plaintext': return checkPlaintext(await probe())
    case 'json': return checkJson(await probe())
    case 'db': return checkDb(await probe())
    case 'fortunes': return checkFortunes(await probe())
    case 'queries': case 'updates': {
      for (const [raw, n] of QUERY_CASES) {
        const r = await probe(raw === '' ? '' : `?queries=${raw}`)
        const bad = checkWorldList(r, n)
        if (bad) return `queries=${JSON.stringify(raw)}: ${bad}`
        if (row.test === 'updates' && n > 1) {
          const lost = await checkPersisted(worldsOf(r), read)
          if (lost) return `queries=${raw}: update not persisted: ${lost}`
        }
      }
      return null
    }
  }
}

/** true once the process tree used under 5% of a core over half a second (polled until the deadline) */
async function settle(p: ServerProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  let last = treeCpuMs(p.child.pid!)
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500))
    const now = treeCpuMs(p.child.pid!)
    if (now === undefined || last === undefined) return false
    if (now - last < 25) return true
    last = now
  }
  return false
}

async function bundleFastifyTe(outDir: string): Promise<string> {
  const outfile = path.join(outDir, 'fastify-te.cjs')
  await esbuild.build({ entryPoints: [path.join(import.meta.dirname, 'servers', 'fastify-te.ts')], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', packages: 'external', logLevel: 'silent' })
  return outfile
}

export async function runTechEmpower(o: TeOptions): Promise<TeResult> {
  const rows = teRows(o.only)
  const notes: string[] = []
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-te-'))
  const servers = new Map<string, ServerProcess>()
  const pgName = `quark_te_${process.pid}_${Date.now().toString(36)}`
  let pgAdmin: pg.Client | undefined
  let pgReader: pg.Client | undefined
  let sqliteReader: Database.Database | undefined
  const fail = (db: TeDb | undefined, why: string) => { for (const r of rows) if ((!db || r.db === db) && !r.failed) r.failed = why }
  try {
    const wantPg = rows.some((r) => r.db === 'pg')
    writeTeApp(root, 'te', 'sqlite://te.sqlite')
    if (wantPg) {
      try {
        pgAdmin = new pg.Client({ ...PG, database: 'postgres' })
        await pgAdmin.connect()
        await pgAdmin.query(`CREATE DATABASE ${pgName}`)
        writeTeApp(root, 'tepg', `postgres://postgres@127.0.0.1:5432/${pgName}`)
      } catch (e) { fail('pg', `PostgreSQL unavailable: ${(e as Error).message}`) }
    }
    const quark = await startQuark(root, false)
    const why = await waitReady(quark, 60000)
    if (why) { await stop(quark); fail(undefined, `quark ${why}`); return { rows, notes } }
    servers.set('quark', quark)
    for (const [db, app] of [['sqlite', 'te'], ['pg', 'tepg']] as const) {
      if (!rows.some((r) => r.db === db && !r.failed)) continue
      try {
        const t0 = Date.now()
        const seeded = await get(quark.port, `/${app}/default/seed`, false, 300000)
        if (seeded.status !== 200 || seeded.body.trim() !== '10000 12') fail(db, `seed answered HTTP ${seeded.status}: ${seeded.body.slice(0, 160)}`)
        else notes.push(`${db}: seeded 10,000 worlds and 12 fortunes through the Quark app (bulkInsert) in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
      } catch (e) { fail(db, `seed failed: ${(e as Error).message}`) }
    }
    const bundle = await bundleFastifyTe(root)
    const sqliteFile = path.join(root, 'applications/te/databases/te.sqlite')
    for (const db of ['sqlite', 'pg'] as const) {
      if (!rows.some((r) => r.db === db && r.side === 'fastify' && !r.failed)) continue
      const port = await freePort()
      const env: Record<string, string> = { BENCH_PORT: String(port), NODE_PATH: path.join(ROOT, 'node_modules'), NODE_ENV: 'production' }
      if (db === 'sqlite') env.BENCH_TE_SQLITE = sqliteFile
      else env.BENCH_TE_PG = JSON.stringify({ ...PG, database: pgName })
      const p = startProcess(`fastify-te-${db}`, process.execPath, [bundle], { port, https: false, cwd: ROOT, env })
      const bad = await waitReady(p)
      if (bad) { await stop(p); for (const r of rows) if (r.db === db && r.side === 'fastify') r.failed = bad; continue }
      servers.set(`fastify-${db}`, p)
    }
    if (rows.some((r) => r.db === 'sqlite' && r.test === 'updates')) sqliteReader = new Database(sqliteFile, { readonly: true })
    if (rows.some((r) => r.db === 'pg' && r.test === 'updates' && !r.failed)) { pgReader = new pg.Client({ ...PG, database: pgName }); await pgReader.connect() }
    const readers: Record<TeDb, WorldReader> = {
      sqlite: async (ids) => {
        const stmt = sqliteReader!.prepare('SELECT "id", "randomNumber" FROM "world" WHERE "id" = ?')
        return new Map(ids.map((id) => [id, (stmt.get(id) as { randomNumber: number }).randomNumber]))
      },
      pg: async (ids) => {
        const r = await pgReader!.query<{ id: number; randomNumber: number }>('SELECT "id", "randomNumber" FROM "world" WHERE "id" = ANY($1)', [ids])
        return new Map(r.rows.map((w) => [w.id, w.randomNumber]))
      },
    }

    for (const row of rows) {
      if (row.failed) continue
      const p = servers.get(row.side === 'quark' ? 'quark' : `fastify-${row.db}`)!
      try { row.failed = (await verify(p, row, readers[row.db])) ?? undefined } catch (e) { row.failed = `verification request failed: ${(e as Error).message}` }
      if (row.failed) o.log(`  FAILED ${row.id}: ${row.failed}`)
    }

    // Quark's first requests leave work behind (an app's type declarations are written after its models
    // first run): wait until its CPU settles, so that work is not charged to the first row measured
    if (o.rounds > 0) {
      const settled = await settle(quark, 20000)
      if (!settled) notes.push('Quark\'s CPU did not settle within 20 s before the load')
    }
    const live = rows.filter((r) => !r.failed)
    for (let round = 0; round < o.rounds; round++) {
      for (let i = 0; i < live.length; i++) {
        const row = live[(i + round) % live.length]
        if (row.failed) continue
        const p = servers.get(row.side === 'quark' ? 'quark' : `fastify-${row.db}`)!
        if (p.exited()) { row.failed = `server exited during the run: ${lastLines(p.output())}`; continue }
        const load = { port: p.port, path: path4(row.side, row.db, row.test), secure: false, connections: o.connections }
        try {
          const warm = round === 0 ? o.warmupSeconds : o.warmupSeconds / 4
          if (warm > 0) await runLoad({ ...load, seconds: warm })
          const cpu0 = treeCpuMs(p.child.pid!)
          const r = await runLoad({ ...load, seconds: o.seconds })
          const cpu1 = treeCpuMs(p.child.pid!)
          row.rps.push(r.rps)
          if (cpu0 !== undefined && cpu1 !== undefined && r.total > 0) row.cpuUs.push(((cpu1 - cpu0) * 1000) / r.total)
          row.non2xx += r.non2xx
          row.errors += r.errors
          o.log(`  round ${round + 1} ${row.id.padEnd(28)} ${r.rps.toFixed(0).padStart(7)} req/s  cpu ${row.cpuUs.at(-1)?.toFixed(0) ?? '?'} µs/req${r.non2xx || r.errors ? `  non-2xx ${r.non2xx} errors ${r.errors}` : ''}`)
        } catch (e) { row.failed = `load failed: ${(e as Error).message}` }
      }
    }
  } finally {
    await Promise.all([...servers.values()].map(stop))
    sqliteReader?.close()
    await pgReader?.end().catch(() => undefined)
    if (pgAdmin) {
      await pgAdmin.query(`DROP DATABASE IF EXISTS ${pgName} WITH (FORCE)`).catch((e: Error) => notes.push(`could not drop ${pgName}: ${e.message}`))
      await pgAdmin.end().catch(() => undefined)
    }
    fs.rmSync(root, { recursive: true, force: true })
  }
  return { rows, notes }
}

export interface TePair { db: TeDb; test: TeTest; quark?: number; fastify?: number; ratio?: number; cpuRatio?: number; why?: string }

/** Quark / Fastify per test and database: medians of req/s, and Fastify's CPU per request / Quark's. */
export function tePairs(r: TeResult): TePair[] {
  const out: TePair[] = []
  for (const db of ['sqlite', 'pg'] as const) {
    for (const test of TE_TESTS) {
      const q = r.rows.find((x) => x.db === db && x.test === test && x.side === 'quark')
      const f = r.rows.find((x) => x.db === db && x.test === test && x.side === 'fastify')
      if (!q && !f) continue
      const pair: TePair = { db, test }
      if (q?.rps.length) pair.quark = median(q.rps)
      if (f?.rps.length) pair.fastify = median(f.rps)
      if (pair.quark !== undefined && pair.fastify) pair.ratio = pair.quark / pair.fastify
      if (q?.cpuUs.length && f?.cpuUs.length) pair.cpuRatio = median(f.cpuUs) / median(q.cpuUs)
      if (pair.ratio === undefined) pair.why = q?.failed ?? f?.failed ?? 'not measured'
      out.push(pair)
    }
  }
  return out
}

export function geomean(xs: number[]): number | undefined {
  return xs.length ? Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length) : undefined
}
