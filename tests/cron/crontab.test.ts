import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseCrontab, parseTask, describeTask } from '../../server/cron/index'

test('a crontab with good and bad lines: bad ones reported by line number, the rest kept', () => {
  const text = [
    '# nightly jobs',
    '',
    '*/5 * * * * *blog/default/cleanup',
    '0 3 * * mon root private/report.ts',
    '61 * * * * *blog/default/bad_minute',
    '@reboot *blog/default/warmup/a%20b/c?x=1&y=two',
    'not a cron line at all',
    '@hourly rm -rf /',
    '* * * * * *other/default/steal',
    '* * * * * ../../etc/passwd.ts',
  ].join('\n')
  const { entries, errors } = parseCrontab(text, 'blog')
  assert.deepEqual(entries.map((e) => e.line), [3, 4, 6])
  assert.deepEqual(errors.map((e) => e.line), [5, 7, 8, 9, 10])
  assert.match(errors[0]!.message, /minute "61".*outside 0-59/)
  assert.match(errors[2]!.message, /expected one task/)
  assert.match(errors[3]!.message, /own app/)
  assert.match(errors[4]!.message, /inside the app/)
  assert.deepEqual(entries[0]!.task, { kind: 'action', app: 'blog', controller: 'default', function: 'cleanup', args: [], vars: {} })
  assert.deepEqual(entries[1]!.task, { kind: 'script', app: 'blog', script: 'private/report.ts' })
  assert.deepEqual(entries[2]!.task, { kind: 'action', app: 'blog', controller: 'default', function: 'warmup', args: ['a b', 'c'], vars: { x: '1', y: 'two' } })
  assert.equal(entries[2]!.schedule.reboot, true)
})

test('repeated identical lines get distinct keys', () => {
  const { entries } = parseCrontab('* * * * * *a/default/x\n* * * * * *a/default/x\n', 'a')
  assert.deepEqual(entries.map((e) => e.key), ['* * * * * *a/default/x', '* * * * * *a/default/x#2'])
})

test('tasks: web2py spellings accepted, dangerous ones refused', () => {
  assert.deepEqual(parseTask('applications/a/cron/job.ts', 'a'), { kind: 'script', app: 'a', script: 'cron/job.ts' })
  assert.deepEqual(parseTask('./private/../cron/x.js', 'a'), { kind: 'script', app: 'a', script: 'cron/x.js' })
  for (const [tok, why] of [
    ['**a/default/x', /not supported/],
    ['*a/default', /\*app\/controller\/function/],
    ['*a/de-fault/x', /bad controller/],
    ['*a/default/1x', /bad function/],
    ['/etc/cron.ts', /relative/],
    ['private/run.sh', /\.ts or \.js/],
  ] as const) {
    assert.throws(() => parseTask(tok, 'a'), (e: Error & { code?: string }) => e.code === 'QK_CRON_BAD_TASK' && why.test(e.message), tok)
  }
  assert.equal(describeTask(parseTask('*a/default/x/1', 'a')), '*a/default/x/1')
})
