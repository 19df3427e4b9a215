// realtime's other bad inputs (issue #23 item 5): channel names, a broken realtime.json, the
// framework names used outside a request, a generator that throws, an unreachable Redis.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import WebSocket from 'ws'
import { startServer, type TestServer } from '../helpers/server'
import { deadPort } from '../helpers/ports'
import { broadcast, subscribe, websocket, eventStream, formatEvent, QK_REALTIME_OUTSIDE_REQUEST } from '../../server/realtime/index'

const CONTROLLER = `
export async function shout() { await broadcast(String(request.vars.channel ?? ''), 'x'); return 'sent' }
export const broken = eventStream(async function* () { yield 'first'; throw new Error('generator failed') })
export const endless = eventStream(async function* ({ signal }) { while (!signal.aborted) { yield 'tick'; await new Promise((r) => setTimeout(r, 200)) } })
export const echo = websocket({ message(ws, t) { if (t === 'boom') throw new Error('handler failed'); ws.send('echo ' + t) } })
`

let s: TestServer
let downPort = 0
before(async () => {
  downPort = await deadPort()
  s = await startServer({ https: false, apps: {
    down: { 'controllers/default.ts': CONTROLLER, 'private/realtime.json': JSON.stringify({ redis: `redis://127.0.0.1:${downPort}/0` }) },
    rt: { 'controllers/default.ts': CONTROLLER },
    badconf: { 'controllers/default.ts': CONTROLLER, 'private/realtime.json': '{ "redis": "http://not-redis" }' },
    badjson: { 'controllers/default.ts': CONTROLLER, 'private/realtime.json': '{ nope' },
  } })
})
after(async () => { await s?.stop() })

test('channel names: empty, too long or with control characters are a 400 naming the code', async () => {
  for (const bad of ['', 'a'.repeat(201), 'a\nb', 'tab\there']) {
    const r = await s.request('/rt/default/shout?channel=' + encodeURIComponent(bad))
    assert.equal(r.status, 400, JSON.stringify(bad))
    assert.match(r.body, /QK_REALTIME_BAD_CHANNEL|Invalid channel name/)
  }
  assert.equal((await s.request('/rt/default/shout?channel=' + encodeURIComponent('room/ü 1'))).body, 'sent')
})

test('a realtime.json that is not JSON or names no redis:// URL is an error, not a silent in-process bus', async () => {
  for (const app of ['badconf', 'badjson']) {
    const r = await s.request(`/${app}/default/shout?channel=a`)
    assert.equal(r.status, 500, app)
    assert.doesNotMatch(r.body, /sent/)
  }
})

test('the framework names outside a request say so', async () => {
  await assert.rejects(async () => broadcast('a', 1), (e: unknown) => e instanceof QK_REALTIME_OUTSIDE_REQUEST)
  assert.throws(() => subscribe('a'), QK_REALTIME_OUTSIDE_REQUEST)
  await assert.rejects(async () => websocket({})(), QK_REALTIME_OUTSIDE_REQUEST)
  assert.throws(() => eventStream(async function* () { yield 1 })(), QK_REALTIME_OUTSIDE_REQUEST)
})

test('event fields cannot be split by newlines in event names or ids', () => {
  assert.equal(formatEvent({ event: 'a\nb', id: 'x\r\ny', data: 'd' }), 'event: a b\nid: x y\ndata: d\n\n')
  assert.equal(formatEvent({ data: { a: 1 } }), 'data: {"a":1}\n\n')
  assert.equal(formatEvent(3), 'data: 3\n\n')
})

test('a generator that throws ends its stream cleanly after what it sent', async () => {
  const r = await fetch(s.url + '/rt/default/broken')
  assert.equal(r.status, 200)
  const text = await r.text() // ends: the stream is closed, not left hanging
  assert.match(text, /data: first\n\n/)
  assert.doesNotMatch(text, /generator failed/)
})

test('a message handler that throws closes that socket with 1011; the server goes on', async () => {
  const ws = new WebSocket(s.url.replace(/^http/, 'ws') + '/rt/default/echo')
  const got: string[] = []
  ws.on('message', (d) => got.push(String(d)))
  await new Promise((r, j) => { ws.once('open', r); ws.once('error', j) })
  ws.send('hi')
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)))
  ws.send('boom')
  assert.equal(await closed, 1011)
  assert.deepEqual(got, ['echo hi'])
  const again = new WebSocket(s.url.replace(/^http/, 'ws') + '/rt/default/echo')
  const reply = new Promise<string>((r) => again.once('message', (d) => r(String(d))))
  await new Promise((r, j) => { again.once('open', r); again.once('error', j) })
  again.send('x')
  assert.equal(await reply, 'echo x')
  again.close()
})

test('a broadcast while the configured Redis is down is a 503 that says so, within seconds', async () => {
  const r = await s.request('/down/default/shout?channel=a', { timeout: 60_000 })
  assert.equal(r.status, 503, r.body)
  assert.doesNotMatch(r.body, /sent/)
  // the page is the generic 503; the ticket names the code and the server
  const id = /Ticket issued: down\/(\S+?)</.exec(r.body)?.[1]
  assert.ok(id, r.body)
  const dir = path.join(s.appFolder('down'), 'errors')
  const ticket = fs.readdirSync(dir).filter((f) => f.includes(id!)).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('')
  assert.match(ticket, /QK_REALTIME_REDIS_DOWN/)
  assert.match(ticket, new RegExp(`Cannot publish on redis://127.0.0.1:${downPort}/0`))
})

test('a stopping server closes its app websockets with 1001 (going away) and ends its event streams cleanly', async () => {
  const own = await startServer({ https: false, apps: { rt: { 'controllers/default.ts': CONTROLLER } } })
  const ws = new WebSocket(own.url.replace(/^http/, 'ws') + '/rt/default/echo')
  await new Promise((r, j) => { ws.once('open', r); ws.once('error', j) })
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)))
  const stream = await fetch(own.url + '/rt/default/endless')
  const body = stream.text() // resolves only when the response ends properly (a cut connection rejects)
  await own.stop()
  assert.equal(await closed, 1001)
  assert.match(await body, /data: tick/)
})
