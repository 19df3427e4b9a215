/**
 * The views over real HTTPS: the welcome layout, the same action through the
 * generic views, and generic views refused from a non-local address.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import os from 'node:os'
import { startServer, doRequest, type TestServer } from '../helpers/server'
import { listTickets, readTicket } from '../../server/tickets/index'

let s: TestServer
const CONTROLLER = `
export function index() { return { message: 'Hi <you>', items: [{ id: 1, name: 'a,b' }, { id: 2, name: 'c' }] } }
export function feed() { return { title: 'F', link: 'http://x/', description: 'd', entries: [{ title: 'e1', link: 'http://x/1', description: 'one', created_on: '2024-01-02T03:04:05Z' }] } }
export function flashy() { response.flash = 'Saved & done'; return { n: 1 } }
export function opened() { response.genericPatterns = ['default/opened.json']; return { ok: true } }
const service = new Service()
service.json(function add(a: string, b: string) { return Number(a) + Number(b) })
service.jsonrpc2('sub', (a: number, b: number) => a - b)
export function call() { return service.call() }
export function broken() { return { x: null } }
export async function viaRender() {
  const p = response.render('default/part.html', { who: '<b>' })
  const later = await response.render('default/later.html', { n: 2 })
  return [p instanceof Promise, await p, later].join('|')
}
`

before(async () => {
  s = await startServer({ welcome: true, apps: { shop: { 'controllers/default.ts': CONTROLLER } }, options: { ip: '0.0.0.0' } })
  // The shop app borrows the welcome look so generic.html has a layout.
  for (const f of ['layout.html', 'generic.html', 'generic.load']) {
    s.writeFile('shop', `views/${f}`, require('node:fs').readFileSync(require('node:path').join(s.appFolder('welcome'), 'views', f)))
  }
})
after(async () => { await s?.stop() })

test('/welcome/default/index renders the full layout', async () => {
  const r = await s.request('/welcome/default/index')
  assert.equal(r.status, 200)
  assert.match(String(r.headers['content-type']), /^text\/html/)
  assert.match(r.body, /^<!DOCTYPE html>/)
  assert.match(r.body, /<link rel="stylesheet" href="\/_quark\/bootstrap.min.css">/)
  assert.match(r.body, /<script src="\/_quark\/quark.js"><\/script>/)
  assert.match(r.body, /<nav class="navbar/)
  assert.match(r.body, /<h1 class="display-5 fw-bold">Hello World<\/h1>/)
  assert.match(r.body, /<footer class="quark-footer/)
  assert.match(r.body, /<meta name="description" content="The Quark scaffold application">/)
  assert.match(r.body, /class="nav-link active" aria-current="page" href="\/welcome\/default\/index">Home</)
  const css = await s.request('/_quark/bootstrap.min.css')
  assert.equal(css.status, 200)
  const js = await s.request('/_quark/quark.js')
  assert.equal(js.status, 200)
  assert.match(js.body, /window\.quark = /)
  const appCss = await s.request('/welcome/static/css/app.css')
  assert.equal(appCss.status, 200)
})

test('the same action as .html (generic), .json, .xml, .csv, .load', async () => {
  const html = await s.request('/shop/default/index')
  assert.equal(html.status, 200)
  assert.match(html.body, /<h2 class="h4 quark-generic-title">default\/index<\/h2>/)
  assert.match(html.body, /<td style="font-weight:bold;vertical-align:top;">message<\/td><td style="vertical-align:top;">:<\/td><td>Hi &lt;you&gt;<\/td>/)
  // only what the action returned: never the request, session or model names the view can also see
  for (const name of ['request', 'session', 'response', 'cache']) assert.doesNotMatch(html.body, new RegExp(`vertical-align:top;">${name}</td>`))
  const json = await s.request('/shop/default/index.json')
  assert.equal(json.status, 200)
  assert.match(String(json.headers['content-type']), /^application\/json/)
  assert.deepEqual(json.json(), { message: 'Hi <you>', items: [{ id: 1, name: 'a,b' }, { id: 2, name: 'c' }] })
  const xml = await s.request('/shop/default/index.xml')
  assert.equal(xml.body, '<?xml version="1.0" encoding="UTF-8"?><document><message>Hi &lt;you&gt;</message><items><item><id>1</id><name>a,b</name></item><item><id>2</id><name>c</name></item></items></document>')
  const csv = await s.request('/shop/default/index.csv')
  assert.match(String(csv.headers['content-type']), /^text\/csv/)
  assert.equal(csv.body, 'id,name\r\n1,"a,b"\r\n2,c\r\n')
  const load = await s.request('/shop/default/index.load')
  assert.equal(load.status, 200)
  assert.ok(!load.body.includes('<html'), 'a component has no layout')
  assert.match(load.body, /^<div><table>/m)
  const jsonp = await s.request('/shop/default/index.jsonp?callback=cb')
  assert.match(jsonp.body, /^\/\*\*\/cb\(\{"message"/)
  const badCb = await s.request('/shop/default/index.jsonp?callback=alert(1)')
  assert.equal(badCb.status, 400)
})

test('the same action as .rss and .atom', async () => {
  const rss = await s.request('/shop/default/feed.rss')
  assert.equal(rss.status, 200)
  assert.match(String(rss.headers['content-type']), /^application\/rss\+xml/)
  assert.match(rss.body, /<item><title>e1<\/title><link>http:\/\/x\/1<\/link>/)
  const atom = await s.request('/shop/default/feed.atom')
  assert.match(atom.body, /<feed xmlns="http:\/\/www.w3.org\/2005\/Atom"><title>F<\/title>/)
  // index has no title/entries: a clear error, not a broken feed.
  const bad = await s.request('/shop/default/index.rss')
  assert.equal(bad.status, 500)
})

test('an ajax component request carries the flash in a header', async () => {
  const r = await s.request('/shop/default/flashy.load', { headers: { 'X-Requested-With': 'XMLHttpRequest' } })
  assert.equal(r.status, 200)
  assert.equal(decodeURIComponent(String(r.headers['quark-component-flash'])), 'Saved & done')
})

function externalAddress(): string | undefined {
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address
  return undefined
}

test('generic views are refused from a non-local address unless opened', async (t) => {
  const ip = externalAddress()
  if (!ip) { t.skip('no non-loopback IPv4 address on this machine'); return }
  const remote = { url: `https://${ip}:${s.port}`, isHttps: true }
  for (const p of ['/shop/default/index', '/shop/default/index.json', '/shop/default/index.csv', '/shop/default/index.load']) {
    assert.equal((await doRequest(remote, p)).status, 404, p)
  }
  const opened = await doRequest(remote, '/shop/default/opened.json')
  assert.equal(opened.status, 200)
  assert.deepEqual(opened.json(), { ok: true })
  assert.equal((await doRequest(remote, '/shop/default/opened.xml')).status, 404)
  // the welcome index has its own view: served to everyone
  assert.equal((await doRequest(remote, '/welcome/default/index')).status, 200)
})

test('Service over HTTP: json and JSON-RPC 2.0', async () => {
  const j = await s.request('/shop/default/call/json/add?a=2&b=40')
  assert.equal(j.status, 200)
  assert.match(String(j.headers['content-type']), /^application\/json/)
  assert.equal(j.body, '42')
  const rpc = await s.request('/shop/default/call/jsonrpc2', { body: { jsonrpc: '2.0', id: 7, method: 'sub', params: [50, 8] } })
  assert.deepEqual(rpc.json(), { jsonrpc: '2.0', id: 7, result: 42 })
  assert.equal((await s.request('/shop/default/call/json/missing')).status, 404)
})

test('response.render answers a promise, for a view that awaits and one that does not', async () => {
  s.writeFile('shop', 'views/default/part.html', '<i>{{=who}}</i>')
  s.writeFile('shop', 'views/default/later.html', '{{=await Promise.resolve(n * 21)}}')
  const r = await s.request('/shop/default/viaRender')
  assert.equal(r.status, 200)
  assert.equal(r.body, 'true|<i>&lt;b&gt;</i>|42')
})

test('an error in a view becomes a ticket pointing at the template line', async () => {
  s.writeFile('shop', 'views/default/broken.html', "{{extend 'layout.html'}}\n<p>fine</p>\n{{=x.name}}\n")
  const r = await s.request('/shop/default/broken')
  assert.equal(r.status, 500)
  const tickets = (await listTickets(s.appFolder('shop'))).filter((t) => t.url.includes('/broken'))
  assert.equal(tickets.length, 1)
  const t = await readTicket(s.appFolder('shop'), tickets[0]!.id)
  assert.match(t.error.message, /Cannot read properties of null/)
  const frame = t.frames.find((f) => f.file.endsWith('broken.html'))
  assert.ok(frame, JSON.stringify(t.frames.slice(0, 3)))
  assert.equal(frame.line, 3)
  assert.equal(frame.mapped, true)
  assert.equal(frame.source?.find((l) => l.line === 3)?.text, '{{=x.name}}')
})
