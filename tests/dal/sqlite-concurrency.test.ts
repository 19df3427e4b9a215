// SQLite specifics: one connection per file, an async mutex per request transaction, never blocking the event loop.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DAL, Field, closeAllConnections } from '../../server/dal'
import { asRequest } from './conformance'

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-dal-conc-'))
after(async () => {
  await closeAllConnections()
  fs.rmSync(folder, { recursive: true, force: true })
})
const open = () => {
  const db = new DAL('sqlite://c.sqlite', { folder })
  db.defineTable('item', Field('name'))
  return db
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

test('WAL mode and a busy timeout are set', async () => {
  const db = open()
  assert.deepEqual(await db.executesql('PRAGMA journal_mode'), [['wal']])
  assert.deepEqual(await db.executesql('PRAGMA busy_timeout'), [[5000]])
})

test('a request waiting for another request\'s transaction does not block the event loop', async () => {
  const db0 = open()
  await db0(db0.item).delete()
  const order: string[] = []
  const a = asRequest(folder, async () => {
    const db = open()
    await db.item.insert({ name: 'A' })
    order.push('A wrote')
    await sleep(300)  // holds the transaction while doing slow work
    order.push('A done')
  })
  await sleep(10)
  const b = asRequest(folder, async () => {
    const db = open()
    await db.item.insert({ name: 'B' })  // waits for A's commit (awaiting, not spinning)
    order.push('B wrote')
  })
  // B is waiting now; the event loop must still run other work
  await new Promise((r) => setImmediate(r))
  order.push('loop free')
  await Promise.all([a, b])
  assert.deepEqual(order, ['A wrote', 'loop free', 'A done', 'B wrote'])
  // both committed, neither inside the other's transaction
  assert.equal(await db0(db0.item).count(), 2)
})

test('a table defined after the request\'s first statement migrates inside it, and again after a rollback', async () => {
  const r = await asRequest(folder, async () => {
    const db = open()
    await db.item.insert({ name: 'x' })
    db.defineTable('late', Field('v', 'integer'))
    await db.late.insert({ v: 1 })
    throw new Error('roll back')
  })
  assert.ok(r instanceof Error)
  const db = open()
  db.defineTable('late', Field('v', 'integer'))
  assert.equal(await db(db.late).count(), 0)  // the table exists again: migration redone after the rollback
})

test('statements after closeAllConnections fail clearly; a new DAL reconnects', async () => {
  const db = open()
  await db(db.item).count()
  await closeAllConnections()
  await assert.rejects(db(db.item).count(), { code: 'QK_DAL_CLOSED' })
  const again = open()
  assert.equal(typeof await again(again.item).count(), 'number')
})
