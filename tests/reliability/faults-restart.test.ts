// Faults (#17 item 3): the database or Redis stopped and restarted under load. Private instances
// on spare ports (lib/services.ts). While the service is down, requests that need it are answered
// 503; once it is back the server recovers by itself (no restart); and nothing is half-written:
// every request of /pair writes two rows in one transaction, and no token has only one.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { writeApp } from '../helpers/server'
import { loadApp } from './apps/load'
import { startQuarkProcess, Client, waitFor, type QuarkProcess } from './lib/proc'
import { startPrivateRedis, startPrivatePostgres, redisAvailable, postgresBin } from './lib/services'
import { figure } from './lib/figures'

/** The error of the newest ticket of the load app, to name what a 500 was. */
function lastTicketError(folder: string): string {
  const dir = path.join(folder, 'applications', 'load', 'errors')
  if (!fs.existsSync(dir)) return ''
  const files = fs.readdirSync(dir).sort()
  if (!files.length) return ''
  const t = JSON.parse(fs.readFileSync(path.join(dir, files.at(-1)!), 'utf8'))
  return `${t.error?.name}: ${t.error?.code ?? ''} ${t.error?.message}`.slice(0, 300)
}

interface Sample { status: number; start: number; end: number; token: string; body: string }

/** Clients hitting `page` until stopped; every answer kept with its start and end times. */
function hammer(p: QuarkProcess, page: (i: number, c: number) => string, clients = 8) {
  const samples: Sample[] = []
  let running = true
  const done = Promise.all(Array.from({ length: clients }, async (_, c) => {
    const client = new Client(p.port, p.https)
    for (let i = 0; running; i++) {
      const url = page(i, c)
      const start = Date.now()
      const a = await client.request(url, { timeoutMs: 60_000 })
      samples.push({ status: a.error ? -1 : a.status, start, end: Date.now(), token: new URL(url, 'http://x').searchParams.get('t') ?? '', body: a.error ?? a.body.slice(0, 200) })
      if (a.status !== 200) await new Promise((r) => setTimeout(r, 20))
    }
    client.close()
  }))
  return { samples, async stop() { running = false; await done }, ok: () => samples.filter((s) => s.status === 200).length }
}

/** What the last answers were, for a failure message (a recovery that never came must say what it saw). */
function lastAnswers(samples: Sample[], n = 12): string {
  return samples.slice(-n).map((s) => `${s.status} after ${s.end - s.start} ms: ${s.body.replace(/\s+/g, ' ').slice(0, 80)}`).join(' | ')
}

/** Down window [downFrom, downTo]: requests inside it must be 503; requests wholly outside any window must be 200. */
function judge(samples: Sample[], downFrom: number, downTo: number): { inside: Record<string, number>; outside: Record<string, number>; wrongInside: Sample[]; wrongOutside: Sample[] } {
  const inside: Record<string, number> = {}, outside: Record<string, number> = {}
  const wrongInside: Sample[] = [], wrongOutside: Sample[] = []
  for (const s of samples) {
    if (s.start >= downFrom && s.end <= downTo) { inside[s.status] = (inside[s.status] ?? 0) + 1; if (s.status !== 503) wrongInside.push(s) }
    else if (s.end < downFrom || s.start > downTo) { outside[s.status] = (outside[s.status] ?? 0) + 1; if (s.status !== 200) wrongOutside.push(s) }
  }
  return { inside, outside, wrongInside, wrongOutside }
}

