import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseSchedule, nextRun, matches, isDue } from '../../server/cron/index'

const at = (s: string) => new Date(s) // local time, as cron uses
const iso = (d: Date | null) => {
  assert.ok(d, 'expected a next run')
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`
}

test('fields: star, ranges, steps, lists and names', () => {
  const s = parseSchedule('*/15 8-10,22 1 jan-MAR mon-fri')
  assert.deepEqual([...s.minutes], [0, 15, 30, 45])
  assert.deepEqual([...s.hours], [8, 9, 10, 22])
  assert.deepEqual([...s.months], [1, 2, 3])
  assert.deepEqual([...s.daysOfWeek], [1, 2, 3, 4, 5])
  assert.deepEqual([...parseSchedule('5/20 * * * *').minutes], [5, 25, 45])
  assert.deepEqual([...parseSchedule('0-10/5 * * * *').minutes], [0, 5, 10])
  assert.deepEqual([...parseSchedule('0 0 * * 7').daysOfWeek], [0], '7 is Sunday')
})

test('keywords expand to their schedules', () => {
  assert.deepEqual([...parseSchedule('@hourly').minutes], [0])
  assert.equal(parseSchedule('@daily').hours.size, 1)
  assert.deepEqual([...parseSchedule('@weekly').daysOfWeek], [0])
  assert.deepEqual([...parseSchedule('@monthly').daysOfMonth], [1])
  assert.deepEqual([...parseSchedule('@yearly').months], [1])
  assert.deepEqual([...parseSchedule('@midnight').hours], [0])
  assert.equal(parseSchedule('@reboot').reboot, true)
  assert.equal(nextRun(parseSchedule('@reboot'), new Date()), null)
})

test('bad schedules are refused with a reason', () => {
  const bad: Array<[string, RegExp]> = [
    ['* * * *', /expected 5 fields/],
    ['60 * * * *', /outside 0-59/],
    ['* 24 * * *', /outside 0-23/],
    ['* * 0 * *', /outside 1-31/],
    ['* * * 13 *', /outside 1-12/],
    ['* * * * 8', /outside 0-7/],
    ['*/0 * * * *', /step must be at least 1/],
    ['10-5 * * * *', /goes backwards/],
    ['* * * foo *', /not a number or a name/],
    ['1,,2 * * * *', /empty list item/],
    ['@fortnightly', /unknown keyword/],
    ['*/x * * * *', /not a number/],
  ]
  for (const [text, why] of bad) {
    assert.throws(() => parseSchedule(text), (e: Error & { code?: string }) => e.code === 'QK_CRON_BAD_SCHEDULE' && why.test(e.message), text)
  }
})

test('nextRun: minutes, hours, month ends and leap days', () => {
  assert.equal(iso(nextRun(parseSchedule('*/15 * * * *'), at('2026-03-10T10:07:30'))), '2026-03-10T10:15')
  assert.equal(iso(nextRun(parseSchedule('*/15 * * * *'), at('2026-03-10T10:15:00'))), '2026-03-10T10:30', 'strictly after')
  assert.equal(iso(nextRun(parseSchedule('30 2 * * *'), at('2026-03-10T10:07'))), '2026-03-11T02:30')
  assert.equal(iso(nextRun(parseSchedule('@monthly'), at('2026-12-31T23:59'))), '2027-01-01T00:00')
  assert.equal(iso(nextRun(parseSchedule('0 0 31 * *'), at('2026-04-01T00:00'))), '2026-05-31T00:00', 'April has no 31st')
  assert.equal(iso(nextRun(parseSchedule('0 12 29 2 *'), at('2026-03-01T00:00'))), '2028-02-29T12:00')
  assert.equal(nextRun(parseSchedule('0 0 30 2 *'), at('2026-01-01T00:00')), null, '30 February never comes')
  assert.equal(iso(nextRun(parseSchedule('0 9 * * mon'), at('2026-11-23T09:00'))), '2026-11-30T09:00') // 23 Nov 2026 is a Monday
})

test('day of month and day of week: OR when both are restricted, AND otherwise', () => {
  const either = parseSchedule('0 0 13 * fri') // the 13th, and every Friday
  assert.ok(matches(either, at('2026-11-13T00:00'))) // a Friday the 13th
  assert.ok(matches(either, at('2026-11-20T00:00'))) // a Friday
  assert.ok(matches(either, at('2026-10-13T00:00'))) // a Tuesday the 13th
  assert.ok(!matches(either, at('2026-11-19T00:00')))
  const fridays = parseSchedule('0 0 * * fri')
  assert.ok(!matches(fridays, at('2026-10-13T00:00')))
  assert.equal(iso(nextRun(fridays, at('2026-11-23T00:00'))), '2026-11-27T00:00')
})

test('isDue covers the window (from, to] exactly once per window', () => {
  const s = parseSchedule('0 * * * *')
  assert.ok(isDue(s, at('2026-01-01T09:59'), at('2026-01-01T10:00')))
  assert.ok(!isDue(s, at('2026-01-01T10:00'), at('2026-01-01T10:59')))
  assert.ok(isDue(s, at('2026-01-01T03:12'), at('2026-01-01T10:59')), 'missed hours still make it due once')
})
