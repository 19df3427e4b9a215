// The Host check (--allowed-hosts) on websocket upgrades and for the router's domains, against a real
// `quark run --workers` process: an upgrade naming a foreign Host (a DNS-rebinding page's own name)
// gets 400 on the socket and the connection closed, for the admin's live channel and any other path;
// the live channel's Origin must name the Host (a trusted proxy's X-Forwarded-Host); names mapped by
// the site's routes `domains` are served without being listed in --allowed-hosts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import WebSocket from 'ws'
import { poll } from '../cli/helpers'
import { startCluster, adminLogin, request, CLUSTER_APP } from './helpers'

const PASSWORD = 'Hosts-admin-password-1'

type Attempt = { opened: true } | { opened: false; status: number; body: string } | { opened: false; error: string }

/** Try a websocket upgrade with the `ws` client; what the server did with it. */
function wsAttempt(url: string, p: string, headers: Record<string, string>): Promise<Attempt> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + p, { headers, handshakeTimeout: 30_000 })
    ws.on('open', () => { ws.close(); resolve({ opened: true }) })
    ws.on('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (c: Buffer) => { body += c.toString() })
      res.on('end', () => resolve({ opened: false, status: res.statusCode ?? 0, body }))
      res.on('error', () => resolve({ opened: false, status: res.statusCode ?? 0, body }))
    })
    ws.on('error', (e) => resolve({ opened: false, error: e.message }))
  })
}

/** A raw upgrade request on a TCP socket: everything the server wrote, once it closed the connection. */
function rawUpgrade(url: string, p: string, host: string): Promise<{ answer: string; closedByServer: boolean }> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname)
    let answer = ''
    const deadline = setTimeout(() => { socket.destroy(); reject(new Error(`the server did not close the connection; it wrote: ${JSON.stringify(answer)}`)) }, 30_000)
    socket.on('data', (c: Buffer) => { answer += c.toString() })
    socket.on('end', () => { clearTimeout(deadline); socket.end(); resolve({ answer, closedByServer: true }) })
    socket.on('error', (e) => { clearTimeout(deadline); reject(e) })
    socket.write(`GET ${p} HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${Buffer.from('0123456789abcdef').toString('base64')}\r\n\r\n`)
  })
}

test('an upgrade naming a foreign Host gets 400 on the socket, then the connection closes (admin live channel and any path); a foreign Origin gets 403', { timeout: 180_000 }, async () => {
  const c = await startCluster(1, ['--password', PASSWORD], CLUSTER_APP, {}, false)
  try {
    const port = new URL(c.url).port
    const login = await adminLogin(c.url, PASSWORD)
    assert.equal(login.status, 303, login.body.slice(0, 300))
    const cookie = login.cookie

    // control: the allowed name with the admin's cookie opens the live channel
    assert.deepEqual(await wsAttempt(c.url, '/admin/live', { cookie }), { opened: true })

    // DNS rebinding: the attacker's page is same-origin with its own name, so Origin == Host; the Host check stops it
    const rebound = await wsAttempt(c.url, '/admin/live', { cookie, host: `evil.example:${port}`, origin: `http://evil.example:${port}` })
    assert.equal(rebound.opened, false)
    assert.ok('status' in rebound, `an HTTP answer, not a dropped socket: ${JSON.stringify(rebound)}`)
    assert.equal(rebound.status, 400)
    assert.match(rebound.body, /QK_HTTP_BAD_HOST: Host not allowed: "evil\.example:\d+"/)

    // any other upgrade path (an app's websocket) meets the same check, and the server closes the connection after the 400
    const raw = await rawUpgrade(c.url, '/app/default/socket', 'rebind.example')
    assert.match(raw.answer, /^HTTP\/1\.1 400 Bad Request\r\n/)
    assert.match(raw.answer, /QK_HTTP_BAD_HOST/)
    assert.doesNotMatch(raw.answer, /101 Switching Protocols/)
    assert.ok(raw.closedByServer)

    // an X-Forwarded-Host from a peer that is not a trusted proxy changes nothing: the Host is checked
    const untrusted = await wsAttempt(c.url, '/admin/live', { cookie, 'x-forwarded-host': 'evil.example' })
    assert.deepEqual(untrusted, { opened: true })

    // an allowed Host but a page of another origin: the live channel refuses it (403)
    const foreignOrigin = await wsAttempt(c.url, '/admin/live', { cookie, origin: 'http://evil.example' })
    assert.ok('status' in foreignOrigin, JSON.stringify(foreignOrigin))
    assert.equal(foreignOrigin.status, 403)

    // the refusals are logged once per name, with the code
    await c.q.waitFor(/Host "evil\.example:\d+" refused \(400, QK_HTTP_BAD_HOST\)/, 30_000)
    await c.q.waitFor(/Host "rebind\.example" refused \(400, QK_HTTP_BAD_HOST\)/, 30_000)
    // and the server still serves
    assert.equal((await c.get('/app/default/index')).body, 'hello')
  } finally { await c.stop() }
})