test('Redis stopped and restarted under load: 503 while down, recovery by itself', { timeout: 300_000, skip: !redisAvailable() && 'no redis-server here' }, async () => {
  const redis = await startPrivateRedis()
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-rel-redis-'))
  let p: QuarkProcess | undefined
  let h: ReturnType<typeof hammer> | undefined
  try {
    writeApp(path.join(folder, 'applications', 'load'), loadApp())
    p = await startQuarkProcess({ folder, https: false, env: { QUARK_REDIS_URL: redis.url } })
    const hh = hammer(p, (i, c) => `/load/default/cached?t=r${c}-${i}`)
    h = hh
    await waitFor('50 answers with Redis up', () => hh.ok() >= 50, 60_000, 20)
    await redis.stop()
    const downFrom = Date.now()
    await waitFor('20 answers with Redis down', () => hh.samples.filter((s) => s.start >= downFrom).length >= 20, 120_000, 20)
    const downTo = Date.now()
    await redis.start()
    const okBefore = hh.ok()
    await waitFor('recovery (50 more 200s)', () => hh.ok() >= okBefore + 50, 120_000, 20)
      .catch((e: Error) => { throw new Error(`${e.message}; the last answers: ${lastAnswers(hh.samples)}; the last ticket: ${lastTicketError(folder)}`) })
    await hh.stop()
    const j = judge(hh.samples, downFrom, downTo)
    figure('faults', 'Redis stopped and restarted under load', { requests: hh.samples.length, whileDown: j.inside, whileUp: j.outside, recoveredWithoutRestart: true, ticket: lastTicketError(folder) })
    assert.ok(Object.values(j.inside).reduce((a, b) => a + b, 0) > 0, 'requests were made while Redis was down')
    assert.deepEqual(j.wrongOutside.slice(0, 3), [], 'every request while Redis was up is a 200')
    assert.deepEqual(j.wrongInside.map((s) => s.status).slice(0, 3), [], `every request while Redis was down is a 503 (${lastTicketError(folder)})`)
  } finally {
    // the clients stop first, also when the test failed (else they hammer a closed port forever and
    // the test file never ends)
    await h?.stop()
    await p?.stop()
    await redis.dispose()
    fs.rmSync(folder, { recursive: true, force: true })
  }
})

test('PostgreSQL stopped (immediate) and restarted under load: 503 while down, recovery by itself, nothing half-written', { timeout: 300_000, skip: !postgresBin() && 'no initdb/pg_ctl here' }, async () => {
  const db = await startPrivatePostgres()
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-rel-pgdown-'))
  let p: QuarkProcess | undefined
  let h: ReturnType<typeof hammer> | undefined
  try {
    writeApp(path.join(folder, 'applications', 'load'), loadApp())
    p = await startQuarkProcess({ folder, https: false, env: { QUARK_REL_DB_URI: db.uri } })
    const hh = hammer(p, (i, c) => `/load/default/pair?t=p${c}-${i}`)
    h = hh
    await waitFor('50 answers with PostgreSQL up', () => hh.ok() >= 50, 60_000, 20)
    await db.stop()
    const downFrom = Date.now()
    await waitFor('20 answers with PostgreSQL down', () => hh.samples.filter((s) => s.start >= downFrom).length >= 20, 120_000, 20)
    const downTo = Date.now()
    await db.start()
    const okBefore = hh.ok()
    await waitFor('recovery (50 more 200s)', () => hh.ok() >= okBefore + 50, 120_000, 20)
      .catch((e: Error) => { throw new Error(`${e.message}; the last answers: ${lastAnswers(hh.samples)}; the last ticket: ${lastTicketError(folder)}`) })
    await hh.stop()
    const c = new pg.Client({ connectionString: db.uri })
    await c.connect()
    const rows = (await c.query('SELECT token, part FROM pair')).rows as { token: string; part: number }[]
    await c.end()
    const parts = new Map<string, number[]>()
    for (const r of rows) parts.set(r.token, [...(parts.get(r.token) ?? []), r.part])
    const half = [...parts].filter(([, v]) => v.length !== 2 || !v.includes(1) || !v.includes(2))
    const acked = hh.samples.filter((s) => s.status === 200).map((s) => s.token)
    const missing = acked.filter((t) => parts.get(t)?.length !== 2)
    const j = judge(hh.samples, downFrom, downTo)
    const statuses: Record<string, number> = {}
    for (const s of hh.samples) statuses[s.status] = (statuses[s.status] ?? 0) + 1
    figure('faults', 'PostgreSQL stopped and restarted under load', { requests: hh.samples.length, whileDown: j.inside, whileUp: j.outside, recoveredWithoutRestart: true, halfWritten: half.length, acknowledgedMissing: missing.length, ticket: lastTicketError(folder) })
    assert.deepEqual(half, [], 'no request half-written')
    assert.deepEqual(missing, [], 'every acknowledged request fully written')
    assert.ok(Object.values(j.inside).reduce((a, b) => a + b, 0) > 0, 'requests were made while PostgreSQL was down')
    assert.deepEqual(j.wrongOutside.slice(0, 3), [], 'every request while PostgreSQL was up is a 200')
    assert.deepEqual(j.wrongInside.map((s) => s.status).slice(0, 3), [], `every request while PostgreSQL was down is a 503 (${lastTicketError(folder)})`)
  } finally {
    // the clients stop first, also when the test failed (else they hammer a closed port forever and
    // the test file never ends)
    await h?.stop()
    await p?.stop()
    await db.dispose()
    fs.rmSync(folder, { recursive: true, force: true })
  }
})
