/**
 * web2py's spellings that a web2py user writes without thinking (issue 16):
 *   - `response.download(request, db)` in a `download` action serves an uploaded file;
 *   - `request.args(i, { default, cast, otherwise })`: missing → default, a bad cast → redirect to
 *     `otherwise` (a URL) or the result of `otherwise` (a function), no `otherwise` → 404, a good
 *     cast → the number; `request.args[0]`, `.length` and iteration keep working.
 * Content types of what is served: static files, downloads and responses by the URL's extension.
 * All over real HTTPS with the real server.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'
import { formKey, multipart } from '../forms/app'
import { contentTypeOf, packageTypeOf, COMMON_TYPES } from '../../server/http'

let s: TestServer

const CONTROLLER = `
export async function create() {
  const form = SQLFORM(db.doc)
  await form.process()
  if (form.accepted) return 'CREATED ' + form.vars.id
  return String(form)
}
export async function name() { return (await db.doc.get(Number(request.args(0))))!.file }
// as web2py's scaffold writes it
export function download() { return response.download(request, db) }

export function page() {
  const n = request.args(0, { cast: Number, otherwise: URL('default', 'index') })
  return 'page ' + (n + 1)
}
export function opt() {
  const n = request.args(0, { default: 7, cast: Number })
  return 'opt ' + n + ' ' + typeof n
}
export function fallback() {
  const n = request.args(1, { cast: Number, otherwise: () => -1 })
  return 'fallback ' + n
}
export function elsewhere() {
  return 'elsewhere ' + request.args(0, { cast: Number, otherwise: () => redirect(URL('default', 'page', { args: [1] })) })
}
export function strict() { return 'strict ' + request.args(0, { cast: Number }) }
export function plain() {
  const a = request.args
  return JSON.stringify({ first: a[0], n: a.length, all: [...a], last: a(-1), dflt: a(5, 'none'), called: a(0) })
}
export function index() { return 'index' }
export function text() { return 'plain text' }
export function data() { return '{"a":1}' }
export function style() { return 'body{}' }
export function blob() { return 'bytes' }
`

before(async () => {
  s = await startServer({
    apps: {
      app: {
        'models/db.ts': `
export const db = new DAL('sqlite://storage.sqlite')
db.defineTable('doc', Field('title', 'string'), Field('file', 'upload'))
`,
        'controllers/default.ts': CONTROLLER,
        'static/a.tar.gz': Buffer.from([0x1f, 0x8b, 8, 0]),
        'static/data.json': '{"x":1}',
        'static/site.css': 'body { color: red }',
        'static/notes.txt': 'notes',
        'static/mod.wasm': Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]),
        'static/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
        'static/blob.qqqunknown': 'who knows',
        'static/noextension': 'none',
        'static/app.js': 'console.log(1)',
      },
    },
  })
})
after(async () => { await s.stop() })

async function upload(filename: string, data: Buffer): Promise<string> {
  const a = s.agent()
  const page = await a.request('/app/default/create')
  const m = multipart({ title: filename, _formname: 'doc/create', _formkey: formKey(page.body), file: { filename, data } })
  const r = await a.request('/app/default/create', { method: 'POST', body: m.body, headers: m.headers })
  assert.match(r.body, /^CREATED \d+$/, r.body)
  return (await s.request(`/app/default/name/${r.body.split(' ')[1]}`)).body
}

test('response.download(request, db), as web2py writes it, serves an uploaded file with its name and type', async () => {
  const data = Buffer.from('the report\n')
  const stored = await upload('report.txt', data)
  assert.match(stored, /^doc\.file\.[0-9a-f]+\..+\.txt$/)
  const d = await s.request(`/app/default/download/${stored}`)
  assert.equal(d.status, 200, d.body)
  assert.ok(d.buffer.equals(data))
  assert.equal(d.headers['content-type'], 'text/plain; charset=utf-8')
  assert.match(String(d.headers['content-disposition']), /^attachment; filename="report\.txt"/)
  // a tarball keeps its double extension's type (not plain gzip)
  const tar = await upload('backup.tar.gz', Buffer.from([0x1f, 0x8b, 8, 0, 1, 2]))
  assert.equal((await s.request(`/app/default/download/${tar}`)).headers['content-type'], 'application/x-gtar-compressed')
  // names that are not stored names, or files that do not exist
  assert.equal((await s.request('/app/default/download/..%2F..%2Fetc%2Fpasswd')).status, 400)
  assert.equal((await s.request(`/app/default/download/${stored.replace(/\.[0-9a-f]+\./, '.0000000000000000.')}`)).status, 404)
})

test('request.args(i, { cast, otherwise: URL }): a good cast gives the number, a bad or missing one redirects (303)', async () => {
  assert.equal((await s.request('/app/default/page/41')).body, 'page 42')
  for (const p of ['/app/default/page/abc', '/app/default/page']) {
    const r = await s.request(p)
    assert.equal(r.status, 303, p)
    assert.equal(r.headers.location, '/app/default/index')
  }
})

test('request.args(i, { default, cast }): a missing arg gives the default as is; a present one is cast', async () => {
  assert.equal((await s.request('/app/default/opt')).body, 'opt 7 number')
  assert.equal((await s.request('/app/default/opt/12')).body, 'opt 12 number')
  assert.equal((await s.request('/app/default/opt/1.5')).body, 'opt 1.5 number')
})

test('request.args(i, { cast, otherwise: fn }): the function\'s result stands for the arg (or it redirects itself)', async () => {
  assert.equal((await s.request('/app/default/fallback/x/nan')).body, 'fallback -1')
  assert.equal((await s.request('/app/default/fallback/x')).body, 'fallback -1')
  assert.equal((await s.request('/app/default/fallback/x/3')).body, 'fallback 3')
  const r = await s.request('/app/default/elsewhere/nope')
  assert.equal(r.status, 303)
  assert.equal(r.headers.location, '/app/default/page/1')
  assert.equal((await s.request('/app/default/elsewhere/5')).body, 'elsewhere 5')
})

test('request.args(i, { cast }) without otherwise: a bad cast is a 404 (as web2py)', async () => {
  assert.equal((await s.request('/app/default/strict/8')).body, 'strict 8')
  assert.equal((await s.request('/app/default/strict/eight')).status, 404)
})

test('request.args stays an array-like: [0], .length, iteration, negative index, string default', async () => {
  const r = await s.request('/app/default/plain/a/b/c')
  assert.deepEqual(r.json(), { first: 'a', n: 3, all: ['a', 'b', 'c'], last: 'c', dflt: 'none', called: 'a' })
})

test('content types of static files: the maintained table, charset on text, .tar.gz before .gz, unknown → octet-stream', async () => {
  const expected: Record<string, string> = {
    'a.tar.gz': 'application/x-gtar-compressed',
    'data.json': 'application/json; charset=utf-8',
    'site.css': 'text/css; charset=utf-8',
    'notes.txt': 'text/plain; charset=utf-8',
    'mod.wasm': 'application/wasm',
    'logo.svg': 'image/svg+xml',
    'app.js': 'text/javascript; charset=utf-8',
    'blob.qqqunknown': 'application/octet-stream',
    'noextension': 'application/octet-stream',
  }
  for (const [file, type] of Object.entries(expected)) {
    const r = await s.request(`/app/static/${file}`)
    assert.equal(r.status, 200, file)
    assert.equal(r.headers['content-type'], type, file)
  }
})

test('content types of responses by the URL\'s extension (charset on text/*, unknown → octet-stream)', async () => {
  const expected: Record<string, string> = {
    '/app/default/text.txt': 'text/plain; charset=utf-8',
    '/app/default/data.json': 'application/json; charset=utf-8',
    '/app/default/style.css': 'text/css; charset=utf-8',
    '/app/default/blob.qqqunknown': 'application/octet-stream',
    '/app/default/index': 'text/html; charset=utf-8',
  }
  for (const [p, type] of Object.entries(expected)) {
    const r = await s.request(p)
    assert.equal(r.status, 200, `${p}: ${r.body}`)
    assert.equal(r.headers['content-type'], type, p)
  }
})

test('the preset of common types is exactly what the package table gives, and the package knows the rest', () => {
  for (const [ext, type] of COMMON_TYPES) assert.equal(packageTypeOf(ext), type, ext)
  assert.equal(contentTypeOf('x.webmanifest'), 'application/manifest+json; charset=utf-8')
  assert.equal(contentTypeOf('notes.YAML'), 'text/yaml; charset=utf-8')
  assert.equal(contentTypeOf('dir/a.b/readme'), 'application/octet-stream')
  assert.equal(contentTypeOf('x.tgz'), 'application/x-gtar-compressed')
  assert.equal(contentTypeOf('x.tar.xz'), 'application/x-xz-compressed-tar')
  assert.equal(contentTypeOf('x.xz'), 'application/x-xz')
  assert.equal(contentTypeOf('a.2.txt'), 'text/plain; charset=utf-8')
  assert.equal(contentTypeOf('x.constructor'), 'application/octet-stream')
  assert.equal(contentTypeOf('x.load'), 'text/html; charset=utf-8')
})
