// Search across the welcome app's files in headless chromium, follow a match
// to the editor at its line, replace all after the confirmation.
// Screenshots: tests/admin/screenshots/search-*.png.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import type { LiveAdminServer } from './liveserver'
import { adminBrowser, SHOTS, type AdminBrowser } from './browser-session'

let s: LiveAdminServer
let browser: Browser
let page: Page

let session: AdminBrowser | undefined
before(async () => {
  session = await adminBrowser()
  ;({ s, browser, page } = session)
})
after(async () => { await session?.close() })

test('search across files, open a match at its line, replace all', async () => {
  await page.goto(`${s.url}/admin/design/index/welcome`)
  await Promise.all([page.waitForURL(/\/admin\/search\/index\/welcome$/), page.click('#design-search')])
  await page.fill('#search-q', 'Hello World')
  await Promise.all([page.waitForURL(/q=Hello\+World/), page.click('#search-form button')])
  const hits = await page.locator('#search-results tr').evaluateAll((trs) => trs.map((t) => (t as HTMLElement).dataset.path))
  assert.ok(hits.includes('controllers/default.ts'), `found in the controller: ${hits}`)
  assert.ok(new Set(hits).size >= 2, 'in more than one file')
  await page.screenshot({ path: path.join(SHOTS, 'search-01-results.png'), fullPage: true })
  const row = page.locator('#search-results tr[data-path="controllers/default.ts"]').first()
  const line = Number(await row.getAttribute('data-line'))
  await Promise.all([page.waitForURL(new RegExp(`file=controllers%2Fdefault.ts&line=${line}$`)), row.locator('a').click()])
  await page.waitForFunction((l) => { const e = (globalThis as any).quarkEditor; return e && e.active && e.active.path === 'controllers/default.ts' && e.editor.getPosition().lineNumber === l }, line)
  await page.goBack()
  await page.fill('#replace-with', 'Hello Quark')
  page.once('dialog', (d) => void d.accept())
  await Promise.all([page.waitForURL(/q=Hello(\+|%20)Quark/), page.click('#replace-form button')])
  assert.match(await page.textContent('.qk-flash') ?? '', /Replaced \d+ match/)
  assert.match(fs.readFileSync(path.join(s.appFolder('welcome'), 'controllers', 'default.ts'), 'utf8'), /Hello Quark/)
  assert.doesNotMatch(fs.readFileSync(path.join(s.appFolder('welcome'), 'controllers', 'default.ts'), 'utf8'), /Hello World/)
  await page.screenshot({ path: path.join(SHOTS, 'search-02-replaced.png'), fullPage: true })
})
