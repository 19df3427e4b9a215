// node:sqlite behind the driver seam answers as better-sqlite3 does (BLOBs as
// Buffers, better-sqlite3's error codes, numbers for integers), and keeps
// integers beyond 2^53 exact. Runs where node:sqlite exists (the binaries'
// Node 26: tests/dal/sqlite-drivers.test.ts runs it there); skipped on Node 20.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { openSqlite, sqliteDriverName } from '../../server/dal/drivers'
import { nodeSqliteAvailable } from '../../server/dal/drivers/node-sqlite'
import { DAL, Field, closeAllConnections } from '../../server/dal'

const skip = nodeSqliteAvailable() ? false : `node:sqlite is not in Node ${process.version}`

test('node:sqlite: rows as arrays, BLOBs as Buffers, changes and last insert id', { skip }, () => {
  const db = openSqlite(':memory:', 'node:sqlite')
  try {
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, pic BLOB)')
    const ins = db.prepare('INSERT INTO t (name, pic) VALUES (?, ?)')
    assert.equal(ins.reader, false)
    const info = ins.run(['a', Buffer.from([1, 2, 255])])
    assert.deepEqual([Number(info.changes), Number(info.lastInsertRowid)], [1, 1])
    const sel = db.prepare('SELECT id, name, pic, max(pic) AS m FROM t')
    assert.equal(sel.reader, true)
    sel.raw(true)
    const rows = sel.all([]) as unknown[][]
    assert.equal(rows[0]![1], 'a')
    assert.ok(Buffer.isBuffer(rows[0]![2]), 'a BLOB column is a Buffer')
    assert.ok(Buffer.isBuffer(rows[0]![3]), 'a BLOB from an expression is a Buffer')
    assert.deepEqual([...(rows[0]![2] as Buffer)], [1, 2, 255])
    assert.deepEqual(sel.columns().map((c) => c.name), ['id', 'name', 'pic', 'm'])
  } finally { db.close() }
})

test('node:sqlite: integers beyond 2^53 read exactly as bigints, the rest as numbers', { skip }, () => {
  const db = openSqlite(':memory:', 'node:sqlite')
  try {
    const s = db.prepare('SELECT 9007199254740993 AS big, 5 AS small, -9007199254740993 AS neg')
    s.raw(true)
    assert.deepEqual(s.all([]), [[9007199254740993n, 5, -9007199254740993n]])
    assert.deepEqual(s.all([]), [[9007199254740993n, 5, -9007199254740993n]], 'the statement keeps reading bigints')
  } finally { db.close() }
})

test('node:sqlite: errors carry better-sqlite3 codes; pragma, functions, transactions, open', { skip }, () => {
  const db = openSqlite(':memory:', 'node:sqlite')
  db.exec('CREATE TABLE u (name TEXT UNIQUE NOT NULL)')
  db.prepare('INSERT INTO u VALUES (?)').run(['x'])
  assert.throws(() => db.prepare('INSERT INTO u VALUES (?)').run(['x']), { code: 'SQLITE_CONSTRAINT_UNIQUE', message: /UNIQUE constraint failed: u.name/ })
  assert.throws(() => db.prepare('INSERT INTO u VALUES (?)').run([null]), { code: 'SQLITE_CONSTRAINT_NOTNULL' })
  assert.throws(() => db.prepare('SELECT * FROM nowhere'), { code: 'SQLITE_ERROR', message: /no such table/ })
  assert.equal((db.pragma('busy_timeout = 1234') as Array<{ timeout: number }>)[0]!.timeout, 1234)
  db.function('twice', { deterministic: true }, (v: number) => v * 2)
  const s = db.prepare('SELECT twice(21)')
  s.raw(true)
  assert.deepEqual(s.all([]), [[42]])
  assert.equal(db.inTransaction, false)
  db.exec('BEGIN')
  assert.equal(db.inTransaction, true)
  db.exec('ROLLBACK')
  assert.equal(db.open, true)
  db.close()
  assert.equal(db.open, false)
})

test('node:sqlite under the DAL: WAL, busy timeout, executesql reads a 64-bit integer exactly', { skip: skip || (sqliteDriverName() !== 'node:sqlite' && 'the DAL uses better-sqlite3 in this process') }, async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-node-sqlite-'))
  try {
    const db = new DAL('sqlite://storage.sqlite', { folder })
    db.defineTable('n', Field('v', 'integer'))
    assert.deepEqual(await db.executesql('PRAGMA journal_mode'), [['wal']])
    assert.deepEqual(await db.executesql('PRAGMA busy_timeout'), [[5000]])
    // as better-sqlite3 (SQLITE_DEFAULT_WAL_SYNCHRONOUS=1): in WAL, no fsync per commit
    assert.deepEqual(await db.executesql('PRAGMA synchronous'), [[1]])
    const id = await db.n.insert({ v: 7 })
    assert.equal((await db.n.get(id))!.v, 7)
    assert.deepEqual(await db.executesql('SELECT 4611686018427387905'), [[4611686018427387905n]])
    await db.commit()
  } finally {
    await closeAllConnections()
    fs.rmSync(folder, { recursive: true, force: true })
  }
})
