// The book in the admin, in headless chromium: log in, follow the menu's
// "Book" to the contents, open the DAL chapter (highlighted code, its file as
// caption, an anchor from the side bar), search the box for a word of
// dal.md and follow a result to its section; a hostile query shows as text.
// Screenshots go to tests/admin/screenshots/ (docs-*.png).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { PASSWORD } from './helpers'
import { startLiveAdminServer, type LiveAdminServer } from './liveserver'

const CHROMIUM = '/usr/bin/chromium'
const SHOTS = path.join(__dirname, 'screenshots')
let s: LiveAdminServer
let browser: Browser
let page: Page

async function shot(name: string, fullPage = false): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage })
}

before(async () => {
  for (let i = 0; i < 120 && !fs.existsSync(CHROMIUM); i++) await new Promise((r) => setTimeout(r, 1000))
  assert.ok(fs.existsSync(CHROMIUM), 'chromium is installed')
  fs.mkdirSync(SHOTS, { recursive: true })
  s = await startLiveAdminServer()
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } })
  page = await context.newPage()
  page.setDefaultTimeout(60000)
})

after(async () => {
  await browser?.close()
  await s?.stop()
})

test('log in and open the book from the menu', async () => {
  await page.goto(`${s.url}/admin/docs/read/dal`)
  assert.match(page.url(), /\/admin\/default\/login\?_next=/, 'the book needs the admin login')
  await page.fill('#password', PASSWORD)
  await Promise.all([page.waitForURL(/\/admin\/docs\/read\/dal$/), page.keyboard.press('Enter')])
  await Promise.all([page.waitForURL(/\/admin\/docs\/index$/), page.click('nav[aria-label="Admin"] >> text=Book')])
  assert.equal(await page.title(), 'Book · Quark admin')
  assert.ok(await page.locator('#docs-toc a[href="/admin/docs/read/tutorial"]').isVisible())
})

test('a chapter: highlighted code under its file name, the side bar leads to a section', async () => {
  await Promise.all([page.waitForURL(/\/admin\/docs\/read\/dal$/), page.click('#docs-toc >> text=The DAL: tables, queries, rows')])
  assert.equal(await page.title(), 'The DAL: tables, queries, rows · Quark admin')
  const caption = page.locator('.qk-doc-caption').first()
  assert.equal(await caption.textContent(), 'docs/examples/blog/models/db.ts')
  // highlight.js's theme is served by Quark and applied: a keyword is coloured, not the text colour
  const keyword = page.locator('#docs-chapter .hljs-keyword').first()
  const colour = await keyword.evaluate((el) => getComputedStyle(el).color)
  const text = await page.locator('#docs-chapter p').first().evaluate((el) => getComputedStyle(el).color)
  assert.notEqual(colour, text, 'code is highlighted')
  await shot('docs-01-chapter')
  await Promise.all([page.waitForURL(/#queries$/), page.click('#docs-toc a[href="#queries"]')])
  assert.ok(await page.locator('h2#queries').isVisible())
  await shot('docs-02-section')
})

test('search from the box: sections of every chapter, the word marked, a result leads to its section', async () => {
  await page.fill('#docs-q', 'belongs')
  await Promise.all([page.waitForURL(/\/admin\/docs\/search\?q=belongs$/), page.press('#docs-q', 'Enter')])
  const hit = page.locator('li.qk-doc-hit[data-chapter="dal"]')
  await hit.first().waitFor()
  assert.match(await hit.first().locator('mark').first().textContent() ?? '', /^belongs$/i)
  assert.ok(await page.locator('li.qk-doc-hit').count() >= 2, 'more than one chapter mentions it')
  await shot('docs-03-search')
  await Promise.all([page.waitForURL(/\/admin\/docs\/read\/dal#queries$/), hit.first().locator('a').first().click()])
  assert.ok(await page.locator('h2#queries').isVisible())
})

test('a hostile query is shown as text, nothing runs', async () => {
  let dialogs = 0
  page.on('dialog', (d) => { dialogs++; void d.dismiss() })
  const q = '<img src=x onerror=alert(1)><script>alert(2)</script>'
  await page.goto(`${s.url}/admin/docs/search?q=${encodeURIComponent(q)}`)
  assert.equal(await page.locator('#docs-none strong').textContent(), q)
  assert.equal(await page.locator('#docs-results img').count(), 0)
  assert.equal(await page.inputValue('#docs-q'), q)
  assert.equal(dialogs, 0)
  await shot('docs-04-hostile-query')
})
