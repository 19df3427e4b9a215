/**
 * Multipart bodies under the server's limits (issue 16, defect 2): --max-body bounds a multipart
 * body as it bounds the others, --max-file each file, --max-parts / --max-files the counts; every
 * refusal is a 413 naming the limit, a malformed body a 400, and no temp file is left behind.
 * Over real HTTPS with the real server, and with raw sockets where the client must misbehave.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import tls from 'node:tls'
import { startServer, type TestServer } from '../helpers/server'

const MB = 1024 * 1024
let s: TestServer
const uploadTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-multipart-limits-'))
const leftovers = () => fs.readdirSync(uploadTmp)

/** temp files are removed as the refusal is answered (and after the request otherwise): wait, bounded, for none */
async function settledLeftovers(ms = 10_000): Promise<string[]> {
  const until = Date.now() + ms
  while (leftovers().length && Date.now() < until) await new Promise((r) => setTimeout(r, 25))
  return leftovers()
}

before(async () => {
  s = await startServer({
    apps: {
      app: {
        'controllers/default.ts': `
          export function upload() {
            return JSON.stringify({ files: request.files.map((f) => ({ name: f.filename, size: f.size })), fields: Object.keys(request.postVars).length })
          }
          export function echo() { return JSON.stringify(request.postVars) }
        `,
      },
    },
    options: { maxBodySize: 1 * MB, maxFileSize: 256 * 1024, maxParts: 5, maxFiles: 2, uploadTmp },
  })
})
after(async () => {
  await s.stop()
  fs.rmSync(uploadTmp, { recursive: true, force: true })
})

type Part = { name: string; filename?: string; data: string | Buffer }
function multipart(parts: Part[], boundary = '----quarklimits' + Math.random().toString(16).slice(2)): { body: Buffer; type: string } {
  const chunks: Buffer[] = []
  for (const p of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}\r\n${p.filename ? 'Content-Type: application/octet-stream\r\n' : ''}\r\n`))
    chunks.push(Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data))
    chunks.push(Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` }
}

const post = (m: { body: Buffer; type: string }) =>
  s.request('/app/default/upload', { body: m.body, headers: { 'content-type': m.type }, timeout: 60_000 })

/**
 * Send a request over a raw TLS socket, optionally chunked (no Content-Length: the server learns
 * the size only by reading), and collect whatever comes back until the server closes.
 */
function rawRequest(server: TestServer, head: string, body: Buffer, chunked: boolean): Promise<string> {
  const u = new URL(server.url)
  return new Promise((resolve) => {
    let got = ''
    const socket = tls.connect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false }, () => {
      socket.write(head)
      if (!chunked) { socket.write(body); return }
      // 64 KB chunks: the server refuses (and answers) in the middle of the stream
      for (let i = 0; i < body.length; i += 65536) {
        const c = body.subarray(i, i + 65536)
        socket.write(`${c.length.toString(16)}\r\n`)
        socket.write(c)
        socket.write('\r\n')
      }
      socket.write('0\r\n\r\n')
    })
    socket.on('data', (c) => { got += c.toString('latin1') })
    socket.on('error', () => {})
    socket.on('close', () => resolve(got))
    socket.setTimeout(60_000, () => socket.destroy())
  })
}

