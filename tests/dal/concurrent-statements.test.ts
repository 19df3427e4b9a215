// Two statements of one request in flight at once (Promise.all, or a promise
// started before another is awaited) share the request's transaction: the
// second must not wait for the database mutex the first one took for it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DAL, Field, closeAllConnections } from '../../server/dal'
import { runInContext, newState } from '../../server/current'

test('concurrent statements in one request on SQLite resolve and share the transaction', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-dal-conc-'))
  try {
    const request = async (insert: boolean) => {
      const state = newState(dir, 'conc')
      const out = await runInContext(state, async () => {
        const db: any = new DAL('sqlite://conc.sqlite', { folder: dir })
        db.defineTable('thing', Field('name', 'string'))
        if (insert) await db.thing.insert({ name: 'first' })
        // both started before either is awaited, the first statement of a fresh transaction among them
        const [count, rows] = await Promise.all([db(db.thing).count(), db(db.thing.name.eq('first')).select()])
        return { count, rows: rows.length }
      })
      for (const t of state.transactionals) { await t.commit(); await t.release() }
      return out
    }
    const timeout = new Promise((_r, reject) => setTimeout(() => reject(new Error('statements of one request deadlocked')), 5000).unref())
    assert.deepEqual(await Promise.race([request(true), timeout]), { count: 1, rows: 1 })
    assert.deepEqual(await Promise.race([request(false), timeout]), { count: 1, rows: 1 })
  } finally {
    await closeAllConnections()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
