// The editor's extras in headless chromium: quick open (Ctrl+P) by a fuzzy
// name, go to definition from a controller to the model that defines a name,
// Format document with Prettier served by the admin (and a view refused).
// Screenshots: tests/admin/screenshots/extras-*.png.
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
  session = await adminBrowser({
    setup: (s) => {
      const app = s.appFolder('welcome')
      fs.writeFileSync(path.join(app, 'models', 'shop.ts'), "// the shop's helpers\n\nexport function priceOf(n: number) { return n * 2 }\n")
      fs.writeFileSync(path.join(app, 'controllers', 'shop.ts'), "export function index(){return {price:priceOf(3),name:\"x\"}}\n")
    },
  })
  ;({ s, browser, page } = session)
})
after(async () => { await session?.close() })

const active = (p: string) => page.waitForFunction((f) => { const q = (globalThis as any).quarkEditor; return q && q.active && q.active.path === f && q.extras }, p, { timeout: 90000 })

test('quick open by name', async () => {
  await page.goto(`${s.url}/admin/edit/index/welcome?file=controllers/default.ts`)
  await active('controllers/default.ts')
  await page.click('.monaco-editor .view-lines')
  await page.keyboard.press('Control+p')
  await page.locator('#qk-quickopen-input').waitFor({ state: 'visible' })
  await page.keyboard.type('cshop')
  assert.equal(await page.locator('.qk-quickopen-item').first().textContent(), 'controllers/shop.ts')
  await page.screenshot({ path: path.join(SHOTS, 'extras-01-quick-open.png'), fullPage: true })
  await page.keyboard.press('Enter')
  await active('controllers/shop.ts')
})

test('go to definition: from the controller to the model', async () => {
  const col = "export function index(){return {price:".length + 3
  await page.evaluate((c) => { const e = (globalThis as any).quarkEditor.editor; e.setPosition({ lineNumber: 1, column: c }); e.focus() }, col)
  await page.keyboard.press('Control+F12')
  await active('models/shop.ts')
  await page.waitForFunction(() => (globalThis as any).quarkEditor.editor.getPosition().lineNumber === 3)
  assert.match(await page.textContent('#qk-status') ?? '', /priceOf is defined in models\/shop.ts:3/)
  await page.screenshot({ path: path.join(SHOTS, 'extras-02-definition.png'), fullPage: true })
})

test('format document with Prettier; a view is not formatted', async () => {
  await page.evaluate(() => (globalThis as any).quarkEditor.open('controllers/shop.ts'))
  await active('controllers/shop.ts')
  await page.evaluate(() => (globalThis as any).quarkEditor.editor.focus())
  await page.keyboard.press('Shift+Alt+f')
  await page.waitForFunction(() => /Formatted with Prettier|Format document:/.test(document.getElementById('qk-status')?.textContent ?? ''))
  assert.match(await page.textContent('#qk-status') ?? '', /Formatted with Prettier/)
  const text = await page.evaluate(() => (globalThis as any).quarkEditor.active.model.getValue())
  assert.equal(text, "export function index() {\n  return { price: priceOf(3), name: 'x' }\n}\n")
  await page.screenshot({ path: path.join(SHOTS, 'extras-03-formatted.png'), fullPage: true })
  await page.evaluate(() => (globalThis as any).quarkEditor.open('views/layout.html'))
  await active('views/layout.html')
  await page.evaluate(() => (globalThis as any).quarkEditor.extras.format())
  assert.match(await page.textContent('#qk-status') ?? '', /html files are not formatted/)
  // the files are served from the installed package only
  const bad = await page.evaluate(async () => (await fetch('/admin/prettier/js/..%2F..%2Fpackage.json')).status)
  assert.equal(bad, 404)
})