test('a 5 MB file under --max-body 1 MB is a 413 naming the limit, and no temp file is left', async () => {
  // no --max-file: a file is bounded by --max-body alone (before issue 16 multipart ignored it and this posted fine)
  const t = await startServer({
    apps: { app: { 'controllers/default.ts': `export function upload() { return JSON.stringify(request.files.map((f) => [f.filename, f.size])) }` } },
    options: { maxBodySize: 1 * MB, uploadTmp },
  })
  try {
    const m = multipart([{ name: 'title', data: 'big' }, { name: 'doc', filename: 'big.bin', data: Buffer.alloc(5 * MB, 7) }])
    const r = await t.request('/app/default/upload', { body: m.body, headers: { 'content-type': m.type }, timeout: 60_000 })
    assert.equal(r.status, 413, r.body)
    assert.match(r.body, /Request body larger than 1048576 bytes/)
    assert.equal(r.headers.connection, 'close')
    assert.deepEqual(await settledLeftovers(), [])
    // the server goes on serving uploads, up to the limit
    const ok = multipart([{ name: 'doc', filename: 'fits.bin', data: Buffer.alloc(MB - 1000, 1) }])
    const r2 = await t.request('/app/default/upload', { body: ok.body, headers: { 'content-type': ok.type } })
    assert.equal(r2.status, 200, r2.body)
    assert.deepEqual(r2.json(), [['fits.bin', MB - 1000]])
    assert.deepEqual(await settledLeftovers(), [])
  } finally { await t.stop() }
})

test('a chunked multipart body (no Content-Length) over --max-body is refused while it streams', async () => {
  // four files each under the per-file limit (and the default counts): only the total trips
  const t = await startServer({
    apps: { app: { 'controllers/default.ts': `export function upload() { return 'accepted ' + request.files.length }` } },
    options: { maxBodySize: 1 * MB, maxFileSize: 900 * 1024, uploadTmp },
  })
  try {
    const m = multipart([0, 1, 2, 3].map((i) => ({ name: `f${i}`, filename: `f${i}.bin`, data: Buffer.alloc(600 * 1024, i) })))
    const head = `POST /app/default/upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: ${m.type}\r\nTransfer-Encoding: chunked\r\n\r\n`
    const answer = await rawRequest(t, head, m.body, true)
    assert.match(answer, /^HTTP\/1\.1 413 /)
    assert.match(answer, /Request body larger than 1048576 bytes/)
    assert.deepEqual(await settledLeftovers(), [])
    const small = multipart([{ name: 'a', filename: 'a.bin', data: 'x' }])
    const ok = await t.request('/app/default/upload', { body: small.body, headers: { 'content-type': small.type } })
    assert.equal(ok.body, 'accepted 1')
  } finally { await t.stop() }
})

test('--max-file: one file over the per-file limit is a 413 naming the file and the limit', async () => {
  const m = multipart([{ name: 'a', filename: 'fits.bin', data: Buffer.alloc(1000) }, { name: 'b', filename: 'too-big.bin', data: Buffer.alloc(300 * 1024) }])
  assert.ok(m.body.length < 1 * MB)
  const r = await post(m)
  assert.equal(r.status, 413, r.body)
  assert.match(r.body, /Uploaded file &quot;too-big\.bin&quot; is larger than 262144 bytes|Uploaded file "too-big\.bin" is larger than 262144 bytes/)
  assert.deepEqual(await settledLeftovers(), [])
  const atLimit = await post(multipart([{ name: 'b', filename: 'exact.bin', data: Buffer.alloc(256 * 1024) }]))
  assert.equal(atLimit.status, 200, atLimit.body)
  assert.deepEqual(atLimit.json().files, [{ name: 'exact.bin', size: 256 * 1024 }])
})

test('--max-files: a third file is a 413; two are accepted', async () => {
  const files = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `f${i}`, filename: `f${i}.txt`, data: `file ${i}` }))
  const r = await post(multipart(files(3)))
  assert.equal(r.status, 413, r.body)
  assert.match(r.body, /Multipart body has more than 2 files/)
  assert.deepEqual(await settledLeftovers(), [])
  const ok = await post(multipart(files(2)))
  assert.equal(ok.status, 200, ok.body)
  assert.equal(ok.json().files.length, 2)
})

test('--max-parts: a sixth part is a 413; five are accepted', async () => {
  const fields = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `v${i}`, data: String(i) }))
  const r = await post(multipart([{ name: 'doc', filename: 'd.txt', data: 'd' }, ...fields(5)]))
  assert.equal(r.status, 413, r.body)
  assert.match(r.body, /Multipart body has more than 5 parts/)
  assert.deepEqual(await settledLeftovers(), [])
  const ok = await post(multipart([{ name: 'doc', filename: 'd.txt', data: 'd' }, ...fields(4)]))
  assert.equal(ok.status, 200, ok.body)
  assert.deepEqual(ok.json(), { files: [{ name: 'd.txt', size: 1 }], fields: 5 })
})

