/**
 * Guards for http/body.ts found by mutation testing (issue 17 item 6), over
 * the real server (plain HTTP, small limits): each limit (--max-body,
 * --max-file, --max-parts, --max-files) passes exactly at its value and
 * refuses one over it with a 413 naming it, declared or streamed (chunked);
 * urlencoded, JSON and raw bodies land where an action reads them; a refused
 * or malformed multipart body leaves no temp file; upload names lose their
 * folders.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { startServer, type TestServer } from '../helpers/server'

const MAX_BODY = 4096
const MAX_FILE = 1000
let s: TestServer
const tmpBase = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-body-guards-'))
// not there yet: the first multipart body creates it
const uploadTmp = path.join(tmpBase, 'nested', 'uploads')
const leftovers = () => (fs.existsSync(uploadTmp) ? fs.readdirSync(uploadTmp) : [])

/** temp files are removed as a refusal is answered, or after the request: wait (bounded) for none */
async function settledLeftovers(): Promise<string[]> {
  const until = Date.now() + 20_000
  while (leftovers().length && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
  return leftovers()
}

before(async () => {
  s = await startServer({
    https: false,
    apps: {
      app: {
        'controllers/default.ts': `
          import fs from 'node:fs'
          export function echo() {
            return JSON.stringify({
              post: request.postVars, vars: request.vars,
              body: request.body === undefined ? null : request.body.toString('latin1'),
              files: request.files.map((f) => ({ field: f.field, name: f.filename, type: f.type, size: f.size, data: fs.readFileSync(f.path, 'latin1') })),
            })
          }
        `,
      },
    },
    options: { maxBodySize: MAX_BODY, maxFileSize: MAX_FILE, maxParts: 4, maxFiles: 2, uploadTmp },
  })
})
after(async () => {
  await s.stop()
  fs.rmSync(tmpBase, { recursive: true, force: true })
})

type Part = { name: string; filename?: string; type?: string; data: string | Buffer }
/** parts carry a Content-Type when they have a filename or a `type` */
const BOUNDARY = '----quarkbodyguard'
function multipart(parts: Part[]): Buffer {
  const chunks: Buffer[] = []
  for (const p of parts) {
    chunks.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}\r\n` +
      `${p.filename !== undefined || p.type !== undefined ? `Content-Type: ${p.type ?? 'application/octet-stream'}\r\n` : ''}\r\n`))
    chunks.push(Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data))
    chunks.push(Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`))
  return Buffer.concat(chunks)
}
const MP = `multipart/form-data; boundary=${BOUNDARY}`

/** POST over plain HTTP; `chunked` sends no Content-Length (the server learns the size by reading). */
function post(body: Buffer | string, type: string | undefined, chunked = false, method = 'POST'): Promise<{ status: number; body: string }> {
  const u = new URL(s.url)
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body)
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {}
    if (type !== undefined) headers['content-type'] = type
    if (!chunked) headers['content-length'] = buf.length
    const req = http.request({ host: u.hostname, port: u.port, path: '/app/default/echo', method, headers, agent: false, timeout: 60_000 }, (res) => {
      const got: Buffer[] = []
      res.on('data', (c: Buffer) => got.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(got).toString() }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.on('timeout', () => req.destroy(new Error('timeout')))
    if (chunked) for (let i = 0; i < buf.length; i += 512) req.write(buf.subarray(i, i + 512))
    else req.write(buf)
    req.end()
  })
}
/** the answer's JSON; files sorted by field (a file is listed when its temp file closes: the order may vary) */
const json = (r: { status: number; body: string }) => {
  assert.equal(r.status, 200, r.body)
  const j = JSON.parse(r.body)
  j.files?.sort((a: { field: string }, b: { field: string }) => (a.field < b.field ? -1 : 1))
  return j
}

test('urlencoded: fields go to postVars and vars; the content type is matched without regard to case', async () => {
  for (const type of ['application/x-www-form-urlencoded', 'Application/X-WWW-Form-URLEncoded; charset=UTF-8']) {
    const j = json(await post('a=1&b=%C3%A9t%C3%A9&a=2', type))
    assert.deepEqual(j.post, { a: ['1', '2'], b: 'été' }, type)
    assert.deepEqual(j.vars, { a: ['1', '2'], b: 'été' }, type)
    assert.equal(j.body, null, type)
  }
})

test('JSON: an object becomes postVars (and vars); an array, a number or null stays the raw body; empty is {}; malformed is 400', async () => {
  const o = json(await post('{"x":1,"y":"z"}', 'APPLICATION/JSON'))
  assert.deepEqual(o.post, { x: 1, y: 'z' })
  assert.deepEqual(o.vars, { x: 1, y: 'z' })
  assert.equal(o.body, null)
  for (const raw of ['[1,2]', '5', 'null']) {
    const j = json(await post(raw, 'application/json'))
    assert.deepEqual(j.post, {}, raw)
    assert.equal(j.body, raw, raw)
  }
  const empty = json(await post('', 'application/json', true))
  assert.deepEqual(empty.post, {})
  assert.equal(empty.body, null)
  const bad = await post('{"x":', 'application/json')
  assert.equal(bad.status, 400)
  assert.match(bad.body, /Malformed JSON body/)
})

