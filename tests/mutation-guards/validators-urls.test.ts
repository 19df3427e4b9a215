/**
 * Guards of IS_GENERIC_URL, IS_HTTP_URL and IS_URL (urls.ts, room validators-urls, #17 item 6): the
 * scheme a link may carry (no javascript: where http is asked for), the characters and percent escapes
 * refused, the host rules of an http URL (user info, port, IPv4, labels, known TLDs), abbreviated URLs
 * and the scheme prepended to them, and the non-ASCII URL turned into its ASCII form.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as V from '../../server/validators/index'
import { urlparse, ALL_URL_SCHEMES, HTTP_SCHEMES } from '../../server/validators/urls'

const BAD = 'Enter a valid URL'
const ok = (v: { validate(x: unknown): unknown }, x: unknown, out: unknown = x) => assert.deepEqual(v.validate(x), [out, null], JSON.stringify(x))
const bad = (v: { validate(x: unknown): unknown }, x: unknown) => assert.equal((v.validate(x) as [unknown, string | null])[1], BAD, JSON.stringify(x))

test('urlparse: scheme (a letter first, no empty one), netloc up to / ? #, then fragment and query', () => {
  assert.deepEqual(urlparse('HTTP://a.com:80/p/q?x=1#f?g'), { scheme: 'http', netloc: 'a.com:80', path: '/p/q', query: 'x=1', fragment: 'f?g' })
  assert.deepEqual(urlparse('//a.com?x'), { scheme: '', netloc: 'a.com', path: '', query: 'x', fragment: '' })
  assert.deepEqual(urlparse('//a.com#x'), { scheme: '', netloc: 'a.com', path: '', query: '', fragment: 'x' })
  assert.deepEqual(urlparse('//a.com'), { scheme: '', netloc: 'a.com', path: '', query: '', fragment: '' })
  assert.equal(urlparse(':x').scheme, '', 'a colon first is no scheme')
  assert.equal(urlparse('1a:x').scheme, '', 'a scheme starts with a letter')
  assert.equal(urlparse('a b:x').scheme, '', 'no blank in a scheme')
  assert.equal(urlparse('x a:b').path, 'x a:b')
  assert.equal(urlparse('a+b.c-d:x').scheme, 'a+b.c-d')
  assert.deepEqual(urlparse('mailto:a@b.com'), { scheme: 'mailto', netloc: '', path: 'a@b.com', query: '', fragment: '' })
  assert.deepEqual(urlparse('/p?q#f'), { scheme: '', netloc: '', path: '/p', query: 'q', fragment: 'f' })
})

test('IS_HTTP_URL and IS_URL refuse every scheme but http and https; IS_GENERIC_URL knows schemes', () => {
  for (const v of [V.IS_HTTP_URL(), V.IS_URL()]) {
    for (const x of ['javascript:alert(1)', 'JavaScript:alert(1)', 'data:text/html,x', 'ftp://a.com/', 'file:///etc/passwd', 'vbscript:x']) bad(v, x)
    ok(v, 'https://a.com/')
    ok(v, 'HTTP://a.com/')
  }
  ok(V.IS_GENERIC_URL(), 'ftp://a.com/')
  ok(V.IS_GENERIC_URL(), 'javascript:alert(1)')
  bad(V.IS_GENERIC_URL(), 'nosuchscheme://a.com/')
  bad(V.IS_GENERIC_URL({ allowedSchemes: ['https'], prependScheme: 'https' }), 'http://a.com/')
  ok(V.IS_GENERIC_URL({ allowedSchemes: ['https'], prependScheme: 'https' }), 'https://a.com/')
  for (const s of ['webcal', 'z39.50s', 'xmpp', 'aaa', 'ymsgr', 'paparazzi:http']) assert.ok(ALL_URL_SCHEMES.includes(s), s)
  assert.equal(ALL_URL_SCHEMES[0], null)
  assert.deepEqual(HTTP_SCHEMES, [null, 'http', 'https'])
})

test('characters and percent escapes: only the URL set, escapes of two hex digits, one fragment', () => {
  const g = V.IS_GENERIC_URL()
  for (const x of ['http://a.com/a b', 'http://a.com/<x>', 'http://a.com/"', 'http://a.com/\\', 'http://a.com/^', 'http://a.com/`', 'http://a.com/{',
    'http://a.com/%zz', 'http://a.com/%z1', 'http://a.com/%1z', 'http://a.com/%', 'http://a.com/%1', 'http://a.com/a%z', 'http://a.com/#a#b',
    'http://a.com/|', 'http://a.com/#a b', '', ' http://a.com/', 'http://a.com/\n', 5, null, ['http://a.com/']]) bad(g, x)
  for (const x of ['http://a.com/%41%7e', 'http://a.com/%ff', "http://a.com/;/?:@&=+$,-_.!~*'()", 'http://a.com/#|frag', 'http://a.com/#']) ok(g, x)
  bad(V.IS_HTTP_URL(), 'http://a.com/%zz')
  bad(V.IS_HTTP_URL(), 5)
})

test('abbreviated URLs: the scheme is prepended when asked (IS_URL, IS_HTTP_URL by default), kept out when null', () => {
  ok(V.IS_URL(), 'a.com', 'http://a.com')
  ok(V.IS_URL(), 'a.com:8080/x', 'http://a.com:8080/x')
  ok(V.IS_URL({ prependScheme: 'https' }), 'a.com/x', 'https://a.com/x')
  ok(V.IS_URL({ prependScheme: null }), 'a.com/x', 'a.com/x')
  ok(V.IS_HTTP_URL(), 'a.com', 'http://a.com')
  ok(V.IS_HTTP_URL({ prependScheme: null }), 'a.com', 'a.com')
  ok(V.IS_HTTP_URL(), '/a/path', '/a/path')
  bad(V.IS_HTTP_URL({ allowedSchemes: ['http', 'https'] }), 'a.com') // no null scheme: an abbreviated URL is refused
  ok(V.IS_GENERIC_URL(), 'a.com:80', 'a.com:80')
  ok(V.IS_GENERIC_URL({ prependScheme: 'http' }), 'a.com:80', 'http://a.com:80')
  bad(V.IS_GENERIC_URL({ allowedSchemes: ['http'], prependScheme: 'http' }), 'a.com:80')
  ok(V.IS_GENERIC_URL({ allowedSchemes: [null, 'http'], prependScheme: 'http' }), 'a.com:80', 'http://a.com:80')
  bad(V.IS_URL(), 'a.com:x:80/<')
})

test('http hosts: user info, port, IPv4, labels, a known TLD or two letters; allowedTlds replaces the list', () => {
  const h = V.IS_HTTP_URL()
  for (const x of ['http://a.com', 'http://user:pw@a.com/', 'http://a.com:8080/', 'http://a.com:/', 'http://1.2.3.4/', 'http://1.2.3.4:80/', 'http://a.com./',
    'http://a-b.c-d.museum/', 'http://a--b.io/', 'http://x.de/', 'http://X.CoM/', 'http://localhost/', 'http://a.b.c.d.example/', 'http://a.online/']) ok(h, x)
  for (const x of ['http://a.nosuchtld/', 'http://a.c0m/', 'http://a.c/', 'http://-a.com/', 'http://a-.com/', 'http://a..com/', 'http://a.-com/', 'http://a.com-/',
    'http://us er@a.com/', 'http://u/ser@a.com/', 'http://<@a.com/x', 'http://a_b.com/', 'http://1.2.3/', 'http://a.123/', 'http://a.x1/', 'http://a.com:80x/']) bad(h, x)
  ok(h, 'http://u.s-e_r!~*;:&=+$,@a.com/')
  const only = V.IS_HTTP_URL({ allowedTlds: ['COM'] })
  ok(only, 'http://a.com/')
  bad(only, 'http://a.de/')
  bad(only, 'http://a.org/')
  ok(only, 'http://10.0.0.1/', 'http://10.0.0.1/')
})

test('IS_URL: non-ASCII hosts become punycode, other non-ASCII characters UTF-8 escapes', () => {
  ok(V.IS_URL(), 'http://bücher.de/ä?q=ü#frag', 'http://xn--bcher-kva.de/%C3%A4?q=%C3%BC#frag')
  ok(V.IS_URL(), 'bücher.de/ä', 'http://xn--bcher-kva.de/%C3%A4')
  ok(V.IS_URL(), 'http://user@bücher.de:8080/', 'http://user@xn--bcher-kva.de:8080/')
  ok(V.IS_URL({ prependScheme: null }), 'bücher.de', 'xn--bcher-kva.de')
  bad(V.IS_URL(), 'http://bü cher.de/')
  bad(V.IS_URL(), 'ä')
  ok(V.IS_URL(), 'http://a.com/', 'http://a.com/')
})

test('bad arguments: modes, schemes, prependScheme; messages', () => {
  const isBad = (e: unknown) => (e as { code?: string }).code === 'QK_VALIDATORS_BAD_ARGUMENT'
  assert.throws(() => V.IS_URL({ mode: 'ftp' as 'http' }), isBad)
  ok(V.IS_URL({ mode: 'GENERIC' as 'generic' }), 'ftp://a.com/')
  ok(V.IS_URL({ mode: 'generic' }), 'ftp://a.com/')
  bad(V.IS_URL({ mode: 'http' }), 'ftp://a.com/')
  assert.throws(() => V.IS_URL({ allowedSchemes: ['https'] }), isBad)
  assert.doesNotThrow(() => V.IS_URL({ allowedSchemes: ['https'], prependScheme: 'https' }))
  assert.throws(() => V.IS_GENERIC_URL({ allowedSchemes: ['https'], prependScheme: 'http' }), isBad)
  assert.throws(() => V.IS_HTTP_URL({ allowedSchemes: ['ftp', 'http'] }), isBad)
  assert.equal(V.IS_URL({ errorMessage: 'no' }).validate('javascript:x')[1], 'no')
  assert.equal(V.IS_URL({ errorMessage: 'no' }).validate('ä')[1], 'no')
  assert.equal(V.IS_HTTP_URL({ error_message: 'nope' }).validate('http://a.nosuchtld/')[1], 'nope')
  assert.equal(V.IS_GENERIC_URL({ errorMessage: 'x' }).validate('a b')[1], 'x')
})