test('malformed multipart: no boundary, a boundary the body does not use, a truncated body: 400 and no temp file', async () => {
  const good = multipart([{ name: 'doc', filename: 'x.bin', data: Buffer.alloc(20_000, 3) }])
  const noBoundary = await s.request('/app/default/upload', { body: good.body, headers: { 'content-type': 'multipart/form-data' } })
  assert.equal(noBoundary.status, 400, noBoundary.body)
  assert.match(noBoundary.body, /Malformed request body: multipart: Boundary not found/)

  const otherBoundary = await s.request('/app/default/upload', { body: good.body, headers: { 'content-type': 'multipart/form-data; boundary=not-the-one' } })
  assert.equal(otherBoundary.status, 400, otherBoundary.body)
  assert.match(otherBoundary.body, /Malformed request body: multipart: Unexpected end of form/)

  // the HTTP body is complete (its Content-Length is right) but the form stops inside the file
  const truncated = good.body.subarray(0, 10_000)
  const cut = await s.request('/app/default/upload', { body: truncated, headers: { 'content-type': good.type } })
  assert.equal(cut.status, 400, cut.body)
  assert.match(cut.body, /Malformed request body: multipart: Unexpected end of (form|file)/)
  assert.deepEqual(await settledLeftovers(), [])

  const broken = Buffer.from(`--b\r\nContent-Disposition: form-data; name="a"\r\nno colon here\r\n\r\nvalue\r\n--b--\r\n`)
  const header = await s.request('/app/default/upload', { body: broken, headers: { 'content-type': 'multipart/form-data; boundary=b' } })
  assert.equal(header.status, 400, header.body)
  assert.match(header.body, /Malformed request body: multipart: /)
  assert.deepEqual(await settledLeftovers(), [])
})

test('urlencoded, JSON and raw bodies keep their 413 (declared size) under the same --max-body', async () => {
  for (const headers of [{ 'content-type': 'application/x-www-form-urlencoded' }, { 'content-type': 'application/json' }, { 'content-type': 'application/octet-stream' }]) {
    const r = await s.request('/app/default/echo', { body: Buffer.alloc(2 * MB, 0x61), headers, timeout: 60_000 })
    assert.equal(r.status, 413, `${headers['content-type']}: ${r.body}`)
    assert.match(r.body, /Request body larger than 1048576 bytes/)
  }
})

test('Expect: 100-continue: an oversize upload is refused before it is sent; one within the limit is invited', async () => {
  const u = new URL(s.url)
  const ask = (length: number, then?: Buffer) => new Promise<string>((resolve) => {
    let got = ''
    const socket = tls.connect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false }, () => {
      socket.write(`POST /app/default/upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: ${length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`)
    })
    socket.on('data', (c) => {
      got += c.toString('latin1')
      if (then && got.startsWith('HTTP/1.1 100 Continue\r\n\r\n') && !got.includes('\r\n\r\nHTTP')) { socket.write(then); then = undefined }
    })
    socket.on('error', () => {})
    socket.on('close', () => resolve(got))
    socket.setTimeout(30_000, () => socket.destroy())
  })
  const refused = await ask(5 * MB)
  assert.match(refused, /^HTTP\/1\.1 413 /)
  assert.match(refused, /Request body larger than 1048576 bytes/)
  const body = Buffer.from('--b\r\nContent-Disposition: form-data; name="doc"; filename="d.txt"\r\n\r\nhello\r\n--b--\r\n')
  const invited = await ask(body.length, body)
  assert.match(invited, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /)
  assert.match(invited, /"name":"d\.txt","size":5/)
  assert.deepEqual(await settledLeftovers(), [])
})
