/**
 * SQLFORM.grid options over HTTP: a base query, orderby, represent, links,
 * and the editable / deletable / create / details / csv / searchable flags
 * (hidden buttons, and actions refused even with a valid signature).
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'
import { FORMS_APP } from './app'

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
