// Issue 16: IS_DATETIME with a `timezone` (an IANA name, Node's Intl rules):
// the input is that zone's clock, the result the instant in UTC, and the
// formatter shows the instant on that clock again.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isQuarkError } from '../../server/errors/index'
import * as V from '../../server/validators/index'

const iso = (r: [unknown, string | null]): [unknown, string | null] => [r[0] instanceof Date ? r[0].toISOString() : r[0], r[1]]
const Z = (s: string) => new Date(s)
const MSG = 'Enter date and time as 1963-08-28 14:30:59'

test('IS_DATETIME reads the input on the zone clock and returns the UTC instant', () => {
  const rome = V.IS_DATETIME({ timezone: 'Europe/Rome' })
  assert.deepEqual(iso(rome.validate('2024-01-15 10:00:00')), ['2024-01-15T09:00:00.000Z', null], 'CET is UTC+1')
  assert.deepEqual(iso(rome.validate('2024-07-15 10:00:00')), ['2024-07-15T08:00:00.000Z', null], 'CEST is UTC+2')
  assert.deepEqual(iso(rome.validate('2024-07-15T10:00')), ['2024-07-15T08:00:00.000Z', null], 'datetime-local input')
  assert.deepEqual(iso(V.IS_DATETIME({ timezone: 'Asia/Kolkata' }).validate('2024-01-01 00:00:00')), ['2023-12-31T18:30:00.000Z', null], 'half-hour offset, crossing the year')
  assert.deepEqual(iso(V.IS_DATETIME({ timezone: 'America/New_York' }).validate('2024-07-04 20:15:30')), ['2024-07-05T00:15:30.000Z', null])
  assert.deepEqual(iso(V.IS_DATETIME({ timezone: 'Pacific/Kiritimati' }).validate('2024-01-01 00:00:00')), ['2023-12-31T10:00:00.000Z', null], 'UTC+14')
  assert.deepEqual(iso(V.IS_DATETIME({ timezone: 'UTC' }).validate('2024-01-15 10:00:00')), ['2024-01-15T10:00:00.000Z', null])
  assert.deepEqual(iso(V.IS_DATETIME({ format: '%d/%m/%Y %H:%M', timezone: 'Europe/Rome' }).validate('15/07/2024 10:00')), ['2024-07-15T08:00:00.000Z', null])
  const instant = Z('2024-02-01T12:00:00Z')
  assert.equal(rome.validate(instant)[0], instant, 'a Date is already an instant')
})

test('a time the clock skips or shows twice takes standard time (as pytz localize(is_dst=False))', () => {
  const rome = V.IS_DATETIME({ timezone: 'Europe/Rome' })
  // 2024-03-31 02:00 CET the clocks jump to 03:00 CEST: 02:30 never happens
  assert.deepEqual(iso(rome.validate('2024-03-31 02:30:00')), ['2024-03-31T01:30:00.000Z', null])
  // 2024-10-27 03:00 CEST the clocks go back to 02:00 CET: 02:30 happens twice
  assert.deepEqual(iso(rome.validate('2024-10-27 02:30:00')), ['2024-10-27T01:30:00.000Z', null])
  const ny = V.IS_DATETIME({ timezone: 'America/New_York' })
  assert.deepEqual(iso(ny.validate('2024-03-10 02:30:00')), ['2024-03-10T07:30:00.000Z', null])
  assert.deepEqual(iso(ny.validate('2024-11-03 01:30:00')), ['2024-11-03T06:30:00.000Z', null])
  // either side of the change reads normally
  assert.deepEqual(iso(rome.validate('2024-03-31 01:59:59')), ['2024-03-31T00:59:59.000Z', null])
  assert.deepEqual(iso(rome.validate('2024-03-31 03:00:00')), ['2024-03-31T01:00:00.000Z', null])
})

