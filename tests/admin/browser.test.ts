// The admin in headless chromium: lock-out, login, create an app, edit its
// controller in Monaco (type, Ctrl+S, see the action's output), a type error
// marked for a misspelt field, a thrown error's ticket leading back to the
// editor line, delete the app. A screenshot of every page goes to
// tests/admin/screenshots/.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { PASSWORD } from './helpers'
import { startLiveAdminServer, type LiveAdminServer } from './liveserver'
import { adminState } from '../../server/adminlib/index'

const CHROMIUM = '/usr/bin/chromium'
const SHOTS = path.join(__dirname, 'screenshots')
let s: LiveAdminServer
let browser: Browser
let page: Page

async function waitForChromium(): Promise<void> {
  // .ci/run may still be installing it
  for (let i = 0; i < 120 && !fs.existsSync(CHROMIUM); i++) await new Promise((r) => setTimeout(r, 1000))
  assert.ok(fs.existsSync(CHROMIUM), 'chromium is installed')
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true })
}

before(async () => {
  await waitForChromium()
  fs.mkdirSync(SHOTS, { recursive: true })
  s = await startLiveAdminServer()
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 860 } })
  page = await context.newPage()
  page.setDefaultTimeout(60000)
})

after(async () => {
  await browser?.close()
  await s?.stop()
})

test('five wrong passwords lock the login', async () => {
  await page.goto(`${s.url}/admin/default/index`)
  assert.match(page.url(), /\/admin\/default\/login\?_next=/)
  await shot('01-login')
  for (let i = 1; i <= 5; i++) {
    await page.fill('#password', `wrong-${i}`)
    await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')])
    if (i < 5) assert.match(await page.textContent('#login-error') ?? '', new RegExp(`${5 - i} attempts? left`))
  }
  assert.match(await page.textContent('#locked') ?? '', /locked for 10 more minutes/)
  assert.equal(await page.locator('#password').count(), 0, 'no password field while locked')
  await shot('02-locked-out')
  // The lock-out table lives in this process (the server runs in it): lift it for the rest.
  for (const ip of ['127.0.0.1', '::ffff:127.0.0.1', '::1']) adminState.lockout.succeed(ip)
})

test('log in and see the site', async () => {
  await page.goto(`${s.url}/admin/default/login`)
  await page.fill('#password', PASSWORD)
  await Promise.all([page.waitForURL(/\/admin\/default\/index$/), page.keyboard.press('Enter')])
  assert.equal(await page.title(), 'Site · Quark admin')
  assert.ok(await page.locator('.qk-app[data-app="welcome"]').isVisible())
  await shot('03-site')
})

test('create an app', async () => {
  await page.fill('#newapp', 'shop')
  await Promise.all([page.waitForURL(/\/admin\/design\/index\/shop$/), page.click('#create-app button')])
  assert.match(await page.textContent('.qk-flash') ?? '', /App shop created/)
  assert.ok(await page.locator('a[href="/shop/default/index"]').first().isVisible())
  await shot('04-design')
})

async function openEditor(file: string): Promise<void> {
  await page.waitForFunction((f) => {
    const q = (globalThis as any).quarkEditor
    return q && q.active && q.active.path === f && q.editor
  }, file, { timeout: 90000 })
}

async function waitSaved(): Promise<void> {
  await page.waitForFunction(() => /^Saved /.test((globalThis as any).document.getElementById('qk-status').textContent || ''))
}

test('edit the controller in Monaco: type an action, Ctrl+S, open its URL', async () => {
  await Promise.all([page.waitForURL(/\/admin\/edit\/index\/shop\?file=controllers%2Fdefault.ts/), page.click('tr[data-path="controllers/default.ts"] a')])
  await openEditor('controllers/default.ts')
  await page.waitForSelector('.monaco-editor .view-lines')
  await page.click('.monaco-editor .view-lines')
  // Typed text arrives as is (no auto-closed brackets), so the test knows what the file holds.
  await page.evaluate(() => (globalThis as any).quarkEditor.editor.updateOptions({ autoClosingBrackets: 'never', autoClosingQuotes: 'never', autoSurround: 'never' }))
  await page.keyboard.press('Control+End')
  await page.keyboard.press('Enter')
  await page.keyboard.insertText('export function greet() {')
  await page.keyboard.press('Enter')
  await page.keyboard.insertText("return 'Hello from the admin editor'")
  await page.keyboard.press('Enter')
  await page.keyboard.insertText('}')
  await page.keyboard.press('Control+s')
  await waitSaved()
  const saved = fs.readFileSync(path.join(s.appFolder('shop'), 'controllers', 'default.ts'), 'utf8')
  assert.match(saved, /export function greet\(\) \{\s*return 'Hello from the admin editor'\s*\}/)
  assert.equal(await page.getAttribute('#qk-try', 'href'), '/shop/default/greet', 'try-it link follows the cursor')
  await shot('05-editor')
  const tab = await page.context().newPage()
  const r = await tab.goto(`${s.url}/shop/default/greet`)
  assert.equal(r?.status(), 200)
  assert.equal(await tab.textContent('body'), 'Hello from the admin editor')
  await tab.close()
})

