// Exact numbers through the validators (issue 19): IS_INT_IN_RANGE keeps integers beyond 2^53 exact
// (a bigint field's default validator covers the whole 64-bit range), IS_DECIMAL_IN_RANGE compares
// and returns exact decimal text, and a hostile exponent is refused without building a huge number.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as V from '../../server/validators'

test('IS_INT_IN_RANGE: exact beyond 2^53, bounds compared exactly, a bigint field takes the 64-bit range', async () => {
  const big = V.defaultRequires('bigint', { notnull: true })
  assert.deepEqual(V.validateAll(big, '9007199254740993'), [9007199254740993n, null])
  assert.deepEqual(V.validateAll(big, '9223372036854775807'), [9223372036854775807n, null])
  assert.deepEqual(V.validateAll(big, '-9223372036854775808'), [-9223372036854775808n, null])
  assert.equal((await V.validateAll(big, '9223372036854775808'))[1], 'Enter an integer between -9.22337e+18 and 9.22337e+18')
  assert.deepEqual(V.validateAll(big, '42'), [42, null], 'a safe integer stays a number')
  // a bound one above the value: a float bound (2^53 + 2 rounds to 2^53 + 2, 2^53 + 1 to 2^53) would get this wrong
  const v = V.IS_INT_IN_RANGE(0n, 9007199254740993n)
  assert.equal(v.validate('9007199254740992')[1], null)
  assert.notEqual(v.validate('9007199254740993')[1], null, 'the maximum is exclusive, exactly')
})

test('IS_DECIMAL_IN_RANGE: exact text in, exact text out, 20 digits compared exactly', () => {
  const v = V.IS_DECIMAL_IN_RANGE('0', '1234567890.0123456789')
  assert.deepEqual(v.validate('1234567890.0123456789'), ['1234567890.0123456789', null])
  assert.notEqual(v.validate('1234567890.012345679')[1], null, 'one unit in the 19th digit above the maximum')
  assert.deepEqual(v.validate(' 0.10 '), ['0.10', null])
  assert.notEqual(V.IS_DECIMAL_IN_RANGE().validate('1e999999999')[1], null, 'a hostile exponent is refused at once')
})