test('the formatter shows the instant on the zone clock, and reads back to the same instant', () => {
  const rome = V.IS_DATETIME({ timezone: 'Europe/Rome' })
  assert.equal(rome.formatter(Z('2024-07-15T08:00:00Z')), '2024-07-15 10:00:00')
  assert.equal(rome.formatter(Z('2024-01-15T09:00:00Z')), '2024-01-15 10:00:00')
  assert.equal(rome.formatter(Z('2024-10-27T00:30:00Z')), '2024-10-27 02:30:00', 'first 02:30 (CEST)')
  assert.equal(rome.formatter(Z('2024-10-27T01:30:00Z')), '2024-10-27 02:30:00', 'second 02:30 (CET)')
  assert.equal(rome.formatter(null), null)
  assert.equal(V.IS_DATETIME({ format: '%d/%m/%Y %I:%M %p', timezone: 'America/Los_Angeles' }).formatter(Z('2024-07-04T19:05:00Z')), '04/07/2024 12:05 PM')
  assert.equal(V.IS_DATETIME().formatter(Z('2024-07-15T08:00:00Z')), '2024-07-15 08:00:00', 'no zone: UTC as before')
  for (const zone of ['Europe/Rome', 'America/Sao_Paulo', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Africa/Casablanca', 'Pacific/Chatham']) {
    const v = V.IS_DATETIME({ timezone: zone })
    for (const text of ['2024-01-15 12:00:00', '2024-06-30 23:59:59', '1999-12-31 12:34:56', '2100-02-28 12:00:00', '1970-01-01 12:00:00']) {
      const [instant, err] = v.validate(text)
      assert.equal(err, null, `${zone} ${text}`)
      assert.equal(v.formatter(instant), text, `${zone} ${text}`)
    }
  }
})

test('IS_DATETIME_IN_RANGE with a timezone compares instants and shows its bounds on the zone clock', () => {
  const v = V.IS_DATETIME_IN_RANGE({ minimum: Z('2024-01-01T00:00:00Z'), maximum: Z('2024-12-31T00:00:00Z'), timezone: 'Europe/Rome' })
  assert.deepEqual(iso(v.validate('2024-01-01 00:30:00')), ['2024-01-01 00:30:00', 'Enter date and time in range 2024-01-01 01:00:00 2024-12-31 01:00:00'], '00:30 in Rome is 23:30 UTC of the day before')
  assert.deepEqual(iso(v.validate('2024-01-01 01:00:00')), ['2024-01-01T00:00:00.000Z', null])
})

test('years before 100 stay themselves; year 0 and hostile inputs get the message, never a throw', () => {
  assert.deepEqual(iso(V.IS_DATETIME().validate('0050-06-01 12:00:00')), ['0050-06-01T12:00:00.000Z', null])
  assert.deepEqual(iso(V.IS_DATETIME({ timezone: 'UTC' }).validate('0001-01-01 00:00:00')), ['0001-01-01T00:00:00.000Z', null])
  assert.deepEqual(iso(V.IS_DATE().validate('0099-12-31')), ['0099-12-31T00:00:00.000Z', null])
  assert.equal(V.IS_DATETIME({ timezone: 'UTC' }).formatter(Z('0050-06-01T12:00:00Z')), '0050-06-01 12:00:00')
  const rome = V.IS_DATETIME({ timezone: 'Europe/Rome' })
  assert.deepEqual(rome.validate('0000-01-01 00:00:00'), ['0000-01-01 00:00:00', MSG])
  assert.deepEqual(iso(rome.validate('9999-12-31 23:59:59')), ['9999-12-31T22:59:59.000Z', null])
  for (const bad of ['', '2024-02-30 10:00:00', '2024-13-01 10:00:00', '２０２４-01-01 10:00:00', '__proto__', '1e309', 'NaN', '2024-01-01 10:00:00\u0000']) {
    assert.deepEqual(rome.validate(bad), [bad, MSG], JSON.stringify(bad))
  }
  for (const bad of [NaN, 1e309, 1700000000000, {}, [], null, undefined, true, new Date(NaN)]) {
    assert.deepEqual(rome.validate(bad), [bad, MSG], String(bad))
  }
})

test('an unknown time zone is refused when the validator is made', () => {
  for (const zone of ['Mars/Olympus_Mons', '__proto__', '', '../../etc/passwd', 'Europe/Rome\u0000']) {
    assert.throws(() => V.IS_DATETIME({ timezone: zone }), (e) => isQuarkError(e) && e.code === 'QK_VALIDATORS_BAD_ARGUMENT', JSON.stringify(zone))
  }
  assert.throws(() => V.IS_DATETIME_IN_RANGE({ timezone: 'Nowhere/Land' }), (e) => isQuarkError(e) && e.code === 'QK_VALIDATORS_BAD_ARGUMENT')
})
