// Validators beyond single cases: formatters, select options, chains,
// translation through current.T, CRYPT hashes, image headers, bad arguments.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { newState, runInContext } from '../../server/current/index'
import { isQuarkError } from '../../server/errors/index'
import * as V from '../../server/validators/index'

test('formatters: dates, numbers, json, lists, CRYPT', () => {
  assert.equal(V.IS_DATE().formatter(new Date('2024-05-06T00:00:00Z')), '2024-05-06')
  assert.equal(V.IS_DATE({ format: '%d/%m/%Y' }).formatter(new Date('2024-05-06T00:00:00Z')), '06/05/2024')
  assert.equal(V.IS_DATETIME().formatter(new Date('2024-05-06T07:08:09Z')), '2024-05-06 07:08:09')
  assert.equal(V.IS_DATE().formatter(null), null)
  assert.equal(V.IS_FLOAT_IN_RANGE().formatter(4), '4.00')
  assert.equal(V.IS_FLOAT_IN_RANGE(0, 10, { dot: ',' }).formatter(3.5), '3,50')
  assert.equal(V.IS_DECIMAL_IN_RANGE().formatter('12.345'), '12.345')
  assert.equal(V.IS_JSON().formatter({ a: 1 }), '{"a":1}')
  assert.equal(V.IS_LIST_OF_EMAILS().formatter(['a@b.com', 'c@d.com']), 'a@b.com, c@d.com')
  assert.equal(V.CRYPT().formatter(), '******')
  assert.equal(V.IS_EMPTY_OR(V.IS_DATE()).formatter(new Date('2024-01-02T00:00:00Z')), '2024-01-02')
  assert.equal(V.ANY_OF([V.IS_DATE(), V.IS_EMAIL()]).formatter(new Date('2024-01-02T00:00:00Z')), '2024-01-02')
})

test('IS_IN_SET options: zero option, labels, sort, multiple', () => {
  assert.deepEqual(V.IS_IN_SET(['b', 'a']).options(), [['', ''], ['b', 'b'], ['a', 'a']])
  assert.deepEqual(V.IS_IN_SET(['b', 'a'], { zero: 'Choose one' }).options(), [['', 'Choose one'], ['b', 'b'], ['a', 'a']])
  assert.deepEqual(V.IS_IN_SET(['b', 'a'], { zero: null }).options(), [['b', 'b'], ['a', 'a']])
  assert.deepEqual(V.IS_IN_SET(['b', 'a'], { sort: true }).options(false), [['a', 'a'], ['b', 'b']])
  assert.deepEqual(V.IS_IN_SET([1, 2], { labels: ['one', 'two'] }).options(false), [['1', 'one'], ['2', 'two']])
  assert.deepEqual(V.IS_IN_SET({ x: 'Ex', y: 'Why' }, { multiple: true }).options(), [['x', 'Ex'], ['y', 'Why']])
  assert.equal(V.IS_IN_SET(['a'], { multiple: true }).multiple, true)
  const eo = V.IS_EMPTY_OR(V.IS_IN_SET(['a'], { zero: null }))
  assert.deepEqual(eo.options!(), [['', ''], ['a', 'a']])
})

test('validateAll runs in order, converts, stops at the first error', async () => {
  assert.deepEqual(V.validateAll([V.IS_NOT_EMPTY(), V.IS_INT_IN_RANGE(0, 10)], '7'), [7, null])
  assert.deepEqual(V.validateAll([V.IS_NOT_EMPTY(), V.IS_INT_IN_RANGE(0, 10)], ''), ['', 'Enter a value'])
  assert.deepEqual(V.validateAll(V.IS_LOWER(), 'ABC'), ['abc', null])
  assert.deepEqual(V.validateAll([V.IS_LOWER(), V.IS_IN_SET(['abc'])], 'ABC'), ['abc', null])
  assert.deepEqual(V.validateAll([], 'x'), ['x', null])
  assert.deepEqual(V.validateAll(null, 'x'), ['x', null])
  let ran = false
  const spy: V.Validator = { validate: (v) => { ran = true; return [v, null] } }
  assert.deepEqual(V.validateAll([V.IS_INT_IN_RANGE(0, 1), spy], '5'), ['5', 'Enter an integer between 0 and 0'])
  assert.equal(ran, false, 'stops at the first error')
  // an asynchronous validator makes the chain a Promise, and later ones still run
  const slow: V.Validator = { validate: async (v) => [String(v) + '!', null] }
  const r = V.validateAll([V.IS_UPPER(), slow, V.IS_LENGTH(3)], 'ab')
  assert.ok(r instanceof Promise)
  assert.deepEqual(await r, ['AB!', null])
  assert.deepEqual(await V.validateAll([slow, V.IS_LENGTH(2)], 'ab'), ['ab!', 'Enter from 0 to 2 characters'])
  // plain functions returning [value, error] work as validators
  assert.deepEqual(V.validateAll([(v: unknown) => [Number(v) * 2, null]], '21'), [42, null])
})

