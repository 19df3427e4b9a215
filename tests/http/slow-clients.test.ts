/**
 * Slow clients (issue 16, defect 8): a client that sends its headers a byte a second, or its body
 * a byte a second, is cut after the configured headers / request timeout instead of holding a
 * connection (and its memory) for as long as it likes; meanwhile the server serves others.
 * Timing is only bounded from above, generously: the assertion is that the server closes the
 * connection itself, long before the client would have finished.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import tls from 'node:tls'
import { startServer, type TestServer } from '../helpers/server'

const APP = { app: { 'controllers/default.ts': `export function index() { return 'hello' }\nexport function echo() { return 'got ' + String(request.body?.length ?? Object.keys(request.postVars).length) }` } }
// the server's limits: 1.5 s for the headers, 3 s for a whole request
const HEADERS_MS = 1500
const REQUEST_MS = 3000
// the client trickles for at most this long; the server must cut it well before
const CLIENT_GIVES_UP_MS = 60_000

let s: TestServer
let plain: TestServer
before(async () => {
  s = await startServer({ apps: APP, options: { headersTimeoutMs: HEADERS_MS, requestTimeoutMs: REQUEST_MS } })
  plain = await startServer({ https: false, apps: APP, options: { headersTimeoutMs: HEADERS_MS, requestTimeoutMs: REQUEST_MS } })
})
after(async () => { await s.stop(); await plain.stop() })

interface Trickle { closedByServer: boolean; answer: string; ms: number }

/**
 * Connect, send `first`, then one byte of `rest` a second until the server closes the
 * connection (or the client gives up). Resolves with what came back.
 */
function trickle(server: TestServer, first: string, rest: string): Promise<Trickle> {
  const u = new URL(server.url)
  const t0 = Date.now()
  return new Promise((resolve) => {
    let answer = ''
    let i = 0
    let timer: NodeJS.Timeout | undefined
    let closed = false
    const opts = { host: u.hostname, port: Number(u.port) }
    const socket: net.Socket = server.url.startsWith('https')
      ? tls.connect({ ...opts, rejectUnauthorized: false }, () => start())
      : net.connect(opts, () => start())
    const start = () => {
      if (first) socket.write(first)
      timer = setInterval(() => {
        if (closed) return
        if (Date.now() - t0 > CLIENT_GIVES_UP_MS) { clearInterval(timer); socket.destroy(); return }
        if (rest) socket.write(rest[i++ % rest.length]!)
      }, 1000)
    }
    socket.on('data', (c) => { answer += c.toString('latin1') })
    socket.on('error', () => {})
    socket.on('close', () => {
      closed = true
      clearInterval(timer)
      const ms = Date.now() - t0
      resolve({ closedByServer: ms < CLIENT_GIVES_UP_MS, answer, ms })
    })
  })
}

const SLOW_HEADERS = 'X-Slow: ' + 'a'.repeat(200)

for (const kind of ['https', 'http'] as const) {
  test(`${kind}: headers sent a byte a second are cut after the headers timeout (408), others are served meanwhile`, async () => {
    const server = kind === 'https' ? s : plain
    const slow = Array.from({ length: 20 }, () => trickle(server, 'GET /app/default/index HTTP/1.1\r\nHost: localhost\r\n', SLOW_HEADERS))
    // the slow ones do not stop anyone else
    const r = await server.request('/app/default/index')
    assert.equal(r.body, 'hello')
    for (const t of await Promise.all(slow)) {
      assert.ok(t.closedByServer, `still open after ${t.ms} ms`)
      assert.doesNotMatch(t.answer, /hello/)
      assert.match(t.answer, /^HTTP\/1\.1 408 Request Timeout\r\n/)
    }
    assert.equal((await server.request('/app/default/index')).body, 'hello')
  })
}

test('https: a connection that never completes the TLS handshake is cut after the headers timeout', async () => {
  const u = new URL(s.url)
  const closed = await new Promise<{ ms: number }>((resolve) => {
    const t0 = Date.now()
    const socket = net.connect({ host: u.hostname, port: Number(u.port) }, () => socket.write(Buffer.from([0x16, 0x03, 0x01])))
    socket.on('error', () => {})
    const giveUp = setTimeout(() => socket.destroy(), CLIENT_GIVES_UP_MS)
    socket.on('close', () => { clearTimeout(giveUp); resolve({ ms: Date.now() - t0 }) })
  })
  assert.ok(closed.ms < CLIENT_GIVES_UP_MS, `still open after ${closed.ms} ms`)
})

test('http: a connection that sends nothing is cut after the headers timeout', async () => {
  const t = await trickle(plain, '', '')
  assert.ok(t.closedByServer, `still open after ${t.ms} ms`)
})

for (const kind of ['https', 'http'] as const) {
  test(`${kind}: a body sent a byte a second is cut after the request timeout; the action never runs`, async () => {
    const server = kind === 'https' ? s : plain
    const head = 'POST /app/default/echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\n'
    const t = await trickle(server, head, 'b')
    assert.ok(t.closedByServer, `still open after ${t.ms} ms`)
    assert.doesNotMatch(t.answer, /got /)
    assert.match(t.answer, /^HTTP\/1\.1 408 Request Timeout\r\n/)
    assert.equal((await server.request('/app/default/echo', { body: 'fast' , headers: { 'content-type': 'application/octet-stream' } })).body, 'got 4')
  })
}
