// The admin's API explorer (issue #23 item 2): Swagger UI served from swagger-ui-dist by the
// admin (no CDN), pointed at the app's RestAPI documents; in chromium a request is tried from
// the page and its answer shown. Screenshots: tests/rest/screenshots/explorer-*.png.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { PASSWORD, startAdminServer, loggedIn } from '../admin/helpers'
import { shopFiles, setupShop } from './restApp'
import type { TestServer } from '../helpers/server'

const CHROMIUM = '/usr/bin/chromium'
const SHOTS = path.join(__dirname, 'screenshots')
let s: TestServer
let browser: Browser
let page: Page

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true })
  s = await startAdminServer({ https: false, apps: { shop: shopFiles() } })
  await setupShop(s)
})
after(async () => {
  await browser?.close()
  await s?.stop()
})

test('the explorer page lists the app\'s RestAPI documents; the menu links it', async () => {
  const { agent } = await loggedIn(s)
  const r = await agent.request('/admin/apiexplorer/index/shop')
  assert.equal(r.status, 200)
  const docs = JSON.parse(/<script type="application\/json" id="qk-api-docs">(.*?)<\/script>/.exec(r.body)![1]!)
  assert.deepEqual(docs.slice(0, 3).map((d: { name: string }) => d.name), ['default/api', 'default/limited', 'default/limitedRedis'], 'default.ts first')
  assert.equal(docs[0].url, '/shop/default/api/openapi.json')
  assert.deepEqual(docs.slice(3).map((d: { name: string }) => d.name), ['broken_field/api', 'broken_method/api', 'broken_table/api'])
  assert.match(r.body, /src="\/admin\/apiexplorer\/swagger\/swagger-ui-bundle.js"/)
  assert.doesNotMatch(r.body, /https?:\/\/(?!127\.0\.0\.1)[^"']*swagger/, 'nothing from a CDN')
  assert.match(r.body, /href="\/admin\/apiexplorer\/index\/shop">API shop</)
  const welcome = await agent.request('/admin/apiexplorer/index/welcome')
  assert.equal(welcome.status, 200)
  assert.match(welcome.body, /id="no-api"/)
})

test('Swagger UI\'s files come from swagger-ui-dist; nothing else is reachable', async () => {
  const { agent } = await loggedIn(s)
  const js = await agent.request('/admin/apiexplorer/swagger/swagger-ui-bundle.js')
  assert.equal(js.status, 200)
  assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8')
  assert.equal(js.buffer.length, fs.statSync(require.resolve('swagger-ui-dist/swagger-ui-bundle.js')).size)
  assert.equal((await agent.request('/admin/apiexplorer/swagger/swagger-ui.css')).headers['content-type'], 'text/css; charset=utf-8')
  for (const bad of ['package.json', 'index.html', '..%2Fpackage.json', 'swagger-ui.css/x', '%2E%2E/%2E%2E/package.json']) {
    assert.equal((await agent.request('/admin/apiexplorer/swagger/' + bad)).status, 404, bad)
  }
  // not logged in: no page, no file
  assert.equal((await s.request('/admin/apiexplorer/swagger/swagger-ui.css')).status, 303)
  assert.equal((await s.request('/admin/apiexplorer/index/shop')).status, 303)
  assert.equal((await s.request('/admin/apiexplorer/index/..')).status, 303)
})

test('in chromium: the explorer shows the operations and tries GET /thing/{id}', async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } })
  page = await context.newPage()
  page.setDefaultTimeout(60000)
  const outside: string[] = []
  page.on('request', (r) => { if (!r.url().startsWith(s.url)) outside.push(r.url()) })
  await page.goto(`${s.url}/admin/default/login`)
  await page.fill('#password', PASSWORD)
  await Promise.all([page.waitForURL(/\/admin\/default\/index$/), page.keyboard.press('Enter')])
  await page.goto(`${s.url}/admin/apiexplorer/index/shop`)
  await page.waitForSelector('.opblock-summary-path[data-path="/shop/default/api/thing/{id}"]')
  assert.match(await page.textContent('.info .title') ?? '', /Shop API/)
  await page.screenshot({ path: path.join(SHOTS, 'explorer-01-operations.png'), fullPage: false })
  const op = page.locator('#operations-thing-get_thing')
  await op.locator('.opblock-summary').click()
  await op.locator('button.try-out__btn').click()
  await op.locator('input[placeholder="id"]').fill('3')
  await op.locator('button.execute').click()
  await page.waitForFunction(() => /thing 03/.test(document.querySelector('#operations-thing-get_thing .live-responses-table')?.textContent ?? ''))
  const live = await op.locator('.live-responses-table').first().textContent() ?? ''
  assert.match(live, /"title": "thing 03"/)
  assert.match(live, /etag/i, 'the answer\'s headers are shown too')
  assert.match(await op.locator('.live-responses-table tbody .response-col_status').first().textContent() ?? '', /^\s*200\s*$/)
  await op.scrollIntoViewIfNeeded()
  await page.screenshot({ path: path.join(SHOTS, 'explorer-02-try-get.png'), fullPage: false })
  assert.deepEqual(outside, [], 'the page loads nothing from another origin')
})
