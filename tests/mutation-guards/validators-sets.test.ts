/**
 * Guards of IS_IN_SET (sets.ts) and IS_LIST_OF_INTS / IS_LIST_OF_STRINGS (lists.ts), room validators-sets
 * (#17 item 6): the empty values of a multiple select, the count bounds of `multiple: [min, max)`, which
 * arrays are (value, label) pairs, sorting by label, blank and null items, the integer bounds and the
 * messages that name a bad argument.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as V from '../../server/validators/index'
import { messageOf2 } from '../../server/validators/sets'

const BAD = 'Value not allowed'

test('IS_IN_SET multiple: null, undefined, "" and [] are no choice; one value is a list of one', () => {
  const v = V.IS_IN_SET(['a', 'b'], { multiple: true })
  for (const empty of [null, undefined, '', []]) assert.deepEqual(v.validate(empty), [[], null], JSON.stringify(empty))
  assert.deepEqual(v.validate('a'), [['a'], null])
  assert.deepEqual(v.validate(['a', 'b']), [['a', 'b'], null])
  assert.deepEqual(v.validate(['a', 'x']), [['a', 'x'], BAD])
  // not multiple: the value itself is checked, an empty one is not in the set
  assert.deepEqual(V.IS_IN_SET(['a', 'b']).validate(null), [null, BAD])
  assert.deepEqual(V.IS_IN_SET(['a', 'b']).validate(''), ['', BAD])
})

test('IS_IN_SET multiple: [min, max) counts exactly', () => {
  const v = V.IS_IN_SET(['a', 'b', 'c', 'd'], { multiple: [1, 3] })
  assert.equal(v.validate([])[1], BAD, 'fewer than min')
  assert.equal(v.validate(null)[1], BAD, 'no choice is 0')
  assert.equal(v.validate(['a'])[1], null, 'min itself')
  assert.equal(v.validate(['a', 'b'])[1], null)
  assert.equal(v.validate(['a', 'b', 'c'])[1], BAD, 'max excluded')
  const two = V.IS_IN_SET(['a', 'b', 'c'], { multiple: [2, 4] })
  assert.equal(two.validate(['a'])[1], BAD)
  assert.equal(two.validate(['a', 'b'])[1], null)
})

test('IS_IN_SET options: plain values, (value, label) pairs only when each is a pair, a function listing nothing', () => {
  assert.deepEqual(V.IS_IN_SET(['ab', 'cd']).options(false), [['ab', 'ab'], ['cd', 'cd']])
  assert.deepEqual(V.IS_IN_SET([['k', 'Label'], ['j', 'Other']]).options(false), [['k', 'Label'], ['j', 'Other']])
  assert.deepEqual(V.IS_IN_SET([[1, 2, 3]]).options(false), [['1,2,3', '1,2,3']], 'a triple is a value, not a pair')
  assert.deepEqual(V.IS_IN_SET([]).options(false), [])
  assert.deepEqual(V.IS_IN_SET(() => undefined as never).options(false), [])
  assert.deepEqual(V.IS_IN_SET(() => undefined as never).options(), [['', '']])
  assert.equal(V.IS_IN_SET(() => undefined as never).validate('anything')[1], BAD, 'a function listing nothing refuses every value')
  assert.deepEqual(V.IS_IN_SET(['x', 'y'], { labels: ['X', 'Y'] }).options(false), [['x', 'X'], ['y', 'Y']])
  assert.deepEqual(V.IS_IN_SET({ a: 'A', b: 2 }).options(false), [['a', 'A'], ['b', '2']])
})

test('IS_IN_SET sort: by label, ignoring case', () => {
  assert.deepEqual(V.IS_IN_SET(['b', 'A', 'c']).options(false), [['b', 'b'], ['A', 'A'], ['c', 'c']], 'unsorted unless asked')
  assert.deepEqual(V.IS_IN_SET(['b', 'A', 'c'], { sort: true }).options(false), [['A', 'A'], ['b', 'b'], ['c', 'c']])
  assert.deepEqual(V.IS_IN_SET(['c', 'B', 'a', 'D'], { sort: true }).options(false).map(([k]) => k), ['a', 'B', 'c', 'D'])
  assert.deepEqual(V.IS_IN_SET([['1', 'zeta'], ['2', 'Alpha'], ['3', 'beta']], { sort: true }).options(false).map(([k]) => k), ['2', '3', '1'])
})

test('messageOf2: the message option in either spelling, else the default, also without options', () => {
  assert.equal(messageOf2(undefined, 'default'), 'default')
  assert.equal(messageOf2({}, 'default'), 'default')
  assert.equal(messageOf2({ error_message: 'snake' }, 'default'), 'snake')
  assert.equal(messageOf2({ errorMessage: 'camel', error_message: 'snake' }, 'default'), 'camel')
})

const badArgument = (e: unknown, text: string) => (e as Error).message === text

test('IS_LIST_OF_INTS / IS_LIST_OF_STRINGS: a bad bound or separator is named in the error', () => {
  assert.throws(() => V.IS_LIST_OF_INTS('x'), (e) => badArgument(e, 'IS_LIST_OF_INTS: the minimum must be an integer, got x'))
  assert.throws(() => V.IS_LIST_OF_INTS(0, 'y'), (e) => badArgument(e, 'IS_LIST_OF_INTS: the maximum must be an integer, got y'))
  assert.throws(() => V.IS_LIST_OF_INTS(null, null, { splitRegex: '(' }), (e) => badArgument(e, 'IS_LIST_OF_INTS: the separator must be a non-empty regular expression or a RegExp, got ('))
  assert.throws(() => V.IS_LIST_OF_INTS(null, null, { splitRegex: '' }), (e) => badArgument(e, 'IS_LIST_OF_INTS: the separator must be a non-empty regular expression or a RegExp, got '))
  assert.throws(() => V.IS_LIST_OF_STRINGS({ splitter: '' }), (e) => badArgument(e, 'IS_LIST_OF_STRINGS: the separator must be a non-empty string or a RegExp, got '))
})

test('IS_LIST_OF_INTS: array items are trimmed, blank and null items dropped, the message shows max - 1 or None', () => {
  const v = V.IS_LIST_OF_INTS()
  assert.deepEqual(v.validate([' 5 ', 6]), [[5, 6], null])
  assert.deepEqual(v.validate([1, null, undefined, '  ', 2]), [[1, 2], null])
  assert.deepEqual(v.validate('1,,2 ;3'), [[1, 2, 3], null])
  assert.deepEqual(V.IS_LIST_OF_INTS(0, null, 'between %(min)s and %(max)s').validate('x')[1], 'between 0 and None')
  assert.deepEqual(V.IS_LIST_OF_INTS(0, 10, 'between %(min)s and %(max)s').validate('x')[1], 'between 0 and 9')
  assert.deepEqual(V.IS_LIST_OF_INTS(null, 10, 'below %(max)s, from %(min)s').validate('x')[1], 'below 9, from None')
})

test('IS_LIST_OF_STRINGS: null items dropped; numbers and bigints as text; booleans, objects, NaN refused', () => {
  const v = V.IS_LIST_OF_STRINGS()
  assert.deepEqual(v.validate(['a', null, undefined, ' b ', '']), [['a', 'b'], null])
  assert.deepEqual(v.validate([1, 2n, -0.5]), [['1', '2', '-0.5'], null])
  for (const bad of [true, {}, [1], NaN, Infinity]) assert.equal(v.validate([bad])[1], 'Enter a list of strings', String(bad))
})

test('the list formatters show null items as blanks', () => {
  assert.equal(V.IS_LIST_OF_INTS().formatter([1, null, undefined, 2]), '1, , , 2')
  assert.equal(V.IS_LIST_OF_STRINGS().formatter(['a', null, 'b']), 'a, , b')
  assert.equal(V.IS_LIST_OF_STRINGS().formatter(null), '')
  assert.equal(V.IS_LIST_OF_STRINGS().formatter('as is'), 'as is')
})
