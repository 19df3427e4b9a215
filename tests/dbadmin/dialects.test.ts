// The query box and browse on real PostgreSQL and MariaDB: the same text gives
// the same rows; break-out attempts are refused and the table stays intact.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createTestDatabase, testDatabaseName, type TestDatabase } from '../helpers/databases'
import { DAL, Field, closeAllConnections } from '../../server/dal'
import { parseQuery, browse, tableSummaries } from '../../server/dbadmin'

const name = testDatabaseName('dbadmin')
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-dbadmin-dialects-'))
const databases: TestDatabase[] = []

after(async () => {
  await closeAllConnections()
  for (const d of databases) await d.drop()
  fs.rmSync(folder, { recursive: true, force: true })
})

async function exercise(uri: string) {
  const db: any = new DAL(uri, { folder })
  db.defineTable('thing', Field('name', 'string'), Field('value', 'integer'))
  for (const [n, v] of [['apple', 1], ['avocado', 5], ['banana', 7]] as const) await db.thing.insert({ name: n, value: v })
  const p = parseQuery(db, "thing.value > 3 and thing.name like 'a%'")
  assert.deepEqual([...await db(p.query).select(db.thing.name)].map((r: any) => r.name), ['avocado'])
  const page = await browse(db, db.thing, { query: parseQuery(db, 'thing.value >= 1').query, orderby: 'name', desc: true, pageSize: 2, page: 2 })
  assert.deepEqual(page.rows.map((r) => r.name), ['apple'])
  assert.equal(page.pages, 2)
  for (const bad of ["thing.name = 'x'; DROP TABLE thing", 'thing.value > 0 -- x', "thing.name = 'a' or 'x'='x'"]) {
    assert.throws(() => parseQuery(db, bad), /Invalid query text/)
  }
  assert.equal(await db(parseQuery(db, "thing.name = 'x''; DROP TABLE thing; --'").query).count(), 0, 'a quote inside a string is data')
  assert.deepEqual((await tableSummaries(db)).map((t) => [t.name, t.count]), [['thing', 3]])
}

test('PostgreSQL', async () => {
  const d = await createTestDatabase('postgres', '', name); databases.push(d)
  await exercise(d.uri)
})

test('MariaDB', async () => {
  const d = await createTestDatabase('mysql', '', name); databases.push(d)
  await exercise(d.uri)
})
