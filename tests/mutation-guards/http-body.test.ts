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
const uploadTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-body-guards-'))
const leftovers = () => fs.readdirSync(uploadTmp)

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
  fs.rmSync(uploadTmp, { recursive: true, force: true })
})

type Part = { name: string; filename?: string; type?: string; data: string | Buffer }
const BOUNDARY = '----quarkbodyguard'
function multipart(parts: Part[]): Buffer {
  const chunks: Buffer[] = []
  for (const p of parts) {
    chunks.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}\r\n` +
      `${p.filename !== undefined ? `Content-Type: ${p.type ?? 'application/octet-stream'}\r\n` : ''}\r\n`))
    chunks.push(Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data))
    chunks.push(Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`))
  return Buffer.concat(chunks)
}
const MP = `multipart/form-data; boundary=${BOUNDARY}`

/** POST over plain HTTP; `chunked` sends no Content-Length (the server learns the size by reading). */
function post(body: Buffer | string, type: string | undefined, chunked = false): Promise<{ status: number; body: string }> {
  const u = new URL(s.url)
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body)
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {}
    if (type !== undefined) headers['content-type'] = type
    if (!chunked) headers['content-length'] = buf.length
    const req = http.request({ host: u.hostname, port: u.port, path: '/app/default/echo', method: 'POST', headers, agent: false, timeout: 60_000 }, (res) => {
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
const json = (r: { status: number; body: string }) => { assert.equal(r.status, 200, r.body); return JSON.parse(r.body) }

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
  const r = await post(multipart([{ name: 'a', filename: 'ok.txt', data: 'small' }, { name: 'b', filename: 'big.bin', data: Buffer.alloc(MAX_FILE + 1, 1) }]), MP)
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
  assert.match(noBoundary.body, /Malformed request body: multipart: /)
  const full = multipart([{ name: 'f', filename: 'cut.bin', data: Buffer.alloc(800, 3) }])
  const cut = await post(full.subarray(0, full.length - 300), MP)
  assert.equal(cut.status, 400)
  assert.match(cut.body, /Malformed request body: multipart: Unexpected end of form/)
  assert.deepEqual(await settledLeftovers(), [])
})

test('a POST with Content-Length 0 has no body read: empty postVars, no raw body', async () => {
  const j = json(await post('', 'application/x-www-form-urlencoded'))
  assert.deepEqual(j.post, {})
  assert.equal(j.body, null)
})
