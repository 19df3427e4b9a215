// The grid's search-field list (#25 item 6): "All fields" is its first choice
// and selected until a field is picked; a value with "All fields" is looked
// for in every field; a picked field stays selected.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'

let s: TestServer
before(async () => {
  s = await startServer({
    apps: {
      shop: {
        'models/db.ts': "export const db = new DAL('sqlite://storage.sqlite')\ndb.defineTable('note', Field('name', 'string'), Field('kind', 'string'), Field('qty', 'integer'))\n",
        'controllers/default.ts': [
          "export async function seed() { for (const [name, kind, qty] of [['Chair', 'wood', 3], ['Lamp', 'metal', 5], ['Desk', 'oak', 7]] as const) await db.note.insert({ name, kind, qty }); return 'SEEDED' }",
          'export async function grid() { return String(await SQLFORM.grid(db.note, { paginate: 50 })) }',
        ].join('\n'),
      },
    },
  })
  assert.equal((await s.request('/shop/default/seed')).body, 'SEEDED')
})
after(async () => { await s?.stop() })

const names = (body: string) => [...body.matchAll(/<tr class="quark-grid-row" id="note_\d+"><td>([^<]*)<\/td>/g)].map((m) => m[1]).sort()
const selectOf = (body: string) => /<select[^>]*name="qf"[^>]*>([\s\S]*?)<\/select>/.exec(body)?.[1] ?? ''

test('"All fields" is the first, preselected choice, and searches every field', async () => {
  const r = await s.request('/shop/default/grid')
  assert.equal(r.status, 200)
  assert.match(selectOf(r.body), /^<option selected="selected" value="">All fields<\/option>/)
  const all = await s.request('/shop/default/grid?qf=&qo=%3D%3D&qv=metal')
  assert.deepEqual(names(all.body), ['Lamp'], 'the value found in the kind field')
  const byName = await s.request('/shop/default/grid?qf=&qo=%3D%3D&qv=des')
  assert.deepEqual(names(byName.body), ['Desk'], 'and in the name field')
  const picked = await s.request('/shop/default/grid?qf=qty&qo=%3E%3D&qv=5')
  assert.deepEqual(names(picked.body), ['Desk', 'Lamp'])
  assert.match(selectOf(picked.body), /<option selected="selected" value="qty">/)
  assert.doesNotMatch(selectOf(picked.body), /<option selected="selected" value="">/, 'All fields no longer selected')
})
