// select({ cache: [cache.ram, seconds] }): the raw result is served from the
// cache until it expires; each call still gets its own Rows.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DAL, Field, closeAllConnections } from '../../server/dal'
import { cacheFor } from '../../server/cache'

test('a cached select answers from cache.ram until it expires, with fresh Row objects', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-dal-cache-'))
  try {
    const db: any = new DAL('sqlite://c.sqlite', { folder: dir })
    db.defineTable('thing', Field('name', 'string'))
    await db.thing.insert({ name: 'a' })
    const cache = cacheFor(dir)
    const q = db(db.thing.id.gt(0))
    const first = await q.select({ cache: [cache.ram, 60], orderby: db.thing.id })
    assert.equal(first.length, 1)
    await db.thing.insert({ name: 'b' })
    const second = await q.select({ cache: [cache.ram, 60], orderby: db.thing.id })
    assert.equal(second.length, 1, 'served from the cache: the new row is not seen')
    assert.notEqual(second[0], first[0], 'each select builds its own Row objects')
    second[0].name = 'changed locally'
    const third = await q.select({ cache: [cache.ram, 60], orderby: db.thing.id })
    assert.equal(third[0].name, 'a', 'a Row changed by one caller does not change the cache')
    assert.equal((await q.select({ orderby: db.thing.id })).length, 2, 'without cache: the database')
    const fresh = await q.select({ cache: { model: cache.ram, timeExpire: 0 }, orderby: db.thing.id })
    assert.equal(fresh.length, 2, 'expired entries are recomputed')
    await assert.rejects(() => q.select({ cache: 'yes' }), /select cache must be/)
  } finally {
    await closeAllConnections()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
