// The polish of #25 item 6 in headless chromium: a new app named by its
// name, the user menu of the welcome layout, tickets grouped by source line
// with their message variants, the generic view's rows table, and the admin
// at 390 px (the editor's file list a drawer). Screenshots:
// tests/admin/screenshots/polish-*.png.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { PASSWORD } from './helpers'
import { startLiveAdminServer, type LiveAdminServer } from './liveserver'

const CHROMIUM = '/usr/bin/chromium'
const SHOTS = path.join(__dirname, 'screenshots')
let s: LiveAdminServer
let browser: Browser
let context: BrowserContext
let page: Page

const shot = (p: Page, name: string) => p.screenshot({ path: path.join(SHOTS, `polish-${name}.png`), fullPage: true })

before(async () => {
  for (let i = 0; i < 120 && !fs.existsSync(CHROMIUM); i++) await new Promise((r) => setTimeout(r, 1000))
  assert.ok(fs.existsSync(CHROMIUM), 'chromium is installed')
  fs.mkdirSync(SHOTS, { recursive: true })
  s = await startLiveAdminServer()
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
  context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 860 } })
  page = await context.newPage()
  page.setDefaultTimeout(60000)
  await page.goto(`${s.url}/admin/default/login`)
  await page.fill('#password', PASSWORD)
  await Promise.all([page.waitForURL(/\/admin\/default\/index$/), page.keyboard.press('Enter')])
})

after(async () => {
  await browser?.close()
  await s?.stop()
})

test('a new app calls itself by its name', async () => {
  await page.fill('#newapp', 'notes')
  await Promise.all([page.waitForURL(/\/admin\/design\/index\/notes$/), page.click('#create-app button')])
  await page.goto(`${s.url}/notes/default/index`)
  assert.match(await page.title(), /^Notes/)
  assert.equal((await page.textContent('.navbar-brand'))?.trim(), 'Notes')
  await shot(page, '01-new-app')
})

test('the user menu: profile, change password, logout as a form', async () => {
  const user = await context.newPage()
  await user.goto(`${s.url}/notes/default/user/register`)
  await user.fill('#register_first_name', 'Ada')
  await user.fill('#register_last_name', 'L')
  await user.fill('#register_email', 'ada@example.com')
  await user.fill('#register_password', 'analytical-1843')
  await user.fill('#register_password2', 'analytical-1843')
  await Promise.all([user.waitForURL(/\/notes\/default\/index/), user.click('button[type=submit]')])
  await user.click('#quark-user')
  const items = user.locator('.quark-user-menu .dropdown-menu .dropdown-item')
  await items.first().waitFor({ state: 'visible' })
  assert.deepEqual(await items.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.page)), ['profile', 'change_password'])
  assert.equal(await user.locator('form.quark-logout[method=post] button').count(), 1, 'logout is a form (POST)')
  await shot(user, '02-user-menu')
  await Promise.all([user.waitForURL(/\/notes\/default\/user\/profile$/), user.click('.quark-user-menu .dropdown-item[data-page="profile"]')])
  await user.click('#quark-user')
  await Promise.all([user.waitForURL(/\/user\/change_password$/), user.click('.quark-user-menu .dropdown-item[data-page="change_password"]')])
  await user.close()
})