test('behind a trusted proxy the upgrade\'s X-Forwarded-Host is the Host checked, and the live channel\'s Origin must name it', { timeout: 180_000 }, async () => {
  const c = await startCluster(1, ['--password', PASSWORD, '--trust-proxy', 'loopback', '--allowed-hosts', 'localhost,127.0.0.1,shop.example'])
  try {
    const login = await adminLogin(c.url, PASSWORD)
    assert.equal(login.status, 303, login.body.slice(0, 300))
    const cookie = login.cookie
    const proxied = { cookie, 'x-forwarded-host': 'shop.example', 'x-forwarded-proto': 'https' }
    // the public name the proxy passes on, with a page of that name: opens
    assert.deepEqual(await wsAttempt(c.url, '/admin/live', { ...proxied, origin: 'https://shop.example' }), { opened: true })
    // a foreign name passed on by the proxy: 400
    const foreign = await wsAttempt(c.url, '/admin/live', { ...proxied, 'x-forwarded-host': 'evil.example', origin: 'https://evil.example' })
    assert.ok('status' in foreign, JSON.stringify(foreign))
    assert.equal(foreign.status, 400)
    assert.match(foreign.body, /QK_HTTP_BAD_HOST/)
    // the public name but a page of another origin: 403
    const other = await wsAttempt(c.url, '/admin/live', { ...proxied, origin: 'https://evil.example' })
    assert.ok('status' in other, JSON.stringify(other))
    assert.equal(other.status, 403)
  } finally { await c.stop() }
})

test('names in the router\'s domains are allowed hosts without --allowed-hosts, and a domain added to the routes is allowed within the re-check', { timeout: 180_000 }, async () => {
  const routes = (domains: Record<string, string>) => JSON.stringify({ routers: { BASE: { default_application: 'app', domains } } })
  const c = await startCluster(1, [], CLUSTER_APP, {}, true, { 'routes.json': routes({ 'shop.example': 'app', 'www.shop.example:8443': 'app/default/pid' }) })
  try {
    const shop = await c.get('/', { host: 'shop.example' })
    assert.equal(shop.status, 200, shop.body.slice(0, 300))
    assert.equal(shop.body, 'hello')
    const withPort = await c.get('/', { host: 'www.shop.example:8443' })
    assert.equal(withPort.status, 200, withPort.body.slice(0, 300))
    assert.match(withPort.body, /^\d+$/, 'the domain maps to app/default/pid')
    // names of no domain are still refused, by requests and upgrades alike
    const other = await c.get('/', { host: 'other.example' })
    assert.equal(other.status, 400)
    assert.match(other.body, /QK_HTTP_BAD_HOST/)
    const up = await rawUpgrade(c.url, '/app/default/socket', 'other.example')
    assert.match(up.answer, /^HTTP\/1\.1 400 /)
    // an upgrade naming a domain passes the Host check (nothing serves that path: closed without a 400)
    const upShop = await wsAttempt(c.url, '/app/default/socket', { host: 'shop.example' })
    assert.ok(!('status' in upShop && upShop.status === 400), JSON.stringify(upShop))

    // the operator adds a domain: answered once the routes are re-read (at most a second), no restart
    const file = path.join(c.folder, 'routes.json')
    const before = fs.statSync(file).mtimeMs
    fs.writeFileSync(file, routes({ 'shop.example': 'app', 'blog.example': 'app' }))
    const t = new Date(Math.max(Date.now(), before + 2000))
    fs.utimesSync(file, t, t)
    const blog = await poll('blog.example served after the routes change', async () => {
      const r = await c.get('/', { host: 'blog.example' })
      return r.status === 200 ? r : undefined
    }, 60_000, 200)
    assert.equal(blog.body, 'hello')

    // and a domain taken out of the routes is refused again (by requests and upgrades), even when it was
    // the name of the previous request (the front door keeps that one without asking again)
    assert.equal((await c.get('/', { host: 'shop.example' })).status, 200)
    const before2 = fs.statSync(file).mtimeMs
    fs.writeFileSync(file, routes({ 'blog.example': 'app' }))
    const t2 = new Date(Math.max(Date.now(), before2 + 2000))
    fs.utimesSync(file, t2, t2)
    const gone = await poll('shop.example refused after its domain was removed', async () => {
      const r = await c.get('/', { host: 'shop.example' })
      return r.status === 400 ? r : undefined
    }, 60_000, 200)
    assert.match(gone.body, /QK_HTTP_BAD_HOST/)
    assert.match((await rawUpgrade(c.url, '/app/default/socket', 'shop.example')).answer, /^HTTP\/1\.1 400 /)
    assert.equal((await c.get('/', { host: 'blog.example' })).status, 200)
  } finally { await c.stop() }
})

test('a malformed domain key does not widen the allowed hosts', { timeout: 120_000 }, async () => {
  // the router refuses this routes file (reported); the Host check takes only well-formed names from it
  const c = await startCluster(1, [], CLUSTER_APP, {}, true, { 'routes.json': JSON.stringify({ routers: { BASE: { domains: { 'bad host/..': 'app', '*': 'app' } } } }) })
  try {
    for (const host of ['bad host', '*', 'anything.example']) {
      const r = await request(c.url, '/app/default/index', { headers: { host } })
      assert.equal(r.status, 400, `Host ${host}: ${r.status}`)
    }
    assert.equal((await c.get('/app/default/index')).body, 'hello')
  } finally { await c.stop() }
})
