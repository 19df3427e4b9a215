// Version control in headless chromium: start it for the welcome app from
// the design page, commit, change a controller, see the diff side by side in
// Monaco's diff editor, commit it, then revert an unwanted edit (asked first).
// Screenshots: tests/admin/screenshots/vcs-*.png.
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

const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `vcs-${name}.png`), fullPage: true })
const ctl = () => path.join(s.appFolder('welcome'), 'controllers', 'default.ts')

test('start, commit, change a controller, see the diff, commit it, revert another change', async () => {
  await page.goto(`${s.url}/admin/design/index/welcome`)
  await Promise.all([page.waitForURL(/\/admin\/vcs\/index\/welcome$/), page.click('#design-vcs')])
  await Promise.all([page.waitForURL(/\/admin\/vcs\/index\/welcome$/), page.click('#vcs-init button')])
  assert.ok(await page.locator('#vcs-changes li[data-path="controllers/default.ts"]').isVisible())
  await page.fill('#vcs-message', 'the scaffold as it came')
  await Promise.all([page.waitForURL(/\/admin\/vcs\/index\/welcome$/), page.click('#vcs-commit button')])
  assert.match(await page.textContent('.qk-flash') ?? '', /Committed/)
  assert.ok(await page.locator('#vcs-clean').isVisible(), 'nothing changed after the commit')

  const before = fs.readFileSync(ctl(), 'utf8')
  fs.writeFileSync(ctl(), before.replace("return 'Hello World'", "return 'Hello from version 2'"))
  await page.reload()
  const row = page.locator('#vcs-changes li[data-path="controllers/default.ts"]')
  assert.equal(await row.getAttribute('data-change'), 'modified')
  await Promise.all([page.waitForURL(/\/admin\/vcs\/diff\/welcome\?file=controllers%2Fdefault.ts$/), row.locator('a.qk-diff').click()])
  await page.waitForFunction(() => !!(globalThis as any).quarkDiff && document.querySelectorAll('#vcs-diff .view-lines').length === 2)
  const sides = await page.evaluate(() => { const m = (globalThis as any).quarkDiff.getModel(); return [m.original.getValue(), m.modified.getValue()] })
  assert.match(sides[0], /return 'Hello World'/)
  assert.match(sides[1], /return 'Hello from version 2'/)
  await page.waitForSelector('#vcs-diff .line-insert, #vcs-diff .char-insert')
  await shot('01-diff')
  await page.goto(`${s.url}/admin/vcs/index/welcome`)
  await page.fill('#vcs-message', 'a new greeting')
  await Promise.all([page.waitForURL(/\/admin\/vcs\/index\/welcome$/), page.click('#vcs-commit button')])
  assert.deepEqual(await page.locator('#vcs-log .qk-message').allTextContents(), ['a new greeting', 'the scaffold as it came'])

  // an unwanted edit, reverted after the confirmation
  fs.writeFileSync(ctl(), 'this breaks everything')
  await page.reload()
  let asked = ''
  page.once('dialog', (d) => { asked = d.message(); void d.accept() })
  await Promise.all([page.waitForURL(/\/admin\/vcs\/index\/welcome$/), page.click('#vcs-changes li[data-path="controllers/default.ts"] .qk-revert button')])
  assert.match(asked, /Revert controllers\/default.ts to the last commit\?/)
  assert.match(fs.readFileSync(ctl(), 'utf8'), /Hello from version 2/)
  assert.match(await page.textContent('.qk-flash') ?? '', /Reverted controllers\/default.ts/)
  await shot('02-after-revert')
})

test('a commit with nothing to commit is refused with a clear message', async () => {
  await page.goto(`${s.url}/admin/vcs/index/welcome`)
  await page.fill('#vcs-message', 'nothing here')
  const [r] = await Promise.all([page.waitForNavigation(), page.click('#vcs-commit button')])
  assert.equal(r?.status(), 409)
  assert.match(await page.textContent('main') ?? '', /Nothing to commit/)
  await shot('03-nothing-to-commit')
})
