/**
 * SQLFORM.grid options over HTTP: a base query, orderby, represent, links,
 * and the editable / deletable / create / details / csv / searchable flags
 * (hidden buttons, and actions refused even with a valid signature).
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'
import { FORMS_APP } from './app'
import { parseCsv } from '../../server/dal'

let s: TestServer
before(async () => { s = await startServer({ apps: { shop: FORMS_APP } }); await s.request('/shop/default/seed') })
after(async () => { await s?.stop() })

test('grid flags, base query, orderby, represent and links', async () => {
  const a = s.agent()
  const r = await a.request('/shop/default/gridflags')
  assert.equal(r.status, 200)
  const cells = [...r.body.matchAll(/<tr class="quark-grid-row" id="thing_(\d+)"><td>([^<]*)<\/td><td>(\d+)<\/td><td><span class="dbl">(\d+)<\/span><\/td>/g)].map((m) => [m[2], Number(m[3]), Number(m[4])])
  assert.deepEqual(cells, [['SHELF', 7, 14], ['BED', 6, 12], ['SOFA', 5, 10], ['DESK', 4, 8], ['TABLE', 3, 6]])
  assert.match(r.body, /5 records found/)
  for (const cls of ['quark-edit', 'quark-view', 'quark-new', 'quark-csv', 'quark-grid-search']) assert.doesNotMatch(r.body, new RegExp(cls))
  // delete only where deletable(row) is true
  const deletes = [...r.body.matchAll(/href="(\/shop\/default\/gridflags\/delete\/thing\/(\d+)\?_signature=[0-9a-f]+)"/g)]
  assert.deepEqual(deletes.map((m) => Number(m[2])).sort(), [6, 7])
  // csv:false ignores the export var
  const csv = await a.request('/shop/default/gridflags?_export_type=csv')
  assert.match(String(csv.headers['content-type']), /text\/html/)
  // the signed delete page shows a confirmation form; an edit URL (not signed) is refused
  const del = await a.request(deletes[0]![1]!.replace(/&amp;/g, '&'))
  assert.equal(del.status, 200)
  assert.match(del.body, /Delete record #\d+\?/)
  assert.equal((await a.request('/shop/default/gridflags/edit/thing/7')).status, 403)
  assert.equal((await a.request('/shop/default/gridflags/new/thing')).status, 403)
})

// issue 16: the grid's CSV export against spreadsheet formula injection, and its search against NUL patterns
const CSV_APP = {
  'models/db.ts': `
export const db = new DAL('sqlite://storage.sqlite')
db.defineTable('note', Field('name', 'string'), Field('qty', 'integer'))
`,
  'controllers/default.ts': `
const ROWS: Array<[string, number]> = [
  ['=HYPERLINK("http://evil.example/")', 1], ['+SUM(1)', 2], ['-1+2', 3], ['@cmd', 4], ['\\tTAB', 5], ['\\r=CR', 6],
  ['plain', -5], ['a\\u0000zzzz', 7], ['zzzz', 8], ['100%', 9], ['a_b', 10], ['axb', 11],
]
export async function seed() { for (const [name, qty] of ROWS) await db.note.insert({ name, qty }); return 'SEEDED' }
export async function grid() { return String(await SQLFORM.grid(db.note, { paginate: 50 })) }
export async function rawgrid() { return String(await SQLFORM.grid(db.note, { paginate: 50, exportRaw: true })) }
`,
}

test('grid CSV export neutralises formula cells (OWASP), numbers stay numbers; exportRaw gives the cells as stored (issue 16, defect 5)', async () => {
  const c = await startServer({ apps: { notes: CSV_APP } })
  try {
    const a = c.agent()
    assert.equal((await a.request('/notes/default/seed')).body, 'SEEDED')
    const safe = await a.request('/notes/default/grid?_export_type=csv')
    assert.equal(safe.status, 200)
    assert.match(String(safe.headers['content-type']), /text\/csv/)
    const cells = parseCsv(safe.body).flat()
    for (const cell of cells) assert.ok(!/^[=+\-@\t\r]/.test(cell) || /^-?\d+$/.test(cell), `a spreadsheet would run ${JSON.stringify(cell)}`)
    for (const quoted of [`"'=HYPERLINK(""http://evil.example/"")"`, `"'+SUM(1)"`, `"'-1+2"`, `"'@cmd"`, `"'\tTAB"`, `"'\r=CR"`]) {
      assert.ok(safe.body.includes(quoted), `${JSON.stringify(quoted)} in ${JSON.stringify(safe.body)}`)
    }
    assert.ok(cells.includes('-5'), 'a negative number is no formula')
    const raw = parseCsv((await a.request('/notes/default/rawgrid?_export_type=csv')).body).flat()
    for (const stored of ['=HYPERLINK("http://evil.example/")', '+SUM(1)', '-1+2', '@cmd', '\tTAB', '\r=CR']) assert.ok(raw.includes(stored), stored)
  } finally { await c.stop() }
})

test('grid search: a NUL in the keywords finds only values holding one, % and _ are literal (issue 16, defect 3)', async () => {
  const c = await startServer({ apps: { notes: CSV_APP } })
  try {
    const a = c.agent()
    await a.request('/notes/default/seed')
    const found = async (keywords: string) => {
      const r = await a.request(`/notes/default/grid?keywords=${keywords}`)
      assert.equal(r.status, 200, r.body.slice(0, 300))
      return [...r.body.matchAll(/<tr class="quark-grid-row" id="note_(\d+)">/g)].length
    }
    assert.equal(await found(''), 12)
    // SQLite cut the pattern at the NUL: %00zzzz searched for "" and listed every row
    assert.equal(await found('%00zzzz'), 1)
    assert.equal(await found('%00'), 1)
    // (SQLite's own LIKE reads a stored value only up to a NUL: 'a\0zzzz' is not found by 'zzzz' there; MySQL finds it)
    assert.equal(await found('zzzz'), 1)
    assert.equal(await found('%25'), 1)
    assert.equal(await found('_'), 1)
    assert.equal(await found('note.name%20contains%20%00'), 1)
  } finally { await c.stop() }
})
