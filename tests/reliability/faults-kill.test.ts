// Faults (#17 item 3): kill -9 of the server process during 1,000 inserts, on SQLite (WAL) and
// PostgreSQL. Every row whose request got a 200 is present with the id it was acknowledged
// with; every row present is one that was sent, once; the rows not acknowledged are at most
// the requests in flight at the kill; SQLite's integrity_check is ok; a restart serves again.
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
import { startQuarkProcess, Client, waitFor } from './lib/proc'
import { figure } from './lib/figures'

const TOTAL = 1000
const PARALLEL = 16

for (const dbKind of ['sqlite', 'postgres'] as const) {
  test(`kill -9 of the server during ${TOTAL} inserts: ${dbKind}`, { timeout: 300_000 }, async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-rel-kill-'))
    let pgdb: TestDatabase | undefined
    const env: Record<string, string> = {}
    try {
      writeApp(path.join(folder, 'applications', 'load'), loadApp())
      if (dbKind === 'postgres') { pgdb = await createTestDatabase('postgres', 'rel_kill'); env.QUARK_REL_DB_URI = pgdb.uri }
      const p = await startQuarkProcess({ folder, https: false, env })
      const sent = new Set<string>()
      const acked = new Map<string, number>()
      const inFlight = new Set<string>()
      let inFlightAtKill = 0
      let killed = false
      let next = 0
      // the kill lands once a third of the inserts are acknowledged (an event, not a timer)
      const killAt = Math.floor(TOTAL / 3)
      const kill = (async () => {
        await waitFor('a third acknowledged', () => acked.size >= killAt, 120_000, 5)
        inFlightAtKill = inFlight.size
        killed = true
        await p.kill9()
      })()
      await Promise.all(Array.from({ length: PARALLEL }, async () => {
        const client = new Client(p.port, false)
        while (next < TOTAL && !killed) {
          const token = `k${next++}`
          sent.add(token)
          inFlight.add(token)
          const a = await client.request(`/load/default/insert?t=${token}`, { timeoutMs: 30_000 })
          inFlight.delete(token)
          if (a.status === 200) acked.set(token, JSON.parse(a.body).id)
        }
        client.close()
      }))
      await kill
      const exit = await p.exited
      assert.equal(exit.signal, 'SIGKILL')
      let rows: { token: string; id: number }[]
      let integrity = 'n/a'
      let journal = 'n/a'
      if (dbKind === 'sqlite') {
        const d = openSqlite(path.join(folder, 'applications', 'load', 'databases', 'load.sqlite'))
        const first = (rs: unknown) => String(Object.values((rs as Record<string, unknown>[])[0] ?? {})[0])
        try {
          journal = first(d.pragma('journal_mode'))
          integrity = first(d.pragma('integrity_check'))
          rows = d.prepare('SELECT token, id FROM hit').all([]).map((r) => ({ ...(r as object) })) as typeof rows
        } finally { d.close() }
        assert.equal(journal, 'wal')
        assert.equal(integrity, 'ok')
      } else {
        const c = new pg.Client({ connectionString: pgdb!.uri })
        await c.connect()
        try { rows = (await c.query('SELECT token, id FROM hit')).rows } finally { await c.end() }
      }
      const byToken = new Map<string, number>()
      for (const r of rows) { assert.ok(!byToken.has(r.token), `token ${r.token} twice`); byToken.set(r.token, r.id) }
      const missing = [...acked].filter(([t, id]) => byToken.get(t) !== id)
      assert.deepEqual(missing, [], 'every acknowledged row is present with its id')
      const strangers = rows.filter((r) => !sent.has(r.token))
      assert.deepEqual(strangers, [], 'no row that was never sent')
      const unacknowledged = rows.length - acked.size
      assert.ok(unacknowledged <= inFlightAtKill, `${unacknowledged} rows beyond the acknowledged, ${inFlightAtKill} requests were in flight`)
      // a restart on the same folder takes the rest of the 1,000 inserts, every one acknowledged
      const again = await startQuarkProcess({ folder, https: false, env })
      let rest = 0
      try {
        await Promise.all(Array.from({ length: PARALLEL }, async () => {
          const c = new Client(again.port, false)
          while (next < TOTAL) {
            const token = `k${next++}`
            const a = await c.request(`/load/default/insert?t=${token}`)
            assert.equal(a.status, 200, a.body)
            rest++
          }
          c.close()
        }))
      } finally { await again.stop() }
      assert.equal(sent.size + rest, TOTAL)
      figure('faults', `kill -9 during inserts, ${dbKind}`, { sentBeforeKill: sent.size, sentAfterRestart: rest, acknowledged: acked.size, present: rows.length, acknowledgedMissing: missing.length, committedUnacknowledged: unacknowledged, inFlightAtKill, journal, integrity })
    } finally {
      await pgdb?.drop()
      fs.rmSync(folder, { recursive: true, force: true })
    }
  })
}
