import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import https from 'node:https'
import tls from 'node:tls'
import { startServer, type TestServer } from '../helpers/server'

let s: TestServer
const uploadTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-uploads-test-'))
const pending = () => fs.readdirSync(uploadTmp)
/** temp files are removed asynchronously after the response: wait (bounded) until none is left */
async function settledPending(ms = 5000): Promise<string[]> {
  const until = Date.now() + ms
  while (pending().length && Date.now() < until) await new Promise((res) => setTimeout(res, 25))
  return pending()
}

before(async () => {
  s = await startServer({
    apps: {
      app: {
        'controllers/default.ts': `
          export function echo() { return JSON.stringify(request.postVars) }
          export function upload() {
            const f = request.postVars.doc as any
            return JSON.stringify({ title: request.postVars.title, name: f.filename, size: f.size, type: f.type, exists: require('node:fs').existsSync(f.path), files: request.files.length })
          }
          export async function slow() { await new Promise((r) => setTimeout(r, 400)); return 'slow done' }
        `,
      },
    },
    options: { maxBodySize: 1024, maxFileSize: 4096, uploadTmp },
  })
})
after(async () => {
  await s.stop()
  fs.rmSync(uploadTmp, { recursive: true, force: true })
})

function multipart(parts: { name: string; filename?: string; type?: string; data: string | Buffer }[]): { body: Buffer; type: string } {
  const boundary = '----quarktest' + Math.random().toString(16).slice(2)
  const chunks: Buffer[] = []
  for (const p of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ''}\r\n`))
    chunks.push(Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data))
    chunks.push(Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` }
}

test('a body over the limit is a 413 (declared or streamed)', async () => {
  const r = await s.request('/app/default/echo', { form: { big: 'x'.repeat(2000) } })
  assert.equal(r.status, 413)
  const ok = await s.request('/app/default/echo', { form: { small: 'y' } })
  assert.deepEqual(ok.json(), { small: 'y' })
})

test('malformed JSON is a 400 with a clear message', async () => {
  const r = await s.request('/app/default/echo', { body: '{"a": 1,', headers: { 'content-type': 'application/json' } })
  assert.equal(r.status, 400)
  assert.match(r.body, /Malformed JSON/)
})

test('multipart: fields and files (streamed to a temp file, removed after the request)', async () => {
  const m = multipart([{ name: 'title', data: 'Report' }, { name: 'doc', filename: '../../evil name.txt', type: 'text/plain', data: 'file content' }])
  const r = await s.request('/app/default/upload', { body: m.body, headers: { 'content-type': m.type } })
  assert.equal(r.status, 200, r.body)
  assert.deepEqual(r.json(), { title: 'Report', name: 'evil name.txt', size: 12, type: 'text/plain', exists: true, files: 1 })
  assert.deepEqual(await settledPending(), [])
})

test('an upload over the file limit is a 413 and leaves no temp file', async () => {
  const m = multipart([{ name: 'doc', filename: 'big.bin', data: Buffer.alloc(10000, 1) }])
  const r = await s.request('/app/default/upload', { body: m.body, headers: { 'content-type': m.type } })
  assert.equal(r.status, 413)
  assert.deepEqual(await settledPending(), [])
})

test('a client aborting mid-upload leaves no temp file and the server keeps serving', async () => {
  const m = multipart([{ name: 'doc', filename: 'half.bin', data: Buffer.alloc(3000, 2) }])
  const u = new URL(s.url)
  await new Promise<void>((resolve) => {
    const socket = tls.connect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false }, () => {
      socket.write(`POST /app/default/upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: ${m.type}\r\nContent-Length: ${m.body.length}\r\n\r\n`)
      socket.write(m.body.subarray(0, 1500))
      setTimeout(() => { socket.destroy(); resolve() }, 150)
    })
    socket.on('error', () => resolve())
  })
  assert.deepEqual(await settledPending(), [])
  const alive = await s.request('/app/default/echo', { form: { still: 'alive' } })
  assert.deepEqual(alive.json(), { still: 'alive' })
})

test('a slow client sending a JSON body in pieces is served', async () => {
  const u = new URL(s.url)
  const body = JSON.stringify({ slow: 'client' })
  const res = await new Promise<string>((resolve, reject) => {
    const req = https.request({ hostname: u.hostname, port: u.port, path: '/app/default/echo', method: 'POST', rejectUnauthorized: false, agent: false, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (r) => {
      let t = ''
      r.on('data', (c) => { t += c })
      r.on('end', () => resolve(t))
    })
    req.on('error', reject)
    req.write(body.slice(0, 5))
    setTimeout(() => req.end(body.slice(5)), 200)
  })
  assert.deepEqual(JSON.parse(res), { slow: 'client' })
})

test('graceful shutdown: an in-flight request finishes, new connections are refused', async () => {
  const t = await startServer({ apps: { app: { 'controllers/default.ts': `export async function slow() { await new Promise((r) => setTimeout(r, 400)); return 'slow done' }` } } })
  const inflight = t.request('/app/default/slow')
  await new Promise((r) => setTimeout(r, 100))
  const closing = t.server.close(5000)
  const r = await inflight
  assert.equal(r.status, 200)
  assert.equal(r.body, 'slow done')
  await closing
  await assert.rejects(t.request('/app/default/slow'))
  await t.stop()
})