test('tabs, the live channel (reload on change, conflict on save), the log followed live', async () => {
  const ctl = path.join(s.appFolder('shop'), 'controllers', 'default.ts')
  await page.waitForFunction(() => (globalThis as any).document.getElementById('qk-live').textContent === 'live: on')
  // a second file in a tab
  await page.click('[data-open="models/db.ts"]')
  await openEditor('models/db.ts')
  assert.equal(await page.locator('.qk-tab').count(), 2)
  await page.click('.qk-tab[data-path="controllers/default.ts"]')
  await openEditor('controllers/default.ts')
  // changed on disk while not edited: reloaded
  const disk = fs.readFileSync(ctl, 'utf8') + '// touched on disk\n'
  fs.writeFileSync(ctl, disk)
  await page.waitForFunction(() => (globalThis as any).quarkEditor.active.model.getValue().includes('// touched on disk'))
  // changed on disk while edited: the user is warned, and asked on save
  await page.keyboard.press('Control+End')
  await page.keyboard.insertText('// my edit\n')
  fs.writeFileSync(ctl, disk + '// someone else\n')
  await page.waitForSelector('#qk-conflict:not(.d-none)')
  assert.match(await page.textContent('#qk-conflict') ?? '', /changed on disk while you edit it/)
  page.once('dialog', (d) => { assert.match(d.message(), /changed on disk/); void d.dismiss() })
  await page.keyboard.press('Control+s')
  await page.waitForFunction(() => /conflict/.test((globalThis as any).document.getElementById('qk-status').textContent))
  assert.match(fs.readFileSync(ctl, 'utf8'), /someone else/, 'nothing written when the user says no')
  await shot('05b-conflict')
  page.once('dialog', (d) => void d.accept())
  await page.keyboard.press('Control+s')
  await waitSaved()
  const now = fs.readFileSync(ctl, 'utf8')
  assert.match(now, /my edit/)
  assert.doesNotMatch(now, /someone else/, 'overwritten when the user says yes')
  // the app's log, followed live
  await page.click('#qk-follow')
  const tab = await page.context().newPage()
  await tab.goto(`${s.url}/shop/default/greet`)
  await tab.close()
  await page.waitForFunction(() => /GET \/shop\/default\/greet 200/.test((globalThis as any).document.getElementById('qk-log').textContent))
  await shot('05c-log')
  await page.click('#qk-follow')
})

test('a misspelt field is marked as a type error', async () => {
  await page.click('.monaco-editor .view-lines')
  await page.keyboard.press('Control+End')
  await page.keyboard.press('Enter')
  await page.keyboard.insertText('export function where() {')
  await page.keyboard.press('Enter')
  await page.keyboard.insertText('return request.aplication')
  await page.keyboard.press('Enter')
  await page.keyboard.insertText('}')
  const marker = await page.waitForFunction(() => {
    const q = (globalThis as any).quarkEditor
    const markers = q.monaco.editor.getModelMarkers({ resource: q.active.model.uri })
    return markers.find((m: any) => /aplication/.test(m.message))
  }, undefined, { timeout: 150000 })
  const m = await marker.jsonValue() as { message: string; severity: number; startLineNumber: number }
  assert.match(m.message, /Property 'aplication' does not exist on type 'QuarkRequest'.*application/s)
  assert.equal(m.severity, 8, 'an error')
  await page.waitForSelector('.squiggly-error')
  await shot('06-type-error')
  // IntelliSense knows the framework names: db-less completion of request.
  const ok = await page.evaluate(() => {
    const q = (globalThis as any).quarkEditor
    const markers = q.monaco.editor.getModelMarkers({ resource: q.active.model.uri })
    return markers.filter((x: any) => x.severity === 8).map((x: any) => x.message)
  })
  assert.equal(ok.length, 1, `only the misspelt field is an error: ${ok.join(' | ')}`)
  // IntelliSense: what the TypeScript worker offers after `request.` and for the framework's globals
  const names = await page.evaluate(async () => {
    const q = (globalThis as any).quarkEditor
    const ts = q.monaco.typescript ?? q.monaco.languages.typescript
    const model = q.active.model
    const getWorker = await ts.getTypeScriptWorker()
    const worker = await getWorker(model.uri)
    const at = model.getValue().indexOf('request.aplication') + 'request.'.length
    const member = await worker.getCompletionsAtPosition(model.uri.toString(), at)
    const global = await worker.getCompletionsAtPosition(model.uri.toString(), model.getValue().indexOf('request.aplication'))
    return { member: member.entries.map((e: any) => e.name), global: global.entries.map((e: any) => e.name) }
  })
  for (const n of ['application', 'args', 'vars', 'isLocal', 'cookies']) assert.ok(names.member.includes(n), `request.${n} completes`)
  for (const n of ['request', 'response', 'session', 'T', 'HTTP', 'redirect', 'DIV', 'databaseLabel']) assert.ok(names.global.includes(n), `${n} completes`)
})

