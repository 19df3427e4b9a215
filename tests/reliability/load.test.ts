// Load (#17 item 2): 64 connections on a page that inserts a row, selects 10 and writes the
// session, over HTTP and HTTPS, on SQLite and PostgreSQL; the server in its own process.
// Asserted: 0 errors, 0 non-2xx, every acknowledged insert present (and no other), the session
// counters summing to the requests served; full run: RSS after three repeats within 10% of after
// the first run. Figures: requests, req/s, p50, p99, RSS before/after/after repeats.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
// the DAL's SQLite driver (better-sqlite3, or node:sqlite on the Node LTS the binaries embed: npm run test:lts)
import { openSqlite } from '../../server/dal/drivers'
import pg from 'pg'
import { writeApp } from '../helpers/server'
import { createTestDatabase, type TestDatabase } from '../helpers/databases'
import { loadApp } from './apps/load'
import { startQuarkProcess, Client, percentile, type QuarkProcess } from './lib/proc'
import { FULL, figure } from './lib/figures'

const CONNECTIONS = 64
const SECONDS = Number(process.env.QUARK_LOAD_SECONDS ?? (FULL ? 60 : 10))
const REPEAT_SECONDS = Number(process.env.QUARK_LOAD_REPEAT_SECONDS ?? (FULL ? 15 : 0))

interface RunResult { requests: number; errors: string[]; non2xx: number; latencies: number[]; acked: Map<string, number>; perClient: { served: number; lastN: number }[] }

async function drive(p: QuarkProcess, seconds: number, label: string): Promise<RunResult> {
  const end = Date.now() + seconds * 1000
  const r: RunResult = { requests: 0, errors: [], non2xx: 0, latencies: [], acked: new Map(), perClient: [] }
  await Promise.all(Array.from({ length: CONNECTIONS }, async (_, c) => {
    const client = new Client(p.port, p.https)
    const mine = { served: 0, lastN: 0 }
    r.perClient.push(mine)
    for (let i = 0; Date.now() < end; i++) {
      const token = `${label}-${c}-${i}`
      const a = await client.request(`/load/default/hit?t=${token}&c=${c}`)
      r.requests++
      r.latencies.push(a.ms)
      if (a.error) { r.errors.push(a.error); continue }
      if (a.status < 200 || a.status > 299) { r.non2xx++; if (r.errors.length < 5) r.errors.push(`${a.status} ${a.body.slice(0, 200)}`); continue }
      const j = JSON.parse(a.body)
      r.acked.set(token, j.id)
      mine.served++
      mine.lastN = j.n
    }
    client.close()
  }))
  r.latencies.sort((a, b) => a - b)
  return r
}

async function rowsOf(db: { kind: 'sqlite'; file: string } | { kind: 'postgres'; uri: string }): Promise<{ token: string; id: number }[]> {
  if (db.kind === 'sqlite') {
    const d = openSqlite(db.file)
    try { return d.prepare('SELECT token, id FROM hit').all([]).map((r) => ({ ...(r as object) })) as { token: string; id: number }[] } finally { d.close() }
  }
  const c = new pg.Client({ connectionString: db.uri })
  await c.connect()
  try { return (await c.query('SELECT token, id FROM hit')).rows } finally { await c.end() }
}

function sessionTotal(folder: string): number {
  const dir = path.join(folder, 'applications', 'load', 'sessions')
  let sum = 0
  for (const f of fs.readdirSync(dir)) if (f.endsWith('.json')) sum += Number(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).n) || 0
  return sum
}

// The short form runs two of the four combinations (SQLite over HTTP, PostgreSQL over HTTPS: each
// database and each protocol once), the full run all four.
const COMBINATIONS: [dbKind: 'sqlite' | 'postgres', secure: boolean][] = FULL || process.env.QUARK_LOAD_ALL ? [['sqlite', false], ['sqlite', true], ['postgres', false], ['postgres', true]] : [['sqlite', false], ['postgres', true]]

