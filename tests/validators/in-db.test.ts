// Issue 16: IS_IN_DB with multiple and delimiter, the table's format in its
// options, a DAL set as its first argument, auto_add, _and; hostile values
// answered with the message on every database (SQLite, PostgreSQL, MariaDB).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createTestDatabase, testDatabaseName, type TestDatabase } from '../helpers/databases'
import { DAL, Field, closeAllConnections } from '../../server/dal/index'
import { isQuarkError } from '../../server/errors/index'
import { IS_IN_DB, IS_NOT_IN_DB, IS_INT_IN_RANGE, validateAll, type DbLike, type ValidationResult } from '../../server/validators/index'

const name = testDatabaseName('validators_indb')
const databases: TestDatabase[] = []
const folders: string[] = []
const MSG = 'Value not in database'

async function openDb(kind: 'sqlite' | 'postgres' | 'mysql'): Promise<any> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-validators-indb-'))
  folders.push(folder)
  const uri = kind === 'sqlite' ? 'sqlite://storage.sqlite' : kind === 'postgres' ? `postgres://postgres@127.0.0.1:5432/${name}` : `mysql://root@127.0.0.1:3306/${name}`
  const db: any = new DAL(uri, { folder })
  db.defineTable('person', Field('name', 'string'), Field('email', 'string'), Field('active', 'boolean'), { format: '%(name)s' })
  db.defineTable('team', Field('title', 'string'), { format: (r: any) => `Team ${r.title}` })
  db.defineTable('colour', Field('label', 'string', { length: 20 }), Field('active', 'boolean', { default: true }), { format: '%(label)s' })
  db.defineTable('tag', Field('label', 'string'))
  for (const [n, email, active] of [['Bob', 'bob@x.com', true], ['ann', 'ann@x.com', false], ['Carl', 'carl@x.com', true]] as const) {
    await db.person.insert({ name: n, email, active })
  }
  await db.team.insert({ title: 'Blue' })
  await db.team.insert({ title: 'Amber' })
  await db.colour.insert({ label: 'red', active: true })
  await db.colour.insert({ label: 'grey', active: false })
  // 1200 tags, so that a list of every id needs several `belongs` queries
  await db.tag.bulkInsert(Array.from({ length: 1200 }, (_x, i) => ({ label: `t${i + 1}` })))
  return db
}

before(async () => {
  databases.push(await createTestDatabase('postgres', '', name), await createTestDatabase('mysql', '', name))
})
after(async () => {
  await closeAllConnections()
  for (const d of databases) await d.drop()
  for (const f of folders) fs.rmSync(f, { recursive: true, force: true })
})

const badArgument = (e: unknown) => isQuarkError(e) && e.code === 'QK_VALIDATORS_BAD_ARGUMENT'

