import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ValidationError, IS_INT_IN_RANGE } from '../../server/validators/index'

test('ValidationError: an Error with its message but no captured stack frames (failures are cheap)', () => {
  const e = new ValidationError('too big')
  assert.ok(e instanceof Error)
  assert.equal(e.message, 'too big')
  assert.equal(e.userMessage, 'too big')
  assert.ok(!/\n\s+at /.test(e.stack ?? ''), 'no frames captured')
  const normal = new Error('x')
  assert.ok(/\n\s+at /.test(normal.stack ?? ''), 'the stack limit is restored for other errors')
})

test('a failing validation still returns the original value and the message', () => {
  const [v, err] = IS_INT_IN_RANGE(0, 10).validate('50')
  assert.equal(v, '50')
  assert.equal(typeof err, 'string')
  assert.ok(err!.length > 0)
})