for (const [dbKind, secure] of COMBINATIONS) {
  {
    const name = `${dbKind} ${secure ? 'https' : 'http'}`
    test(`load: ${CONNECTIONS} connections × ${SECONDS} s, ${name}`, { timeout: (SECONDS + 3 * REPEAT_SECONDS) * 1000 + 300_000 }, async () => {
      const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-rel-load-'))
      let pgdb: TestDatabase | undefined
      let p: QuarkProcess | undefined
      try {
        writeApp(path.join(folder, 'applications', 'load'), loadApp())
        if (dbKind === 'postgres') pgdb = await createTestDatabase('postgres', 'rel_load')
        p = await startQuarkProcess({ folder, https: secure, env: pgdb ? { QUARK_REL_DB_URI: pgdb.uri } : {} })
        // warm-up: every connection once (compiles, migrates, fills the pools), then the first RSS
        const warm = await drive(p, 0.5, 'warm')
        assert.deepEqual(warm.errors, [])
        const rssBefore = p.rss()
        const run = await drive(p, SECONDS, 'run')
        const rssAfter = p.rss()
        assert.deepEqual(run.errors.slice(0, 5), [], `${run.errors.length} errors`)
        assert.equal(run.non2xx, 0, 'non-2xx answers')
        const repeats: RunResult[] = []
        for (let i = 0; i < (REPEAT_SECONDS ? 3 : 0); i++) repeats.push(await drive(p, REPEAT_SECONDS, `rep${i}`))
        const rssRepeats = repeats.length ? p.rss() : undefined
        for (const x of repeats) { assert.deepEqual(x.errors.slice(0, 5), []); assert.equal(x.non2xx, 0) }
        // every acknowledged insert is there, with the id it was acknowledged with, and no other row
        const rows = await rowsOf(dbKind === 'sqlite' ? { kind: 'sqlite', file: path.join(folder, 'applications', 'load', 'databases', 'load.sqlite') } : { kind: 'postgres', uri: pgdb!.uri })
        const acked = new Map<string, number>()
        for (const x of [warm, run, ...repeats]) for (const [t, id] of x.acked) acked.set(t, id)
        const byToken = new Map(rows.map((r) => [r.token, r.id]))
        const missing = [...acked].filter(([t, id]) => byToken.get(t) !== id)
        assert.equal(missing.length, 0, `acknowledged inserts missing: ${missing.slice(0, 5).join(', ')}`)
        assert.equal(rows.length, acked.size, 'no row besides the acknowledged ones')
        // the session counters: each connection's last count is what it was served, and the session files sum to all requests served
        const served = [warm, run, ...repeats].reduce((n, x) => n + x.acked.size, 0)
        const sessionSum = sessionTotal(folder)
        assert.equal(sessionSum, served, 'session counters sum to the requests served')
        // each run's connections start new sessions: a connection's last count is what it was served
        for (const x of [warm, run, ...repeats]) for (const c of x.perClient) assert.equal(c.lastN, c.served, 'a session counted every request of its connection')
        const perSecond = run.requests / SECONDS
        const data: Record<string, unknown> = {
          requests: run.requests, reqPerSec: Math.round(perSecond), errors: run.errors.length, non2xx: run.non2xx, acknowledgedInsertsPresent: `${acked.size}/${acked.size}`, sessionSum,
          p50ms: +percentile(run.latencies, 50).toFixed(1), p99ms: +percentile(run.latencies, 99).toFixed(1),
          rssBeforeMB: +(rssBefore / 2 ** 20).toFixed(1), rssAfterMB: +(rssAfter / 2 ** 20).toFixed(1),
        }
        if (rssRepeats !== undefined) {
          data.rssAfter3RepeatsMB = +(rssRepeats / 2 ** 20).toFixed(1)
          data.growthPct = +(((rssRepeats - rssAfter) / rssAfter) * 100).toFixed(1)
          data.repeats = repeats.map((x) => ({ requests: x.requests, p50ms: +percentile(x.latencies, 50).toFixed(1), p99ms: +percentile(x.latencies, 99).toFixed(1) }))
        }
        figure('load', name, data)
        if (rssRepeats !== undefined) assert.ok(rssRepeats <= rssAfter * 1.1, `RSS grew from ${rssAfter} to ${rssRepeats} over three repeats`)
      } finally {
        await p?.stop()
        await pgdb?.drop()
        fs.rmSync(folder, { recursive: true, force: true })
      }
    })
  }
}
