// App websockets against a real server with the `ws` client (issue #23 item 5): the handshake's
// session and auth.user, channels and broadcast from an ordinary action, and the hostile paths:
// a foreign Origin (403), a plain GET (426), a bad handshake (400), an oversize message (1009),
// a client that does not read (cut, its close handler told 1013).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import WebSocket from 'ws'
import { startServer, type TestServer } from '../helpers/server'

const MODEL = `
export const db = new DAL('sqlite://storage.sqlite')
export const auth = new Auth(db)
auth.defineTables()
`
const CONTROLLER = `
export function hello() { session.name = String(request.vars.name ?? ''); return 'hi ' + session.name }
export async function signin() {
  const id = await auth.registerUser({ first_name: 'Ann', last_name: 'Lee', email: 'ann' + Date.now() + '@x.test', password: 'Secret-pass-123' })
  await auth.loginUser((await db.auth_user.get(id))!)
  return 'in'
}
export const chat = websocket({
  async open(ws) {
    session.opened = (session.opened ?? 0) + 1
    await ws.subscribe('room')
    ws.send({ hello: session.name ?? null, user: auth.user?.first_name ?? null })
  },
  async message(ws, text) {
    if (text === 'who') ws.send({ name: ws.session.name ?? null, user: auth.user?.first_name ?? null, args: ws.request.args })
    else if (text === 'count') ws.send({ count: await db(db.auth_user).count() })
    else await broadcast('room', { from: ws.session.name ?? null, text })
  },
})
export function opened() { return String(session.opened ?? 0) }
export async function shout() { await broadcast('room', { shout: request.vars.text }); return 'sent' }
export const small = websocket({ maxMessageSize: 1024, message(ws, t) { ws.send('got ' + t.length) } })
export const watcher = websocket({ async open(ws) { await ws.subscribe('closes'); ws.send('ready') } })
export const flood = websocket({
  maxBuffered: 64 * 1024,
  message(ws) { const chunk = 'x'.repeat(16384); for (let i = 0; i < 4000; i++) if (!ws.send(chunk)) break },
  async close(ws, code) { await broadcast('closes', { code }) },
})
export const partner = websocket({ origins: ['https://partner.example'], open(ws) { ws.send('welcome partner') } })
export function page() { return 'not a socket' }
`

let s: TestServer
let wsBase: string

before(async () => {
  s = await startServer({ https: false, apps: { rt: { 'models/db.ts': MODEL, 'controllers/default.ts': CONTROLLER } } })
  wsBase = s.url.replace(/^http/, 'ws')
})
after(async () => { await s?.stop() })

/** Messages of a socket, awaited one by one (with a deadline, never a fixed sleep). */
function inbox(ws: WebSocket) {
  const got: string[] = []
  const waiters: (() => void)[] = []
  ws.on('message', (d) => { got.push(String(d)); waiters.splice(0).forEach((w) => w()) })
  return {
    async next(ms = 15000): Promise<string> {
      const deadline = Date.now() + ms
      while (!got.length) {
        if (Date.now() > deadline) throw new Error('no message within ' + ms + ' ms')
        await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 200) })
      }
      return got.shift()!
    },
  }
}

type Box = ReturnType<typeof inbox>
/** An open socket and its inbox (listening from the start: open's first message may come with the handshake's answer). */
function open(path: string, o: WebSocket.ClientOptions = {}): Promise<WebSocket & { box: Box }> {
  const ws = new WebSocket(wsBase + path, o) as WebSocket & { box: Box }
  ws.box = inbox(ws)
  return new Promise((resolve, reject) => { ws.once('open', () => resolve(ws)); ws.once('error', reject) })
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })))
}

/** The status line a refused handshake gets. */
function refusedStatus(path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsBase + path, { headers })
    ws.once('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); res.resume(); ws.terminate() })
    ws.once('open', () => { ws.close(); reject(new Error('the handshake was accepted')) })
    ws.once('error', () => {})
  })
}