test('messages are translated through current.T at validation time', () => {
  const table: Record<string, string> = {
    'Enter a value': 'Inserisci un valore',
    'Enter an integer between %(min)g and %(max)g': 'Inserisci un intero tra %(min)g e %(max)g',
    'Enter date as %(format)s': 'Data nel formato %(format)s',
    '%d/%m/%Y': '%d/%m/%Y',
    'Minimum length is %s': 'Lunghezza minima %s',
  }
  const T = (s: string) => table[s] ?? s
  const v = V.IS_NOT_EMPTY()
  assert.deepEqual(v.validate(''), ['', 'Enter a value'], 'outside a request: English')
  runInContext(newState('/tmp/x', 'x', { T }), () => {
    assert.deepEqual(v.validate(''), ['', 'Inserisci un valore'])
    assert.deepEqual(V.IS_INT_IN_RANGE(1, 5).validate('9'), ['9', 'Inserisci un intero tra 1 e 4'])
    assert.deepEqual(V.IS_DATE().validate('x'), ['x', 'Data nel formato 1963-08-28'])
    assert.equal(V.IS_STRONG({ es: true, upper: 0, lower: 0, number: 0, special: 0 }).validate('')[1], 'Lunghezza minima 8')
  })
  // a lazy translation object (what i18n's T returns) is stringified
  const lazy = (s: string) => ({ toString: () => s.toUpperCase() }) as unknown as string
  runInContext(newState('/tmp/x', 'x', { T: lazy }), () => {
    assert.deepEqual(V.IS_NOT_EMPTY().validate(''), ['', 'ENTER A VALUE'])
  })
})