test('any other type: the raw bytes in request.body, no postVars', async () => {
  for (const type of ['application/octet-stream', 'text/plain', undefined]) {
    const j = json(await post('a=1&b=2', type))
    assert.equal(j.body, 'a=1&b=2', String(type))
    assert.deepEqual(j.post, {}, String(type))
  }
})

test('--max-body: a body of exactly the limit passes, one byte more is a 413 naming it, declared or streamed', async () => {
  for (const type of ['application/x-www-form-urlencoded', 'application/octet-stream']) {
    for (const chunked of [false, true]) {
      const at = await post('a=' + 'x'.repeat(MAX_BODY - 2), type, chunked)
      assert.equal(at.status, 200, `${type} chunked=${chunked}: ${at.body}`)
      const over = await post('a=' + 'x'.repeat(MAX_BODY - 1), type, chunked)
      assert.equal(over.status, 413, `${type} chunked=${chunked}`)
      assert.match(over.body, new RegExp(`Request body larger than ${MAX_BODY} bytes`))
    }
  }
})

test('multipart: fields and files (type, size, bytes, name without folders); an upload of exactly --max-file passes', async () => {
  const body = multipart([
    { name: 'title', data: 'hello' },
    { name: 'doc', filename: '../../etc/x.txt', type: 'text/plain', data: 'file bytes' },
    { name: 'whole', filename: 'full.bin', data: Buffer.alloc(MAX_FILE, 0x41) },
  ])
  for (const chunked of [false, true]) {
    const j = json(await post(body, MP, chunked))
    assert.ok(fs.existsSync(uploadTmp), 'the temp folder is made when missing')
    assert.equal(j.post.title, 'hello')
    assert.equal(j.vars.title, 'hello')
    assert.deepEqual(j.files, [
      { field: 'doc', name: 'x.txt', type: 'text/plain', size: 10, data: 'file bytes' },
      { field: 'whole', name: 'full.bin', type: 'application/octet-stream', size: MAX_FILE, data: 'A'.repeat(MAX_FILE) },
    ])
    assert.equal(j.post.doc.name, undefined, 'postVars holds the UploadedFile')
    assert.equal(j.post.doc.filename, 'x.txt')
  }
  assert.deepEqual(await settledLeftovers(), [])
})

test('--max-file: one byte over is a 413 naming the file and the limit; no temp file is left', async () => {
  // a file after the refused one opens no temp file either
  const r = await post(multipart([{ name: 'a', filename: 'ok.txt', data: 'small' }, { name: 'b', filename: 'big.bin', data: Buffer.alloc(MAX_FILE + 1, 1) },
    { name: 'c', filename: 'after.txt', data: 'after' }]), MP)
  assert.equal(r.status, 413, r.body)
  assert.match(r.body, new RegExp(`Uploaded file .*big\\.bin.* is larger than ${MAX_FILE} bytes`))
  assert.deepEqual(await settledLeftovers(), [])
})

test('--max-parts: exactly the limit passes, one more is a 413 naming it', async () => {
  const parts = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `f${i}`, data: String(i) }))
  const ok = json(await post(multipart(parts(4)), MP))
  assert.deepEqual(Object.keys(ok.post), ['f0', 'f1', 'f2', 'f3'])
  const over = await post(multipart(parts(5)), MP)
  assert.equal(over.status, 413)
  assert.match(over.body, /Multipart body has more than 4 parts/)
})

test('--max-files: exactly the limit passes, one more is a 413 naming it; no temp file is left', async () => {
  const files = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `u${i}`, filename: `u${i}.txt`, data: `data${i}` }))
  const ok = json(await post(multipart(files(2)), MP))
  assert.deepEqual(ok.files.map((f: { data: string }) => f.data), ['data0', 'data1'])
  const over = await post(multipart(files(3)), MP)
  assert.equal(over.status, 413)
  assert.match(over.body, /Multipart body has more than 2 files/)
  assert.deepEqual(await settledLeftovers(), [])
})

test('--max-body bounds a multipart body too: declared, or streamed with a field or a file over it', async () => {
  const withField = multipart([{ name: 'big', data: 'x'.repeat(MAX_BODY + 10) }])
  const withFiles = multipart([{ name: 'a', filename: 'a.bin', data: Buffer.alloc(900, 1) }, { name: 'b', filename: 'b.bin', data: Buffer.alloc(900, 2) },
    { name: 'c', data: 'y'.repeat(2500) }])
  for (const [label, body] of [['field', withField], ['files and a field', withFiles]] as const) {
    for (const chunked of [false, true]) {
      const r = await post(body, MP, chunked)
      assert.equal(r.status, 413, `${label} chunked=${chunked}: ${r.body}`)
      assert.match(r.body, new RegExp(`Request body larger than ${MAX_BODY} bytes`), label)
    }
  }
  assert.deepEqual(await settledLeftovers(), [])
})

