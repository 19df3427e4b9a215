// The live channel: a plain node:http server hands upgrades to createAdminLive;
// a real WebSocket client watches a file, sees it change, follows log lines,
// and is refused without authorisation, from another origin, or for paths outside the app.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import http from 'node:http'
import { once } from 'node:events'
import WebSocket from 'ws'
import { createAdminLive, publishAppLog, logLineApp } from '../../server/adminlib/index'

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-live-'))
const app = path.join(root, 'shop')
fs.mkdirSync(path.join(app, 'controllers'), { recursive: true })
fs.writeFileSync(path.join(app, 'controllers', 'default.ts'), 'export function index() {}\n')

const live = createAdminLive({
  authorize: (req) => req.headers.cookie === 'quark_admin=ok',
  appFolder: (name) => { if (name !== 'shop') throw new Error(`no app ${name}`); return app },
  intervalMs: 50,
})
const server = http.createServer((_req, res) => res.end('plain'))
server.on('upgrade', (req, socket, head) => { if (!live.handleUpgrade(req, socket, head)) socket.destroy() })
server.listen(0, '127.0.0.1')
after(() => { live.close(); server.close(); fs.rmSync(root, { recursive: true, force: true }) })

async function connect(headers: Record<string, string>, p = '/admin/live'): Promise<WebSocket> {
  if (!server.listening) await once(server, 'listening')
  const port = (server.address() as { port: number }).port
  const ws = new WebSocket(`ws://127.0.0.1:${port}${p}`, { headers })
  return ws
}

function nextMessage(ws: WebSocket, type: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${type} message`)), 5000)
    const on = (d: WebSocket.RawData) => {
      const m = JSON.parse(String(d))
      if (m.type === type) { clearTimeout(t); ws.off('message', on); resolve(m) }
    }
    ws.on('message', on)
  })
}

test('refused without a logged-in cookie or from another origin', async () => {
  const cases: Record<string, string>[] = [{}, { cookie: 'quark_admin=ok', origin: 'https://evil.example' }]
  for (const headers of cases) {
    const ws = await connect(headers)
    const [err] = await once(ws, 'error')
    assert.match(String((err as Error).message), /403/)
  }
})

test('other paths are left to the core', async () => {
  const ws = await connect({ cookie: 'quark_admin=ok' }, '/elsewhere')
  await once(ws, 'error')
})

test('file changes and log lines arrive; paths outside the app refused', async () => {
  const ws = await connect({ cookie: 'quark_admin=ok' })
  await once(ws, 'open')
  ws.send(JSON.stringify({ type: 'watch', app: 'shop', path: 'controllers/default.ts' }))
  await nextMessage(ws, 'watching')
  await new Promise((r) => setTimeout(r, 200)) // let the poller take its first look
  const changed = nextMessage(ws, 'changed')
  fs.writeFileSync(path.join(app, 'controllers', 'default.ts'), 'export function index() { return 2 }\n')
  const m = await changed
  assert.equal(m.path, 'controllers/default.ts')
  assert.match(String(m.hash), /^[0-9a-f]{64}$/)

  // a watch that starts with an outdated hash is told at once
  const stale = nextMessage(ws, 'changed')
  ws.send(JSON.stringify({ type: 'watch', app: 'shop', path: 'controllers/default.ts', hash: 'old' }))
  ws.send(JSON.stringify({ type: 'unwatch', app: 'shop', path: 'controllers/default.ts' }))
  ws.send(JSON.stringify({ type: 'watch', app: 'shop', path: 'controllers/default.ts', hash: 'old' }))
  assert.equal((await stale).hash, m.hash)

  ws.send(JSON.stringify({ type: 'watch', app: 'shop', path: '../../etc/passwd' }))
  assert.match(String((await nextMessage(ws, 'error')).message), /Invalid file path/)
  ws.send(JSON.stringify({ type: 'follow', app: 'ghost' }))
  assert.match(String((await nextMessage(ws, 'error')).message), /no app ghost/)

  ws.send(JSON.stringify({ type: 'follow', app: 'shop' }))
  await nextMessage(ws, 'following')
  const line = nextMessage(ws, 'log')
  publishAppLog('other', 'not mine')
  publishAppLog('shop', 'GET /shop/default/index 200')
  assert.equal((await line).line, 'GET /shop/default/index 200')
  ws.close()
  await once(ws, 'close')
})

test('log lines are told apart by app', () => {
  assert.equal(logLineApp('GET /shop/default/index 200 1.2ms'), 'shop')
  assert.equal(logLineApp('POST /shop?x=1 303 1ms'), 'shop')
  assert.equal(logLineApp('quark: error in GET /x/default/boom: kaboom [ticket shop/127-0-0-1.2026]'), 'shop')
  assert.equal(logLineApp('GET /_quark/bootstrap.min.css 200 1ms'), undefined)
  assert.equal(logLineApp('random text'), undefined)
})
