/**
 * The database and Redis stores write only while they still hold the session's lock: when another request
 * took it over (the holder outlived lockTtl), the late write is refused with QK_SESSION_LOCK_LOST and the
 * other request's data is left as it was; the late holder's unlock does not free the new holder's lock.
 */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import crypto from 'node:crypto'
import { Redis } from 'ioredis'
import { DAL, closeAllConnections } from '../../server/dal'
import { RedisStore } from '../../server/session/stores/redis'
import { DatabaseStore } from '../../server/session/stores/database'
import { QK_SESSION_LOCK_LOST, QK_SESSION_LOCK_TIMEOUT } from '../../server/session'

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-cas-'))
const prefix = `quark:test:cas:${crypto.randomBytes(5).toString('hex')}:`
const redis = new Redis('redis://127.0.0.1:6379')
after(async () => {
  const keys = await redis.keys(`${prefix}*`)
  if (keys.length) await redis.del(...keys)
  redis.disconnect()
  await closeAllConnections()
  fs.rmSync(folder, { recursive: true, force: true })
})

test('Redis: a write after the lock was taken over is refused, and the new holder keeps its lock', async () => {
  const store = new RedisStore({ url: 'redis://127.0.0.1:6379', prefix, lockWait: 300 })
  try {
    const id = store.newId()
    await store.save(id, '{"n":1}', undefined)
    const unlock = await store.lock(id)
    await redis.set(`${prefix}l:${id}`, 'another-request', 'PX', 60_000) // the takeover
    await redis.set(`${prefix}d:${id}`, '{"n":5}')                      // what the other request wrote
    await assert.rejects(store.save(id, '{"n":2}', undefined), QK_SESSION_LOCK_LOST)
    assert.equal(await redis.get(`${prefix}d:${id}`), '{"n":5}')
    unlock()
    // locking again waits for our unlock to finish (in-process queue), then finds the other holder's lock
    await assert.rejects(store.lock(id), QK_SESSION_LOCK_TIMEOUT)
    assert.equal(await redis.get(`${prefix}l:${id}`), 'another-request', 'compare-and-delete: not ours, not deleted')
  } finally { await store.close() }
})

test('database (SQLite): a write after the lock row was taken over is refused; the row keeps the other data and owner', async () => {
  const store = new DatabaseStore({ uri: 'sqlite://cas.sqlite', folder, lockWait: 300 })
  const db = new DAL('sqlite://cas.sqlite', { folder, migrate: false })
  const id = store.newId()
  await store.save(id, '{"n":1}', undefined)
  const unlock = await store.lock(id)
  await db.executesql(`UPDATE qk_session SET lock_owner = 'another', data = '{"n":5}' WHERE sid = ?`, [id])
  await assert.rejects(store.save(id, '{"n":2}', undefined), QK_SESSION_LOCK_LOST)
  unlock()
  await assert.rejects(store.lock(id), QK_SESSION_LOCK_TIMEOUT)
  const rows = await db.executesql('SELECT data, lock_owner FROM qk_session WHERE sid = ?', [id], { asDict: true }) as Array<{ data: string; lock_owner: string | null }>
  assert.deepEqual(rows.map((r) => [r.data, r.lock_owner]), [['{"n":5}', 'another']])
})
