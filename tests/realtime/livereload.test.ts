// Live reload in development (issue #23 item 5): in chromium, a page of an app with live reload on
// reloads by itself when its view is saved on disk. Screenshots before and after the save:
// tests/realtime/screenshots/livereload-*.png. Off for apps that do not ask, with
// QUARK_ENV=production, and its channel refuses other origins and unknown apps.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import WebSocket from 'ws'
import { chromium, type Browser } from 'playwright-core'
import { startServer, type TestServer } from '../helpers/server'

const CHROMIUM = '/usr/bin/chromium'
const SHOTS = path.join(__dirname, 'screenshots')
const VIEW = (word: string, color: string) => `<!doctype html><html><head><meta charset="utf-8"><title>live</title></head>
<body style="font-family:sans-serif;background:${color};padding:2em"><h1 id="word">{{=word}} ${word}</h1><p>views/default/index.html</p></body></html>`

let s: TestServer
let browser: Browser | undefined

before(async () => {
  s = await startServer({
    https: false,
    apps: {
      lr: { 'controllers/default.ts': "export function index() { return { word: 'Page' } }", 'views/default/index.html': VIEW('before', '#fde'), 'private/realtime.json': '{ "liveReload": true }' },
      off: { 'controllers/default.ts': "export function index() { return { word: 'Page' } }", 'views/default/index.html': VIEW('static', '#eee') },
    },
  })
  fs.mkdirSync(SHOTS, { recursive: true })
})
after(async () => { await browser?.close(); await s?.stop() })

function handshakeStatus(p: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(s.url.replace(/^http/, 'ws') + p, { headers })
    ws.once('open', () => { ws.close(); resolve(101) })
    ws.once('unexpected-response', (_q, r) => { resolve(r.statusCode ?? 0); r.resume(); ws.terminate() })
    ws.once('error', () => resolve(0))
  })
}

test('the script is in pages of an app that asks for it, not in others, not in production', async () => {
  const on = await s.request('/lr/default/index')
  assert.match(on.body, /<script data-quark-livereload>[^<]*\/_quark\/livereload\?app=lr[^<]*<\/script><\/body>/)
  assert.doesNotMatch((await s.request('/off/default/index')).body, /livereload/)
  assert.doesNotMatch((await s.request('/lr/default/index.json')).body, /livereload/, 'only HTML pages')
  process.env.QUARK_ENV = 'production'
  try {
    assert.doesNotMatch((await s.request('/lr/default/index')).body, /livereload/)
    assert.equal(await handshakeStatus('/_quark/livereload?app=lr'), 403)
  } finally { delete process.env.QUARK_ENV }
})

test('the channel: same origin only, unknown or invalid apps and apps without live reload refused', async () => {
  assert.equal(await handshakeStatus('/_quark/livereload?app=lr'), 101)
  assert.equal(await handshakeStatus('/_quark/livereload?app=lr', { Origin: 'http://evil.example' }), 403)
  assert.equal(await handshakeStatus('/_quark/livereload?app=off'), 403)
  assert.equal(await handshakeStatus('/_quark/livereload?app=nope'), 404)
  assert.equal(await handshakeStatus('/_quark/livereload?app=' + encodeURIComponent('../lr')), 404)
})

test('in chromium: saving the view reloads the open page by itself', async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
  const page = await browser.newPage({ viewport: { width: 700, height: 260 } })
  let loads = 0
  page.on('load', () => { loads++ })
  await page.goto(s.url + '/lr/default/index')
  await page.waitForSelector('html[data-quark-livereload="on"]', { timeout: 30_000 })
  assert.equal(await page.textContent('#word'), 'Page before')
  await page.screenshot({ path: path.join(SHOTS, 'livereload-1-before.png') })
  const loadsBefore = loads
  // a save as an editor makes it: the file rewritten on disk, nothing else done by the test
  fs.writeFileSync(path.join(s.appFolder('lr'), 'views', 'default', 'index.html'), VIEW('after the save', '#dfd'))
  await page.waitForFunction(() => document.getElementById('word')?.textContent === 'Page after the save', undefined, { timeout: 30_000 })
  assert.ok(loads > loadsBefore, 'the page was loaded again')
  await page.waitForSelector('html[data-quark-livereload="on"]', { timeout: 30_000 })
  await page.screenshot({ path: path.join(SHOTS, 'livereload-2-after.png') })
})

test('under the routes\' path_prefix the script and its channel live under the prefix; a save still reloads', async () => {
  const p = await startServer({
    https: false,
    apps: { lr: { 'controllers/default.ts': "export function index() { return { word: 'Page' } }", 'views/default/index.html': VIEW('before', '#fde'), 'private/realtime.json': '{ "liveReload": true }' } },
    siteFiles: { 'routes.json': JSON.stringify({ routers: { BASE: { path_prefix: '/w' } } }) },
  })
  try {
    const page = await p.request('/w/lr/default/index')
    assert.equal(page.status, 200)
    assert.match(page.body, /<script data-quark-livereload>[^<]*"\/w\/_quark\/livereload\?app=lr"[^<]*<\/script>/)
    const got = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(p.url.replace(/^http/, 'ws') + '/w/_quark/livereload?app=lr')
      const timer = setTimeout(() => { ws.terminate(); reject(new Error('no reload message within 30 s')) }, 30_000)
      ws.once('open', () => fs.writeFileSync(path.join(p.appFolder('lr'), 'views', 'default', 'index.html'), VIEW('after', '#dfd')))
      ws.once('message', (m) => { clearTimeout(timer); ws.close(); resolve(String(m)) })
      ws.once('unexpected-response', (_q, r) => { clearTimeout(timer); reject(new Error(`handshake answered ${r.statusCode}`)) })
    })
    assert.equal(got, 'reload')
  } finally { await p.stop() }
})
