// appadmin in headless chromium: a test app's table browsed, sorted, queried
// (a break-out query refused), a record inserted, edited and deleted, the table
// exported as CSV and imported back; screenshots in tests/dbadmin/screenshots/.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { type TestServer } from '../helpers/server'
import { startAdminServer, PASSWORD } from '../admin/helpers'
import { SHOP_APP } from '../pack/testapp'

const CHROMIUM = '/usr/bin/chromium'
const SHOTS = path.join(__dirname, 'screenshots')
let s: TestServer
let browser: Browser
let page: Page

const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true })
const count = async () => Number(await page.textContent('tr[data-table="thing"] .qk-count'))
async function go(url: string) { await page.goto(`${s.url}${url}`) }
async function submit(selector: string) { await Promise.all([page.waitForLoadState('load'), page.click(selector)]) }

before(async () => {
  for (let i = 0; i < 120 && !fs.existsSync(CHROMIUM); i++) await new Promise((r) => setTimeout(r, 1000))
  fs.mkdirSync(SHOTS, { recursive: true })
  s = await startAdminServer({ apps: { shop: SHOP_APP } })
  assert.equal((await s.request('/shop/default/index')).status, 200)  // seeds the table
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 860 }, acceptDownloads: true })
  page = await context.newPage()
  page.setDefaultTimeout(30000)
  await go('/admin/default/login')
  await page.fill('#password', PASSWORD)
  await submit('button[type=submit]')
})

after(async () => {
  await browser?.close()
  await s?.stop()
})

test('tables with counts, browse and sort', async () => {
  await go('/admin/appadmin/index/shop')
  assert.equal(await count(), 2)
  await shot('01-tables')
  await submit('tr[data-table="thing"] a')
  assert.equal(await page.locator('#rows tbody tr').count(), 2)
  await submit('#rows thead a:has-text("value")')   // ascending
  await submit('#rows thead a:has-text("value")')   // descending
  assert.deepEqual(await page.locator('#rows tbody tr td:nth-child(2)').allTextContents(), ['banana', 'apple'])
  assert.match(await page.textContent('#sql-shown') ?? '', /ORDER BY .*DESC/)
  await shot('02-browse-sorted')
})

test('query box: a condition, then a break-out attempt refused', async () => {
  await page.fill('#query', "thing.value > 3 and thing.name like 'b%'")
  await submit('#query-form button')
  assert.deepEqual(await page.locator('#rows tbody tr td:nth-child(2)').allTextContents(), ['banana'])
  await shot('03-query')
  await page.fill('#query', 'thing.value > 0; DROP TABLE thing')
  await submit('#query-form button')
  assert.match(await page.textContent('#query-error') ?? '', /Invalid query text: ';'/)
  await shot('04-query-refused')
  await go('/admin/appadmin/index/shop')
  assert.equal(await count(), 2, 'nothing changed')
})

test('insert, edit, delete a record', async () => {
  await submit('tr[data-table="thing"] a:has-text("New record")')
  await page.fill('#thing_name', 'cherry')
  await page.fill('#thing_value', '5')
  await shot('05-insert-form')
  await submit('#record-form [type=submit]')
  assert.match(await page.textContent('.qk-flash') ?? '', /inserted into thing/)
  await page.fill('#query', "thing.name = 'cherry'")
  await submit('#query-form button')
  await submit('#rows tbody tr a')
  await page.fill('#thing_name', 'cherry pie')
  await shot('06-edit-form')
  await submit('#record-form [type=submit]')
  assert.match(await page.textContent('.qk-flash') ?? '', /updated/)
  assert.ok(await page.locator('#rows td:has-text("cherry pie")').count() === 1)
  await shot('07-after-edit')
  await page.fill('#query', "thing.name = 'cherry pie'")
  await submit('#query-form button')
  await submit('#rows tbody tr a')
  await page.check('#delete_record')
  await submit('#record-form [type=submit]')
  assert.match(await page.textContent('.qk-flash') ?? '', /deleted/)
  await go('/admin/appadmin/index/shop')
  assert.equal(await count(), 2)
})

test('CSV round trip: export the table, delete all (confirmed), import it back', async () => {
  await go('/admin/appadmin/select/shop/db?table=thing')
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#csv-export')])
  const file = path.join(s.folder, 'thing.csv')
  await download.saveAs(file)
  const csv = fs.readFileSync(file, 'utf8')
  assert.match(csv, /apple/)
  await submit('#delete-all button')
  assert.match(await page.textContent('h1') ?? '', /Delete 2 records of thing\?/)
  await shot('08-confirm-delete-all')
  await submit('#confirm-button')
  assert.match(await page.textContent('#row-total') ?? '', /^0 rows/)
  await page.setInputFiles('#csv-import input[type=file]', file)
  await submit('#csv-import button')
  assert.match(await page.textContent('.qk-flash') ?? '', /CSV imported/)
  assert.deepEqual((await page.locator('#rows tbody tr td:nth-child(2)').allTextContents()).sort(), ['apple', 'banana'])
  await shot('09-after-csv-import')
  await go('/admin/appadmin/sqllog/shop/db')
  assert.match(await page.textContent('#sqllog') ?? '', /CREATE TABLE/)
  await shot('10-sqllog')
})

test('compile and remove compiled from the buttons; pack downloads a .w2t; install page', async () => {
  await go('/admin/appadmin/index/shop')
  await submit('#compile-form button')
  assert.match(await page.textContent('.qk-flash') ?? '', /shop compiled: \d+ files/)
  assert.equal(await page.locator('#compiled-badge').count(), 1)
  await shot('11-compiled')
  assert.equal((await s.request('/shop/default/plain')).body, 'plain 42')
  await submit('#remove-compiled-form button')
  assert.equal(await page.locator('#compiled-badge').count(), 0)
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#pack-link')])
  assert.equal(download.suggestedFilename(), 'quark.app.shop.w2t')
  const file = path.join(s.folder, 'shop.w2t')
  await download.saveAs(file)
  assert.equal(fs.readFileSync(file)[0], 0x1f)
  await go('/admin/appadmin/install')
  await page.setInputFiles('#w2t', file)
  await page.fill('#iname', 'shop_copy')
  await shot('12-install')
  await submit('#install-form button')
  assert.match(await page.textContent('.qk-flash') ?? '', /Installed shop_copy/)
  await shot('13-site-after-install')
})
