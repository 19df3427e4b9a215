import { test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { HardCron, SoftCron, startCron, listApps, type CronRunRecord } from '../../server/cron/index'
import { makeSite, recorder, writeCrontab, sleep, fastClock } from './helpers'

// one real second is one cron minute, and hard cron ticks every second: each tick is a new minute
const SPEED = 60

test('hard cron: every line runs each minute, a slow line never overlaps itself, a bad line is reported, edits apply live', async (t) => {
  const site = makeSite({ a: '* * * * * *a/default/every\n* * * * * *a/default/slow\nthis line is broken\n* * * * * *a/default/fail\n' })
  t.after(site.cleanup)
  const rec = recorder(2500)
  const logs: string[] = []
  const records: CronRunRecord[] = []
  const cron = new HardCron(listApps(site.root), {
    runTask: rec.runTask, clock: fastClock(new Date('2026-05-01T10:00:00'), SPEED),
    logger: (m) => logs.push(m), onRun: (r) => records.push(r), lockFile: path.join(site.appsFolder, '.cron.lock'),
  }).start()
  t.after(() => cron.stop())
  await sleep(4600)
  writeCrontab(path.join(site.appsFolder, 'a'), '* * * * * *a/default/every\n* * * * * *a/default/slow\n* * * * * *a/default/added\n')
  await sleep(3000)
  await cron.stop()

  const of = (name: string) => rec.runs.filter((r) => r.task === name)
  assert.ok(of('every').length >= 4, `every ran ${of('every').length} times`)
  const slow = of('slow').sort((x, y) => x.start - y.start)
  assert.ok(slow.length >= 2, `slow ran ${slow.length} times`)
  for (let i = 1; i < slow.length; i++) assert.ok(slow[i]!.start >= slow[i - 1]!.end, 'a run of a line never starts before its previous run ended')
  assert.ok(records.some((r) => r.skipped === 'overlap' && r.task === '*a/default/slow'), 'the skipped overlapping run is logged')
  assert.ok(logs.some((l) => /crontab line 3 skipped: .*this line is broken|crontab line 3 skipped/.test(l)), logs.join('\n'))
  assert.ok(of('fail').length >= 3, 'the failing line kept being run')
  assert.ok(records.some((r) => r.task === '*a/default/fail' && !r.ok && r.error === 'job failed on purpose'))
  assert.ok(of('added').length >= 1, 'a line added while running was picked up without a restart')
  const lastFail = Math.max(...of('fail').map((r) => r.start))
  const edit = of('added')[0]!.start
  assert.ok(lastFail < edit + 1000, 'the removed line stopped running after the edit')
  assert.ok(records.filter((r) => r.ok && !r.skipped).every((r) => r.durationMs >= 0 && r.pid === process.pid))
})

test('hard cron: @reboot lines run once at start', async (t) => {
  const site = makeSite({ a: '@reboot *a/default/boot\n@hourly *a/default/never\n' })
  t.after(site.cleanup)
  const rec = recorder()
  const cron = new HardCron(listApps(site.root), { runTask: rec.runTask, logger: () => {} }).start()
  await sleep(1300)
  await cron.stop()
  assert.deepEqual(rec.runs.map((r) => r.task), ['boot'])
})

test('cluster: two processes sharing the lock file, exactly one runs cron; the other takes over when it stops', async (t) => {
  const site = makeSite({ a: '* * * * * *a/default/every\n' })
  t.after(site.cleanup)
  const lockFile = path.join(site.appsFolder, '.cron.lock')
  const clock = fastClock(new Date('2026-05-01T10:00:00'), SPEED)
  const r1 = recorder()
  const r2 = recorder()
  const c1 = new HardCron(listApps(site.root), { runTask: r1.runTask, clock, logger: () => {}, lockFile }).start()
  const c2 = new HardCron(listApps(site.root), { runTask: r2.runTask, clock, logger: () => {}, lockFile }).start()
  t.after(async () => { await c1.stop(); await c2.stop() })
  await sleep(4200)
  assert.ok(r1.runs.length >= 2, `leader ran ${r1.runs.length}`)
  assert.equal(r2.runs.length, 0, 'the second process never runs while the first holds the lock')
  await c1.stop()
  const before = r1.runs.length
  await sleep(3500)
  assert.equal(r1.runs.length, before)
  assert.ok(r2.runs.length >= 1, 'the second process took over')
})

test('soft cron: tick() is rate-limited and runs due lines in the background', async (t) => {
  const site = makeSite({ a: '* * * * * *a/default/every\n* * * * * *a/default/slow\n' })
  t.after(site.cleanup)
  const rec = recorder(400)
  const cron = new SoftCron(listApps(site.root), { runTask: rec.runTask, clock: fastClock(new Date('2026-05-01T10:00:00'), SPEED), logger: () => {}, minIntervalMs: 300 })
  t.after(() => cron.stop())
  await sleep(1100) // a cron minute passes with no request: nothing runs
  assert.equal(rec.runs.length, 0)
  const t0 = Date.now()
  for (let i = 0; i < 100; i++) cron.tick()
  assert.ok(Date.now() - t0 < 200, 'tick never waits for the jobs')
  await sleep(50)
  assert.deepEqual(rec.runs.map((r) => r.task).sort(), ['every', 'slow'], 'a hundred ticks at once check once')
  await sleep(1100)
  cron.tick()
  await cron.idle()
  assert.equal(rec.runs.filter((r) => r.task === 'every').length, 2)
})

test('startCron: modes, and bad mode refused', async (t) => {
  const site = makeSite({ a: '@reboot *a/default/boot\n' })
  t.after(site.cleanup)
  assert.throws(() => startCron(site.root, undefined, { mode: 'sometimes' as never }), /Unknown cron mode "sometimes"/)
  const none = startCron(site.root, undefined, { mode: 'none' })
  none.tick()
  await none.stop()
  const rec = recorder()
  const soft = startCron(site.root, ['a'], { mode: 'soft', runTask: rec.runTask, logger: () => {} })
  soft.tick()
  await soft.stop()
  assert.deepEqual(rec.runs.map((r) => r.task), ['boot'])
  const hard = startCron(site.root, undefined, { runTask: rec.runTask, logger: () => {} })
  assert.equal(hard.mode, 'hard')
  await sleep(100)
  await hard.stop()
  assert.equal(rec.runs.length, 2)
})
