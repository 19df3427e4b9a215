import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { runDueOnce, readState, readRunLog, cronCommand, LockFile } from '../../server/cron/index'
import { makeSite, recorder } from './helpers'

const at = (s: string) => () => new Date(s)

test('external: runs what is due since the last recorded run, once, and keeps state atomically', async (t) => {
  const site = makeSite({
    blog: '*/10 * * * * *blog/default/ten\n0 * * * * *blog/default/hourly\nbad line here\n@reboot *blog/default/boot\n',
    shop: '* * * * * *shop/default/every\n',
  })
  t.after(site.cleanup)
  const rec = recorder()
  const quiet = () => {}

  // first call ever: the window is the current minute
  let res = await runDueOnce(site.root, { runTask: rec.runTask, clock: at('2026-05-01T10:00:30'), logger: quiet })
  assert.deepEqual(rec.runs.map((r) => `${r.app}:${r.task}`).sort(), ['blog:hourly', 'blog:ten', 'shop:every'])
  const blog = res.find((r) => r.app === 'blog')!
  assert.deepEqual(blog.badLines.map((b) => b.line), [3], 'the broken line is reported with its number')
  assert.equal(readState(path.join(site.appsFolder, 'blog')).lastCheck, new Date('2026-05-01T10:00:30').toISOString())

  // same minute again: nothing is due twice
  rec.runs.length = 0
  await runDueOnce(site.root, { runTask: rec.runTask, clock: at('2026-05-01T10:00:50'), logger: quiet })
  assert.equal(rec.runs.length, 0)

  // three hours missed (machine off): each line runs once, not once per missed slot
  rec.runs.length = 0
  res = await runDueOnce(site.root, { runTask: rec.runTask, clock: at('2026-05-01T13:05:00'), logger: quiet })
  assert.deepEqual(rec.runs.map((r) => `${r.app}:${r.task}`).sort(), ['blog:hourly', 'blog:ten', 'shop:every'])
  assert.ok(!rec.runs.some((r) => r.task === 'boot'), '@reboot lines do not run from an external cron')

  // only the chosen app
  rec.runs.length = 0
  await runDueOnce(site.root, { runTask: rec.runTask, clock: at('2026-05-01T13:06:00'), logger: quiet, apps: ['blog'] })
  assert.equal(rec.runs.length, 0, 'blog has nothing due at 13:06 and shop was not asked for')

  const state = readState(path.join(site.appsFolder, 'shop'))
  assert.ok(state.runs['* * * * * *shop/default/every']?.ok)
  const log = readRunLog(path.join(site.appsFolder, 'shop'))
  assert.equal(log.length, 2)
  assert.ok(log.every((l) => l.ok && typeof l.durationMs === 'number' && l.task === '*shop/default/every'))
  assert.equal(fs.readdirSync(path.join(site.appsFolder, 'shop', 'cron')).filter((f) => f.endsWith('.tmp')).length, 0, 'no temp files left')
})

test('external: a failing job is logged as failed and the others still run', async (t) => {
  const site = makeSite({ a: '* * * * * *a/default/fail\n* * * * * *a/default/ok\n' })
  t.after(site.cleanup)
  const rec = recorder()
  const [res] = await runDueOnce(site.root, { runTask: rec.runTask, clock: at('2026-05-01T10:00:30'), logger: () => {} })
  assert.equal(res!.runs.length, 2)
  const failed = res!.runs.find((r) => r.task === '*a/default/fail')!
  assert.equal(failed.ok, false)
  assert.equal(failed.error, 'job failed on purpose')
  assert.equal(res!.runs.find((r) => r.task === '*a/default/ok')!.ok, true)
  assert.equal(readState(path.join(site.appsFolder, 'a')).runs['* * * * * *a/default/fail']!.ok, false)
})

test('external: an app whose cron lock is held by a live process is skipped; a dead owner\'s lock is taken', async (t) => {
  const site = makeSite({ a: '* * * * * *a/default/x\n' })
  t.after(site.cleanup)
  const lockFile = path.join(site.appsFolder, 'a', 'cron', 'cron.lock')
  const other = new LockFile(lockFile)
  assert.ok(other.tryAcquire())
  const rec = recorder()
  let [res] = await runDueOnce(site.root, { runTask: rec.runTask, clock: at('2026-05-01T10:00:30'), logger: () => {} })
  assert.equal(res!.locked, true)
  assert.equal(rec.runs.length, 0)
  other.release()

  // a lock left by a process that no longer exists
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString()
  fs.writeFileSync(lockFile, JSON.stringify({ pid: Number(dead), host: (await import('node:os')).hostname(), token: 'old', since: '' }))
  ;[res] = await runDueOnce(site.root, { runTask: rec.runTask, clock: at('2026-05-01T10:00:30'), logger: () => {} })
  assert.equal(res!.locked, false)
  assert.equal(rec.runs.length, 1)
  assert.ok(!fs.existsSync(lockFile), 'the lock is released after the run')
})

test('quark cron: arguments, help, exit codes', async (t) => {
  const site = makeSite({ a: '* * * * * *a/default/fail\n' })
  t.after(site.cleanup)
  const lines: string[] = []
  const out = (l: string) => lines.push(l)
  assert.equal(await cronCommand(['--bogus'], { out }), 2)
  assert.match(lines.join('\n'), /unknown argument "--bogus"/)
  assert.equal(await cronCommand(['-f'], { out }), 2)
  assert.equal(await cronCommand(['-h'], { out }), 0)
  assert.match(lines.join('\n'), /usage: quark cron/)
  assert.equal(await cronCommand(['-f', path.join(site.root, 'nope')], { out }), 2)
  const rec = recorder()
  assert.equal(await cronCommand(['-f', site.root, '-a', 'a'], { out, runTask: rec.runTask }), 1, 'a failed job gives exit code 1')
  assert.equal(rec.runs.length, 1)
  assert.match(lines.join('\n'), /\*a\/default\/fail \(line 1\) FAILED: job failed on purpose in [\d.]+ ms/)
})

test('external: lines removed from the crontab are forgotten in the state; readCrontab reports bad lines', async (t) => {
  const { readCrontab } = await import('../../server/cron/index')
  const { writeCrontab } = await import('./helpers')
  const site = makeSite({ a: '* * * * * *a/default/one\n* * * * * *a/default/two\n' })
  t.after(site.cleanup)
  const appFolder = path.join(site.appsFolder, 'a')
  const rec = recorder()
  await runDueOnce(site.root, { runTask: rec.runTask, clock: at('2026-05-01T10:00:30'), logger: () => {} })
  assert.deepEqual(Object.keys(readState(appFolder).runs).sort(), ['* * * * * *a/default/one', '* * * * * *a/default/two'])
  writeCrontab(appFolder, '* * * * * *a/default/two\n99 * * * * *a/default/bad\n')
  await runDueOnce(site.root, { runTask: rec.runTask, clock: at('2026-05-01T10:01:30'), logger: () => {} })
  assert.deepEqual(Object.keys(readState(appFolder).runs), ['* * * * * *a/default/two'])
  const ct = readCrontab(appFolder, 'a')
  assert.equal(ct.entries.length, 1)
  assert.deepEqual(ct.errors.map((e) => e.line), [2])
})
