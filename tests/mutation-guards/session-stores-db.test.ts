/**
 * Guards of the database session store (room session-stores-db, #17 item 6), on SQLite, in process: which
 * cookie values it accepts, that its row lock excludes a second holder until it expires, that a holder
 * whose lock was taken over writes nothing and frees nothing (compare-and-set), how long data lives, and
 * what renew, unlock, expire and cleanup remove. Two stores on one file stand for two processes: their
 * URIs differ ('s.sqlite' and './s.sqlite'), so this process's own lock (lock.ts) does not serialise them
 * and only the row lock does. tests/session/sqlite.test.ts runs the same store through two real servers.
 */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DatabaseStore, type DatabaseStoreOptions } from '../../server/session/stores/database'
import { DAL } from '../../server/dal'
import { runInContext, type CurrentState } from '../../server/current'
import { isQuarkError } from '../../server/errors'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-guard-dbstore-'))
const stores: DatabaseStore[] = []
/**
 * A store on the shared file; `proc` 1 or 2 gives it another URI, as a second or third process would be
 * (stores of one URI wait for each other in this process's lock, which has no deadline).
 */
function store(o: Partial<DatabaseStoreOptions> = {}, proc: 0 | 1 | 2 = 0): DatabaseStore {
  const s = new DatabaseStore({ uri: `sqlite://${'./'.repeat(proc)}s.sqlite`, folder: dir, lockWait: 120_000, ...o })
  stores.push(s)
  return s
}
const raw = new DAL('sqlite://s.sqlite', { folder: dir, migrate: false })
/** The session's row as stored, read outside any request. */
async function rowOf(id: string): Promise<Record<string, unknown> | undefined> {
  const rows = await runInContext(undefined as unknown as CurrentState, () => raw.executesql('SELECT * FROM qk_session WHERE sid = ?', [id], { asDict: true })) as Record<string, unknown>[]
  return rows[0]
}
async function setRow(id: string, sql: string): Promise<void> {
  await runInContext(undefined as unknown as CurrentState, () => raw.executesql(`UPDATE qk_session SET ${sql} WHERE sid = ?`, [id]))
}
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never: ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
const code = (e: unknown) => (isQuarkError(e) ? e.code : String(e))
after(async () => { for (const s of stores) await s.close() })

test('accepts only "d" and 32 lowercase hex characters; newId gives such ids, each new', () => {
  const s = store()
  const hex = '0123456789abcdef'.repeat(2)
  assert.equal(s.accepts('d' + hex), true)
  for (const bad of ['', 'd', hex, 'r' + hex, 'd' + hex.slice(1), 'd' + hex + '0', 'd' + hex.toUpperCase(), ' d' + hex, 'd' + hex + '\n',
    'xd' + hex, 'd' + hex.slice(0, 31) + 'g', '../d' + hex, 'd' + hex + '/../x']) assert.equal(s.accepts(bad), false, JSON.stringify(bad))
  const ids = new Set([s.newId(), s.newId(), s.newId()])
  assert.equal(ids.size, 3)
  for (const id of ids) assert.equal(s.accepts(id), true, id)
})

test('a held lock excludes another process until it is released; the release frees it', async () => {
  const a = store({ lockTtl: 600_000 })
  const b = store({ lockWait: 300 }, 1)
  const id = a.newId()
  const unlock = await a.lock(id)
  await a.save(id, '{"n":1}', undefined)
  await assert.rejects(b.lock(id), (e) => code(e) === 'QK_SESSION_LOCK_TIMEOUT')
  unlock()
  unlock() // a second call changes nothing
  const b2 = store({}, 1)
  const unlockB = await b2.lock(id)
  assert.equal(typeof (await rowOf(id))?.lock_owner, 'string', 'the second process holds the row lock')
  unlockB()
  await until('the lock row released', async () => (await rowOf(id))?.lock_owner === null)
  assert.deepEqual(await a.load(id), { n: 1 }, 'a release keeps the data')
})

