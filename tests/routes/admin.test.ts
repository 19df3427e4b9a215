/**
 * The admin's routes page: over HTTP (logged-out visitors are sent to the login; the active routes,
 * an app's own routes file, a broken file's problem, the tester in and out), and in headless
 * chromium as a person uses it (log in, open Routes from the menu, map a URL, write a URL()).
 * Screenshots go to tests/routes/screenshots/.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { startAdminServer, loggedIn, PASSWORD } from '../admin/helpers'
import type { TestServer } from '../helpers/server'

const CHROMIUM = '/usr/bin/chromium'
const SHOTS = path.join(__dirname, 'screenshots')
let s: TestServer

before(async () => {
  s = await startAdminServer({
    siteFiles: { 'routes.json': JSON.stringify({
    routers: { BASE: { default_application: 'shop', map_hyphen: true }, shop: { languages: ['en', 'it'], default_language: 'en' } },
  }) },
    https: false,
    apps: {
      shop: { 'controllers/default.ts': 'export function index() { return "shop" }\nexport function about() { return "about" }', 'controllers/cart.ts': 'export function view_item() { return "item" }',
        // written before the start: a file written after it is seen at the once-a-second re-check, which a busy run raced
        'routes.json': JSON.stringify({ router: { default_function: 'index' } }) },
      blog: { 'controllers/default.ts': 'export function index() { return "blog" }', 'routes.json': '{ "routes_in": [["/(", "/x"]] }' },
    },
  })
})
after(() => s.stop())

const unescape = (h: string) => h.replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#x27;|&#39;/g, "'")

test('routes page over HTTP: login required; active routes, app routes, problems, tester in and out', async () => {
  const anon = await s.request('/admin/routes/index')
  assert.equal(anon.status, 303)
  assert.match(String(anon.headers.location), /\/admin\/default\/login/)
  const { agent } = await loggedIn(s)
  let r = await agent.request('/admin/routes/index')
  assert.equal(r.status, 200, r.body.slice(0, 300))
  const body = unescape(r.body)
  assert.match(body, /id="routes-mode">routed</)
  assert.match(body, /"default_application": "shop"/)
  assert.match(body, /shop: <code>applications\/shop\/routes\.json<\/code>/)
  assert.match(body, /class="alert alert-danger small routes-problem"[^>]*><strong>applications\/blog<\/strong>: .*not a valid regular expression/)
  r = await agent.request('/admin/routes/index?url=' + encodeURIComponent('/it/cart/view-item/5?x=1'))
  const mapped = unescape(r.body)
  assert.match(mapped, /<th scope="row" class="small">controller<\/th><td class="font-monospace small ">cart</)
  assert.match(mapped, /<th scope="row" class="small">function<\/th><td class="font-monospace small ">view_item</)
  assert.match(mapped, /language<\/th><td class="font-monospace small ">it</)
  assert.match(mapped, /args<\/th><td class="font-monospace small ">\["5"\]</)
  r = await agent.request('/admin/routes/index?url=' + encodeURIComponent('/about/a:b'))
  assert.match(unescape(r.body), /text-danger">400 QK_DISPATCH_BAD_ROUTE/)
  r = await agent.request('/admin/routes/index?out=' + encodeURIComponent('shop/cart/view_item/5') + '&language=it')
  assert.match(r.body, /id="routes-out-result">\/it\/cart\/view-item\/5</)
  r = await agent.request('/admin/routes/index?out=shop')
  assert.match(r.body, /id="routes-out-result"><span class="text-danger">Write application\/controller\/function/)
  // what is typed is escaped back into the page
  r = await agent.request('/admin/routes/index?url=' + encodeURIComponent('/<script>x</script>'))
  assert.doesNotMatch(r.body, /<script>x<\/script>/)
})

test('routes page in chromium: open it from the menu, map a URL, write a URL()', async () => {
  for (let i = 0; i < 120 && !fs.existsSync(CHROMIUM); i++) await new Promise((r) => setTimeout(r, 1000))
  fs.mkdirSync(SHOTS, { recursive: true })
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    page.setDefaultTimeout(60000)
    await page.goto(`${s.url}/admin/default/index`)
    await page.fill('#password', PASSWORD)
    await Promise.all([page.waitForURL(/\/admin\/default\/index$/), page.click('button[type=submit]')])
    await Promise.all([page.waitForURL(/\/admin\/routes\/index$/), page.click('nav a:has-text("Routes")')])
    assert.equal(await page.textContent('#routes-mode'), 'routed')
    await page.fill('#r-url', '/it/cart/view-item/5')
    await Promise.all([page.waitForLoadState('load'), page.click('#routes-in button[type=submit]')])
    const cells = await page.$$eval('#routes-in-result tr', (rows) => rows.map((r) => [r.querySelector('th')!.textContent, r.querySelector('td')!.textContent]))
    assert.deepEqual(Object.fromEntries(cells).function, 'view_item')
    assert.deepEqual(Object.fromEntries(cells).language, 'it')
    await page.screenshot({ path: path.join(SHOTS, 'admin-routes-in.png'), fullPage: true })
    await page.fill('#r-out', 'blog/default/index')
    await Promise.all([page.waitForLoadState('load'), page.click('#routes-out button[type=submit]')])
    assert.equal((await page.textContent('#routes-out-result'))!.trim(), '/blog')
    await page.screenshot({ path: path.join(SHOTS, 'admin-routes-out.png'), fullPage: true })
  } finally { await browser.close() }
})
