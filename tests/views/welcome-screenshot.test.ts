/**
 * The welcome index in real headless chromium: the layout loads Bootstrap
 * and quark.js from /_quark/, looks right (saved screenshot), collapses to a
 * mobile navbar, and quark.js fills an ajax component and traps its form.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { startServer, type TestServer } from '../helpers/server'

const CHROMIUM = '/usr/bin/chromium'
const SHOTS = path.join(__dirname, 'screenshots')
let s: TestServer
let browser: Browser

const COMPONENT_APP = {
  'controllers/default.ts': `
export function index() { return { box: LOAD('default', 'part', { ajax: true, target: 'part' }) } }
export function part() {
  if (request.vars.name) response.flash = 'Hello ' + request.vars.name
  return { greeting: request.vars.name ? 'Hi ' + request.vars.name : 'nobody yet' }
}`,
  'views/default/index.html': `{{extend 'layout.html'}}<h1>Components</h1>{{=box}}`,
  'views/default/part.load': `{{ if (response.flash && request.ajax) response.headers['quark-component-flash'] = encodeURIComponent(String(response.flash)) }}<p id="greeting">{{=greeting}}</p><form method="post"><input name="name"><button id="go" type="submit">Go</button></form>`,
}

before(async () => {
  s = await startServer({ welcome: true, apps: { comp: COMPONENT_APP } })
  s.writeFile('comp', 'views/layout.html', fs.readFileSync(path.join(s.appFolder('welcome'), 'views', 'layout.html')))
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
})
after(async () => { await browser?.close(); await s?.stop() })

test('welcome index screenshot (desktop and mobile)', { skip: !fs.existsSync(CHROMIUM) && 'chromium not installed' }, async () => {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } })
  const page = await ctx.newPage()
  const failed: string[] = []
  page.on('requestfailed', (r) => failed.push(r.url()))
  page.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`) })
  await page.goto(`${s.url}/welcome/default/index`, { waitUntil: 'load' })
  assert.deepEqual(failed, [])
  assert.equal(await page.textContent('h1'), 'Hello World')
  // Bootstrap's CSS applied: the navbar is dark and the container centred.
  const navBg = await page.$eval('nav.navbar', (el) => getComputedStyle(el).backgroundColor)
  assert.equal(navBg, 'rgb(33, 37, 41)')
  assert.equal(await page.evaluate(() => typeof (window as unknown as { quark?: unknown }).quark), 'object')
  assert.equal(await page.evaluate(() => typeof (window as unknown as { bootstrap?: unknown }).bootstrap), 'object')
  fs.mkdirSync(SHOTS, { recursive: true })
  const file = path.join(SHOTS, 'welcome-index.png')
  await page.screenshot({ path: file, fullPage: true })
  assert.ok(fs.statSync(file).size > 10_000)
  // Responsive: on a phone the menu collapses behind the toggler.
  await page.setViewportSize({ width: 390, height: 800 })
  assert.equal(await page.isVisible('.navbar-toggler'), true)
  assert.equal(await page.isVisible('#quark-nav .nav-link'), false)
  await page.screenshot({ path: path.join(SHOTS, 'welcome-index-mobile.png'), fullPage: true })
  await ctx.close()
})

test('quark.js: ajax component, trapped form, flash', { skip: !fs.existsSync(CHROMIUM) && 'chromium not installed' }, async () => {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true })
  const page = await ctx.newPage()
  await page.goto(`${s.url}/comp/default/index`)
  await page.waitForSelector('#part #greeting')
  assert.equal(await page.textContent('#greeting'), 'nobody yet')
  const before = page.url()
  await page.fill('#part input[name=name]', 'Ann')
  await page.click('#go')
  await page.waitForFunction(() => document.querySelector('#greeting')?.textContent === 'Hi Ann')
  assert.equal(page.url(), before, 'the page did not navigate: the form was submitted with fetch')
  await page.waitForFunction(() => !document.getElementById('quark-flash')!.classList.contains('d-none'))
  assert.equal(await page.textContent('#quark-flash .quark-flash-text'), 'Hello Ann')
  await page.click('#quark-flash')
  assert.equal(await page.isVisible('#quark-flash'), false)
  await ctx.close()
})