test('an error becomes a ticket whose stack links to the editor line', async () => {
  // replace the misspelt action with one that throws, and save
  const lineOfThrow = await page.evaluate(() => {
    const q = (globalThis as any).quarkEditor
    const model = q.active.model
    const text = model.getValue().replace('return request.aplication', "throw new Error('kaboom from the admin test')")
    model.pushEditOperations([], [{ range: model.getFullModelRange(), text }], () => null)
    return text.split('\n').findIndex((l: string) => l.includes('kaboom')) + 1
  })
  await page.keyboard.press('Control+s')
  await waitSaved()
  // the status still shows the previous test's "Saved" line while the editor checks the text before
  // saving: wait for this save on disk (a busy run requested the page before it, and got a 404)
  const ctl = path.join(s.appFolder('shop'), 'controllers', 'default.ts')
  for (const end = Date.now() + 120_000; !fs.readFileSync(ctl, 'utf8').includes('kaboom');) {
    assert.ok(Date.now() < end, 'the save reached the disk')
    await new Promise((r) => setTimeout(r, 50))
  }
  const tab = await page.context().newPage()
  const r = await tab.goto(`${s.url}/shop/default/where`)
  assert.equal(r?.status(), 500)
  assert.doesNotMatch(await tab.content(), /kaboom/, 'the user sees no code or message')
  await tab.close()

  await page.goto(`${s.url}/admin/errors/index/shop`)
  assert.match(await page.textContent('#ticket-groups') ?? '', /kaboom from the admin test/)
  await shot('07-errors')
  await Promise.all([page.waitForURL(/\/admin\/errors\/ticket\/shop\//), page.click('#ticket-groups tbody tr a.qk-ticket-link')])
  assert.match(await page.textContent('.alert-danger') ?? '', /kaboom from the admin test/)
  await shot('08-ticket')
  const link = page.locator('.qk-frame-link', { hasText: `controllers/default.ts:${lineOfThrow}` }).first()
  await Promise.all([page.waitForURL(new RegExp(`line=${lineOfThrow}`)), link.click()])
  await openEditor('controllers/default.ts')
  const line = await page.evaluate(() => (globalThis as any).quarkEditor.editor.getPosition().lineNumber)
  assert.equal(line, lineOfThrow)
  await shot('09-editor-at-line')
})

test('about page', async () => {
  await page.goto(`${s.url}/admin/default/about`)
  assert.equal(await page.title(), 'About · Quark admin')
  assert.match(await page.textContent('main') ?? '', new RegExp(process.version.replace(/\./g, '\\.')))
  await shot('10-about')
  // the same pages on a phone: the menu folds into a button that the keyboard can open
  await page.setViewportSize({ width: 390, height: 800 })
  await page.goto(`${s.url}/admin/default/index`)
  assert.ok(await page.locator('.navbar-toggler').isVisible())
  assert.ok(!(await page.locator('#adminnav').isVisible()))
  await page.focus('.navbar-toggler')
  await page.keyboard.press('Enter')
  await page.waitForSelector('#adminnav.show')
  await shot('10b-site-phone')
  await page.setViewportSize({ width: 1280, height: 860 })
})

test('delete the app, with confirmation', async () => {
  await page.goto(`${s.url}/admin/default/index`)
  await Promise.all([page.waitForURL(/delete_app\/shop$/), page.click('.qk-app[data-app="shop"] >> text=Delete…')])
  await shot('11-delete-confirm')
  await Promise.all([page.waitForURL(/\/admin\/default\/index$/), page.click('#confirm-delete')])
  assert.match(await page.textContent('.qk-flash') ?? '', /App shop deleted/)
  assert.equal(await page.locator('.qk-app[data-app="shop"]').count(), 0)
  assert.ok(!fs.existsSync(s.appFolder('shop')))
  await shot('12-site-after-delete')
})
