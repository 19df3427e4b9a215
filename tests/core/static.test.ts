import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { startServer, type TestServer } from '../helpers/server'

let s: TestServer
const css = 'body { color: red; }\n'.repeat(100)
before(async () => {
  s = await startServer({
    apps: {
      app: {
        'controllers/default.ts': `export function index() { return 'x' }`,
        'static/css/site.css': css,
        'static/img/dot.png': Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'),
        'static/data.txt': '0123456789',
        'static/with space.txt': 'spaced',
        'private/secret.txt': 'private data',
        'databases/storage.sqlite': 'db data',
        'sessions/x.json': '{}',
        'errors/t.json': '{}',
      },
    },
  })
  fs.writeFileSync(path.join(s.folder, 'outside.txt'), 'outside the app')
  fs.symlinkSync(path.join(s.folder, 'outside.txt'), path.join(s.appFolder('app'), 'static', 'link-out.txt'))
  fs.symlinkSync(path.join(s.appFolder('app'), 'private'), path.join(s.appFolder('app'), 'static', 'privdir'))
  fs.symlinkSync(path.join(s.appFolder('app'), 'static', 'data.txt'), path.join(s.appFolder('app'), 'static', 'link-in.txt'))
})
after(() => s.stop())

test('content types by extension', async () => {
  const c = await s.request('/app/static/css/site.css')
  assert.equal(c.status, 200)
  assert.equal(c.headers['content-type'], 'text/css; charset=utf-8')
  assert.equal(c.body, css)
  assert.equal((await s.request('/app/static/img/dot.png')).headers['content-type'], 'image/png')
  assert.equal((await s.request('/app/static/with%20space.txt')).body, 'spaced')
  assert.equal((await s.request('/app/static/link-in.txt')).body, '0123456789')
})

test('ETag and Last-Modified give 304', async () => {
  const r = await s.request('/app/static/data.txt')
  const etag = String(r.headers.etag)
  assert.ok(etag)
  assert.ok(r.headers['last-modified'])
  assert.equal((await s.request('/app/static/data.txt', { headers: { 'if-none-match': etag } })).status, 304)
  assert.equal((await s.request('/app/static/data.txt', { headers: { 'if-modified-since': String(r.headers['last-modified']) } })).status, 304)
  assert.equal((await s.request('/app/static/data.txt', { headers: { 'if-none-match': 'W/"other"' } })).status, 200)
})

test('Range requests: 206 with Content-Range, 416 when unsatisfiable', async () => {
  const r = await s.request('/app/static/data.txt', { headers: { range: 'bytes=2-5' } })
  assert.equal(r.status, 206)
  assert.equal(r.body, '2345')
  assert.equal(r.headers['content-range'], 'bytes 2-5/10')
  const tail = await s.request('/app/static/data.txt', { headers: { range: 'bytes=-3' } })
  assert.equal(tail.body, '789')
  assert.equal((await s.request('/app/static/data.txt', { headers: { range: 'bytes=50-60' } })).status, 416)
})

test('gzip for text types when accepted', async () => {
  const r = await s.request('/app/static/css/site.css', { headers: { 'accept-encoding': 'gzip, deflate' } })
  assert.equal(r.headers['content-encoding'], 'gzip')
  assert.equal(zlib.gunzipSync(r.buffer).toString(), css)
  assert.ok(r.buffer.length < css.length)
  const png = await s.request('/app/static/img/dot.png', { headers: { 'accept-encoding': 'gzip' } })
  assert.equal(png.headers['content-encoding'], undefined)
})

test('path traversal in every form is refused with 400 or 404', async () => {
  const attempts = [
    '/app/static/../private/secret.txt',
    '/app/static/%2e%2e/private/secret.txt',
    '/app/static/%2E%2E/private/secret.txt',
    '/app/static/css/..%2f..%2fprivate/secret.txt',
    '/app/static/..%2fprivate%2fsecret.txt',
    '/app/static/..%5cprivate%5csecret.txt',
    '/app/static/%2fetc%2fpasswd',
    '/app/static//etc/passwd',
    '/app/static/css/%00.css',
    '/app/static/.%2e/private/secret.txt',
    '/app/static/%252e%252e/private/secret.txt',
    '/app/static/link-out.txt',
    '/app/static/privdir/secret.txt',
    '/app/static/C:%5cWindows',
    '/app/static/',
  ]
  for (const p of attempts) {
    const r = await s.request(p)
    assert.ok([400, 404].includes(r.status), `${p} gave ${r.status}`)
    assert.doesNotMatch(r.body, /private data|outside the app|root:/, p)
  }
})

test('private/, databases/, sessions/ and errors/ are never served', async () => {
  for (const p of ['/app/private/secret.txt', '/app/databases/storage.sqlite', '/app/sessions/x.json', '/app/errors/t.json']) {
    const r = await s.request(p)
    assert.ok([400, 404].includes(r.status), `${p} gave ${r.status}`)
    assert.doesNotMatch(r.body, /private data|db data/)
  }
})

test('a file served before and then replaced by a symlink leading out (or removed) is not served again', async () => {
  const file = path.join(s.appFolder('app'), 'static', 'swap.txt')
  fs.writeFileSync(file, 'inside')
  assert.equal((await s.request('/app/static/swap.txt')).body, 'inside')
  assert.equal((await s.request('/app/static/swap.txt')).body, 'inside', 'served again from what was resolved')
  fs.rmSync(file)
  fs.symlinkSync(path.join(s.folder, 'outside.txt'), file)
  const r = await s.request('/app/static/swap.txt')
  assert.equal(r.status, 404)
  assert.doesNotMatch(r.body, /outside the app/)
  fs.rmSync(file)
  assert.equal((await s.request('/app/static/swap.txt')).status, 404)
  fs.writeFileSync(file, 'back, longer')
  assert.equal((await s.request('/app/static/swap.txt')).body, 'back, longer')
})
