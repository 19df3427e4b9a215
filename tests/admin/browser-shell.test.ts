// The web shell in headless chromium: open it from the design page, run
// `await db(db.auth_user).count()`, insert a user and roll it back, list rows
// as a table, a multi-line command, the history, a throwing command, and a
// loop stopped with the Stop button. Screenshots: tests/admin/screenshots/shell-*.png.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import type { LiveAdminServer } from './liveserver'
import { adminBrowser, SHOTS, type AdminBrowser } from './browser-session'

let s: LiveAdminServer
let browser: Browser
let page: Page

let session: AdminBrowser | undefined
before(async () => {
  session = await adminBrowser({ viewport: { width: 1280, height: 900 }, timeoutMs: 60_000 })
  ;({ s, browser, page } = session)
})
after(async () => { await session?.close() })

const state = (want: string) => page.waitForFunction((w) => document.getElementById('shell-status')?.dataset.state === w, want)

async function run(code: string, then: 'ready' | 'pending'): Promise<void> {
  await page.fill('#shell-input', code)
  await page.press('#shell-input', 'Enter')
  await state(then)
}

const lastText = (sel: string) => page.locator(`#shell-out ${sel}`).last().textContent()

test('count users, insert one and roll it back', async () => {
  await page.goto(`${s.url}/admin/design/index/welcome`)
  await Promise.all([page.waitForURL(/\/admin\/shell\/index\/welcome$/), page.click('#design-shell')])
  await state('ready')
  await run('await db(db.auth_user).count()', 'pending')
  assert.equal(await lastText('.qk-val'), '0')
  assert.ok(await page.locator('#shell-tx').isVisible(), 'Commit / Roll back are offered')
  await page.click('#shell-rollback')
  await state('ready')
  await run("await db.auth_user.insert({ first_name: 'Ann', last_name: 'Lee', email: 'ann@example.com' })", 'pending')
  await page.click('#shell-rollback')
  await state('ready')
  assert.equal(await lastText('.qk-note'), 'rolled back')
  await run('await db(db.auth_user).count()', 'pending')
  assert.equal(await lastText('.qk-val'), '0', 'the insert is gone')
  await page.click('#shell-commit')
  await state('ready')
  assert.equal(await page.locator('#shell-tx').isVisible(), false, 'no decision offered without an open transaction')
})

test('rows as a table, a multi-line command, the history', async () => {
  await run("await db.auth_user.insert({ first_name: 'Bob', last_name: 'Ray', email: 'bob@example.com' })", 'pending')
  await page.click('#shell-commit')
  await state('ready')
  // Shift+Enter adds a line; Enter runs the whole
  await page.fill('#shell-input', 'const rows = await db(db.auth_user).select(db.auth_user.id, db.auth_user.first_name, db.auth_user.email)')
  await page.press('#shell-input', 'Shift+Enter')
  await page.type('#shell-input', 'rows')
  await page.press('#shell-input', 'Enter')
  await state('pending')
  const table = page.locator('#shell-out .qk-rows table').last()
  assert.deepEqual(await table.locator('th').allTextContents(), ['auth_user.id', 'auth_user.first_name', 'auth_user.email'])
  assert.deepEqual((await table.locator('tbody td').allTextContents()).slice(1), ['Bob', 'bob@example.com'])
  await page.click('#shell-rollback')
  await state('ready')
  await page.press('#shell-input', 'ArrowUp')
  assert.match(await page.inputValue('#shell-input'), /^const rows = [^\n]+\nrows$/, 'the history gives back the last command')
  await page.fill('#shell-input', '')
  await shot('01-rows')
})

test('a throwing command is shown and rolled back; a loop is stopped', async () => {
  await run("throw new Error('no such thing')", 'ready')
  const shown = await lastText('.qk-err') ?? ''
  assert.match(shown, /Error: no such thing\n\s+at shell:1:\d+\n\(rolled back\)$/, 'the message and the command\'s own line, not the REPL\'s or the framework\'s')
  await page.fill('#shell-input', 'while (true) {}')
  await page.press('#shell-input', 'Enter')
  await state('running')
  assert.ok(await page.locator('#shell-stop').isEnabled())
  await shot('02-running')
  await page.click('#shell-stop')
  await state('ready')
  assert.match(await page.locator('#shell-out .qk-err').last().textContent() ?? '', /stopped: stopped by you/)
  await run('6 * 7', 'pending')
  assert.equal(await lastText('.qk-val'), '42')
  await page.click('#shell-rollback')
  await state('ready')
  await shot('03-stopped')
})

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `shell-${name}.png`), fullPage: true })
}
