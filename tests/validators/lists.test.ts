// Issue 16: IS_LIST_OF_INTS, IS_LIST_OF_STRINGS, IS_LIST_OF_EMAILS returning a
// list, IS_JSON's formatter of null, IS_IN_SET with a function listing nothing,
// and hostile inputs for each (exact results, never a throw).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { newState, runInContext } from '../../server/current/index'
import { isQuarkError } from '../../server/errors/index'
import fc from 'fast-check'
import * as V from '../../server/validators/index'

const INTS = 'Enter a list of integers'

test('IS_LIST_OF_INTS reads "1,2 3" and lists, and returns numbers', () => {
  const v = V.IS_LIST_OF_INTS()
  assert.deepEqual(v.validate('1,2 3'), [[1, 2, 3], null])
  assert.deepEqual(v.validate(' 1 ;\n-2,, +3 '), [[1, -2, 3], null])
  assert.deepEqual(v.validate(['4', 5, '  6 ']), [[4, 5, 6], null])
  assert.deepEqual(v.validate(['1', '', null, '2']), [[1, 2], null], 'blank items of a list widget are dropped')
  assert.deepEqual(v.validate(7), [[7], null])
  assert.deepEqual(v.validate(8n), [[8], null])
  assert.deepEqual(v.validate('007'), [[7], null])
  assert.deepEqual(v.validate(''), [[], null])
  assert.deepEqual(v.validate(null), [[], null])
  assert.deepEqual(v.validate([]), [[], null])
  assert.deepEqual(v.validate('1,x,3'), ['1,x,3', INTS])
  assert.deepEqual(v.validate('1.5'), ['1.5', INTS], 'a decimal point is not a separator')
  assert.deepEqual(v.validate([1.5]), [[1.5], INTS])
})

