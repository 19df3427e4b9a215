// The SQL each dialect generates for representative statements, written out.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { DAL, Field, closeAllConnections } from '../../server/dal'
import { createTableSql } from '../../server/dal/migrate'

after(() => closeAllConnections())

// no statement runs here: pools connect lazily, so the URIs need no server
function make(uri: string) {
  const db = new DAL(uri, { folder: '/nonexistent-quark-dal-folder' })
  db.defineTable('person', Field('name', 'string', { length: 64, notnull: true }), Field('age', 'integer'), Field('born', 'datetime'))
  db.defineTable('thing', Field('name'), Field('owner', 'reference person'), Field('price', 'decimal(10,2)'), Field('ok', 'boolean'))
  return db
}

const sqlite = make('sqlite://:memory:')
const pg = make('postgres://postgres@127.0.0.1:5432/quark_never_created')
const my = make('mysql://root@127.0.0.1:3306/quark_never_created')

test('select with where, orderby, limitby', () => {
  const q = (db: DAL) => db(db.person.age.gt(18).and(db.person.name.startsWith("O'B"))).select
  void q
  const sel = (db: DAL) => db(db.person.age.gt(18).and(db.person.name.startsWith("O'B")))._select(db.person.id, db.person.name, { orderby: db.person.name.desc(), limitby: [10, 30] })
  assert.equal(sel(sqlite), `SELECT "person"."id", "person"."name" FROM "person" WHERE (("person"."age" > 18) AND ("person"."name" GLOB 'O\\'B*')) ORDER BY "person"."name" DESC LIMIT 20 OFFSET 10`)
  assert.equal(sel(pg), `SELECT "person"."id", "person"."name" FROM "person" WHERE (("person"."age" > 18) AND ("person"."name" LIKE 'O\\'B%' ESCAPE '!')) ORDER BY "person"."name" DESC LIMIT 20 OFFSET 10`)
  assert.equal(sel(my), 'SELECT `person`.`id`, `person`.`name` FROM `person` WHERE ((`person`.`age` > 18) AND (`person`.`name` LIKE \'O\\\'B%\' ESCAPE \'!\')) ORDER BY `person`.`name` DESC LIMIT 20 OFFSET 10')
})

test('inner join by query, left join, count, group by/having', () => {
  const join = (db: DAL) => db(db.thing.owner.eq(db.person.id))._select(db.person.name, db.thing.name)
  assert.equal(join(sqlite), 'SELECT "person"."name", "thing"."name" FROM "thing", "person" WHERE ("thing"."owner" = "person"."id")')
  assert.equal(join(my), 'SELECT `person`.`name`, `thing`.`name` FROM `thing`, `person` WHERE (`thing`.`owner` = `person`.`id`)')
  const left = (db: DAL) => db(db.person)._select(db.person.name, db.thing.id.count().withAlias('n'),
    { left: db.thing.on(db.thing.owner.eq(db.person.id)), groupby: db.person.name, having: db.thing.id.count().gt(1) })
  assert.equal(left(pg), 'SELECT "person"."name", COUNT("thing"."id") FROM "person" LEFT JOIN "thing" ON ("thing"."owner" = "person"."id") GROUP BY "person"."name" HAVING (COUNT("thing"."id") > 1)')
  assert.equal(left(my), 'SELECT `person`.`name`, COUNT(`thing`.`id`) FROM `person` LEFT JOIN `thing` ON (`thing`.`owner` = `person`.`id`) GROUP BY `person`.`name` HAVING (COUNT(`thing`.`id`) > 1)')
  assert.equal(sqlite(sqlite.person.age.belongs([1, 2]))._count(), 'SELECT COUNT(*) FROM "person" WHERE ("person"."age" IN (1,2))')
  assert.equal(pg(pg.person.name.ilike('a%'))._count(), `SELECT COUNT(*) FROM "person" WHERE ("person"."name" ILIKE 'a%' ESCAPE '!')`)
  assert.equal(my(my.person.name.ilike('a%'))._count(), "SELECT COUNT(*) FROM `person` WHERE (LOWER(`person`.`name`) LIKE LOWER('a%') ESCAPE '!')")
  assert.equal(pg(pg.person.born.year().eq(2020))._count(), `SELECT COUNT(*) FROM "person" WHERE (CAST(EXTRACT(YEAR FROM "person"."born") AS INTEGER) = 2020)`)
  assert.equal(sqlite(sqlite.person.born.year().eq(2020))._count(), `SELECT COUNT(*) FROM "person" WHERE (CAST(strftime('%Y', "person"."born") AS INTEGER) = 2020)`)
})

