// The web test runner in headless chromium: from the design page run all of
// the welcome app's tests plus a failing file, see the results come in, and
// follow the failure to its line in the editor; run one file alone.
// Screenshots: tests/admin/screenshots/tests-*.png.
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

const FAILING = "test('users start at zero', async () => {\n  assert.equal(await db(db.auth_user).count(), 0)\n})\n\ntest('a wrong sum', () => {\n  const sum = 2 + 2\n  assert.equal(sum, 5, 'two and two make five')\n})\n"
const FAILING_LINE = 7

let session: AdminBrowser | undefined
before(async () => {
  session = await adminBrowser({
    setup: (s) => {
      fs.writeFileSync(path.join(s.appFolder('welcome'), 'tests', 'math.ts'), FAILING)
    },
  })
  ;({ s, browser, page } = session)
})
after(async () => { await session?.close() })

const done = () => page.waitForFunction(() => document.getElementById('test-state')?.dataset.state === 'done', undefined, { timeout: 120000 })

test('run all tests from the design page and follow a failure to its line', async () => {
  await page.goto(`${s.url}/admin/design/index/welcome`)
  await Promise.all([page.waitForURL(/\/admin\/tests\/index\/welcome$/), page.click('#design-tests')])
  assert.deepEqual(await page.locator('#test-files li').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.file)), ['tests/default.ts', 'tests/math.ts'])
  await Promise.all([page.waitForURL(/\/admin\/tests\/index\/welcome$/), page.click('#run-all button')])
  await done()
  const failed = page.locator('#test-results tr[data-ok="false"]')
  assert.equal(await failed.count(), 1)
  assert.match(await failed.locator('.qk-test-name').textContent() ?? '', /a wrong sum/)
  assert.match(await failed.locator('.qk-test-error').textContent() ?? '', /two and two make five/)
  assert.ok(await page.locator('#test-results tr[data-ok="true"]').count() >= 2, 'the others passed')
  assert.match(await page.textContent('#test-state') ?? '', /^Failed: \d+ passed, 1 failed/)
  await shot('01-results')
  const link = failed.locator('.qk-test-at')
  assert.equal(await link.textContent(), `tests/math.ts:${FAILING_LINE}`)
  await Promise.all([page.waitForURL(new RegExp(`/admin/edit/index/welcome\\?file=tests%2Fmath.ts&line=${FAILING_LINE}`)), link.click()])
  await page.waitForFunction((f) => {
    const q = (globalThis as any).quarkEditor
    return q && q.active && q.active.path === f && q.editor
  }, 'tests/math.ts', { timeout: 90000 })
  const line = await page.evaluate(() => (globalThis as any).quarkEditor.editor.getPosition().lineNumber)
  assert.equal(line, FAILING_LINE)
  await shot('02-editor-at-line')
})

test('the last results are kept; one file runs alone', async () => {
  await page.goto(`${s.url}/admin/tests/index/welcome`)
  assert.equal(await page.locator('#test-results tr[data-ok="false"]').count(), 1, 'the last run is shown on a new visit')
  await Promise.all([page.waitForURL(/\/admin\/tests\/index\/welcome$/), page.click('#test-files li[data-file="tests/default.ts"] button')])
  await done()
  assert.equal(await page.locator('#test-results tr[data-ok="false"]').count(), 0)
  assert.match(await page.textContent('#test-state') ?? '', /^Passed: \d+ passed, 0 failed/)
  const files = await page.locator('#test-results .qk-test-name').count()
  assert.ok(files >= 1)
  await shot('03-one-file')
})

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `tests-${name}.png`), fullPage: true })
}