test('CRYPT: salted PBKDF2-SHA512, constant-time verify, web2py hashes', async () => {
  const [lazy, err] = V.CRYPT().validate('secret') as [V.LazyCrypt, null]
  assert.equal(err, null)
  assert.ok(lazy instanceof V.LazyCrypt)
  const stored = String(lazy)
  assert.match(stored, /^pbkdf2\(210000,32,sha512\)\$[0-9a-f]{16}\$[0-9a-f]{64}$/)
  assert.equal(String(lazy), stored, 'hashed once')
  assert.equal(JSON.stringify({ p: lazy }), JSON.stringify({ p: stored }))
  const fast = { digestAlg: 'pbkdf2(1000,20,sha512)' }
  const a = String(V.CRYPT(fast).validate('pw')[0 as 0])
  const b = String(V.CRYPT(fast).validate('pw')[0 as 0])
  assert.notEqual(a, b, 'random salt per password')
  assert.ok((V.CRYPT(fast).validate('pw') as [V.LazyCrypt, null])[0].verify(a))
  assert.ok(!(V.CRYPT(fast).validate('pW') as [V.LazyCrypt, null])[0].verify(a))
  assert.ok(V.CRYPT.verify('secret', stored))
  assert.ok(!V.CRYPT.verify('Secret', stored))
  assert.ok(!V.CRYPT.verify('secret', ''))
  assert.ok(!V.CRYPT.verify('secret', 'garbage$x'))
  assert.ok(!V.CRYPT.verify('secret', 'nope(1)$a$b'))
  // async hashing gives a verifiable hash without blocking
  const h = await (V.CRYPT(fast).validate('async') as [V.LazyCrypt, null])[0].hash()
  assert.ok(V.CRYPT.verify('async', h))
  // hashes web2py wrote: unsalted sha1 (with and without the alg prefix) and md5 with a key
  assert.ok(V.CRYPT.verify('test', 'sha1$$a94a8fe5ccb19ba61c4c0873d391e987982fbbd3'))
  assert.ok(V.CRYPT.verify('test', 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3'))
  const md5 = String(V.CRYPT({ digestAlg: 'md5', key: 'mykey' }).validate('test')[0])
  assert.match(md5, /^md5\$[0-9a-f]{16}\$[0-9a-f]{32}$/)
  assert.ok(V.CRYPT.verify('test', md5, { key: 'mykey' }))
  assert.ok(!V.CRYPT.verify('test', md5), 'the HMAC key matters')
  // validation rules
  assert.deepEqual(V.CRYPT().validate(''), ['', 'Too short'])
  assert.deepEqual(V.CRYPT().validate(null), [null, 'Too short'])
  assert.deepEqual(V.CRYPT({ minLength: 6 }).validate('abc'), ['abc', 'Too short'])
  assert.deepEqual(V.CRYPT().validate('******'), [null, null], 'stars keep the stored password')
  assert.equal(V.CRYPT().validate(lazy)[0], lazy)
  const long = (V.CRYPT({ maxLength: 4, ...fast }).validate('abcdefgh') as [V.LazyCrypt, null])[0]
  assert.equal(long.password, 'abcd')
  assert.ok(V.CRYPT() instanceof V.CRYPT)
  assert.throws(() => V.CRYPT({ digestAlg: 'rot13' }), (e: unknown) => isQuarkError(e) && e.code === 'QK_VALIDATORS_BAD_ARGUMENT')
})

function png(w: number, h: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0 })
  const crc = (b: Buffer) => { let c = 0xffffffff; for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0 }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length)
    const td = Buffer.concat([Buffer.from(type), data]); const c = Buffer.alloc(4); c.writeUInt32BE(crc(td))
    return Buffer.concat([len, td, c])
  }
  const ihdr = Buffer.alloc(13); ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 0
  const raw = Buffer.alloc((w + 1) * h)
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
}
function gif(w: number, h: number): Buffer { const b = Buffer.alloc(13); b.write('GIF89a'); b.writeUInt16LE(w, 6); b.writeUInt16LE(h, 8); return b }
function bmp(w: number, h: number): Buffer { const b = Buffer.alloc(54); b.write('BM'); b.writeUInt32LE(w, 18); b.writeUInt32LE(h, 22); return b }
function jpeg(w: number, h: number): Buffer {
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, ...Buffer.from('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0])
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 8, h >> 8, h & 255, w >> 8, w & 255, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1])
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof, Buffer.from([0xff, 0xd9])])
}