for (const kind of ['sqlite', 'postgres', 'mysql'] as const) {
  describe(`IS_IN_DB (issue 16) on ${kind}`, () => {
    let db: any
    before(async () => { db = await openDb(kind) })

    test("the table's format labels the options, however the key is named", async () => {
      const people = [['', ''], ['2', 'ann'], ['1', 'Bob'], ['3', 'Carl']]
      assert.deepEqual(await IS_IN_DB(db, 'person.id').options(), people)
      assert.deepEqual(await IS_IN_DB(db, 'person').options(), people)
      assert.deepEqual(await IS_IN_DB(db, db.person).options(), people)
      assert.deepEqual(await IS_IN_DB(db, db.person.id).options(), people)
      assert.deepEqual(await IS_IN_DB(db, db.team).options(false), [['2', 'Team Amber'], ['1', 'Team Blue']], 'a format function')
      // a key other than id shows itself, as web2py does; a 'table.field' or Field label names the shown field
      assert.deepEqual(await IS_IN_DB(db, 'person.email').options(false), [['ann@x.com', 'ann@x.com'], ['bob@x.com', 'bob@x.com'], ['carl@x.com', 'carl@x.com']])
      assert.deepEqual(await IS_IN_DB(db, 'person.id', 'person.email').options(false), [['2', 'ann@x.com'], ['1', 'bob@x.com'], ['3', 'carl@x.com']])
      assert.deepEqual(await IS_IN_DB(db, 'person.id', db.person.email).options(false), [['2', 'ann@x.com'], ['1', 'bob@x.com'], ['3', 'carl@x.com']])
      assert.deepEqual(await IS_IN_DB(db, 'person.id', null, { orderby: db.person.id, zero: 'Pick' }).options(), [['', 'Pick'], ['1', 'Bob'], ['2', 'ann'], ['3', 'Carl']])
      // distinct options: only the label's fields and the key are selected, so repeated values collapse
      assert.deepEqual(await IS_IN_DB(db, 'colour.active', '%(active)s', { distinct: true, orderby: db.colour.active, zero: null }).options(), [['false', 'False'], ['true', 'True']], 'labels print as Python would')
      assert.throws(() => IS_IN_DB(db, 'person.id', 42 as any), badArgument)
    })

    test('a DAL set as the first argument limits the values and the options to the set', async () => {
      const active = db(db.person.active.eq(true))
      const v = IS_IN_DB(active, 'person.id')
      assert.deepEqual(await v.validate('1'), [1, null])
      assert.deepEqual(await v.validate('3'), [3, null])
      assert.deepEqual(await v.validate('2'), ['2', MSG], 'ann is not active')
      assert.deepEqual(await v.options(), [['', ''], ['1', 'Bob'], ['3', 'Carl']])
      const many = IS_IN_DB(active, db.person, null, { multiple: true })
      assert.deepEqual(await many.validate(['1', '3']), [[1, 3], null])
      assert.deepEqual(await many.validate(['1', '2']), [['1', '2'], MSG])
      assert.deepEqual(await IS_IN_DB(active, 'person.email').validate('ann@x.com'), ['ann@x.com', MSG])
      // IS_NOT_IN_DB over a set: unique among the set only
      assert.deepEqual(await IS_NOT_IN_DB(active, 'person.email').validate('ann@x.com'), ['ann@x.com', null])
      assert.deepEqual(await IS_NOT_IN_DB(active, 'person.email').validate('bob@x.com'), ['bob@x.com', 'Value already in database or empty'])
      assert.throws(() => IS_IN_DB({ where: 1 } as any, 'person.id'), (e) => isQuarkError(e) && e.code === 'QK_VALIDATORS_NO_DATABASE')
    })

    test('multiple with a delimiter splits the text an autocomplete sends', async () => {
      const v = IS_IN_DB(db, 'person.id', null, { multiple: true, delimiter: ',' })
      assert.equal(v.multiple, true, 'the widget renders a multiple select')
      assert.deepEqual(await v.validate('1,3'), [[1, 3], null])
      assert.deepEqual(await v.validate(' 1 , 3 ,'), [[1, 3], null])
      assert.deepEqual(await v.validate(['2']), [[2], null])
      assert.deepEqual(await v.validate(''), [[], null])
      assert.deepEqual(await v.validate('1,99'), ['1,99', MSG])
      assert.deepEqual(await v.validate('1;3'), ['1;3', MSG], 'another separator is part of the value')
      const names = IS_IN_DB(db, 'person.name', null, { multiple: [1, 3], delimiter: '|' })
      assert.deepEqual(await names.validate('Bob|Carl'), [['Bob', 'Carl'], null])
      assert.deepEqual(await names.validate('Bob|Carl|ann'), ['Bob|Carl|ann', MSG], 'three is over the bound')
      assert.deepEqual(await names.validate('Bob|Zed'), ['Bob|Zed', MSG])
      // without a delimiter the text is one value
      assert.deepEqual(await IS_IN_DB(db, 'person.id', null, { multiple: true }).validate('1,3'), ['1,3', MSG])
    })

    test('multiple: a huge list is checked in chunks, below every dialect\'s parameter limit', async () => {
      const v = IS_IN_DB(db, 'tag.id', null, { multiple: true })
      const all = Array.from({ length: 1200 }, (_x, i) => String(i + 1))
      const [ok, err] = await v.validate(all)
      assert.equal(err, null)
      assert.deepEqual((ok as number[]).slice(0, 3), [1, 2, 3])
      assert.equal((ok as number[]).length, 1200)
      const missing = [...all, '1201']
      assert.deepEqual(await v.validate(missing), [missing, MSG])
      const hostile = Array.from({ length: 70_000 }, (_x, i) => String(i + 1))
      assert.deepEqual(await v.validate(hostile), [hostile, MSG], 'more values than PostgreSQL takes parameters in one query')
      const repeated = '1,'.repeat(100_000)
      const [same, e2] = await IS_IN_DB(db, 'tag.id', null, { multiple: true, delimiter: ',' }).validate(repeated)
      assert.equal(e2, null)
      assert.equal((same as number[]).length, 100_000)
    })

    test('auto_add inserts a missing value into the referenced table and returns its id', async () => {
      const v = IS_IN_DB(db, 'colour.id', null, { autoAdd: true })
      const before = await db(db.colour).count()
      const [id, err] = await v.validate('blue')
      assert.equal(err, null)
      assert.equal(typeof id, 'number')
      assert.equal((await db.colour.get(id)).label, 'blue')
      assert.deepEqual(await v.validate('  blue '), [id, null], 'found again, not inserted twice')
      assert.deepEqual(await v.validate('red'), [1, null], 'an existing label gives its id')
      assert.deepEqual(await v.validate('1'), [1, null], 'an id is still an id')
      assert.equal(await db(db.colour).count(), before + 1)
      assert.deepEqual(await v.validate(''), ['', MSG])
      assert.deepEqual(await v.validate('   '), ['   ', MSG])
      assert.deepEqual(await v.validate('x'.repeat(21)), ['x'.repeat(21), MSG], 'longer than the field holds')
      assert.deepEqual(await v.validate('a\u0000b'), ['a\u0000b', MSG])
      assert.deepEqual(await v.validate({}), [{}, MSG])
      assert.equal(await db(db.colour).count(), before + 1, 'nothing inserted for refused values')
      const many = IS_IN_DB(db, 'colour.id', '%(label)s', { multiple: true, auto_add: true, delimiter: ',' })
      const [ids, e2] = await many.validate('red, green, blue')
      assert.equal(e2, null)
      assert.deepEqual([(ids as number[])[0], (ids as number[])[2]], [1, id])
      assert.equal((await db.colour.get((ids as number[])[1])).label, 'green')
      assert.deepEqual(await IS_IN_DB(db, 'colour.id', null, { multiple: [1, 2], autoAdd: true }).validate(['violet', 'pink']), [['violet', 'pink'], MSG])
      assert.equal(await db(db.colour.label.belongs(['violet', 'pink'])).count(), 0, 'a list over the bound adds nothing')
      // within a set, a row outside it is refused even when auto_add finds it
      const activeOnly = IS_IN_DB(db(db.colour.active.eq(true)), 'colour.id', null, { autoAdd: true })
      assert.deepEqual(await activeOnly.validate('grey'), ['grey', MSG])
      assert.deepEqual(await activeOnly.validate('red'), [1, null])
      // nothing names the field to fill: refused when the validator is made
      assert.throws(() => IS_IN_DB(db, 'colour.id', (r) => String(r.label), { autoAdd: true }), badArgument)
      assert.throws(() => IS_IN_DB(db, 'tag.id', null, { autoAdd: true }), badArgument)
    })

    test('_and chains another validator once the value is in the database', async () => {
      const v = IS_IN_DB(db, 'person.id', null, { _and: IS_INT_IN_RANGE(1, 3) })
      assert.deepEqual(await v.validate('2'), [2, null])
      assert.deepEqual(await v.validate('3'), ['3', 'Enter an integer between 1 and 2'])
      assert.deepEqual(await v.validate('99'), ['99', MSG], 'the database is asked first')
      const asyncAnd = IS_IN_DB(db, 'person.id', null, { _and: [{ validate: async (x: unknown): Promise<ValidationResult> => (x === 1 ? [x, 'Bob is busy'] : [`#${x}`, null]) }] })
      assert.deepEqual(await asyncAnd.validate('3'), ['#3', null])
      assert.deepEqual(await asyncAnd.validate('1'), ['1', 'Bob is busy'])
      const withNotInDb = IS_IN_DB(db, 'person.id', null, { _and: IS_NOT_IN_DB(db, 'team.id') })
      assert.deepEqual(await withNotInDb.validate('3'), ['3', null], 'IS_NOT_IN_DB gives text, as in web2py')
      assert.deepEqual(await withNotInDb.validate('1'), ['1', 'Value already in database or empty'])
      assert.deepEqual(await validateAll([IS_IN_DB(db, 'person.id', null, { _and: IS_INT_IN_RANGE(1, 3) })], '1'), [1, null])
      assert.throws(() => IS_IN_DB(db, 'person.id', null, { multiple: true, _and: IS_INT_IN_RANGE(1, 3) }), badArgument)
    })

    test('hostile values get the message, never a database error', async () => {
      const byId = IS_IN_DB(db, 'person.id')
      for (const bad of ['1e309', '1e3', '__proto__', 'constructor', '١', '１', '-1', '+1', ' 1', '1.0', '0x1', '99999999999', '2147483648', '9007199254740993', 'NaN', '1\u00002']) {
        assert.deepEqual(await byId.validate(bad), [bad, MSG], JSON.stringify(bad))
      }
      for (const bad of [NaN, Infinity, 1.5, 2 ** 40, 10n ** 20n, true, {}, [1], [[1]], Symbol.for('x'), () => 1]) {
        assert.deepEqual(await byId.validate(bad), [bad, MSG], String(typeof bad))
      }
      const byText = IS_IN_DB(db, 'person.name')
      for (const bad of ['Bob\u0000', '__proto__', 'x'.repeat(100_000), "' OR 1=1 --", {}, ['Bob'], NaN]) {
        assert.deepEqual(await byText.validate(bad), [bad, MSG], typeof bad === 'string' ? JSON.stringify(bad.slice(0, 20)) : String(bad))
      }
      const many = IS_IN_DB(db, 'person.id', null, { multiple: true })
      for (const bad of [['1', '1e309'], ['1', {}], [['1']], ['1', null], { 0: '1', length: 1 }]) {
        assert.deepEqual(await many.validate(bad), [bad, MSG], JSON.stringify(bad))
      }
      assert.deepEqual(await IS_NOT_IN_DB(db, 'person.email').validate('a\u0000b'), ['a\u0000b', 'Value already in database or empty'])
    })
  })
}

test('IS_IN_DB refuses what is neither a DAL nor a DAL set', () => {
  for (const bad of [null, undefined, 42, 'db', {}, { where() { return this } }]) {
    assert.throws(() => IS_IN_DB(bad as unknown as DbLike, 'person.id'), (e) => isQuarkError(e) && e.code === 'QK_VALIDATORS_NO_DATABASE', String(bad))
  }
})
