/**
 * External cron on many machines: `quark cron` spawned from the checkout as a system crontab would, on two
 * sites with their own disks (two "machines": their state and lock files cannot help), sharing one lease
 * in PostgreSQL (applications/cron.json). Each round starts both at once with the same test clock (frozen
 * at a minute of its own): the line's minute runs on exactly one of them, the other says it was run
 * elsewhere; every run is recorded in the database with its line, start, host, pid and result.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { checkout, quark, type Site } from '../cli/helpers'
import { writeApp } from '../helpers/server'
import { createTestDatabase } from '../helpers/databases'

const ROUNDS = 3

test('quark cron on two machines sharing a PostgreSQL lease: each minute of a line runs once, recorded in the database', { timeout: 600_000 }, async () => {
  const pgdb = await createTestDatabase('postgres', 'cron_ext')
  const sites: Site[] = [checkout.site(), checkout.site()]
  try {
    for (const site of sites) {
      const apps = path.join(site.dir, 'applications')
      writeApp(path.join(apps, 'shop'), {
        'controllers/default.ts': 'export function tick() { return "ok" }',
        'cron/crontab': '* * * * * *shop/default/tick\n',
      })
      fs.writeFileSync(path.join(apps, 'cron.json'), JSON.stringify({ lease: { store: 'database', uri: pgdb.uri, name: 'ext-test' } }))
    }
    const ticks: string[] = []
    for (let round = 0; round < ROUNDS; round++) {
      // a clock all but frozen 30 s into its own minute: both processes see the same minute whenever they start
      const at = Date.parse('2026-05-01T10:00:30Z') + round * 60_000
      for (const site of sites) site.env.QUARK_CRON_TEST_CLOCK = `${at}:${Date.now()}:0.000001`
      const results = await Promise.all(sites.map((site) => quark(site, ['cron', '-f', '.'])))
      for (const r of results) assert.equal(r.code, 0, r.stdout + r.stderr)
      const ran = results.filter((r) => /\[cron\] shop: \*shop\/default\/tick \(line 1\) ok/.test(r.stdout))
      const skipped = results.filter((r) => /\[cron\] shop: line 1 \(.*\) already run by another process or machine/.test(r.stdout))
      assert.equal(ran.length, 1, `round ${round}: one machine ran the minute\n${results.map((r) => r.stdout + r.stderr).join('\n---\n')}`)
      assert.equal(skipped.length, 1, `round ${round}: the other was told it ran elsewhere`)
      ticks.push(new Date(Math.floor(at / 60_000) * 60_000).toISOString())
    }
    const c = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: pgdb.name })
    await c.connect()
    try {
      const rows = (await c.query('SELECT app, line, task, tick, started_at, host, pid, ok FROM qk_cron_run ORDER BY tick')).rows
      assert.deepEqual(rows.map((r) => r.tick), ticks, 'one recorded run per minute, each minute once')
      for (const r of rows) {
        assert.equal(r.app, 'shop')
        assert.equal(r.line, 1)
        assert.equal(r.task, '*shop/default/tick')
        assert.equal(r.host, os.hostname())
        assert.ok(r.pid > 0 && r.ok === true && !Number.isNaN(Date.parse(r.started_at)), JSON.stringify(r))
      }
      // the claims live in the same database: one per minute
      assert.equal(Number((await c.query('SELECT COUNT(*) AS n FROM qk_cron_claim')).rows[0].n), ROUNDS)
    } finally { await c.end() }
  } finally {
    for (const s of sites) s.cleanup()
    await pgdb.drop()
  }
})
