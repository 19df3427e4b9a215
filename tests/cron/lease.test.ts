/**
 * Cron across machines through a shared lease (applications/cron.json): two real Quark processes with
 * hard cron, each on its own copy of the site (as two machines with their own disks, so the lock file
 * cannot help), sharing only the lease; a test clock on which one real second is one cron minute (the same in both
 * processes). Each scheduled minute of a line runs once, never twice; when the holder is SIGKILLed the
 * other process takes over once the lease expires. Run on PostgreSQL and on Redis.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import crypto from 'node:crypto'
import pg from 'pg'
import { writeApp } from '../helpers/server'
import { createTestDatabase } from '../helpers/databases'
import { startQuarkProcess, type QuarkProcess } from '../session/processes'
import type { CronRunRecord } from '../../server/cron'

function runsOf(appFolder: string): CronRunRecord[] {
  let text = ''
  try { text = fs.readFileSync(path.join(appFolder, 'cron', 'cron.log'), 'utf8') } catch { return [] }
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as CronRunRecord).filter((r) => r.task === '*shop/default/tick')
}

/** wait (polling the log, no fixed sleep) until `ok` holds; fail with what was seen after `ms` */
async function until(source: () => CronRunRecord[], ok: (runs: CronRunRecord[]) => boolean, what: string, ms = 120_000): Promise<CronRunRecord[]> {
  const deadline = Date.now() + ms
  for (;;) {
    const runs = source()
    if (ok(runs)) return runs
    if (Date.now() > deadline) throw new Error(`${what}: not reached; runs: ${JSON.stringify(runs.map((r) => [r.tick ?? r.startedAt, r.pid]))}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** Two sites (two "machines"), one lease; with `lease` undefined, each site runs its own cron. */
async function scenario(lease: Record<string, unknown> | undefined): Promise<{ all: CronRunRecord[]; holder: number; survivor: number }> {
  const name = `test-${crypto.randomBytes(5).toString('hex')}`
  const roots = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'quark-cron-lease-')))
  const appFolders = roots.map((root) => {
    const apps = path.join(root, 'applications')
    writeApp(path.join(apps, 'shop'), {
      'controllers/default.ts': 'export function tick() { return "ok" }',
      'cron/crontab': '* * * * * *shop/default/tick\n',
    })
    if (lease) fs.writeFileSync(path.join(apps, 'cron.json'), JSON.stringify({ lease: { ...lease, ttl: 3000, name } }))
    return path.join(apps, 'shop')
  })
  const runs = () => appFolders.flatMap(runsOf)
  const env = { QUARK_CRON_TEST_CLOCK: `${Date.parse('2026-05-01T10:00:00Z')}:${Date.now()}:60` }
  const procs: QuarkProcess[] = []
  try {
    for (const root of roots) procs.push(await startQuarkProcess(root, ['--cron', 'hard'], env))
    const before = await until(runs, (r) => new Set(r.map((x) => x.tick ?? x.startedAt)).size >= 6, 'six minutes run')
    const holder = before[before.length - 1]!.pid
    const victim = procs.find((p) => p.child.pid === holder)!
    const survivor = procs.find((p) => p.child.pid !== holder)!
    await victim.stop('SIGKILL')
    const killedAt = runs().length
    const all = await until(runs, (r) => r.slice(killedAt).filter((x) => x.pid === survivor.child.pid).length >= 3, 'the survivor took over')
    await survivor.stop()
    return { all: runs(), holder, survivor: survivor.child.pid! }
  } finally {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')))
    for (const root of roots) fs.rmSync(root, { recursive: true, force: true })
  }
}

async function leaseScenario(lease: Record<string, unknown>): Promise<CronRunRecord[]> {
  const { all, holder, survivor } = await scenario(lease)
  const ticks = all.map((r) => r.tick)
  assert.ok(ticks.every((t) => typeof t === 'string'), 'every run names its scheduled minute')
  const seen = new Map<string, number>()
  for (const t of ticks) seen.set(t!, (seen.get(t!) ?? 0) + 1)
  const twice = [...seen].filter(([, n]) => n > 1)
  assert.deepEqual(twice, [], 'no scheduled minute ran twice')
  assert.ok(all.every((r) => r.ok), JSON.stringify(all.filter((r) => !r.ok)))
  assert.ok(all.some((r) => r.pid === holder) && all.some((r) => r.pid === survivor), 'both processes ran cron, one after the other')
  assert.ok(all.every((r) => r.host === os.hostname()))
  return all
}

test('cron lease on PostgreSQL: two processes run each minute once; the survivor takes over after SIGKILL', { timeout: 300_000 }, async () => {
  const pgdb = await createTestDatabase('postgres', 'cron')
  try {
    const all = await leaseScenario({ store: 'database', uri: pgdb.uri })
    // the runs are recorded in the database too, where every machine reads them
    const c = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: pgdb.name })
    await c.connect()
    try {
      const rows = (await c.query('SELECT tick, host, pid, ok FROM qk_cron_run')).rows as Array<{ tick: string; host: string; pid: number; ok: boolean }>
      // (the SIGKILL may fall between a run's log line and its row: at most that one row is missing)
      const logged = new Set(all.map((r) => r.tick))
      assert.ok(rows.every((r) => logged.has(r.tick)), 'every recorded run is one of the log')
      assert.equal(new Set(rows.map((r) => r.tick)).size, rows.length, 'no minute recorded twice')
      assert.ok(rows.length >= all.length - 1, `${rows.length} rows for ${all.length} runs`)
      assert.ok(rows.every((r) => r.host === os.hostname() && r.ok && all.some((x) => x.pid === r.pid)))
    } finally { await c.end() }
  } finally { await pgdb.drop() }
})

test('cron lease on Redis: the same, with SET NX PX', { timeout: 300_000 }, async () => {
  await leaseScenario({ store: 'redis', url: 'redis://127.0.0.1:6379' })
})

test('without a lease, two machines each run every minute (what the lease prevents)', { timeout: 300_000 }, async () => {
  const { all, holder, survivor } = await scenario(undefined)
  const holderLast = Math.max(...all.filter((r) => r.pid === holder).map((r) => Date.parse(r.startedAt)))
  const meanwhile = all.filter((r) => r.pid === survivor && Date.parse(r.startedAt) < holderLast).length
  assert.ok(meanwhile >= 2, `the other machine ran ${meanwhile} times while the first was running cron too`)
})

test('cron lease on MySQL/MariaDB: the same', { timeout: 300_000 }, async () => {
  const mydb = await createTestDatabase('mysql', 'cron')
  try { await leaseScenario({ store: 'database', uri: mydb.uri }) } finally { await mydb.drop() }
})
