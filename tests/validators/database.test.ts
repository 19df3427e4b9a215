// IS_IN_DB / IS_NOT_IN_DB against real databases through the DAL's public API:
// SQLite in a temp folder, PostgreSQL (127.0.0.1:5432) and MariaDB (127.0.0.1:3306), each a database made for the run.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createTestDatabase, testDatabaseName, type TestDatabase } from '../helpers/databases'
import { DAL, Field, closeAllConnections } from '../../server/dal/index'
import { IS_IN_DB, IS_NOT_IN_DB, IS_EMPTY_OR, IS_NOT_EMPTY, validateAll, type DbLike } from '../../server/validators/index'

const pgName = testDatabaseName('validators')
const databases: TestDatabase[] = []
const folders: string[] = []

async function openDb(kind: 'sqlite' | 'postgres' | 'mysql'): Promise<DbLike> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-validators-db-'))
  folders.push(folder)
  const uri = kind === 'sqlite' ? 'sqlite://storage.sqlite' : kind === 'postgres' ? `postgres://postgres@127.0.0.1:5432/${pgName}` : `mysql://root@127.0.0.1:3306/${pgName}`
  const db: any = new DAL(uri, { folder })
  db.defineTable('person', Field('name', 'string'), Field('email', 'string'), { format: '%(name)s' })
  db.defineTable('tag', Field('label', 'string'))
  for (const [name, email] of [['Bob', 'bob@x.com'], ['ann', 'ann@x.com'], ['Carl', 'carl@x.com']]) await db.person.insert({ name, email })
  await db.tag.insert({ label: 'red' })
  return db as DbLike
}

before(async () => {
  databases.push(await createTestDatabase('postgres', '', pgName), await createTestDatabase('mysql', '', pgName))
})
after(async () => {
  await closeAllConnections()
  for (const d of databases) await d.drop()
  for (const f of folders) fs.rmSync(f, { recursive: true, force: true })
})

