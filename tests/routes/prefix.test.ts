/**
 * path_prefix (the site lives under /w): every link the admin writes — its pages, forms, its
 * stylesheet, Monaco and the editor's calls, Quark's own /_quark/ assets — starts with the prefix,
 * its session cookie's Path is /w/admin (a browser sends it back under the prefix), after-login and
 * logout redirects stay under it, and a `_next` outside it is refused; the editor's live channel
 * answers at /w/admin/live. Over HTTP (every page parsed, every href/src fetched back), then in
 * headless chromium: log in through the prefix, use the menu, open the editor (its live channel on).
 * Screenshots go to tests/routes/screenshots/.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { once } from 'node:events'
import { chromium, type Browser } from 'playwright-core'
import WebSocket from 'ws'
import { startAdminServer, csrfOf, PASSWORD } from '../admin/helpers'
import type { Agent, TestServer } from '../helpers/server'

const CHROMIUM = '/usr/bin/chromium'
const SHOTS = path.join(__dirname, 'screenshots')
let s: TestServer

before(async () => {
  s = await startAdminServer({
    https: false,
    // an app whose own URL ends like the admin's channel: <prefix>/x/admin/live stays the app's
    apps: { x: { 'controllers/admin.ts': `export const live = websocket({ open(ws) { ws.send('app x here') } })`, 'controllers/default.ts': `export function index() { return 'x' }` } },
    siteFiles: { 'routes.json': JSON.stringify({ routers: { BASE: { default_application: 'welcome', path_prefix: '/w' } } }) },
  })
})
after(() => s.stop())

/** every href, src and form action of a page, &amp; undone */
function linksOf(html: string): Array<{ attr: string; url: string }> {
  const out: Array<{ attr: string; url: string }> = []
  for (const m of html.matchAll(/\s(href|src|action)="([^"]*)"/g)) out.push({ attr: m[1]!, url: m[2]!.replace(/&amp;/g, '&') })
  return out
}

