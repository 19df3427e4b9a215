/**
 * SQLFORM.grid in real headless chromium: search (keywords and the query
 * builder), sort, page, create, edit, view, delete, CSV export; forged
 * action URLs refused; a screenshot saved in tests/forms/screenshots/.
 * Also smartgrid's parent → children navigation.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { startServer, type TestServer } from '../helpers/server'
import { FORMS_APP } from './app'

const CHROMIUM = '/usr/bin/chromium'
const SHOTS = path.join(__dirname, 'screenshots')
const skip = !fs.existsSync(CHROMIUM) && 'chromium not installed'
let s: TestServer
let browser: Browser

before(async () => {
  s = await startServer({ apps: { shop: FORMS_APP } })
  await s.request('/shop/default/seed')
  if (!skip) browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
})
after(async () => { await browser?.close(); await s?.stop() })

const names = (page: Page) => page.$$eval('tr.quark-grid-row td:first-child', (tds) => tds.map((t) => t.textContent))
const count = async (page: Page) => Number((await page.textContent('.quark-grid-count'))!.split(' ')[0])

test('grid: search, sort, page, create, edit, view, delete, export CSV, forged URLs refused', { skip }, async () => {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1100, height: 800 }, acceptDownloads: true })
  const page = await ctx.newPage()
  await page.goto(`${s.url}/shop/default/grid`)
  assert.equal(await count(page), 7)
  assert.deepEqual(await names(page), ['Lamp', 'Chair', 'Table']) // by id, 3 per page
  assert.equal(await page.$eval('tr#thing_1 td:nth-child(4)', (td) => td.textContent), 'Ann') // reference shown by its format

  // sort by name, then descending
  await page.click('th >> text=Name')
  assert.deepEqual(await names(page), ['Bed', 'Chair', 'Desk'])
  await page.click('th >> text=Name')
  assert.deepEqual(await names(page), ['Table', 'Sofa', 'Shelf'])
  // page 2 and 3 keep the order
  await page.click('.pagination >> text="2"')
  assert.deepEqual(await names(page), ['Lamp', 'Desk', 'Chair'])
  await page.click('.pagination >> text="3"')
  assert.deepEqual(await names(page), ['Bed'])

  // keyword search, then the query builder, then the typed query syntax
  await page.fill('#quark-grid-keywords', 'ha')
  await page.click('#quark-grid-search')
  assert.deepEqual((await names(page)).sort(), ['Chair'])
  await page.click('text=Clear')
  await page.selectOption('select[name=qf]', 'qty')
  await page.selectOption('select[name=qo]', '>=')
  await page.fill('input[name=qv]', '5')
  await page.click('#quark-grid-search')
  assert.equal(await count(page), 3)
  await page.click('text=Clear')
  await page.fill('#quark-grid-keywords', 'thing.kind = "b" and thing.qty < 5')
  await page.click('#quark-grid-search')
  assert.deepEqual(await names(page), ['Chair', 'Desk'])
  await page.click('text=Clear')

  // create
  await page.click('a.quark-new')
  await page.fill('#thing_name', 'Stool')
  await page.fill('#thing_qty', 'x')
  await page.click('input[type=submit]')
  assert.match((await page.textContent('#qty__error'))!, /Enter an integer/) // errors beside the field, values kept
  assert.equal(await page.inputValue('#thing_name'), 'Stool')
  await page.fill('#thing_qty', '9')
  await page.selectOption('#thing_owner', { label: 'Bob' })
  await page.click('input[type=submit]')
  assert.equal(await page.textContent('#flash'), 'Record created')
  assert.equal(await count(page), 8)

  // edit
  await page.click('tr#thing_2 a.quark-edit')
  assert.equal(await page.inputValue('#thing_name'), 'Chair')
  await page.fill('#thing_name', 'Armchair')
  await page.click('input[type=submit]')
  assert.equal(await page.textContent('#flash'), 'Record updated')
  assert.equal(await page.textContent('tr#thing_2 td:first-child'), 'Armchair')

  // view
  await page.click('tr#thing_2 a.quark-view')
  assert.equal(await page.textContent('#thing_name'), 'Armchair')
  assert.equal(await page.$('input[type=submit]'), null)
  await page.click('a.quark-back')

  // delete, with a confirmation form
  await page.click('tr#thing_3 a.quark-delete')
  await page.click('#quark-confirm-delete')
  assert.equal(await page.textContent('#flash'), 'Record deleted')
  assert.equal(await count(page), 7)
  assert.equal(await page.$('tr#thing_3'), null)

  // CSV export
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('a.quark-csv')])
  const csv = fs.readFileSync((await download.path())!, 'utf8')
  assert.equal(download.suggestedFilename(), 'thing.csv')
  const lines = csv.trim().split(/\r\n/)
  assert.equal(lines[0], 'thing.id,thing.name,thing.qty,thing.kind,thing.owner')
  assert.equal(lines.length, 8)
  assert.ok(lines.includes('2,Armchair,2,b,1'))
  assert.ok(lines.some((l) => /^\d+,Stool,9,a,2$/.test(l)))

  // screenshot of the list
  await page.goto(`${s.url}/shop/default/grid`)
  fs.mkdirSync(SHOTS, { recursive: true })
  const shot = path.join(SHOTS, 'grid.png')
  await page.screenshot({ path: shot, fullPage: true })
  assert.ok(fs.statSync(shot).size > 10_000)

  // forged or moved signatures: refused
  const editHref = (await page.getAttribute('tr#thing_1 a.quark-edit', 'href'))!
  const forged = editHref.replace('/thing/1?', '/thing/2?')
  for (const url of [forged, editHref.replace(/_signature=[0-9a-f]+/, '_signature=00'), '/shop/default/grid/delete/thing/1']) {
    const r = await page.goto(`${s.url}${url}`)
    assert.equal(r!.status(), 403, url)
  }
  // another browser session cannot use this session's signed links
  const other = await browser.newContext({ ignoreHTTPSErrors: true })
  const p2 = await other.newPage()
  const r2 = await p2.goto(`${s.url}${editHref}`)
  assert.equal(r2!.status(), 403)
  await other.close()
  await ctx.close()
})

test('smartgrid: each owner links to its things; a child grid is restricted and creates children of that owner', { skip }, async () => {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true })
  const page = await ctx.newPage()
  await page.goto(`${s.url}/shop/default/smart`)
  assert.deepEqual(await names(page), ['Ann', 'Bob'])
  await page.click('tr#owner_2 a.quark-child-link')
  assert.match(page.url(), /\/smart\/owner\/thing\.owner\/2$/)
  const before = await count(page)
  assert.ok((await names(page)).every((n) => ['Sofa', 'Bed', 'Shelf', 'Stool'].includes(n!)))
  await page.click('a.quark-new')
  assert.equal(await page.$eval('#thing_owner', (el) => el.tagName), 'SPAN') // the parent is fixed, shown read-only
  await page.fill('#thing_name', 'Rug')
  await page.click('input[type=submit]')
  assert.equal(await page.textContent('#flash'), 'Record created')
  assert.equal(await count(page), before + 1)
  assert.ok((await names(page)).includes('Rug'))
  await ctx.close()
})