test('a lock past its expiry is taken over; the old holder can neither save nor release the new holder\'s lock', async () => {
  const a = store({ lockTtl: 1 })
  const b = store({}, 1)
  const id = a.newId()
  const unlockA = await a.lock(id)
  await a.save(id, '{"who":"a"}', undefined)
  assert.equal((await rowOf(id))?.version, 1)
  const unlockB = await b.lock(id) // waits until a's 1 ms lock has expired
  await assert.rejects(a.save(id, '{"who":"a again"}', undefined), (e) => code(e) === 'QK_SESSION_LOCK_LOST')
  assert.deepEqual(await b.load(id), { who: 'a' }, 'the stale holder wrote nothing')
  await b.save(id, '{"who":"b"}', undefined)
  assert.equal((await rowOf(id))?.version, 2, 'each save counts one version')
  const owner = (await rowOf(id))?.lock_owner
  assert.equal(typeof owner, 'string')
  unlockA() // the stale holder's release: its token is not the row's
  const c = store({ lockWait: 300 }, 2)
  await assert.rejects(c.lock(id), (e) => code(e) === 'QK_SESSION_LOCK_TIMEOUT')
  assert.equal((await rowOf(id))?.lock_owner, owner, 'the new holder keeps its lock')
  unlockB()
})

test('renew moves the data to the new id under the old id\'s lock; a lost lock refuses the renew', async () => {
  const a = store({ lockTtl: 600_000 })
  const old = a.newId()
  const unlock = await a.lock(old)
  await a.save(old, '{"v":1}', undefined)
  const fresh = a.newId()
  await a.save(fresh, '{"v":2}', old)
  assert.equal(await rowOf(old), undefined, 'the renewed row is gone')
  assert.deepEqual(await a.load(fresh), { v: 2 })
  assert.equal((await rowOf(fresh))?.lock_owner, null, 'the new row is not locked')
  unlock()
  // a renew whose lock was taken over: nothing removed, nothing inserted
  const s = store({ lockTtl: 1 })
  const id = s.newId()
  await s.lock(id)
  await s.save(id, '{"v":3}', undefined)
  const unlockB = await store({}, 1).lock(id)
  const next = s.newId()
  await assert.rejects(s.save(next, '{"v":4}', id), (e) => code(e) === 'QK_SESSION_LOCK_LOST')
  assert.deepEqual(await s.load(id), { v: 3 })
  assert.equal(await rowOf(next), undefined)
  unlockB()
})

test('data lives maxAge seconds from its last save; an expired, empty or unreadable row loads as nothing', async () => {
  const s = store({ maxAge: 100 })
  const id = s.newId()
  const before = Date.now()
  await s.save(id, '{"a":1}', undefined)
  const expires = Number((await rowOf(id))?.expires_at)
  assert.ok(expires >= before + 100_000 && expires <= Date.now() + 100_000, `expires_at ${expires - before}`)
  assert.deepEqual(await s.load(id), { a: 1 })
  await setRow(id, `expires_at = ${Date.now() + 60_000}`)
  assert.deepEqual(await s.load(id), { a: 1 }, 'not yet expired')
  await setRow(id, `expires_at = ${Date.now() - 1000}`)
  assert.equal(await s.load(id), undefined, 'expired')
  await setRow(id, `expires_at = ${Date.now() + 60_000}, data = '{not json'`)
  assert.equal(await s.load(id), undefined, 'unreadable')
  await setRow(id, 'data = NULL')
  assert.equal(await s.load(id), undefined, 'never written')
  // the default maxAge is a day
  const d = store()
  const id2 = d.newId()
  const t0 = Date.now()
  await d.save(id2, '{}', undefined)
  const e2 = Number((await rowOf(id2))?.expires_at)
  assert.ok(e2 >= t0 + 86_400_000 && e2 <= Date.now() + 86_400_000, `default expires_at ${e2 - t0}`)
})

