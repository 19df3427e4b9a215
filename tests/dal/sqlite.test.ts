// The conformance suite on SQLite (a file in a temp folder).
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
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
