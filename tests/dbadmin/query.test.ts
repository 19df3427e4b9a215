// The query box parser against a real SQLite database: valid text becomes a
// DAL query with parameters; break-out attempts are refused and change nothing.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DAL, Field } from '../../server/dal'
import { parseQuery, browse } from '../../server/dbadmin'

let dir: string
let db: any

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-dbadmin-q-'))
  db = new DAL('sqlite://q.sqlite', { folder: dir })
  db.defineTable('thing', Field('name', 'string'), Field('value', 'integer'))
  db.defineTable('other', Field('label', 'string'))
  for (const [name, value] of [['apple', 1], ['avocado', 5], ['banana', 7], ["o'hara", 9]] as const) await db.thing.insert({ name, value })
})
after(() => fs.rmSync(dir, { recursive: true, force: true }))

async function ids(text: string): Promise<number[]> {
  const p = parseQuery(db, text)
  const set = p.query ? db(p.query) : db(p.table)
  return [...await set.select(db.thing.id, { orderby: db.thing.id })].map((r: any) => r.id)
}

test('comparisons joined by and / or / not, with parentheses', async () => {
  assert.deepEqual(await ids("thing.value > 3 and thing.name like 'a%'"), [2])
  assert.deepEqual(await ids('thing.value >= 7 or thing.value = 1'), [1, 3, 4])
  assert.deepEqual(await ids('not (thing.value < 5)'), [2, 3, 4])
  assert.deepEqual(await ids('db.thing.value != 5 & thing.value <= 7'), [1, 3])
  assert.deepEqual(await ids('thing.id belongs (1, 3)'), [1, 3])
  assert.deepEqual(await ids('thing'), [1, 2, 3, 4])
  assert.deepEqual(await ids("thing.name = 'o''hara'"), [4])
  assert.deepEqual(await ids('thing.name is not null and thing.value > -1'), [1, 2, 3, 4])
  assert.equal(parseQuery(db, 'thing').query, null)
  assert.equal(parseQuery(db, 'other.label = 1').table._tablename, 'other')
})

test('values are parameters: quotes inside a string stay data', async () => {
  const p = parseQuery(db, "thing.name = 'x'' OR 1=1 --'")
  assert.equal((p.query as any).right, "x' OR 1=1 --")
  assert.deepEqual(await ids("thing.name = 'x'' OR 1=1 --'"), [])
})

const refused: [string, RegExp][] = [
  ['thing.value > 3; DROP TABLE thing', /';'/],
  ["thing.name = 'a'; DELETE FROM thing", /';'/],
  ['thing.value > 3 -- comment', /comments/],
  ['thing.value > 3 /* x */', /comments/],
  ["thing.name = 'a' or '1'='1'", /must start with table\.field/],
  ["thing.name = 'unterminated", /unterminated string/],
  ['secret.value > 3', /unknown table "secret"/],
  ['thing.password = 1', /has no field "password"/],
  ['thing.value > 3 union select 1', /unexpected "union"/],
  ['thing.value sounds 3', /unknown operator/],
  ['', /empty query/],
  ['sqlite_master.name = 1', /unknown table/],
  ['thing.value > 3 `x`', /unexpected character/],
  ['thing.id=1e309', /the number 1e309 at position 10 is out of range/],
  ['thing.value < -1e999', /out of range/],
]

for (const [text, re] of refused) {
  test(`refused with a clear message: ${JSON.stringify(text)}`, async () => {
    assert.throws(() => parseQuery(db, text), (e: any) => e.code === 'QK_DBADMIN_QUERY' && re.test(e.message))
    assert.equal(await db(db.thing).count(), 4, 'nothing changed')
  })
}

test('browse: paging, sorting by a real field only, SQL shown', async () => {
  const p1 = await browse(db, db.thing, { query: null, orderby: 'value', desc: true, page: 1, pageSize: 3 })
  assert.deepEqual(p1.rows.map((r) => r.value), [9, 7, 5])
  assert.equal(p1.pages, 2)
  assert.match(p1.sql, /ORDER BY .*value.* DESC/i)
  const p2 = await browse(db, db.thing, { query: null, orderby: 'value', desc: true, page: 2, pageSize: 3 })
  assert.deepEqual(p2.rows.map((r) => r.value), [1])
  await assert.rejects(browse(db, db.thing, { query: null, orderby: 'value; drop table thing' }), /cannot sort/)
})
