/**
 * Guards for http/ static files found by mutation testing (issue 17 item 6),
 * over the real server: what a static path may contain, confinement to the
 * app's static/ folder (a sibling folder sharing its name as a prefix
 * included), conditional requests, ranges, gzip and the headers every file
 * gets; safeSegments at unit level for every refused form.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { startServer, type TestServer } from '../helpers/server'
import { safeSegments } from '../../server/http/static'

let s: TestServer
const text = 'abcdefghijklmnopqrstuvwxyz'.repeat(20) // 520 bytes: above the gzip floor
const big = Buffer.alloc(100 * 1024, 7) // above the in-memory size: streamed
before(async () => {
  s = await startServer({
    apps: {
      app: {
        'controllers/default.ts': `export function index() { return 'x' }`,
        'static/t.txt': text,
        'static/small.txt': 'tiny',
        'static/big.bin': big,
        'static/sub/inner.txt': 'inner',
        'static/b256.txt': 'x'.repeat(256),
        'static/b257.txt': 'x'.repeat(257),
        'static/huge.txt': 'y'.repeat(2 * 1024 * 1024 + 1),
        'static/max.txt': 'z'.repeat(2 * 1024 * 1024),
        'static-private/secret.txt': 'sibling secret',
        'static/rewritten.txt': 'first version',
        'static/regrown.txt': 'short',
      },
      // an app without a static/ folder
      bare: { 'controllers/default.ts': `export function index() { return 'x' }` },
    },
  })
  const app = s.appFolder('app')
  fs.symlinkSync(path.join(app, 'static-private', 'secret.txt'), path.join(app, 'static', 'sib.txt'))
  fs.symlinkSync(path.join(app, 'static-private'), path.join(app, 'static', 'sibdir'))
})
after(() => s.stop())

test('safeSegments: decoded segments; every unsafe form refused', () => {
  assert.deepEqual(safeSegments('a/b%20c/d.txt'), ['a', 'b c', 'd.txt'])
  assert.deepEqual(safeSegments('a//b/'), ['a', 'b'], 'empty segments are skipped')
  assert.deepEqual(safeSegments('...'), ['...'])
  assert.deepEqual(safeSegments('.well-known/x'), ['.well-known', 'x'])
  for (const bad of ['', '/', '//', '.', '..', 'a/..', 'a/./b', '%2e%2e', '%2E', 'a%2fb', 'a%5cb', 'a\\b', 'a%00b', 'c:', 'a%3ab', '%zz', 'a/%E0%A4%A'])
    assert.equal(safeSegments(bad), undefined, bad)
})

test('static paths with traversal, encoded separators, NUL or a colon are 400; the action never sees them', async () => {
  for (const p of ['/app/static/%2e%2e/controllers/default.ts', '/app/static/sub%2f..%2f..%2fcontrollers%2fdefault.ts', '/app/static/a%5c..%5cx',
    '/app/static/t.txt%00.png', '/app/static/c:x', '/app/static/%zz', '/app/static/'])
    assert.equal((await s.request(p)).status, 400, p)
})

test('symlinks out of static/ are 404, even to a sibling folder whose name starts with "static"; a missing file or a folder is 404', async () => {
  for (const p of ['/app/static/sib.txt', '/app/static/sibdir/secret.txt', '/app/static/nothing.txt', '/app/static/sub', '/app/static/sub/none/x']) {
    const r = await s.request(p)
    assert.equal(r.status, 404, p)
    assert.doesNotMatch(r.body, /sibling secret/)
    assert.equal(r.body, 'Not found')
    assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8')
  }
  const bad = await s.request('/app/static/%2e%2e')
  assert.equal(bad.body, 'Bad static path')
  assert.equal(bad.headers['content-length'], String('Bad static path'.length))
  assert.equal((await s.request('/noapp/static/x.txt')).status, 404)
})

test('a file: its bytes, type, length, validators, no-cache and nosniff; HEAD has no body', async () => {
  const r = await s.request('/app/static/sub/inner.txt')
  assert.equal(r.status, 200)
  assert.equal(r.body, 'inner')
  assert.match(String(r.headers['content-type']), /^text\/plain/)
  assert.equal(r.headers['content-length'], '5')
  assert.equal(r.headers['accept-ranges'], 'bytes')
  assert.equal(r.headers['cache-control'], 'no-cache')
  assert.equal(r.headers['x-content-type-options'], 'nosniff')
  const st = fs.statSync(path.join(s.appFolder('app'), 'static', 'sub', 'inner.txt'))
  assert.equal(r.headers.etag, `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`)
  assert.equal(r.headers['last-modified'], new Date(Math.floor(st.mtimeMs / 1000) * 1000).toUTCString())
  const head = await s.request('/app/static/sub/inner.txt', { method: 'HEAD' })
  assert.equal(head.status, 200)
  assert.equal(head.body, '')
  assert.equal(head.headers['content-length'], '5')
  const b = await s.request('/app/static/big.bin')
  assert.ok(b.buffer.equals(big), 'a large file streamed byte for byte')
  assert.equal((await s.request('/app/static/big.bin', { method: 'HEAD' })).body, '')
  const asset = await s.request('/_quark/quark.js')
  assert.equal(asset.headers['cache-control'], 'public, max-age=86400')
  for (const name of ['/_quark/nothing.js', '/_quark/constructor', '/_quark/__proto__', '/_quark/'])
    assert.equal((await s.request(name)).status, 404, name)
})

test('conditional requests: If-None-Match (a list, *, weak tag) and If-Modified-Since give 304; others 200', async () => {
  const first = await s.request('/app/static/small.txt')
  const etag = String(first.headers.etag)
  const lm = String(first.headers['last-modified'])
  const status = async (headers: Record<string, string>) => (await s.request('/app/static/small.txt', { headers })).status
  assert.equal(await status({ 'if-none-match': etag }), 304)
  assert.equal(await status({ 'if-none-match': `"other", ${etag}` }), 304)
  assert.equal(await status({ 'if-none-match': '*' }), 304)
  assert.equal(await status({ 'if-none-match': '"other", *' }), 304, 'a * after a comma and a space')
  assert.equal(await status({ 'if-none-match': '"other"' }), 200)
  assert.equal(await status({ 'if-none-match': '"other"', 'if-modified-since': lm }), 200, 'If-None-Match wins over the date')
  assert.equal(await status({ 'if-modified-since': lm }), 304)
  assert.equal(await status({ 'if-modified-since': new Date(Date.parse(lm) + 60_000).toUTCString() }), 304)
  assert.equal(await status({ 'if-modified-since': new Date(Date.parse(lm) - 1000).toUTCString() }), 200)
  assert.equal(await status({ 'if-modified-since': 'not a date' }), 200)
  const r304 = await s.request('/app/static/small.txt', { headers: { 'if-none-match': etag } })
  assert.equal(r304.body, '')
  assert.equal(r304.headers.etag, etag)
})

test('ranges: first-last, open, suffix, clipped; unsatisfiable or several ranges are 416 with the size', async () => {
  const range = (r: string, method = 'GET') => s.request('/app/static/t.txt', { headers: { range: r }, method })
  let r = await range('bytes=0-4')
  assert.equal(r.status, 206)
  assert.equal(r.body, 'abcde')
  assert.equal(r.headers['content-range'], `bytes 0-4/${text.length}`)
  assert.equal(r.headers['content-length'], '5')
  r = await range('bytes=510-')
  assert.equal(r.body, text.slice(510))
  assert.equal(r.headers['content-range'], `bytes 510-519/${text.length}`)
  r = await range('bytes=-3')
  assert.equal(r.body, text.slice(-3))
  r = await range('bytes=-1000')
  assert.equal(r.body, text, 'a suffix longer than the file is the whole file')
  r = await range('bytes=515-9999')
  assert.equal(r.body, text.slice(515))
  assert.equal(r.headers['content-range'], `bytes 515-519/${text.length}`)
  r = await range(' bytes=1-1 ')
  assert.equal(r.body, 'b')
  for (const bad of ['bytes=5-2', `bytes=${text.length}-`, 'bytes=-', 'bytes=0-1,3-4', 'bytes=a-b', 'items=0-1', 'xbytes=0-1', 'bytes=0-1x', 'bytes=-0']) {
    r = await range(bad)
    assert.equal(r.status, 416, bad)
    assert.equal(r.headers['content-range'], `bytes */${text.length}`, bad)
  }
  r = await range('bytes=0-4', 'HEAD')
  assert.equal(r.status, 206)
  assert.equal(r.body, '')
})

test('gzip: for a compressible file over 256 bytes when the client accepts it; never for tiny or binary files', async () => {
  const gz = await s.request('/app/static/t.txt', { headers: { 'accept-encoding': 'br, gzip' } })
  assert.equal(gz.headers['content-encoding'], 'gzip')
  assert.equal(gz.headers.vary, 'Accept-Encoding')
  const unzipped = zlib.gunzipSync(gz.buffer).toString()
  assert.equal(unzipped, text)
  assert.equal(gz.headers['content-length'], String(gz.buffer.length))
  const head = await s.request('/app/static/t.txt', { method: 'HEAD', headers: { 'accept-encoding': 'gzip' } })
  assert.equal(head.headers['content-encoding'], 'gzip')
  assert.equal(head.body, '')
  for (const [p, ae] of [['/app/static/t.txt', 'br'], ['/app/static/t.txt', ''], ['/app/static/small.txt', 'gzip'], ['/app/static/big.bin', 'gzip']] as const) {
    const r = await s.request(p, { headers: ae ? { 'accept-encoding': ae } : {} })
    assert.equal(r.headers['content-encoding'], undefined, `${p} ${ae}`)
  }
})

test('gzip bounds: above 256 bytes and up to 2 MB', async () => {
  const enc = async (p: string) => (await s.request(p, { headers: { 'accept-encoding': 'gzip' } })).headers['content-encoding']
  assert.equal(await enc('/app/static/b256.txt'), undefined)
  assert.equal(await enc('/app/static/b257.txt'), 'gzip')
  assert.equal(await enc('/app/static/max.txt'), 'gzip')
  assert.equal(await enc('/app/static/huge.txt'), undefined)
})

test('every framework asset of the table is served', async () => {
  for (const name of ['bootstrap.min.css', 'bootstrap.bundle.min.js', 'htmx.min.js', 'quark.js', 'highlight.css']) {
    const r = await s.request(`/_quark/${name}`)
    assert.equal(r.status, 200, name)
    assert.ok(r.buffer.length > 100, name)
  }
})

test('a file rewritten with the same size (new mtime) or a new size (same mtime) is served anew, never from the kept bytes', async () => {
  const app = s.appFolder('app')
  // whole seconds: a mtime set from a Date loses the sub-millisecond part a written file has
  const T = 1_700_000_000
  const same = path.join(app, 'static', 'rewritten.txt')
  fs.utimesSync(same, T, T)
  assert.equal((await s.request('/app/static/rewritten.txt')).body, 'first version')
  fs.writeFileSync(same, 'other version') // same length
  fs.utimesSync(same, T, T + 5)
  const r = await s.request('/app/static/rewritten.txt')
  assert.equal(r.body, 'other version')
  const grown = path.join(app, 'static', 'regrown.txt')
  fs.utimesSync(grown, T, T)
  assert.equal((await s.request('/app/static/regrown.txt')).body, 'short')
  fs.writeFileSync(grown, 'much longer now')
  fs.utimesSync(grown, T, T) // the same mtime, another size
  const g = await s.request('/app/static/regrown.txt')
  assert.equal(g.body, 'much longer now')
  assert.equal(g.headers['content-length'], '15')
})

test('an app without static/, and an unknown framework asset: 404 "Not found"', async () => {
  for (const p of ['/bare/static/x.txt', '/_quark/nothing.js', '/_quark/']) {
    const r = await s.request(p)
    assert.equal(r.status, 404, p)
    assert.equal(r.body, 'Not found', p)
  }
})
