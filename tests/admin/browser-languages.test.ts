// The translation editor in headless chromium: update the welcome app's
// languages, add a language with its plural rule, translate a string with
// plural forms in place, and see it on the app's page with Accept-Language;
// a broken language file shown with its error. Screenshots go to
// tests/admin/screenshots/languages-*.png.
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

async function shot(p: Page, name: string): Promise<void> {
  await p.screenshot({ path: path.join(SHOTS, `languages-${name}.png`), fullPage: true })
}

let session: AdminBrowser | undefined
before(async () => {
  session = await adminBrowser({
    timeoutMs: 60_000,
    setup: (s) => {
      // a page of the welcome app that counts books: a string with a plural marker
      fs.writeFileSync(path.join(s.appFolder('welcome'), 'controllers', 'books.ts'),
        "export function index() { const n = Number(request.vars.n ?? 1); return T('You have %s %%{book}', [n]) }\n")
    },
  })
  ;({ s, browser, page } = session)
})
after(async () => { await session?.close() })

test('update the welcome app\'s languages from its design page', async () => {
  await page.goto(`${s.url}/admin/design/index/welcome`)
  await Promise.all([page.waitForURL(/\/admin\/languages\/index\/welcome$/), page.click('#design-languages')])
  assert.ok(await page.locator('#languages tr[data-lang="it"]').isVisible())
  assert.match(await page.textContent('#languages tr[data-lang="it"]') ?? '', /new: update/, 'the books string is not in it.json yet')
  await Promise.all([page.waitForURL(/\/admin\/languages\/index\/welcome$/), page.click('#update-languages button')])
  assert.match(await page.textContent('.qk-flash') ?? '', /Updated: \d+ strings in use; added .*it \+\d+/)
  const it = JSON.parse(fs.readFileSync(path.join(s.appFolder('welcome'), 'languages', 'it.json'), 'utf8'))
  assert.equal(it['You have %s %%{book}'], 'You have %s %%{book}', 'the new string is in it.json, untranslated')
  assert.equal(it['Hello World'], 'Ciao Mondo', 'a translation is kept')
  assert.doesNotMatch(await page.textContent('#languages tr[data-lang="it"]') ?? '', /new: update/)
  await shot(page, '01-list')
})

test('add a language with its plural rule, translate a string with plural forms in place', async () => {
  await page.fill('#langcode', 'pl')
  await page.fill('#nplurals', '3')
  await page.fill('#rule', 'n == 1 ? 0 : n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 10 || n % 100 >= 20) ? 1 : 2')
  await Promise.all([page.waitForURL(/\/admin\/languages\/edit\/welcome\/pl$/), page.click('#add-language button')])
  assert.match(await page.textContent('.qk-flash') ?? '', /Added pl/)
  // the untranslated filter lists the new string; translate it in place
  await page.click('label[for="filter-untranslated"]')
  await page.waitForURL(/filter=untranslated/)
  const field = page.locator('textarea.qk-tr[data-source="You have %s %%{book}"]')
  await field.fill('Masz %s %%{książka}')
  await field.press('Tab')
  const row = page.locator('tr.qk-string', { has: field })
  await page.waitForFunction((el) => el?.getAttribute('data-state') === 'translated', await row.elementHandle())
  assert.equal(await row.locator('.qk-saved').textContent(), 'saved')
  // its word now needs its plural forms: 3 forms for Polish, two to fill in
  await page.reload()
  const forms = page.locator('form.qk-plural[data-word="książka"]')
  assert.equal(await forms.locator('input').count(), 2)
  await forms.locator('input[name="form1"]').fill('książki')
  await forms.locator('input[name="form2"]').fill('książek')
  await forms.locator('button').click()
  await page.waitForFunction(() => document.querySelector('form.qk-plural[data-word="książka"]')?.getAttribute('data-state') === 'saved')
  await shot(page, '02-edit-pl')
  // the search filter finds it by its translation
  await page.goto(`${s.url}/admin/languages/edit/welcome/pl?filter=translated&q=masz`)
  assert.equal(await page.locator('tr.qk-string').count(), 1)
  assert.match(await page.locator('#progress').getAttribute('aria-valuenow') ?? '', /^\d+$/)
})

test('the app shows the translation by Accept-Language, with the plural form for the number', async () => {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'pl-PL', viewport: { width: 800, height: 300 } })
  const app = await context.newPage()
  try {
    const expected: Array<[number, string]> = [[1, 'Masz 1 książka'], [3, 'Masz 3 książki'], [5, 'Masz 5 książek'], [22, 'Masz 22 książki']]
    for (const [n, text] of expected) {
      const deadline = Date.now() + 20000
      for (;;) {
        await app.goto(`${s.url}/welcome/books/index?n=${n}`)
        const body = (await app.textContent('body'))?.trim()
        if (body === text) break
        assert.ok(Date.now() < deadline, `n=${n}: expected ${text}, got ${body}`)
        await new Promise((r) => setTimeout(r, 300))
      }
    }
    await shot(app, '03-app-pl')
  } finally { await context.close() }
})

test('a broken language file is shown with its error and text', async () => {
  const broken = '{\n  "Hello World": "Hallo Welt",\n  oops\n}\n'
  fs.writeFileSync(path.join(s.appFolder('welcome'), 'languages', 'de.json'), broken)
  await page.goto(`${s.url}/admin/languages/index/welcome`)
  assert.match(await page.textContent('#languages tr[data-lang="de"]') ?? '', /broken file/)
  await page.click('#languages tr[data-lang="de"] a')
  await page.waitForURL(/\/edit\/welcome\/de$/)
  assert.match(await page.textContent('#language-problem') ?? '', /cannot be read/)
  assert.equal(await page.textContent('#language-raw'), broken)
  await shot(page, '04-broken')
  assert.equal(fs.readFileSync(path.join(s.appFolder('welcome'), 'languages', 'de.json'), 'utf8'), broken)
})