test('IS_IMAGE reads PNG, JPEG, GIF and BMP headers from data or a file', () => {
  assert.deepEqual(V.imageSize('png', png(3, 2)), [3, 2])
  assert.deepEqual(V.imageSize('jpeg', jpeg(640, 480)), [640, 480])
  assert.deepEqual(V.imageSize('gif', gif(16, 9)), [16, 9])
  assert.deepEqual(V.imageSize('bmp', bmp(20, 10)), [20, 10])
  assert.deepEqual(V.imageSize('png', gif(1, 1)), [-1, -1])
  const v = V.IS_IMAGE()
  for (const [name, data] of [['a.png', png(3, 2)], ['a.JPG', jpeg(64, 48)], ['a.gif', gif(5, 5)], ['a.bmp', bmp(8, 8)]] as const) {
    const up = { filename: name, data }
    assert.deepEqual(v.validate(up), [up, null], name)
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-validators-'))
  try {
    const file = path.join(dir, 'x.png')
    fs.writeFileSync(file, png(300, 200))
    const up = { filename: 'photo.png', path: file }
    assert.deepEqual(V.IS_IMAGE().validate(up), [up, null])
    assert.equal(V.IS_IMAGE({ maxsize: [200, 200] }).validate(up)[1], 'Invalid image')
    assert.equal(V.IS_IMAGE({ minsize: [301, 0] }).validate(up)[1], 'Invalid image')
    assert.equal(V.IS_IMAGE({ aspectratio: [3, 2] }).validate(up)[1], null)
    assert.equal(V.IS_IMAGE({ aspectratio: [16, 9] }).validate(up)[1], 'Invalid image')
    assert.equal(V.IS_IMAGE({ extensions: ['jpeg'] }).validate(up)[1], 'Invalid image')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
  assert.equal(v.validate({ filename: 'fake.png', data: Buffer.from('not a png at all') })[1], 'Invalid image')
  assert.equal(v.validate({ filename: 'noext', data: png(1, 1) })[1], 'Invalid image')
  assert.equal(v.validate({ filename: 'a.tiff', data: png(1, 1) })[1], 'Invalid image')
  assert.equal(v.validate({ filename: 'a.jpeg', data: Buffer.from([0xff, 0xd8, 0xff]) })[1], 'Invalid image')
  assert.equal(v.validate(null)[1], 'Invalid image')
  assert.equal(v.validate({ filename: 'gone.png', path: '/nonexistent/quark/x.png' })[1], 'Invalid image')
})

test('bad arguments raise QK_VALIDATORS_BAD_ARGUMENT at definition time', () => {
  const isBad = (e: unknown) => isQuarkError(e) && e.code === 'QK_VALIDATORS_BAD_ARGUMENT'
  assert.throws(() => V.IS_URL({ mode: 'ftp' as 'http' }), isBad)
  assert.throws(() => V.IS_URL({ allowedSchemes: ['https'] }), isBad)
  assert.throws(() => V.IS_HTTP_URL({ allowedSchemes: ['ftp'] }), isBad)
  assert.throws(() => V.IS_EXPR('value > 1' as unknown as () => null), isBad)
  assert.throws(() => V.IS_IN_DB((() => ({})) as unknown as V.DbLike, 'not a field!'), isBad)
  assert.throws(() => V.IS_IN_DB({} as V.DbLike, 'person.id'), (e: unknown) => isQuarkError(e) && e.code === 'QK_VALIDATORS_NO_DATABASE')
})

test('helpers: %g formatting, urlparse, strftime, instanceof without new', () => {
  assert.equal(V.formatG(1), '1')
  assert.equal(V.formatG(4.5), '4.5')
  assert.equal(V.formatG(1048576), '1.04858e+06')
  assert.equal(V.formatG(0.0001), '0.0001')
  assert.equal(V.formatG(0.00001), '1e-05')
  assert.equal(V.formatG(123456), '123456')
  assert.equal(V.pyFormat('%(a)s and %(b)g, 100%%', { a: 'x', b: 2.50 }), 'x and 2.5, 100%')
  assert.deepEqual(V.urlparse('http://u@h:8/p?q=1#f'), { scheme: 'http', netloc: 'u@h:8', path: '/p', query: 'q=1', fragment: 'f' })
  assert.equal(V.strftime(new Date(Date.UTC(2024, 0, 5, 15, 4, 5)), '%d %B %Y %I:%M %p'), '05 January 2024 03:04 PM')
  assert.ok(V.IS_NOT_EMPTY() instanceof V.IS_NOT_EMPTY)
  assert.ok(V.IS_NOT_EMPTY() instanceof V.BaseValidator)
  assert.equal(V.defaultRequires('integer').length, 1)
  assert.deepEqual(V.validateAll(V.defaultRequires('integer'), ''), [null, null])
  assert.deepEqual(V.validateAll(V.defaultRequires('integer', { notnull: true }), 'x'), ['x', 'Enter an integer between -2.14748e+09 and 2.14748e+09'])
  assert.deepEqual(V.validateAll(V.defaultRequires('decimal(5,2)'), '1234.5'), ['1234.5', 'Enter a number between -1000 and 1000'])
  assert.deepEqual(V.defaultRequires('boolean'), [])
})

test('IS_LENGTH measures an uploaded file on disk', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-validators-len-'))
  try {
    const file = path.join(dir, 'up.bin')
    fs.writeFileSync(file, Buffer.alloc(2048))
    const up = { filename: 'up.bin', path: file }
    assert.deepEqual(V.IS_LENGTH(1048576, 1024).validate(up), [up, null])
    assert.deepEqual(V.IS_LENGTH(1000).validate(up), [up, 'Enter from 0 to 1000 characters'])
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
