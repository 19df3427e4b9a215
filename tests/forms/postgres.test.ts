/**
 * The same forms and grid on PostgreSQL (a database created for the run and
 * dropped after): SQLFORM create / update with IS_IN_DB selects, grid
 * search, sort, paging and CSV.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import pg from 'pg'
import { startServer, type TestServer } from '../helpers/server'
import { FORMS_APP, formKey } from './app'

const name = `quark_forms_${crypto.randomBytes(5).toString('hex')}`
const admin = () => new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' })
let s: TestServer

before(async () => {
  const c = admin(); await c.connect(); await c.query(`CREATE DATABASE ${name}`); await c.end()
  const app = { ...FORMS_APP, 'models/db.ts': FORMS_APP['models/db.ts'].replace('sqlite://storage.sqlite', `postgres://postgres@127.0.0.1:5432/${name}`) }
  s = await startServer({ apps: { shop: app } })
})
after(async () => {
  await s?.stop()
  const c = admin(); await c.connect(); await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); await c.end()
})

test('SQLFORM and grid on PostgreSQL', async () => {
  const a = s.agent()
  assert.equal((await a.request('/shop/default/seed')).body, 'SEEDED')
  const page = await a.request('/shop/default/create')
  assert.match(page.body, /<option value="1">Ann<\/option><option value="2">Bob<\/option>/)
  const ok = await a.request('/shop/default/create', { form: { name: 'Vase', qty: '8', kind: 'b', owner: '2', _formname: 'thing/create', _formkey: formKey(page.body) } })
  assert.match(ok.body, /^CREATED \d+$/)
  const id = Number(ok.body.split(' ')[1])
  const edit = await a.request(`/shop/default/edit/${id}`)
  assert.match(edit.body, /<option selected="selected" value="2">Bob<\/option>/)
  const hash = /name="_record_hash" type="hidden" value="([0-9a-f]+)"/.exec(edit.body)![1]!
  const up = await a.request(`/shop/default/edit/${id}`, { form: { name: 'Urn', qty: '9', kind: 'b', owner: '1', _formname: `thing/${id}`, _formkey: formKey(edit.body), _record_hash: hash } })
  assert.equal(up.body, `UPDATED ${id}`)
  const bad = await a.request('/shop/default/create', { form: { name: 'X', qty: '1', kind: 'a', owner: '999', _formname: 'thing/create', _formkey: formKey((await a.request('/shop/default/create')).body) } })
  assert.match(bad.body, /id="owner__error">Value not in database</)
  const grid = await a.request('/shop/default/grid?order=~thing.qty&keywords=a')
  assert.match(grid.body, /records found/)
  const names = [...grid.body.matchAll(/<tr class="quark-grid-row" id="thing_\d+"><td>([^<]*)<\/td>/g)].map((m) => m[1])
  assert.deepEqual(names, ['Shelf', 'Sofa', 'Table'])
  const csv = await a.request('/shop/default/grid?_export_type=csv')
  assert.match(csv.body, new RegExp(`\\r\\n${id},Urn,9,b,1\\r\\n`))
})