/** a link the site writes: not an anchor, another site, a data: or javascript: URL */
const local = (u: string) => !/^(#|[a-z][a-z0-9+.-]*:|\/\/)/i.test(u) && u !== ''

/** the page's local links, each checked to be under /w; the ones to fetch back (href, src) returned */
function assertUnderPrefix(page: string, html: string): string[] {
  const found: string[] = []
  for (const { attr, url } of linksOf(html)) {
    if (!local(url)) continue
    assert.ok(url === '/w' || url.startsWith('/w/'), `${page} links ${url} outside /w`)
    if (attr !== 'action') found.push(url)
  }
  assert.ok(found.length > 0, `${page} has links`)
  return found
}

async function login(a: Agent): Promise<void> {
  const page = await a.request('/w/admin/default/login')
  assert.equal(page.status, 200, page.body.slice(0, 300))
  const r = await a.request('/w/admin/default/login', { form: { _csrf: csrfOf(page.body), password: PASSWORD, _next: '/w/admin/routes/index' } })
  assert.equal(r.status, 303, r.body.slice(0, 300))
  assert.equal(r.headers.location, '/w/admin/routes/index')
}

test('the admin under /w: cookie path, login redirects, and every link of its pages', async () => {
  // outside the prefix nothing is served, the admin included
  assert.equal((await s.request('/admin/default/login')).status, 404)
  const a = s.agent()
  const anon = await a.request('/w/admin/default/index')
  assert.equal(anon.status, 303)
  assert.equal(anon.headers.location, '/w/admin/default/login?_next=%2Fw%2Fadmin%2Fdefault%2Findex')
  const cookies = ([] as string[]).concat(anon.headers['set-cookie'] ?? [])
  assert.ok(cookies.some((c) => /^quark_admin=[^;]+;.*Path=\/w\/admin(;|$)/.test(c)), `the admin cookie lives under the prefix: ${cookies.join(' | ')}`)
  const loginPage = await a.request('/w/admin/default/login')
  assertUnderPrefix('login', loginPage.body)
  assert.match(loginPage.body, /action="\/w\/admin\/default\/login"/)
  assert.match(loginPage.body, /href="\/w\/_quark\/bootstrap\.min\.css"/)
  assert.match(loginPage.body, /href="\/w\/admin\/static\/admin\.css"/)
  await login(a)

  const seen = new Set<string>()
  const pages = ['/w/admin/default/index', '/w/admin/routes/index', '/w/admin/default/about', '/w/admin/design/index/welcome',
    '/w/admin/edit/index/welcome', '/w/admin/errors/index/welcome', '/w/admin/default/delete_app/welcome',
    '/w/admin/appadmin/index/welcome', '/w/admin/background/index/welcome']
  for (const p of pages) {
    const r = await a.request(p)
    assert.equal(r.status, 200, `${p}: ${r.status} ${r.body.slice(0, 300)}`)
    for (const u of assertUnderPrefix(p, r.body)) seen.add(u)
    // the page's own links to the full form without the prefix would start /admin/ or /welcome/
    assert.doesNotMatch(r.body, /(href|src|action)="\/(admin|welcome|_quark)\//, p)
  }
  const site = await a.request('/w/admin/default/index')
  assert.match(site.body, /href="\/w\/welcome\/"/, 'the app is opened under the prefix')
  assert.match(site.body, /action="\/w\/admin\/default\/logout"/)
  const edit = await a.request('/w/admin/edit/index/welcome')
  // the editor's script, Monaco and the URLs its calls use
  assert.match(edit.body, /src="\/w\/admin\/monaco\/vs\/loader\.js"/)
  assert.match(edit.body, /src="\/w\/admin\/static\/editor\.js"/)
  const cfg = /"save":"([^"]+)"/.exec(edit.body.replace(/&quot;/g, '"'))
  assert.ok(cfg, 'the editor configuration names its URLs')
  assert.equal(cfg[1], '/w/admin/edit/save.json')
  assert.match(edit.body.replace(/&quot;/g, '"'), /"appHome":"\/w\/welcome\/"/)
  const design = await a.request('/w/admin/design/index/welcome')
  assert.match(design.body, /href="\/w\/welcome\/default\/index"/, 'an action of the app is linked under the prefix')

  // every page and file a link names answers (forms are not submitted), and the admin pages found
  // so (tables, tickets, files...) link under the prefix too, one more level down
  const checked = new Set(pages)
  const next: string[] = []
  for (const u of seen) {
    const r = await a.request(u)
    assert.ok(r.status < 400, `${u}: ${r.status} ${r.body.slice(0, 200)}`)
    if (u.startsWith('/w/admin/') && /text\/html/.test(String(r.headers['content-type'])) && !checked.has(u)) {
      checked.add(u)
      for (const l of assertUnderPrefix(u, r.body)) if (!seen.has(l)) next.push(l)
    }
  }
  for (const u of new Set(next)) {
    // app x's websocket action (listed by its design page) answers a plain GET with 426
    if (u === '/w/x/admin/live') continue
    const r = await a.request(u)
    assert.ok(r.status < 400, `${u}: ${r.status} ${r.body.slice(0, 200)}`)
  }
  assert.ok(checked.size > pages.length + 3, `more admin pages were reached: ${[...checked].join(' ')}`)
})

test('the load balancer probes answer under the prefix as at the root; other paths ending so are not probes', async () => {
  for (const base of ['', '/w']) {
    const h = await s.request(`${base}/_quark/health`)
    assert.equal(h.status, 200, `${base}/_quark/health`)
    assert.equal(h.body, 'ok')
    const r = await s.request(`${base}/_quark/ready`)
    assert.equal(r.status, 200, `${base}/_quark/ready`)
    assert.equal(r.body, 'ready')
  }
  // a longer path that merely ends like a probe is the site's, not a probe
  const other = await s.request('/w/x/_quark/health')
  assert.notEqual(other.body, 'ok')
})

test('the admin under /w: a _next outside the admin is refused, logout lands on the login page', async () => {
  const a = s.agent()
  const page = await a.request('/w/admin/default/login')
  let r = await a.request('/w/admin/default/login', { form: { _csrf: csrfOf(page.body), password: PASSWORD, _next: '/admin/default/about' } })
  assert.equal(r.status, 303)
  assert.equal(r.headers.location, '/w/admin/default/index', 'a _next without the prefix goes to the site page')
  for (const bad of ['/w/welcome/default/index', '//evil.example/w/admin/', '/w/admin//evil', 'https://evil.example/w/admin/x']) {
    r = await a.request('/w/admin/default/login?_next=' + encodeURIComponent(bad))
    assert.equal(r.status, 303, bad)
    assert.equal(r.headers.location, '/w/admin/default/index', bad)
  }
  const site = await a.request('/w/admin/default/index')
  r = await a.request('/w/admin/default/logout', { form: { _csrf: csrfOf(site.body) } })
  assert.equal(r.status, 303)
  assert.equal(r.headers.location, '/w/admin/default/login')
})

