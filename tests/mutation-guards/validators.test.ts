/**
 * Guards for validators/numbers.ts found by mutation testing (issue 17 item
 * 6): the bounds of each range validator (inclusive or exclusive, as web2py
 * has them), what text counts as a number (no trailing junk such as
 * '12.34abc', no leading junk), exact decimals, and the messages.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { IS_INT_IN_RANGE, IS_FLOAT_IN_RANGE, IS_DECIMAL_IN_RANGE, str2dec } from '../../server/validators/numbers'
import { IS_IPV4 } from '../../server/validators/network'
import { IS_STRONG } from '../../server/validators/strong'

type V = { validate(v: unknown): unknown; formatter?(v: unknown): unknown }
const ok = (v: V, value: unknown, want: unknown) => assert.deepEqual(v.validate(value), [want, null], `${String(value)} accepted`)
const no = (v: V, value: unknown, msg?: string) => {
  const [, err] = v.validate(value) as [unknown, string | null]
  assert.ok(err, `${String(value)} refused`)
  if (msg !== undefined) assert.equal(err, msg)
}

test('IS_DECIMAL_IN_RANGE: both bounds inclusive, compared exactly', () => {
  const v = IS_DECIMAL_IN_RANGE(0, 10)
  ok(v, '10', '10')
  ok(v, '10.00', '10.00')
  ok(v, '0', '0')
  ok(v, '0.00', '0.00')
  no(v, '10.01')
  no(v, '10.000000000000000000001')
  no(v, '-0.01')
  no(v, '-0.000000000000000000001')
  ok(v, '9.999999999999999999999', '9.999999999999999999999')
  const cents = IS_DECIMAL_IN_RANGE('0.10', '0.30')
  ok(cents, '0.3', '0.3') // 0.1 + 0.2 would fail as a float
  ok(cents, '0.1', '0.1')
  no(cents, '0.09')
  no(cents, '0.31')
  const neg = IS_DECIMAL_IN_RANGE(-5, -1)
  ok(neg, '-1', '-1')
  ok(neg, '-5.0', '-5.0')
  no(neg, '-0.5')
  no(neg, '-5.01')
  ok(IS_DECIMAL_IN_RANGE(null, 3), '-1000', '-1000')
  ok(IS_DECIMAL_IN_RANGE(3, null), '1000', '1000')
  ok(IS_DECIMAL_IN_RANGE(), '123456789012345678901234567890.5', '123456789012345678901234567890.5')
})

test('IS_DECIMAL_IN_RANGE: only a whole decimal number is accepted (no junk before or after)', () => {
  const v = IS_DECIMAL_IN_RANGE(0, 100)
  for (const bad of ['12.34abc', 'abc12.34', '12.34.5', '1,5', '', ' ', '.', '+', '-', 'e5', '.e1', '1e', '0x10', '12 34', 'NaN', 'Infinity', '١٢'])
    no(v, bad)
  for (const bad of [null, undefined, true, {}, [1]]) no(v, bad)
  ok(v, ' 12.5 ', '12.5')
  ok(v, '+12.50', '12.50')
  ok(v, '.5', '0.5')
  ok(v, '5.', '5')
  ok(v, '007', '7')
  ok(v, 12, '12')
  ok(v, 12n, '12')
  ok(v, '1e1', '10')
  ok(v, '1.5E1', '15')
  ok(v, '15e-1', '1.5')
  ok(v, '25e-3', '0.025')
  ok(IS_DECIMAL_IN_RANGE(-100, 0), '-2.5e1', '-25')
  ok(IS_DECIMAL_IN_RANGE(-1, 0), '-0.05', '-0.05')
  ok(IS_DECIMAL_IN_RANGE(0, 100, { dot: ',' }), '12,5', '12.5')
  no(IS_DECIMAL_IN_RANGE(0, 100, { dot: ',' }), '12,5abc')
})

test('IS_DECIMAL_IN_RANGE: messages name the bounds that exist; a custom message wins', () => {
  no(IS_DECIMAL_IN_RANGE(0, 10), '11', 'Enter a number between 0 and 10')
  no(IS_DECIMAL_IN_RANGE('0.5', '2.25'), '3', 'Enter a number between 0.5 and 2.25')
  no(IS_DECIMAL_IN_RANGE(1, null), '0', 'Enter a number greater than or equal to 1')
  no(IS_DECIMAL_IN_RANGE(null, 1), '2', 'Enter a number less than or equal to 1')
  no(IS_DECIMAL_IN_RANGE(), 'x', 'Enter a number')
  no(IS_DECIMAL_IN_RANGE(0, 1, 'Bad amount'), '2', 'Bad amount')
  no(IS_DECIMAL_IN_RANGE(0, 1, { errorMessage: 'Too much' }), '2', 'Too much')
  no(IS_DECIMAL_IN_RANGE(0, 1, { error_message: 'Too much!' }), '2', 'Too much!')
})

test('IS_DECIMAL_IN_RANGE / IS_FLOAT_IN_RANGE formatter: at least two decimals, the configured dot', () => {
  const v = IS_DECIMAL_IN_RANGE(0, 100, { dot: ',' })
  assert.equal(v.formatter!('4'), '4,00')
  assert.equal(v.formatter!(null), null)
  assert.equal(v.formatter!(undefined), null)
  assert.equal(IS_DECIMAL_IN_RANGE(0, 1).formatter!('3.5'), '3.50')
  assert.equal(IS_FLOAT_IN_RANGE(0, 1, { dot: ',' }).formatter!(2.5), '2,50')
  assert.equal(IS_FLOAT_IN_RANGE(0, 1).formatter!(null), null)
  assert.equal(IS_FLOAT_IN_RANGE(0, 1).formatter!(undefined), null)
  assert.equal(str2dec('4'), '4.00')
  assert.equal(str2dec('3.5'), '3.50')
  assert.equal(str2dec('3.25'), '3.25')
  assert.equal(str2dec('3.125'), '3.125')
  assert.equal(str2dec(7), '7.00')
})

test('IS_INT_IN_RANGE: min inclusive, max exclusive (Python\'s range), integers only', () => {
  const v = IS_INT_IN_RANGE(1, 10)
  ok(v, '1', 1)
  ok(v, '9', 9)
  ok(v, 5, 5)
  ok(v, 5n, 5)
  ok(v, '+5', 5)
  no(v, '10', 'Enter an integer between 1 and 9')
  no(v, '0')
  for (const bad of ['5abc', 'a5', '5.5', '5.0', ' 5', '', '1e1', null, true, 5.5]) no(v, bad)
  ok(IS_INT_IN_RANGE(-3, 3), '-3', -3)
  ok(IS_INT_IN_RANGE(1.9, 10.9), '1', 1) // bounds truncated
  no(IS_INT_IN_RANGE(1.9, 10.9), '10')
  no(IS_INT_IN_RANGE(5, null), '4', 'Enter an integer greater than or equal to 5')
  ok(IS_INT_IN_RANGE(5, null), '99999', 99999)
  no(IS_INT_IN_RANGE(null, 5), '5', 'Enter an integer less than or equal to 4')
  ok(IS_INT_IN_RANGE(null, 5), '-99999', -99999)
  no(IS_INT_IN_RANGE(), 'x', 'Enter an integer')
  no(IS_INT_IN_RANGE(0, 1, 'Nope'), '3', 'Nope')
  no(IS_INT_IN_RANGE(0, 1, { errorMessage: 'Nope!' }), '3', 'Nope!')
})

test('IS_FLOAT_IN_RANGE: both bounds inclusive, finite numbers only, no trailing junk', () => {
  const v = IS_FLOAT_IN_RANGE(0.5, 2.5)
  ok(v, '0.5', 0.5)
  ok(v, '2.5', 2.5)
  ok(v, 1, 1)
  ok(v, ' 1.5 ', 1.5)
  ok(v, '.75', 0.75)
  ok(v, '1.', 1)
  ok(v, '+1', 1)
  ok(v, '25e-1', 2.5)
  ok(v, '0.25E1', 2.5)
  no(v, '2.51', 'Enter a number between 0.5 and 2.5')
  no(v, '0.49')
  for (const bad of ['1.5abc', 'abc1.5', '1.5.5', '', '.', 'e1', '1e', 'Infinity', NaN, Infinity, null, true, '0x1']) no(v, bad)
  no(IS_FLOAT_IN_RANGE(), '1e999', 'Enter a number')
  ok(IS_FLOAT_IN_RANGE(), '-1e300', -1e300)
  ok(IS_FLOAT_IN_RANGE(0, 10, { dot: ',' }), '2,5', 2.5)
  no(IS_FLOAT_IN_RANGE(1, null), '0.5', 'Enter a number greater than or equal to 1')
  no(IS_FLOAT_IN_RANGE(null, 1), '1.5', 'Enter a number less than or equal to 1')
  no(IS_FLOAT_IN_RANGE(0, 1, { errorMessage: 'Float!' }), '2', 'Float!')
  no(IS_FLOAT_IN_RANGE(0, 1, 'Float?'), '2', 'Float?')
})

test('numbers with several integer digits and long exponents; no arrays or objects that print as numbers', () => {
  ok(IS_FLOAT_IN_RANGE(0, 100), '12.25', 12.25)
  ok(IS_FLOAT_IN_RANGE(0, 100), '99.5', 99.5)
  ok(IS_FLOAT_IN_RANGE(1, null), '5', 5)
  ok(IS_FLOAT_IN_RANGE(), '12.5e10', 12.5e10)
  ok(IS_DECIMAL_IN_RANGE(), '1e10', '10000000000')
  ok(IS_DECIMAL_IN_RANGE(), '15e-12', '0.000000000015')
  for (const v of [IS_INT_IN_RANGE(0, 10), IS_FLOAT_IN_RANGE(0, 10), IS_DECIMAL_IN_RANGE(0, 10)])
    for (const bad of [[5], { toString: () => '5' }, ['5']]) no(v, bad)
})

test('IS_STRONG: length bounds exact, zero counts forbid, stars of a stored password pass', () => {
  const d = IS_STRONG()
  ok(d, 'Abcde1!x', 'Abcde1!x')
  no(d, 'Abcd1!x', 'Minimum length is 8')
  ok(d, '*****', '*****')
  no(d, '****')
  no(d, 'a*****')
  no(d, '*****a')
  const m = IS_STRONG({ max: 12 })
  ok(m, 'Abcdef1!xyzw', 'Abcdef1!xyzw')
  no(m, 'Abcdef1!xyzwq', 'Maximum length is 12')
  no(IS_STRONG({ lower: 2 }), 'ABCDEF1!a', 'Must include at least 2 lowercase')
  ok(IS_STRONG({ lower: 2 }), 'ABCDE1!ab', 'ABCDE1!ab')
  no(IS_STRONG({ upper: 0 }), 'Abcdefg1!', 'May not include any uppercase letters')
  ok(IS_STRONG({ upper: 0 }), 'abcdefg1!', 'abcdefg1!')
  no(IS_STRONG({ number: 0 }), 'Abcdefg1!', 'May not include any numbers')
  no(IS_STRONG({ special: 0 }), 'Abcdefg1!', 'May not contain any of the following: ~!@#$%^&*()_+-=?<>,.:;{}[]|')
})

test('IS_IPV4: the private and automatic ranges inclusive at both ends; a range list', () => {
  // web2py's private ranges: 172.16.0.0-172.16.255.255 (sic) and 192.168.0.0/16
  for (const ip of ['172.16.0.0', '172.16.255.255', '192.168.0.0', '192.168.255.255']) ok(IS_IPV4({ isPrivate: true }), ip, ip)
  for (const ip of ['172.15.255.255', '172.17.0.0', '192.167.255.255', '192.169.0.0', '10.0.0.1']) no(IS_IPV4({ isPrivate: true }), ip)
  for (const ip of ['169.254.0.0', '169.254.255.255']) ok(IS_IPV4({ isAutomatic: true }), ip, ip)
  for (const ip of ['169.253.255.255', '169.255.0.0']) no(IS_IPV4({ isAutomatic: true }), ip)
  no(IS_IPV4({ isAutomatic: false }), '169.254.1.1')
  ok(IS_IPV4({ isAutomatic: false }), '8.8.8.8', '8.8.8.8')
  for (const ip of ['1.2.3.256', '1.2.3.300', '1.2.3.2a', '1.2.3.09']) no(IS_IPV4(), ip)
  ok(IS_IPV4(), '1.2.3.249', '1.2.3.249')
  const two = IS_IPV4({ minip: ['1.0.0.0', '3.0.0.0'], maxip: ['1.255.255.255', '3.255.255.255'] })
  ok(two, '3.1.1.1', '3.1.1.1')
  no(two, '2.1.1.1')
})