test('IS_LIST_OF_INTS bounds each item as IS_INT_IN_RANGE does (maximum excluded, shown minus one)', () => {
  assert.deepEqual(V.IS_LIST_OF_INTS(1, 10).validate('1 9'), [[1, 9], null])
  assert.deepEqual(V.IS_LIST_OF_INTS(1, 10).validate('1 10'), ['1 10', 'Enter a list of integers between 1 and 9'])
  assert.deepEqual(V.IS_LIST_OF_INTS(1, 10).validate('0'), ['0', 'Enter a list of integers between 1 and 9'])
  assert.deepEqual(V.IS_LIST_OF_INTS(0).validate('-1'), ['-1', 'Enter a list of integers greater than or equal to 0'])
  assert.deepEqual(V.IS_LIST_OF_INTS(null, 100).validate([100]), [[100], 'Enter a list of integers less than or equal to 99'])
  assert.deepEqual(V.IS_LIST_OF_INTS(1, 5, 'Pick 1 to %(max)s').validate('9'), ['9', 'Pick 1 to 4'])
  assert.deepEqual(V.IS_LIST_OF_INTS(null, null, { errorMessage: 'Numbers please' }).validate('a'), ['a', 'Numbers please'])
  assert.deepEqual(V.IS_LIST_OF_INTS(null, null, { splitRegex: '\\s*\\|\\s*' }).validate('1 | 2|3'), [[1, 2, 3], null], 'a string split_regex is a regular expression')
  assert.deepEqual(V.IS_LIST_OF_INTS(null, null, { split_regex: /\//g }).validate('1/2'), [[1, 2], null])
  assert.throws(() => V.IS_LIST_OF_INTS('abc'), (e) => isQuarkError(e) && e.code === 'QK_VALIDATORS_BAD_ARGUMENT')
  assert.throws(() => V.IS_LIST_OF_INTS(null, null, { splitRegex: '' }), (e) => isQuarkError(e) && e.code === 'QK_VALIDATORS_BAD_ARGUMENT')
  assert.throws(() => V.IS_LIST_OF_INTS(null, null, { splitRegex: '[' }), (e) => isQuarkError(e) && e.code === 'QK_VALIDATORS_BAD_ARGUMENT')
  assert.throws(() => V.IS_LIST_OF_STRINGS({ splitter: 7 as unknown as string }), (e) => isQuarkError(e) && e.code === 'QK_VALIDATORS_BAD_ARGUMENT')
})

test('IS_LIST_OF_INTS refuses hostile items with its message, never throwing', () => {
  const v = V.IS_LIST_OF_INTS()
  for (const bad of ['1e309', '1e3', 'NaN', 'Infinity', '__proto__', 'constructor', '١٢', '１２', '0x10', '9007199254740993', '99999999999999999999', '1\u00002', '--1']) {
    assert.deepEqual(v.validate(bad), [bad, INTS], JSON.stringify(bad))
  }
  for (const bad of [NaN, Infinity, -Infinity, 2 ** 53, true, {}, [1], Symbol('s'), () => 1, { valueOf: () => 1 }, 10n ** 30n]) {
    assert.deepEqual(v.validate([bad]), [[bad], INTS], String(typeof bad))
  }
  assert.deepEqual(v.validate({}), [{}, INTS])
  assert.deepEqual(v.validate([-0]), [[0], null])
  assert.ok(Object.is(v.validate([-0])[0] && (v.validate([-0])[0] as number[])[0], 0), '-0 becomes 0')
})

test('IS_LIST_OF_INTS: a huge list is read in linear time; one bad item among them is reported', () => {
  const v = V.IS_LIST_OF_INTS(0, 1_000_000)
  const many = Array.from({ length: 200_000 }, (_x, i) => i)
  const [out, err] = v.validate(many.join(','))
  assert.equal(err, null)
  assert.equal((out as number[]).length, 200_000)
  assert.equal((out as number[])[199_999], 199_999)
  const withBad = many.map(String)
  withBad[150_000] = 'x'
  assert.deepEqual(v.validate(withBad), [withBad, 'Enter a list of integers between 0 and 999999'])
  const huge = '1,'.repeat(500_000) + '1e309'
  assert.deepEqual(v.validate(huge), [huge, 'Enter a list of integers between 0 and 999999'])
})

test('IS_LIST_OF_INTS and IS_LIST_OF_STRINGS formatters join a list for a text input', () => {
  assert.equal(V.IS_LIST_OF_INTS().formatter([1, 2, 3]), '1, 2, 3')
  assert.equal(V.IS_LIST_OF_INTS().formatter([]), '')
  assert.equal(V.IS_LIST_OF_INTS().formatter(null), '')
  assert.equal(V.IS_LIST_OF_INTS().formatter('1 2'), '1 2')
  assert.equal(V.IS_LIST_OF_STRINGS().formatter(['a', 'b c']), 'a, b c')
  assert.equal(V.IS_LIST_OF_STRINGS().formatter(undefined), '')
  // the formatted text reads back as the same list
  const v = V.IS_LIST_OF_INTS()
  assert.deepEqual(v.validate(v.formatter([5, -6, 7])), [[5, -6, 7], null])
})

const STRS = 'Enter a list of strings'

test('IS_LIST_OF_STRINGS splits on commas, trims, drops blanks, keeps blanks inside items', () => {
  const v = V.IS_LIST_OF_STRINGS()
  assert.deepEqual(v.validate('New York, Paris,, Rome '), [['New York', 'Paris', 'Rome'], null])
  assert.deepEqual(v.validate(['a', ' b ', '', null, 3, 4n]), [['a', 'b', '3', '4'], null])
  assert.deepEqual(v.validate(''), [[], null])
  assert.deepEqual(v.validate(null), [[], null])
  assert.deepEqual(v.validate(12), [['12'], null])
  assert.deepEqual(v.validate('__proto__, constructor, ١٢'), [['__proto__', 'constructor', '١٢'], null], 'any text is a string')
  assert.deepEqual(V.IS_LIST_OF_STRINGS({ splitter: /\n/ }).validate('a, b\nc'), [['a, b', 'c'], null])
  assert.deepEqual(V.IS_LIST_OF_STRINGS({ splitter: '.' }).validate('a.b'), [['a', 'b'], null], 'a string splitter is literal text')
  for (const bad of [{}, [['nested']], true, NaN, Infinity, Symbol('s'), () => 'x']) {
    assert.deepEqual(v.validate([bad]), [[bad], STRS], String(typeof bad))
  }
  assert.deepEqual(v.validate({ a: 1 }), [{ a: 1 }, STRS])
  assert.deepEqual(V.IS_LIST_OF_STRINGS('Text only').validate([{}]), [[{}], 'Text only'])
  const huge = Array.from({ length: 100_000 }, (_x, i) => `item ${i}`)
  const [out, err] = v.validate(huge.join(','))
  assert.equal(err, null)
  assert.deepEqual((out as string[]).slice(-1), ['item 99999'])
})

test('IS_LIST_OF_EMAILS returns the list of addresses; its formatter joins them', () => {
  const v = V.IS_LIST_OF_EMAILS()
  assert.deepEqual(v.validate('a@b.com, c@d.org;e@f.net\ng@h.io'), [['a@b.com', 'c@d.org', 'e@f.net', 'g@h.io'], null])
  assert.deepEqual(v.validate(['a@b.com', 'c@d.org, e@f.net']), [['a@b.com', 'c@d.org', 'e@f.net'], null])
  assert.deepEqual(v.validate(''), [[], null])
  assert.deepEqual(v.validate(null), [[], null])
  assert.deepEqual(v.validate('a@b.com, nope, x@'), ['a@b.com, nope, x@', 'Invalid emails: nope, x@'])
  assert.deepEqual(v.validate(['__proto__', 42]), [['__proto__', 42], 'Invalid emails: __proto__, 42'])
  const bare = Object.create(null)
  assert.deepEqual(v.validate([bare]), [[bare], 'Invalid emails: [object]'], 'an object without toString is reported, not thrown on')
  assert.deepEqual(V.IS_IN_SET(['a']).validate(bare), [bare, 'Value not allowed'])
  assert.equal(v.formatter(['a@b.com', 'c@d.com']), 'a@b.com, c@d.com')
  assert.equal(v.formatter(null), '')
  // the formatted text reads back as the same list
  assert.deepEqual(v.validate(v.formatter(['a@b.com', 'c@d.com'])), [['a@b.com', 'c@d.com'], null])
  // many repeats of one bad address: reported once, in linear time
  const huge = 'bad '.repeat(200_000)
  assert.deepEqual(v.validate(huge), [huge, 'Invalid emails: bad'])
})

test('IS_JSON formatter writes null as "null" (and reads it back as null)', () => {
  assert.equal(V.IS_JSON().formatter(null), 'null')
  assert.equal(V.IS_JSON().formatter(undefined), 'null')
  assert.equal(V.IS_JSON({ nativeJson: true }).formatter(null), 'null')
  assert.deepEqual(V.IS_JSON().validate(V.IS_JSON().formatter(null)), [null, null])
  assert.equal(V.IS_JSON().formatter({ a: [1, null] }), '{"a":[1,null]}')
  assert.equal(V.IS_JSON().formatter(0), '0')
  assert.equal(V.IS_JSON().formatter({ big: 12n }), '{"big":12}', 'a BigInt does not make the formatter throw')
})

test('IS_IN_SET given a function that returns no options refuses every value', () => {
  const none = V.IS_IN_SET(() => [])
  assert.deepEqual(none.validate('a'), ['a', 'Value not allowed'])
  assert.deepEqual(none.validate(''), ['', 'Value not allowed'])
  assert.deepEqual(none.validate(null), [null, 'Value not allowed'])
  assert.deepEqual(V.IS_IN_SET(() => ({})).validate('a'), ['a', 'Value not allowed'])
  assert.deepEqual(V.IS_IN_SET((() => undefined) as unknown as () => string[]).validate('a'), ['a', 'Value not allowed'])
  assert.deepEqual(V.IS_IN_SET(() => [], { multiple: true }).validate(['a']), [['a'], 'Value not allowed'])
  assert.deepEqual(V.IS_IN_SET(() => [], { multiple: true }).validate([]), [[], null], 'choosing nothing from nothing is allowed')
  assert.deepEqual(V.IS_IN_SET(() => [], { errorMessage: 'No choices' }).validate('a'), ['a', 'No choices'])
  // a literal empty set still accepts anything, as web2py does
  assert.deepEqual(V.IS_IN_SET([]).validate('a'), ['a', null])
  // the function is asked again on each validation
  let options: string[] = []
  const lazy = V.IS_IN_SET(() => options)
  assert.deepEqual(lazy.validate('x'), ['x', 'Value not allowed'])
  options = ['x']
  assert.deepEqual(lazy.validate('x'), ['x', null])
})

test('the new messages go through T', () => {
  const T = (s: string) => (s.startsWith('Enter a list of') ? s.replace('Enter a list of', 'Inserisci una lista di') : s)
  runInContext(newState('/tmp/x', 'x', { T }), () => {
    assert.deepEqual(V.IS_LIST_OF_INTS(1, 5).validate('x'), ['x', 'Inserisci una lista di integers between 1 and 4'])
    assert.deepEqual(V.IS_LIST_OF_STRINGS().validate([{}]), [[{}], 'Inserisci una lista di strings'])
  })
})

test('fuzzed: the list validators never throw, and a formatted list reads back as itself', () => {
  const ints = V.IS_LIST_OF_INTS()
  const strs = V.IS_LIST_OF_STRINGS()
  const emails = V.IS_LIST_OF_EMAILS()
  fc.assert(fc.property(fc.array(fc.integer()), (list) => {
    assert.deepEqual(ints.validate(ints.formatter(list)), [list.map((n) => (n === 0 ? 0 : n)), null])
  }), { numRuns: 300 })
  fc.assert(fc.property(fc.array(fc.string().map((s) => s.replace(/,/g, '').trim()).filter((s) => s !== '')), (list) => {
    assert.deepEqual(strs.validate(strs.formatter(list)), [list, null])
  }), { numRuns: 300 })
  fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.anything({ withNullPrototype: true, withBigInt: true, withBoxedValues: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true })), (value) => {
    for (const v of [ints, strs, emails, V.IS_IN_SET(() => [])]) {
      const r = v.validate(value)
      assert.ok(Array.isArray(r) && r.length === 2 && (r[1] === null || typeof r[1] === 'string'))
    }
  }), { numRuns: 500 })
})

test('the new validators are framework names (models see them without imports)', () => {
  for (const n of ['IS_LIST_OF_INTS', 'IS_LIST_OF_STRINGS', 'IS_LIST_OF_EMAILS']) {
    assert.ok((V.VALIDATOR_NAMES as readonly string[]).includes(n), n)
    assert.equal(typeof (V as Record<string, unknown>)[n], 'function', n)
  }
  assert.ok(V.IS_LIST_OF_INTS() instanceof V.IS_LIST_OF_INTS, 'instanceof works without new, as for the others')
})