test('the live channel answers under the prefix: refused without the admin cookie, like at /admin/live', async () => {
  for (const p of ['/w/admin/live', '/admin/live']) {
    const ws = new WebSocket(`${s.url.replace(/^http/, 'ws')}${p}`)
    const [err] = await once(ws, 'error')
    assert.match(String((err as Error).message), /403/, p)
  }
  // a path that only ends like it, with something that is no plain prefix before, is not the admin's
  const ws = new WebSocket(`${s.url.replace(/^http/, 'ws')}/w%2F..%2Fadmin/live`)
  const [err] = await once(ws, 'error')
  assert.doesNotMatch(String((err as Error).message), /403/)
  // an app's own websocket whose path ends in /admin/live is the app's, not the admin's
  const app = new WebSocket(`${s.url.replace(/^http/, 'ws')}/w/x/admin/live`)
  const [data] = await once(app, 'message')
  assert.match(String(data), /app x here/)
  app.close()
})

test('the admin under /w in chromium: log in through the prefix, open Routes from the menu', async () => {
  for (let i = 0; i < 120 && !fs.existsSync(CHROMIUM); i++) await new Promise((r) => setTimeout(r, 1000))
  fs.mkdirSync(SHOTS, { recursive: true })
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    page.setDefaultTimeout(60000)
    const failed: string[] = []
    page.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`) })
    await page.goto(`${s.url}/w/admin/default/index`)
    await page.waitForURL(/\/w\/admin\/default\/login\?_next=/)
    await page.screenshot({ path: path.join(SHOTS, 'prefix-admin-login.png'), fullPage: true })
    await page.fill('#password', PASSWORD)
    await Promise.all([page.waitForURL(/\/w\/admin\/default\/index$/), page.click('button[type=submit]')])
    // the stylesheets under the prefix were loaded: bootstrap styles the navbar
    const navBackground = await page.$eval('nav.navbar', (n) => getComputedStyle(n).backgroundColor)
    assert.notEqual(navBackground, 'rgba(0, 0, 0, 0)', 'bootstrap.min.css was loaded from /w/_quark/')
    const cookie = (await context.cookies()).find((c) => c.name === 'quark_admin')
    assert.equal(cookie?.path, '/w/admin')
    await Promise.all([page.waitForURL(/\/w\/admin\/routes\/index$/), page.click('nav a:has-text("Routes")')])
    assert.equal(await page.textContent('#routes-mode'), 'routed')
    await page.fill('#r-url', '/w/hello')
    await Promise.all([page.waitForLoadState('load'), page.click('#routes-in button[type=submit]')])
    const cells = Object.fromEntries(await page.$$eval('#routes-in-result tr', (rows) => rows.map((r) => [r.querySelector('th')!.textContent, r.querySelector('td')!.textContent])))
    assert.equal(cells.function, 'hello')
    await page.screenshot({ path: path.join(SHOTS, 'prefix-admin-routes.png'), fullPage: true })
    // the editor: Monaco, its script and its live channel, all under the prefix; the channel answers
    // the editor's watch of the open file (a socket closed by anyone else would never say 'watching')
    const frames: string[] = []
    page.on('websocket', (ws) => { if (ws.url().endsWith('/w/admin/live')) ws.on('framereceived', (f) => frames.push(String(f.payload))) })
    await page.goto(`${s.url}/w/admin/edit/index/welcome?file=controllers/default.ts`)
    await page.waitForFunction(() => document.getElementById('qk-live')?.textContent === 'live: on', undefined, { timeout: 60000 })
    for (const deadline = Date.now() + 60000; !frames.some((f) => f.includes('"watching"')) && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 200))
    assert.ok(frames.some((f) => f.includes('"watching"') && f.includes('controllers/default.ts')), `the live channel answered: ${frames.join(' | ')}`)
    await page.waitForSelector('.monaco-editor', { timeout: 60000 })
    assert.equal(await page.getAttribute('#qk-try', 'href'), '/w/welcome/default/index')
    await page.screenshot({ path: path.join(SHOTS, 'prefix-admin-editor.png'), fullPage: true })
    assert.deepEqual(failed, [], 'every file the pages loaded was found under the prefix')
  } finally { await browser.close() }
})
