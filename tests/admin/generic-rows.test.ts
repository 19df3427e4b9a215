// The scaffold's generic HTML view renders DAL Rows and lists of records as
// tables with the fields in their order (not alphabetical, not nested
// key : value blocks), escaped; other values still BEAUTIFY'd.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startServer, type TestServer } from '../helpers/server'

const VIEWS = path.resolve(__dirname, '..', '..', 'welcome-app', 'views')
let s: TestServer

before(async () => {
  s = await startServer({
    apps: {
      shop: {
        'models/db.ts': "export const db = new DAL('sqlite://storage.sqlite')\ndb.defineTable('item', Field('zeta', 'string'), Field('alpha', 'integer'), Field('made', 'date'))\n",
        'controllers/default.ts': [
          'export async function index() {',
          "  if (await db(db.item).isEmpty()) { await db.item.insert({ zeta: '<b>z</b>', alpha: 2, made: '2026-12-01' }); await db.item.insert({ zeta: 'y', alpha: 1, made: null }) }",
          "  const rows = await db(db.item).select({ orderby: db.item.alpha })",
          "  return { title: 'Items', rows, list: [{ b: 1, a: 'x' }, { a: 'y', c: true }], empty: [] }",
          '}',
          'export async function joined() {',
          '  return { rows: await db(db.item).select(db.item.alpha, db.item.zeta, { orderby: db.item.alpha }) }',
          '}',
        ].join('\n'),
        'views/layout.html': fs.readFileSync(path.join(VIEWS, 'layout.html'), 'utf8'),
        'views/generic.html': fs.readFileSync(path.join(VIEWS, 'generic.html'), 'utf8'),
        'models/menu.ts': fs.readFileSync(path.resolve(VIEWS, '..', 'models', 'menu.ts'), 'utf8'),
        'models/0_config.ts': fs.readFileSync(path.resolve(VIEWS, '..', 'models', '0_config.ts'), 'utf8'),
      },
    },
  })
})
after(async () => { await s?.stop() })

function table(body: string, name: string): { head: string[]; rows: string[][] } {
  const m = new RegExp(`<table[^>]*data-name="${name}"[^>]*>([\\s\\S]*?)</table>`).exec(body)
  assert.ok(m, `a table for ${name}`)
  const cells = (html: string, tag: string) => [...html.matchAll(new RegExp(`<${tag}[^>]*>([\\s\\S]*?)</${tag}>`, 'g'))].map((x) => x[1]!)
  const [thead, tbody] = [/<thead>([\s\S]*?)<\/thead>/.exec(m[1]!)![1]!, /<tbody>([\s\S]*?)<\/tbody>/.exec(m[1]!)![1]!]
  return { head: cells(thead, 'th'), rows: cells(tbody, 'tr').map((tr) => cells(tr, 'td')) }
}

test('Rows and lists of records are tables in field order; other values BEAUTIFY', async () => {
  const r = await s.request('/shop/default/index')
  assert.equal(r.status, 200, r.body.slice(0, 500))
  const rows = table(r.body, 'rows')
  assert.deepEqual(rows.head, ['id', 'zeta', 'alpha', 'made'], 'the table definition order, not alphabetical')
  assert.deepEqual(rows.rows.map((x) => x.slice(1)), [['y', '1', ''], ['&lt;b&gt;z&lt;/b&gt;', '2', '2026-12-01']], 'escaped, dates as dates, null empty')
  const list = table(r.body, 'list')
  assert.deepEqual(list.head, ['b', 'a', 'c'], 'keys in the order they first appear')
  assert.deepEqual(list.rows, [['1', 'x', ''], ['', 'y', 'true']])
  assert.match(r.body, /vertical-align:top;">title<\/td><td style="vertical-align:top;">:<\/td><td>Items<\/td>/, 'a plain value is still shown as before')
  assert.doesNotMatch(r.body, /vertical-align:top;">zeta<\/td>/, 'no nested key : value blocks for rows')
})

test('a select of some fields keeps the select order', async () => {
  const r = await s.request('/shop/default/joined')
  assert.equal(r.status, 200)
  assert.deepEqual(table(r.body, 'rows').head, ['alpha', 'zeta'])
})