test('tickets from one line are one group, with their messages listed', async () => {
  fs.writeFileSync(path.join(s.appFolder('notes'), 'controllers', 'boom.ts'),
    "export function index() {\n  const what = String(request.args(0) ?? 'nothing')\n  throw new Error('no item ' + what)\n}\n")
  const app = await context.newPage()
  for (const what of ['apple', 'pear', 'plum', 'pear']) {
    const deadline = Date.now() + 20000
    for (;;) {
      const r = await app.goto(`${s.url}/notes/boom/index/${what}`)
      if (r?.status() === 500) break
      assert.ok(Date.now() < deadline, `the new controller answers (${r?.status()})`)
      await new Promise((res) => setTimeout(res, 300))
    }
  }
  await app.close()
  // the 500 page: styled, the ticket id, and (this browser is local) a link to the ticket
  const r500 = await page.goto(`${s.url}/notes/boom/index/fig`)
  assert.equal(r500?.status(), 500)
  assert.match(await page.textContent('main.qk-error') ?? '', /500Internal error\s*Ticket issued: notes\/\S+/)
  assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('main.qk-error')!).borderTopColor), 'rgb(220, 53, 69)')
  await shot(page, '03a-500-page')
  await Promise.all([page.waitForURL(/\/admin\/errors\/ticket\/notes\//), page.click('a.qk-ticket')])
  assert.match(await page.textContent('.alert-danger') ?? '', /no item fig/)
  await page.goto(`${s.url}/admin/errors/index/notes`)
  const groups = page.locator('#ticket-groups tbody tr')
  assert.equal(await groups.count(), 1)
  assert.equal(await groups.locator('.qk-group').getAttribute('data-location'), 'controllers/boom.ts:3')
  assert.equal(await groups.locator('.badge.text-bg-danger').first().textContent(), '5')
  await groups.locator('.qk-variants summary').click()
  const variants = await groups.locator('.qk-variants li code').allTextContents()
  assert.equal(variants[0], 'Error: no item pear', 'the most frequent first')
  assert.deepEqual(variants.slice(1).sort(), ['Error: no item apple', 'Error: no item fig', 'Error: no item plum'])
  await shot(page, '03-grouped-tickets')
  await Promise.all([page.waitForURL(/\/admin\/edit\/index\/notes\?file=controllers%2Fboom.ts&line=3$/), groups.locator('.qk-group-at').click()])
})

test('the generic view shows rows as a table in field order', async () => {
  fs.writeFileSync(path.join(s.appFolder('notes'), 'controllers', 'people.ts'),
    "export async function index() {\n  return { people: await db(db.auth_user).select(db.auth_user.id, db.auth_user.last_name, db.auth_user.first_name, db.auth_user.email) }\n}\n")
  const deadline = Date.now() + 20000
  for (;;) {
    const r = await page.goto(`${s.url}/notes/people/index`)
    if (r?.status() === 200) break
    assert.ok(Date.now() < deadline, `the new controller answers (${r?.status()})`)
    await new Promise((res) => setTimeout(res, 300))
  }
  const table = page.locator('table.quark-generic-rows[data-name="people"]')
  assert.deepEqual(await table.locator('th').allTextContents(), ['id', 'last_name', 'first_name', 'email'])
  assert.deepEqual((await table.locator('tbody td').allTextContents()).slice(1), ['L', 'Ada', 'ada@example.com'])
  await shot(page, '04-rows-table')
})

test('the admin at 390 px: pages fit, the editor\'s file list is a drawer', async () => {
  const narrow = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 390, height: 844 }, storageState: await context.storageState() })
  const p = await narrow.newPage()
  p.setDefaultTimeout(60000)
  try {
    for (const [url, name] of [['/admin/default/index', '05-site-390'], ['/admin/design/index/notes', '06-design-390'], ['/admin/languages/index/notes', '07-languages-390'], ['/admin/tests/index/notes', '08-tests-390']] as const) {
      await p.goto(`${s.url}${url}`)
      await shot(p, name)
      const width = await p.evaluate(() => document.documentElement.scrollWidth)
      assert.ok(width <= 390, `${url} fits 390 px (scrollWidth ${width})`)
    }
    await p.goto(`${s.url}/admin/edit/index/notes?file=controllers/default.ts`)
    await p.waitForFunction(() => { const q = (globalThis as any).quarkEditor; return q && q.active && q.editor })
    assert.equal(await p.locator('#qk-files a[data-open="models/db.ts"]').isVisible(), false, 'the file list is closed')
    const box = await p.locator('#qk-editor').boundingBox()
    assert.ok(box && box.y < 300, `the editor is near the top, not under the file list (y=${box?.y})`)
    await shot(p, '09-editor-390')
    await p.click('#qk-files-toggle')
    await p.locator('#qk-files a[data-open="models/db.ts"]').waitFor({ state: 'visible' })
    // the drawer slides in: the picture once it is in place
    await p.waitForFunction(() => document.getElementById('qk-files')!.getBoundingClientRect().left >= 0)
    await shot(p, '10-editor-drawer-390')
    await p.click('#qk-files a[data-open="models/db.ts"]')
    await p.waitForFunction(() => (globalThis as any).quarkEditor.active?.path === 'models/db.ts')
    await p.locator('#qk-files a[data-open="models/db.ts"]').waitFor({ state: 'hidden' })
  } finally { await narrow.close() }
})