for (const kind of ['sqlite', 'postgres', 'mysql'] as const) {
  describe(`IS_IN_DB / IS_NOT_IN_DB on ${kind}`, () => {
    let db: DbLike
    before(async () => { db = await openDb(kind) })

    test('IS_IN_DB accepts existing ids (as numbers) and rejects others', async () => {
      const v = IS_IN_DB(db, 'person.id')
      assert.deepEqual(await v.validate('1'), [1, null])
      assert.deepEqual(await v.validate(3), [3, null])
      assert.deepEqual(await v.validate('99'), ['99', 'Value not in database'])
      assert.deepEqual(await v.validate('abc'), ['abc', 'Value not in database'])
      assert.deepEqual(await v.validate(''), ['', 'Value not in database'])
      assert.deepEqual(await v.validate(null), [null, 'Value not in database'])
    })

    test('IS_IN_DB on a text field, custom message', async () => {
      const v = IS_IN_DB(db, 'person.email', null, { errorMessage: 'Unknown e-mail' })
      assert.deepEqual(await v.validate('ann@x.com'), ['ann@x.com', null])
      assert.deepEqual(await v.validate('zed@x.com'), ['zed@x.com', 'Unknown e-mail'])
      assert.deepEqual(await v.validate("x' OR '1'='1"), ["x' OR '1'='1", 'Unknown e-mail'], 'parameterised, not injected')
    })

    test('IS_IN_DB options: table format, label template or function, zero, orderby', async () => {
      assert.deepEqual(await IS_IN_DB(db, 'person.id').options(), [['', ''], ['2', 'ann'], ['1', 'Bob'], ['3', 'Carl']])
      assert.deepEqual(await IS_IN_DB(db, 'person.id', '%(name)s <%(email)s>', { zero: 'Pick' }).options(),
        [['', 'Pick'], ['2', 'ann <ann@x.com>'], ['1', 'Bob <bob@x.com>'], ['3', 'Carl <carl@x.com>']])
      const byId = await IS_IN_DB(db, 'person.id', (r) => String(r.name).toUpperCase(), { orderby: db.person.id, zero: null }).options()
      assert.deepEqual(byId, [['1', 'BOB'], ['2', 'ANN'], ['3', 'CARL']])
      assert.deepEqual(await IS_IN_DB(db, 'tag.id').options(false), [['1', '1']], 'no format: the key itself')
      assert.deepEqual(await IS_IN_DB(db, 'tag.id', '%(label)s').options(false), [['1', 'red']])
      assert.deepEqual(await IS_IN_DB(db, 'person.id', null, { multiple: true }).options(), [['2', 'ann'], ['1', 'Bob'], ['3', 'Carl']])
      const eo = IS_EMPTY_OR(IS_IN_DB(db, 'person.id', null, { zero: null }))
      assert.deepEqual(await eo.options!(), [['', ''], ['2', 'ann'], ['1', 'Bob'], ['3', 'Carl']])
    })

    test('IS_IN_DB multiple: every value must exist, bounds on the count', async () => {
      const v = IS_IN_DB(db, 'person.id', null, { multiple: true })
      assert.deepEqual(await v.validate(['1', '3']), [[1, 3], null])
      assert.deepEqual(await v.validate('2'), [[2], null])
      assert.deepEqual(await v.validate([]), [[], null])
      assert.deepEqual(await v.validate(['1', '1']), [[1, 1], null])
      assert.deepEqual(await v.validate(['1', '42']), [['1', '42'], 'Value not in database'])
      const bounded = IS_IN_DB(db, 'person.id', null, { multiple: [1, 3] })
      assert.deepEqual(await bounded.validate([]), [[], 'Value not in database'])
      assert.deepEqual(await bounded.validate(['1', '2', '3']), [['1', '2', '3'], 'Value not in database'])
      assert.deepEqual(await bounded.validate(['1', '2']), [[1, 2], null])
    })

    test('IS_NOT_IN_DB: unique values, empty refused, own record allowed on update', async () => {
      const v = IS_NOT_IN_DB(db, 'person.email')
      assert.deepEqual(await v.validate('new@x.com'), ['new@x.com', null])
      assert.deepEqual(await v.validate('ann@x.com'), ['ann@x.com', 'Value already in database or empty'])
      assert.deepEqual(await v.validate('   '), ['   ', 'Value already in database or empty'])
      assert.deepEqual(await v.validate(null), [null, 'Value already in database or empty'])
      assert.deepEqual(await v.validate('ann@x.com', 2), ['ann@x.com', null], 'record 2 is ann: updating it keeps its e-mail')
      assert.deepEqual(await v.validate('ann@x.com', 1), ['ann@x.com', 'Value already in database or empty'])
      const o = IS_NOT_IN_DB(db, 'person.email', { allowedOverride: ['ann@x.com'], errorMessage: 'Taken' })
      assert.deepEqual(await o.validate('ann@x.com'), ['ann@x.com', null])
      assert.deepEqual(await o.validate('bob@x.com'), ['bob@x.com', 'Taken'])
      assert.deepEqual(await IS_NOT_IN_DB(db, db.person.name).validate('Bob'), ['Bob', 'Value already in database or empty'])
    })

    test('in a chain: validateAll becomes asynchronous and stops at the first error', async () => {
      const chain = [IS_NOT_EMPTY(), IS_NOT_IN_DB(db, 'person.name')]
      assert.deepEqual(await validateAll(chain, 'Dora'), ['Dora', null])
      assert.deepEqual(await validateAll(chain, 'Carl'), ['Carl', 'Value already in database or empty'])
      assert.deepEqual(validateAll(chain, ''), ['', 'Enter a value'], 'synchronous when a synchronous validator fails first')
    })

    test('unknown tables or fields fail when the validator is defined', () => {
      assert.throws(() => IS_IN_DB(db, 'nothing.id'), /QK_VALIDATORS_NO_DATABASE|needs a DAL/)
      assert.throws(() => IS_NOT_IN_DB(db, 'person.nothing'), /needs a DAL/)
    })
  })
}
