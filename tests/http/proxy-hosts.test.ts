// Behind a proxy (--trust-proxy), the Host check (--allowed-hosts), one "is local" test, and the
// load balancer probes, through a real server over HTTP.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { startServer, type TestServer } from '../helpers/server'
import { parseTrustProxy, parseForwarded, allowedHosts, hostAllowed, defaultAllowedHosts, isLocalAddress } from '../../server/http'
import { isLoopback } from '../../server/adminlib/index'

const WHO = {
  'controllers/default.ts': [
    'export function who() {',
    '  session.n = (session.n ?? 0) + 1',
    "  return response.json({ client: request.client, isHttps: request.isHttps, scheme: request.scheme, host: request.host, isLocal: request.isLocal, url: URL('who', { scheme: true, host: true }) })",
    '}',
  ].join('\n'),
}

const servers: TestServer[] = []
after(async () => { for (const s of servers) await s.stop() })
async function server(options: Record<string, unknown> = {}, https = false): Promise<TestServer> {
  const s = await startServer({ apps: { app: WHO }, https, options })
  servers.push(s)
  return s
}

test('a trusted proxy: X-Forwarded-For/Proto/Host give request.client, isHttps, host, URL() and the Secure cookie', async () => {
  const s = await server({ trustProxy: 'loopback', allowedHosts: ['shop.example'] })
  const r = await s.request('/app/default/who', { headers: { 'x-forwarded-for': '203.0.113.7, 127.0.0.1', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'shop.example' } })
  assert.equal(r.status, 200)
  const j = r.json()
  assert.equal(j.client, '203.0.113.7', 'the first address no trusted proxy vouches for')
  assert.equal(j.isHttps, true)
  assert.equal(j.scheme, 'https')
  assert.equal(j.host, 'shop.example')
  assert.equal(j.isLocal, false, 'a remote client behind a local proxy is not local')
  assert.equal(j.url, 'https://shop.example/app/default/who')
  const cookie = r.setCookie.find((l) => l.startsWith('session_id_app='))
  assert.ok(cookie && /;\s*Secure/i.test(cookie), `the session cookie is Secure behind an HTTPS proxy: ${cookie}`)
})

test('RFC 7239 Forwarded from a trusted proxy (quoted IPv6 with port, proto, host)', async () => {
  const s = await server({ trustProxy: ['127.0.0.1'], allowedHosts: ['shop.example'] })
  const r = await s.request('/app/default/who', { headers: { forwarded: 'for="[2001:db8:cafe::17]:4711";proto=https;host=shop.example' } })
  const j = r.json()
  assert.equal(j.client, '2001:db8:cafe::17')
  assert.equal(j.isHttps, true)
  assert.equal(j.url, 'https://shop.example/app/default/who')
})