test('the handshake is a request: its session and auth.user reach open and message; open\'s session change is saved', async () => {
  const agent = s.agent()
  assert.equal((await agent.request('/rt/default/hello?name=bob')).body, 'hi bob')
  assert.equal((await agent.request('/rt/default/signin')).body, 'in')
  const cookie = Object.entries(agent.jar).map(([k, v]) => `${k}=${v}`).join('; ')
  const ws = await open('/rt/default/chat/a1', { headers: { Cookie: cookie } })
  const box = ws.box
  assert.deepEqual(JSON.parse(await box.next()), { hello: 'bob', user: 'Ann' })
  ws.send('who')
  assert.deepEqual(JSON.parse(await box.next()), { name: 'bob', user: 'Ann', args: ['a1'] })
  ws.send('count')
  assert.deepEqual(JSON.parse(await box.next()), { count: 1 }, 'a message handler reads the database')
  ws.close()
  assert.equal((await agent.request('/rt/default/opened')).body, '1')
  // without the cookie: no session, no user
  const anon = await open('/rt/default/chat')
  assert.deepEqual(JSON.parse(await anon.box.next()), { hello: null, user: null })
  anon.close()
})

test('broadcast from a message and from an ordinary action reaches every subscriber', async () => {
  const a = await open('/rt/default/chat'); const ia = a.box
  const b = await open('/rt/default/chat'); const ib = b.box
  await ia.next(); await ib.next()
  a.send('hello all')
  assert.deepEqual(JSON.parse(await ia.next()), { from: null, text: 'hello all' })
  assert.deepEqual(JSON.parse(await ib.next()), { from: null, text: 'hello all' })
  assert.equal((await s.request('/rt/default/shout?text=' + encodeURIComponent('<b>x</b>'))).body, 'sent')
  assert.deepEqual(JSON.parse(await ia.next()), { shout: '<b>x</b>' })
  assert.deepEqual(JSON.parse(await ib.next()), { shout: '<b>x</b>' })
  a.close(); b.close()
})

test('a cross-origin handshake is refused with 403; the host\'s own origin and listed origins open', async () => {
  assert.equal(await refusedStatus('/rt/default/chat', { Origin: 'https://evil.example' }), 403)
  assert.equal(await refusedStatus('/rt/default/chat', { Origin: 'null' }), 403)
  const host = new URL(s.url).host
  const own = await open('/rt/default/chat', { headers: { Origin: `http://${host}` } })
  own.close()
  const p = await open('/rt/default/partner', { headers: { Origin: 'https://partner.example' } })
  assert.equal(await p.box.next(), 'welcome partner')
  p.close()
  assert.equal(await refusedStatus('/rt/default/partner', { Origin: 'https://other.example' }), 403)
})

test('a plain GET of a websocket is 426; an upgrade to a page or a missing action is answered and closed', async () => {
  const r = await s.request('/rt/default/chat')
  assert.equal(r.status, 426)
  assert.match(r.body, /QK_REALTIME_UPGRADE_REQUIRED|websocket/)
  assert.equal(await refusedStatus('/rt/default/nothing', {}), 404)
  // an upgrade to an ordinary page: its answer, then the connection closes
  assert.equal(await refusedStatus('/rt/default/page', {}), 200)
})

test('a handshake without a valid key is a 400 and the connection closes', async () => {
  const { port } = s
  const answer = await new Promise<string>((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1', () => {
      c.write('GET /rt/default/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n\r\n')
    })
    let out = ''
    c.on('data', (d) => { out += d })
    c.on('end', () => resolve(out))
    c.on('error', reject)
    setTimeout(() => { c.destroy(); reject(new Error('the server did not close: ' + out)) }, 15000).unref()
  })
  assert.match(answer, /^HTTP\/1.1 400 /)
})

test('a message above the limit closes the socket with 1009; one under it is answered', async () => {
  const ws = await open('/rt/default/small')
  const box = ws.box
  ws.send('y'.repeat(1000))
  assert.equal(await box.next(), 'got 1000')
  const done = closed(ws)
  ws.send('z'.repeat(1025))
  assert.equal((await done).code, 1009)
})

test('a client that stops reading is cut once its buffer is full; its close handler is told 1013', async () => {
  const watcher = await open('/rt/default/watcher')
  const wbox = watcher.box
  assert.equal(await wbox.next(), 'ready')
  const slow = await open('/rt/default/flood')
  const socket = (slow as unknown as { _socket: net.Socket })._socket
  slow.send('go')
  socket.pause() // reads nothing from now on: the server's buffer for it fills
  assert.deepEqual(JSON.parse(await wbox.next(60000)), { code: 1013 })
  socket.resume()
  slow.terminate()
  watcher.close()
})