test('a forged id that was locked but never written leaves no row behind; a written one keeps its row', async () => {
  const s = store()
  const forged = s.newId()
  const unlock = await s.lock(forged)
  assert.equal((await rowOf(forged))?.data, null)
  unlock()
  await until('the empty row removed', async () => (await rowOf(forged)) === undefined)
  const id = s.newId()
  const unlock2 = await s.lock(id)
  await s.save(id, '{"k":1}', undefined)
  unlock2()
  await until('the lock released', async () => (await rowOf(id))?.lock_owner === null)
  assert.equal((await rowOf(id))?.data, '{"k":1}')
})

test('expire removes a session of this store\'s id format only', async () => {
  const s = store()
  const id = s.newId()
  await s.save(id, '{"x":1}', undefined)
  await s.save('not-an-id', '{"x":2}', undefined) // a row whose sid is no id of this store
  await s.expire('not-an-id')
  assert.deepEqual(await s.load('not-an-id'), { x: 2 }, 'a foreign value removes nothing')
  await s.expire(id)
  assert.equal(await rowOf(id), undefined)
})

test('cleanup removes expired rows unless a live lock holds them, and counts what it removed', async () => {
  const s = store()
  const gone = s.newId(); const locked = s.newId(); const stale = s.newId(); const live = s.newId()
  for (const id of [gone, locked, stale, live]) await s.save(id, '{}', undefined)
  const past = Date.now() - 1000
  await setRow(gone, `expires_at = ${past}`)
  await setRow(locked, `expires_at = ${past}, lock_owner = 'x', lock_expires = ${Date.now() + 600_000}`)
  await setRow(stale, `expires_at = ${past}, lock_owner = 'x', lock_expires = ${past}`)
  const n = await s.cleanup()
  assert.ok(n >= 2, `removed ${n}`)
  assert.equal(await rowOf(gone), undefined)
  assert.equal(await rowOf(stale), undefined)
  assert.notEqual(await rowOf(locked), undefined, 'a live lock keeps its row')
  assert.notEqual(await rowOf(live), undefined, 'unexpired data is kept')
})

test('two processes locking a new id at once: one holds it, the other waits (the unique sid refuses the second insert)', async () => {
  for (let i = 0; i < 3; i++) {
    const a = store({ lockTtl: 600_000 })
    const id = a.newId()
    const [ra, rb] = await Promise.allSettled([a.lock(id), store({ lockWait: 300 }, 1).lock(id)])
    assert.deepEqual([ra.status, rb.status].sort(), ['fulfilled', 'rejected'], `round ${i}`)
    const lost = (ra.status === 'rejected' ? ra : rb) as PromiseRejectedResult
    assert.equal(code(lost.reason), 'QK_SESSION_LOCK_TIMEOUT')
    ;((ra.status === 'fulfilled' ? ra : rb) as PromiseFulfilledResult<() => void>).value()
  }
})

test('a lock taken on an existing row lasts lockTtl (a minute by default) too; locks of two ids do not wait for each other', async () => {
  const s = store()
  const id = s.newId()
  await s.save(id, '{}', undefined)
  const t0 = Date.now()
  const unlock = await s.lock(id) // the UPDATE path: the row exists and is free
  const until1 = Number((await rowOf(id))?.lock_expires)
  assert.ok(until1 >= t0 + 60_000 && until1 <= Date.now() + 60_000, `default lockTtl ${until1 - t0}`)
  await assert.rejects(store({ lockWait: 300 }, 1).lock(id), (e) => code(e) === 'QK_SESSION_LOCK_TIMEOUT')
  const other = s.newId()
  const unlockOther = await s.lock(other) // another id of the same store: not behind the first
  unlockOther()
  unlock()
  await until('released', async () => (await rowOf(id))?.lock_owner === null)
  const long = store({ lockTtl: 600_000 })
  const unlockLong = await long.lock(id)
  assert.ok(Number((await rowOf(id))?.lock_expires) > Date.now() + 300_000, 'lockTtl on the UPDATE path')
  unlockLong()
})