test('untrusted proxy headers change nothing: client, scheme, host, locality and the cookie stay the connection\'s', async () => {
  for (const s of [await server(), await server({ trustProxy: '10.0.0.0/8' })]) {
    const r = await s.request('/app/default/who', { headers: { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example', forwarded: 'for=203.0.113.8;proto=https;host=evil.example' } })
    assert.equal(r.status, 200)
    const j = r.json()
    assert.equal(j.client, '127.0.0.1')
    assert.equal(j.isHttps, false)
    assert.equal(j.isLocal, true)
    assert.ok(!r.body.includes('evil.example'), r.body)
    assert.ok(!r.setCookie.some((l) => /Secure/i.test(l)), 'no Secure cookie over plain HTTP')
  }
})

test('a trusted proxy forwarding for a client on this machine: isLocal; http from the proxy keeps isHttps false on an HTTPS server', async () => {
  const s = await server({ trustProxy: 'loopback' }, true)
  const j = (await s.request('/app/default/who', { headers: { 'x-forwarded-for': '127.0.0.5', 'x-forwarded-proto': 'http' } })).json()
  assert.equal(j.client, '127.0.0.5')
  assert.equal(j.isLocal, true)
  assert.equal(j.isHttps, false)
})

test('--allowed-hosts: another Host gets 400 QK_HTTP_BAD_HOST; listed names, subdomains of .names and * pass', async () => {
  const s = await server({ allowedHosts: ['shop.example', '.corp.example'] })
  const bad = await s.request('/app/default/who', { headers: { host: 'evil.example' } })
  assert.equal(bad.status, 400)
  assert.match(bad.body, /QK_HTTP_BAD_HOST/)
  assert.equal((await s.request('/app/default/who', { headers: { host: 'shop.example:8443' } })).status, 200)
  assert.equal((await s.request('/app/default/who', { headers: { host: 'a.corp.example' } })).status, 200)
  assert.equal((await s.request('/app/default/who', { headers: { host: 'corp.example.evil' } })).status, 400)
  // a trusted proxy's X-Forwarded-Host is the name checked
  const p = await server({ trustProxy: 'loopback', allowedHosts: ['shop.example'] })
  assert.equal((await p.request('/app/default/who', { headers: { 'x-forwarded-host': 'evil.example' } })).status, 400)
  const any = await server({ allowedHosts: ['*'] })
  assert.equal((await any.request('/app/default/who', { headers: { host: 'whatever.example' } })).status, 200)
})

test('the default allowed hosts: localhost names, the listening address and the certificate\'s names; others refused', async () => {
  const s = await server({}, true)
  for (const host of ['localhost', '127.0.0.1', `127.0.0.1:${s.port}`, '[::1]', 'app.localhost']) {
    assert.equal((await s.request('/app/default/who', { headers: { host } })).status, 200, host)
  }
  assert.equal((await s.request('/app/default/who', { headers: { host: 'localhost.evil.example' } })).status, 400)
  assert.equal((await s.request('/admin/default/login', { headers: { host: 'evil.example' } })).status, 400, 'DNS rebinding cannot reach the admin')
  const list = defaultAllowedHosts('10.1.2.3')
  assert.ok(list.includes('10.1.2.3') && list.includes('localhost'))
})

test('/_quark/health and /_quark/ready: 200 without naming anything; ready is 503 when a database is unreachable', async () => {
  const s = await server()
  const h = await s.request('/_quark/health', { headers: { host: 'evil.example' } })
  assert.equal(h.status, 200, 'probes answer whatever Host a load balancer sends')
  assert.equal(h.body, 'ok')
  const r = await s.request('/_quark/ready')
  assert.equal(r.status, 200)
  assert.equal(r.body, 'ready')
  assert.equal((await s.request('/_quark/health', { method: 'POST' })).status, 405)

  const down = await startServer({ apps: { shop: { 'models/db.ts': "export const db = new DAL('postgres://postgres@127.0.0.1:1/quark_nowhere')\n", 'controllers/default.ts': "export function index() { return 'x' }" } }, https: false })
  servers.push(down)
  const nr = await down.request('/_quark/ready')
  assert.equal(nr.status, 503)
  assert.equal(nr.body, 'not ready', 'no app name, no error text')
  assert.equal((await down.request('/_quark/health')).status, 200, 'alive all the same')
})

test('/_quark/ready says 503 draining once the server stops (asked on a kept-alive connection)', async () => {
  const s = await startServer({ apps: { app: WHO }, https: false })
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  const get = (p: string) => new Promise<{ status: number; body: string; connection?: string }>((resolve, reject) => {
    http.get(s.url + p, { agent }, (res) => {
      let body = ''
      res.on('data', (d) => { body += d })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection }))
    }).on('error', reject)
  })
  try {
    assert.equal((await get('/_quark/ready')).status, 200)
    const closing = s.server.close(5000, 3000) // idle connections are kept 3 s: this one is asked again
    const r = await get('/_quark/ready')
    assert.equal(r.status, 503)
    assert.equal(r.body, 'draining')
    const page = await get('/app/default/who')
    assert.equal(page.status, 200, 'a request on a kept-alive connection is still answered while draining')
    assert.equal(page.connection, 'close', '... and told to close its connection')
    await closing
  } finally { agent.destroy(); await s.stop() }
})

test('one "is local" test for request.isLocal and the admin: 127.0.0.0/8 and ::1, their mapped forms, nothing else', () => {
  for (const ip of ['127.0.0.1', '127.0.0.2', '127.255.255.254', '::1', '::ffff:127.0.0.1', '::ffff:127.1.2.3']) {
    assert.equal(isLocalAddress(ip), true, ip)
    assert.equal(isLoopback(ip), true, ip)
  }
  for (const ip of ['10.0.0.1', '128.0.0.1', '::2', '::ffff:10.0.0.1', '127.0.0', '127.evil', '', undefined]) {
    assert.equal(isLocalAddress(ip), false, String(ip))
    assert.equal(isLoopback(ip), false, String(ip))
  }
})

test('parseTrustProxy: addresses, CIDRs, loopback, *; a bad entry is a named error', () => {
  const m = parseTrustProxy('10.0.0.0/8, 192.168.1.5, fd00::/8')
  assert.equal(m('10.200.1.1'), true)
  assert.equal(m('::ffff:10.1.1.1'), true)
  assert.equal(m('192.168.1.5'), true)
  assert.equal(m('192.168.1.6'), false)
  assert.equal(m('fd12::1'), true)
  assert.equal(m('127.0.0.1'), false)
  assert.equal(parseTrustProxy('loopback')('127.3.3.3'), true)
  assert.equal(parseTrustProxy('*')('8.8.8.8'), true)
  for (const bad of ['nonsense', '10.0.0.0/33', '10.0.0.0/8/1', '']) assert.throws(() => parseTrustProxy(bad), /QK_HTTP_BAD_TRUST_PROXY|Invalid --trust-proxy/, bad)
})

test('parseForwarded and hostAllowed edge cases', () => {
  assert.deepEqual(parseForwarded('for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8::1]:80";host="a,b"'), [
    { for: '192.0.2.60', proto: 'http' }, { for: '2001:db8::1', host: 'a,b' },
  ])
  const a = allowedHosts(['Shop.Example.', '[::1]'])
  assert.equal(hostAllowed(a, 'shop.example'), true)
  assert.equal(hostAllowed(a, 'SHOP.EXAMPLE.:80'), true)
  assert.equal(hostAllowed(a, '[::1]:8000'), true)
  assert.equal(hostAllowed(a, 'sub.shop.example'), false)
})
