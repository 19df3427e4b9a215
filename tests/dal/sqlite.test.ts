// The conformance suite on SQLite (a file in a temp folder).
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { closeAllConnections, DAL, Field } from '../../server/dal'
import { conformance, type Target } from './conformance'

let target: Target
before(() => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-dal-sqlite-'))
  target = { name: 'sqlite', uri: 'sqlite://storage.sqlite', folder }
})
after(async () => {
  await closeAllConnections()
  fs.rmSync(target.folder, { recursive: true, force: true })
})
conformance(() => target)

test('sqlite://memory and sqlite://:memory: are in-memory databases: no file is written', async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-dal-memory-'))
  try {
    for (const uri of ['sqlite://memory', 'sqlite://:memory:']) {
      const db = new DAL(uri, { folder })
      db.defineTable('thing', Field('name'))
      const before = await db(db.thing).count()
      await db.thing.insert({ name: 'x' })
      assert.equal(await db(db.thing).count(), before + 1)
    }
    assert.deepEqual(fs.readdirSync(folder).filter((f) => !f.startsWith('sql.log')), [])
  } finally {
    fs.rmSync(folder, { recursive: true, force: true })
  }
})

test('each new DAL(sqlite://memory) is a database of its own (issue 16, defect 4)', async () => {
  const a = new DAL('sqlite://memory')
  const b = new DAL('sqlite://memory')
  const c = new DAL('sqlite://:memory:')
  for (const db of [a, b, c]) db.defineTable('thing', Field('name'))
  await a.thing.insert({ name: 'only in a' })
  assert.equal(await a(a.thing).count(), 1)
  assert.equal(await b(b.thing).count(), 0)
  assert.equal(await c(c.thing).count(), 0)
  // a table defined differently in another in-memory database is no migration of the first one
  const d = new DAL('sqlite://memory')
  d.defineTable('thing', Field('other', 'integer'))
  await d.thing.insert({ other: 5 })
  assert.deepEqual((await a(a.thing).select()).map((r) => r.name), ['only in a'])
  assert.deepEqual((await d(d.thing).select()).map((r) => r.other), [5])
})

test('an in-memory DAL object garbage collected closes its database, after the transaction still holding it ends', () => {
  // a child process: gc() needs --expose-gc (the script waits on finalization callbacks, no timers)
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(__dirname, 'fixtures', 'memory-gc.ts')], { encoding: 'utf8', cwd: path.join(__dirname, '..', '..') })
  assert.equal(r.status, 0, r.stderr)
  assert.deepEqual(r.stdout.trim().split('\n'), ['collected', 'open while the transaction holds it', 'closed after commit'])
})
