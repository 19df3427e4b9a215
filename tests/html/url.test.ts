import { test } from 'node:test'
import assert from 'node:assert/strict'
import { URL, QK_HTML_BAD_URL_PART, QK_HTML_NO_HMAC_KEY } from '../../server/html/index'
import { runInContext, newState } from '../../server/current/index'

const req = { application: 'app', controller: 'ctl', function: 'fn', extension: 'html', scheme: 'https', host: 'example.com:8000', args: [], vars: {} }
const inRequest = <T>(fn: () => T): T => runInContext(newState('/tmp/app', 'app', { request: req }), fn)

test('URL reads app and controller from the current request', () => {
  inRequest(() => {
    assert.equal(URL('f'), '/app/ctl/f')
    assert.equal(URL('c', 'f'), '/app/c/f')
    assert.equal(URL('a', 'c', 'f'), '/a/c/f')
    assert.equal(URL(), '/app/ctl/fn')
    assert.equal(URL('f.json'), '/app/ctl/f.json')
  })
})

test('args, vars, anchor, extension are encoded as web2py does', () => {
  assert.equal(URL('a', 'c', 'f', { args: ['x y', 'a/b', 3] }), '/a/c/f/x%20y/a/b/3')
  assert.equal(URL('a', 'c', 'f', { args: 'one' }), '/a/c/f/one')
  assert.equal(URL('a', 'c', 'f', { args: ['a/b'], encodeEmbeddedSlash: true }), '/a/c/f/a%2Fb')
  assert.equal(URL('a', 'c', 'f', { vars: { q: 'a b&c=d/é', z: 1, a: [1, 2], n: null, u: undefined } }), '/a/c/f?a=1&a=2&n=&q=a+b%26c%3Dd%2F%C3%A9&z=1')
  assert.equal(URL('a', 'c', 'f', { anchor: 'sec 1' }), '/a/c/f#sec%201')
  assert.equal(URL('a', 'c', 'f', { extension: 'json', args: [1], vars: { x: "'" } }), "/a/c/f.json/1?x=%27")
})

test('scheme and host', () => {
  inRequest(() => {
    assert.equal(URL('f', { scheme: true }), 'https://example.com:8000/app/ctl/f')
    assert.equal(URL('f', { host: true }), 'https://example.com:8000/app/ctl/f')
    assert.equal(URL('f', { scheme: 'http', host: 'h.org' }), 'http://h.org/app/ctl/f')
    assert.equal(URL('f', { scheme: 'https', port: 443 }), 'https://example.com:443/app/ctl/f')
  })
})

test('bad names and missing application are clear errors', () => {
  assert.throws(() => URL('f'), QK_HTML_BAD_URL_PART)
  assert.throws(() => URL('a', 'c/x', 'f'), /Invalid URL\(\) argument/)
  assert.throws(() => URL('a', 'c', 'f?x'), QK_HTML_BAD_URL_PART)
})

function parse(url: string) {
  const u = new globalThis.URL(url, 'http://x')
  const [, application, controller, fn, ...args] = u.pathname.split('/')
  const vars: Record<string, string | string[]> = {}
  for (const [k, v] of u.searchParams) vars[k] = k in vars ? ([] as string[]).concat(vars[k]!, v) : v
  const [f, ext] = fn!.split('.')
  return { application, controller, function: f, extension: ext ?? 'html', args: args.map(decodeURIComponent), vars }
}

test('signed URLs verify; tampering fails', () => {
  const url = URL('a', 'c', 'f', { args: [5, 'x y'], vars: { id: 7, b: 'z' }, hmacKey: 'k' })
  assert.match(url, /^\/a\/c\/f\/5\/x%20y\?b=z&id=7&_signature=[0-9a-f]{64}$/)
  assert.equal(URL.verify(parse(url), { hmacKey: 'k' }), true)
  assert.equal(URL.verify(parse(url), { hmacKey: 'other' }), false)
  assert.equal(URL.verify(parse(url.replace('id=7', 'id=8')), { hmacKey: 'k' }), false)
  assert.equal(URL.verify(parse(url.replace('/5/', '/6/')), { hmacKey: 'k' }), false)
  assert.equal(URL.verify(parse(url.replace('/f/', '/g/')), { hmacKey: 'k' }), false)
  assert.equal(URL.verify(parse(url.replace(/&_signature=.*/, '')), { hmacKey: 'k' }), false)
  assert.equal(URL.verify(parse(url + 'ab'), { hmacKey: 'k' }), false)
  assert.throws(() => URL.verify(parse(url), { hmacKey: '' }), QK_HTML_NO_HMAC_KEY)
})

test('signatures: salt, hashVars subset, extension', () => {
  const salted = URL('a', 'c', 'f', { vars: { x: 1 }, hmacKey: 'k', salt: 's' })
  assert.equal(URL.verify(parse(salted), { hmacKey: 'k', salt: 's' }), true)
  assert.equal(URL.verify(parse(salted), { hmacKey: 'k' }), false)
  const partial = URL('a', 'c', 'f', { vars: { x: 1, page: 2 }, hmacKey: 'k', hashVars: ['x'] })
  assert.equal(URL.verify(parse(partial.replace('page=2', 'page=3')), { hmacKey: 'k', hashVars: ['x'] }), true, 'uncovered var may change')
  assert.equal(URL.verify(parse(partial.replace('x=1', 'x=2')), { hmacKey: 'k', hashVars: ['x'] }), false)
  const html = URL('a', 'c', 'f.html', { hmacKey: 'k' })
  assert.equal(URL.verify(parse(html), { hmacKey: 'k' }), true, 'explicit .html signs like the default')
  const json = URL('a', 'c', 'f', { extension: 'json', hmacKey: 'k' })
  assert.equal(URL.verify(parse(json), { hmacKey: 'k' }), true)
})

test('static files', () => {
  assert.equal(URL('a', 'static', 'css/app.css'), '/a/static/css/app.css')
  assert.equal(URL('a', 'static', 'img/my pic.png'), '/a/static/img/my%20pic.png')
  assert.throws(() => URL('a', 'static', '../private/x'), QK_HTML_BAD_URL_PART)
  inRequest(() => assert.equal(URL('static', 'js/app.js'), '/app/static/js/app.js'))
})
