// Fan-out across processes (issue #23 item 5): two real Quark servers started as a user starts
// them — one with `--workers 2`, one a single process — on two folders whose sites name the same
// Redis (applications/realtime.json). A broadcast made in one reaches the websocket clients of
// every worker of both.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'
import WebSocket from 'ws'
import { Quark } from '../cli/helpers'
import { site, request, QUARK_JS } from '../workers/helpers'

const ROOM = 'room-' + crypto.randomBytes(6).toString('hex') // other runs on the same Redis never meet it
const CONTROLLER = `
export const chat = websocket({
  async open(ws) { await ws.subscribe(String(request.vars.room)); ws.send('pid ' + process.pid) },
  async message(ws, text) { await ws.broadcast(String(ws.request.vars.room), 'from ws ' + process.pid + ': ' + text) },
})
export async function shout() { await broadcast(String(request.vars.room), 'shout ' + process.pid + ': ' + request.vars.text); return String(process.pid) }
`

interface Server { q: Quark; url: string; dir: string; cleanup(): void }
const servers: Server[] = []

async function startSite(workers: number): Promise<Server> {
  const s = site()
  const app = path.join(s.dir, 'applications', 'app')
  fs.mkdirSync(path.join(app, 'controllers'), { recursive: true })
  fs.writeFileSync(path.join(app, 'controllers', 'default.ts'), CONTROLLER)
  fs.writeFileSync(path.join(s.dir, 'applications', 'realtime.json'), JSON.stringify({ redis: 'redis://127.0.0.1:6379/0' }))
  const q = new Quark(s, ['run', ...(workers ? ['--workers', String(workers)] : []), '--no-https', '-p', '0', '--no-browser', '-q'])
  const url = (await q.waitFor(/Quark serving \S+ at (http:\/\/[^/\s]+)\//))[1]!
  const srv = { q, url, dir: s.dir, cleanup: s.cleanup }
  servers.push(srv)
  return srv
}

let a: Server
let b: Server
before(async () => {
  assert.ok(fs.existsSync(QUARK_JS))
  ;[a, b] = await Promise.all([startSite(2), startSite(0)])
})
after(async () => {
  for (const s of servers) {
    if (!s.q.done) { s.q.signalGroup('SIGTERM'); await Promise.race([s.q.exited, new Promise((r) => setTimeout(r, 20_000))]) }
    await s.q.kill()
    s.cleanup()
  }
})

interface Client { ws: WebSocket; pid: string; got: string[] }

/** A client whose first message (its process id) has arrived: it is subscribed everywhere by then. */
function connect(url: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/app/default/chat?room=' + ROOM)
    const c: Client = { ws, pid: '', got: [] }
    ws.on('message', (d) => {
      const m = String(d)
      if (!c.pid && m.startsWith('pid ')) { c.pid = m.slice(4); resolve(c) } else c.got.push(m)
    })
    ws.once('error', reject)
    setTimeout(() => reject(new Error('no pid from ' + url)), 60_000).unref()
  })
}

async function until(what: string, fn: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!fn()) {
    if (Date.now() > deadline) throw new Error('timed out: ' + what)
    await new Promise((r) => setTimeout(r, 50))
  }
}

test('a broadcast in one process reaches the clients of both workers of the other server and its own', async () => {
  // clients on server A until both of its workers hold one (connections are spread by the primary)
  const onA: Client[] = []
  const deadline = Date.now() + 60_000
  while (new Set(onA.map((c) => c.pid)).size < 2) {
    if (Date.now() > deadline || onA.length > 40) throw new Error('the two workers of A never both answered')
    onA.push(await connect(a.url))
  }
  const onB = [await connect(b.url), await connect(b.url)]
  const everyone = [...onA, ...onB]
  assert.equal(new Set(everyone.map((c) => c.pid)).size, 3, 'three processes hold clients')

  const shouted = await request(b.url, `/app/default/shout?room=${ROOM}&text=hello`)
  assert.equal(shouted.status, 200, shouted.body)
  const line = `shout ${shouted.body}: hello`
  await until('every client got the shout', () => everyone.every((c) => c.got.includes(line)))
  // once each: the publisher delivers through its own subscription, never twice
  for (const c of everyone) assert.equal(c.got.filter((m) => m === line).length, 1)

  // and the other way: a message on a socket of A reaches B's clients
  onA[0]!.ws.send('hi')
  const wsLine = `from ws ${onA[0]!.pid}: hi`
  await until('every client got the websocket message', () => everyone.every((c) => c.got.includes(wsLine)))
  for (const c of everyone) c.ws.close()
})