test('update, delete, insert text and placeholders', async () => {
  assert.equal(sqlite(sqlite.thing.id.eq(3))._update({ name: 'x', ok: true }), `UPDATE "thing" SET "name"='x', "ok"=1 WHERE ("thing"."id" = 3)`)
  assert.equal(pg(pg.thing.id.eq(3))._update({ name: 'x', ok: true }), `UPDATE "thing" SET "name"='x', "ok"=true WHERE ("thing"."id" = 3)`)
  assert.equal(my(my.thing.id.eq(3))._update({ name: 'x' }), 'UPDATE `thing` SET `name`=\'x\' WHERE (`thing`.`id` = 3)')
  // a decimal is bound as its exact text (never a float)
  assert.equal(pg(pg.thing.price.gt(2))._delete(), `DELETE FROM "thing" WHERE ("thing"."price" > '2.00')`)
  assert.equal(my(my.thing.price.gt('2.5'))._delete(), 'DELETE FROM `thing` WHERE (`thing`.`price` > 2.50)')
  assert.equal(sqlite(sqlite.thing.price.lt(-2))._delete(), `DELETE FROM "thing" WHERE ("thing"."price" < 'N99999997.99')`)
  assert.equal(my(my.thing)._delete(), 'DELETE FROM `thing`')
  // the real statement text carries placeholders, never values
  const b = pg(pg.person.name.eq("x'; DROP TABLE person; --"))._build([pg.person.id])
  assert.equal(b.sql, 'SELECT "person"."id" FROM "person" WHERE ("person"."name" = $1)')
  assert.deepEqual(b.params, ["x'; DROP TABLE person; --"])
  const m = my(my.person.name.eq('a').or(my.person.age.lt(3)))._build([my.person.id])
  assert.equal(m.sql, 'SELECT `person`.`id` FROM `person` WHERE ((`person`.`name` = ?) OR (`person`.`age` < ?))')
})

test('create table per dialect', () => {
  const cols = sqlite.thing._schema.columns
  assert.equal(createTableSql(sqlite._dialect, 'thing', cols),
    'CREATE TABLE "thing"(\n  "id" INTEGER PRIMARY KEY AUTOINCREMENT,\n  "name" VARCHAR(512),\n  "owner" INTEGER REFERENCES "person" ("id") ON DELETE CASCADE,\n  "price" DECIMAL_TEXT(10,2),\n  "ok" INTEGER\n)')
  assert.equal(createTableSql(pg._dialect, 'thing', cols),
    'CREATE TABLE "thing"(\n  "id" SERIAL PRIMARY KEY,\n  "name" VARCHAR(512),\n  "owner" INTEGER REFERENCES "person" ("id") ON DELETE CASCADE,\n  "price" NUMERIC(10,2),\n  "ok" BOOLEAN\n)')
  assert.equal(createTableSql(my._dialect, 'thing', cols),
    'CREATE TABLE `thing`(\n  `id` INT AUTO_INCREMENT NOT NULL PRIMARY KEY,\n  `name` VARCHAR(512),\n  `owner` INT,\n  `price` DECIMAL(10,2),\n  `ok` TINYINT(1),\n  FOREIGN KEY (`owner`) REFERENCES `person` (`id`) ON DELETE CASCADE\n) ENGINE=InnoDB CHARACTER SET utf8mb4 COLLATE utf8mb4_bin')
  assert.equal(createTableSql(pg._dialect, 'person', pg.person._schema.columns),
    'CREATE TABLE "person"(\n  "id" SERIAL PRIMARY KEY,\n  "name" VARCHAR(64) NOT NULL,\n  "age" INTEGER,\n  "born" TIMESTAMP(3)\n)')
})