test('malformed multipart (no boundary, a truncated body) is a 400; no temp file is left', async () => {
  const noBoundary = await post(multipart([{ name: 'a', data: '1' }]), 'multipart/form-data')
  assert.equal(noBoundary.status, 400)
  assert.match(noBoundary.body, /Malformed request body: multipart: Boundary not found/)
  const full = multipart([{ name: 'f', filename: 'cut.bin', data: Buffer.alloc(800, 3) }])
  const cut = await post(full.subarray(0, full.length - 300), MP)
  assert.equal(cut.status, 400)
  assert.match(cut.body, /Malformed request body: multipart: Unexpected end of form/)
  assert.deepEqual(await settledLeftovers(), [])
})

test('no body is read for Content-Length 0 or a GET without one: no raw body, empty postVars', async () => {
  for (const [method, type] of [['POST', 'application/x-www-form-urlencoded'], ['POST', undefined], ['GET', undefined]] as const) {
    const j = json(await post('', type, false, method))
    assert.deepEqual(j.post, {}, `${method} ${type}`)
    assert.equal(j.body, null, `${method} ${type}`)
  }
  // a GET with neither Content-Length nor Transfer-Encoding
  const u = new URL(s.url)
  const r = await new Promise<string>((resolve, reject) => {
    http.get({ host: u.hostname, port: u.port, path: '/app/default/echo', agent: false }, (res) => {
      let b = ''
      res.on('data', (c) => { b += c })
      res.on('end', () => resolve(b))
    }).on('error', reject)
  })
  assert.equal(JSON.parse(r).body, null)
})

test('multipart: a UTF-8 file name, a file part without a name (Content-Type only), a body of exactly --max-body streamed', async () => {
  const j = json(await post(multipart([{ name: 'u', filename: 'été ✓.txt', data: 'x' }, { name: 'anon', type: 'application/octet-stream', data: 'raw' }]), MP))
  assert.deepEqual(j.files.map((f: { field: string; name: string; data: string }) => [f.field, f.name, f.data]), [['anon', '', 'raw'], ['u', 'été ✓.txt', 'x']])
  const empty = multipart([{ name: 'pad', data: '' }])
  const exact = multipart([{ name: 'pad', data: 'p'.repeat(MAX_BODY - empty.length) }])
  assert.equal(exact.length, MAX_BODY)
  for (const chunked of [false, true]) assert.equal(json(await post(exact, MP, chunked)).post.pad.length, MAX_BODY - empty.length)
  const over = multipart([{ name: 'pad', data: 'p'.repeat(MAX_BODY - empty.length + 1) }])
  assert.equal((await post(over, MP, true)).status, 413)
})

test('the default limits (no --max-* given): 10 MB bodies and files, 1000 parts, 100 files; temp files under <tmp>/quark-uploads', async () => {
  const d = await startServer({
    https: false,
    apps: {
      app: {
        'controllers/default.ts': `
          export function echo() {
            return JSON.stringify({ n: Object.keys(request.postVars).length, files: request.files.map((f) => ({ size: f.size, dir: f.path.slice(0, f.path.lastIndexOf('/')) })) })
          }
        `,
      },
    },
  })
  const MB = 1024 * 1024
  const u = new URL(d.url)
  const send = (body: Buffer, type: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: '/app/default/echo', method: 'POST', agent: false, timeout: 120_000,
      headers: { 'content-type': type, 'content-length': body.length } }, (res) => {
      const got: Buffer[] = []
      res.on('data', (c: Buffer) => got.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(got).toString() }))
    })
    req.on('error', reject)
    req.end(body)
  })
  try {
    const atBody = await send(Buffer.alloc(10 * MB, 0x61), 'application/octet-stream')
    assert.equal(atBody.status, 200, atBody.body)
    const overBody = await send(Buffer.alloc(10 * MB + 1, 0x61), 'application/octet-stream')
    assert.equal(overBody.status, 413)
    assert.match(overBody.body, /Request body larger than 10485760 bytes/)
    // a file of 9 MB (under both 10 MB limits) in a body under 10 MB
    const file = await send(multipart([{ name: 'f', filename: 'nine.bin', data: Buffer.alloc(9 * MB, 1) }]), MP)
    assert.equal(file.status, 200, file.body)
    assert.deepEqual(JSON.parse(file.body).files, [{ size: 9 * MB, dir: path.join(os.tmpdir(), 'quark-uploads') }])
    const fields = (n: number) => multipart(Array.from({ length: n }, (_, i) => ({ name: `f${i}`, data: 'v' })))
    assert.equal(JSON.parse((await send(fields(1000), MP)).body).n, 1000)
    const tooMany = await send(fields(1001), MP)
    assert.equal(tooMany.status, 413)
    assert.match(tooMany.body, /Multipart body has more than 1000 parts/)
    const files = (n: number) => multipart(Array.from({ length: n }, (_, i) => ({ name: `u${i}`, filename: `u${i}.txt`, data: 'x' })))
    assert.equal(JSON.parse((await send(files(100), MP)).body).files.length, 100)
    const tooManyFiles = await send(files(101), MP)
    assert.equal(tooManyFiles.status, 413)
    assert.match(tooManyFiles.body, /Multipart body has more than 100 files/)
  } finally { await d.stop() }
})