test('a custom table holds the sessions; an unreachable database is QK_SESSION_STORE_DOWN', async () => {
  const s = store({ table: 'qk_custom_sessions' })
  const id = s.newId()
  await s.save(id, '{"c":1}', undefined)
  const rows = await runInContext(undefined as unknown as CurrentState, () => raw.executesql('SELECT sid FROM qk_custom_sessions WHERE sid = ?', [id]))
  assert.equal(rows.length, 1)
  assert.equal(await rowOf(id), undefined, 'not in the default table')
  const down = store({ uri: 'postgres://postgres@127.0.0.1:1/quark_nowhere' })
  await assert.rejects(down.load(down.newId()), (e) => code(e) === 'QK_SESSION_STORE_DOWN' && /database load/.test((e as Error).message))
  await assert.rejects(down.save(down.newId(), '{}', undefined), (e) => code(e) === 'QK_SESSION_STORE_DOWN' && /database save/.test((e as Error).message))
})

test('the store says it locks; the sid column is unique (what makes the second of two racing inserts fail) and not null', async () => {
  const s = store()
  assert.equal(s.kind, 'database')
  assert.equal(s.locks, true)
  const id = s.newId()
  await s.save(id, '{}', undefined)
  await assert.rejects(runInContext(undefined as unknown as CurrentState, () => raw.executesql("INSERT INTO qk_session (sid, data, version) VALUES (?, '{}', 1)", [id])))
  // and never NULL (a row no cookie can name)
  await assert.rejects(runInContext(undefined as unknown as CurrentState, () => raw.executesql("INSERT INTO qk_session (sid, data, version) VALUES (NULL, '{}', 1)")))
})

test('an unlock forgets the lock\'s token (one entry per session ever locked would grow for the life of the server)', async () => {
  const s = store()
  const tokens = (s as unknown as { tokens: Map<string, string> }).tokens
  for (let i = 0; i < 3; i++) {
    const id = s.newId()
    const unlock = await s.lock(id)
    assert.equal(tokens.size, 1)
    await s.save(id, '{}', undefined)
    unlock()
  }
  assert.equal(tokens.size, 0)
})

test('expiry to the millisecond: data whose expires_at is now still loads (the clock pinned)', async () => {
  const s = store()
  const id = s.newId()
  await s.save(id, '{"e":1}', undefined)
  const t = Date.now() + 5_000
  await setRow(id, `expires_at = ${t}`)
  const real = Date.now
  Date.now = () => t
  try {
    assert.deepEqual(await s.load(id), { e: 1 }, 'expires_at === now: still live')
    Date.now = () => t + 1
    assert.equal(await s.load(id), undefined, 'one millisecond later: expired')
  } finally { Date.now = real }
})

test('QK_SESSION_STORE_DOWN names the operation that failed and keeps the database\'s error as its cause', async () => {
  const down = store({ uri: 'postgres://postgres@127.0.0.1:1/quark_nowhere', lockWait: 300 })
  const isDown = (what: string) => (e: unknown) => code(e) === 'QK_SESSION_STORE_DOWN' && new RegExp(`database ${what}`).test((e as Error).message) && (e as Error).cause !== undefined
  await assert.rejects(down.load(down.newId()), isDown('load'))
  await assert.rejects(down.lock(down.newId()), isDown('lock'))
  await assert.rejects(down.expire(down.newId()), isDown('expire'))
  await assert.rejects(down.cleanup(), isDown('cleanup'))
  // a table that goes away under a held lock: the save and the renew fail so
  const s = store({ table: 'qk_dropped_sessions' })
  const a = s.newId(); const b = s.newId()
  const unlockA = await s.lock(a)
  const unlockB = await s.lock(b)
  await runInContext(undefined as unknown as CurrentState, () => raw.executesql('DROP TABLE qk_dropped_sessions'))
  await assert.rejects(s.save(a, '{}', undefined), isDown('save'))
  await assert.rejects(s.save(s.newId(), '{}', b), isDown('renew'))
  unlockA()
  unlockB()
})