test('defining tables per request is cheap and isolated', () => {
  const t0 = process.hrtime.bigint()
  const N = 200
  // a server URI: pools connect lazily, so this measures definitions (each sqlite://memory DAL opens its own database)
  for (let i = 0; i < N; i++) make('postgres://postgres@127.0.0.1:5432/quark_never_created')
  const perTable = Number(process.hrtime.bigint() - t0) / 1000 / N / 2
  assert.ok(perTable < 1000, `defineTable took ${perTable.toFixed(1)} µs`)  // generous bound for slow CI; the bench reports the real figure
  const a = make('postgres://postgres@127.0.0.1:5432/quark_never_created'), b = make('postgres://postgres@127.0.0.1:5432/quark_never_created')
  a.person.name.writable = false
  a.person.name.label = 'Changed'
  assert.equal(b.person.name.writable, true)
  assert.equal(b.person.name.label, 'Name')
  assert.equal(a.person._schema, b.person._schema)  // the cached definition is shared by the DALs of one database
  const m1 = make('sqlite://:memory:'), m2 = make('sqlite://:memory:')
  assert.notEqual(m1.person._schema, m2.person._schema)  // two in-memory databases are two databases
})

test('default validators per field type (web2py defaults), lazily, none with requires: null', async () => {
  const db = new DAL('sqlite://:memory:')
  db.defineTable('owner', Field('name', 'string', { length: 5 }), { format: '%(name)s' })
  db.defineTable('pet', Field('name', 'string', { unique: true }), Field('age', 'integer'), Field('owner', 'reference owner'),
    Field('born', 'date'), Field('free', 'string', { requires: null }))
  const first = async (f: any, v: unknown) => {
    const list = Array.isArray(f.requires) ? f.requires : [f.requires]
    for (const x of list) { const [, e] = await x.validate(v); if (e) return e }
    return null
  }
  assert.equal(await first(db.owner.name, 'abcdef'), 'Enter from 0 to 5 characters')
  assert.match(String(await first(db.pet.age, 'x')), /^Enter an integer between/)
  assert.equal(await first(db.pet.age, ''), null)
  assert.match(String(await first(db.pet.born, 'nope')), /^Enter date/)
  assert.equal(db.pet.free.requires, null)
  const a = await db.owner.insert({ name: 'ann' })
  assert.equal(await first(db.pet.owner, String(a)), null)
  assert.equal(await first(db.pet.owner, '999'), 'Value not in database')
  assert.equal(await first(db.pet.owner, ''), null)
  await db.pet.insert({ name: 'rex' })
  assert.equal(await first(db.pet.name, 'rex'), 'Value already in database or empty')
  const r = await db.pet.validateAndInsert({ name: 'fido', age: 'old' })
  assert.deepEqual(Object.keys(r.errors), ['age'])
})

test('LIKE family, regexp, abs, epoch per dialect: one escape character (!) everywhere, NUL never reaches SQLite LIKE', () => {
  const where = (db: DAL, q: (p: any) => any) => db(q(db.person))._count().replace(/^SELECT COUNT\(\*\) FROM \S+ WHERE /, '')
  assert.equal(where(sqlite, (p) => p.name.like('a!%_', { caseSensitive: false })), `("person"."name" LIKE 'a!!%_' ESCAPE '!')`)
  assert.equal(where(pg, (p) => p.name.like('a#%b', { escape: '#' })), `("person"."name" LIKE 'a!%b' ESCAPE '!')`)
  assert.equal(where(my, (p) => p.name.like('back\\slash')), "(`person`.`name` LIKE 'back\\\\slash' ESCAPE '!')")
  assert.equal(where(sqlite, (p) => p.name.like('[x]*?%_')), `("person"."name" GLOB '[[]x][*][?]*?')`)
  assert.equal(where(sqlite, (p) => p.name.contains('\u0000zzzz')), `(quark_like("person"."name", '%\\0zzzz%', 0))`)
  assert.equal(where(pg, (p) => p.name.contains('\u0000zzzz')), `("person"."name" IS NULL AND NULL)`)
  assert.equal(where(pg, (p) => p.name.regexp('^a+$')), `("person"."name" ~ '^a+$')`)
  assert.equal(where(my, (p) => p.name.regexp('^a+$')), "(`person`.`name` REGEXP '^a+$')")
  assert.equal(where(sqlite, (p) => p.age.abs().gt(2)), `(ABS("person"."age") > 2)`)
  assert.equal(where(sqlite, (p) => p.born.epoch().gt(0)), `(CAST(strftime('%s', "person"."born") AS INTEGER) > 0)`)
  assert.equal(where(pg, (p) => p.born.epoch().gt(0)), `(CAST(FLOOR(EXTRACT(EPOCH FROM "person"."born")) AS BIGINT) > 0)`)
  assert.equal(where(my, (p) => p.born.epoch().gt(0)), "(TIMESTAMPDIFF(SECOND, '1970-01-01 00:00:00', `person`.`born`) > 0)")
})
