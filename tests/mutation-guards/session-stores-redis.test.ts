/**
 * Guards of the Redis session store (room session-stores-redis, #17 item 6), in process against the real
 * Redis under a key prefix of its own (the Redis is shared: never FLUSHALL): which cookie values it
 * accepts, that the lock (SET NX PX) excludes another holder and expires, that a holder whose lock was
 * taken over neither writes (compare-and-set script) nor frees the new holder's lock (compare-and-delete),
 * how long data lives, and what renew and expire remove. "Another process" is played by a plain client
 * writing the lock key with its own token. tests/session/redis.test.ts runs the store through two servers.
 */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn } from 'node:child_process'
import { Redis } from 'ioredis'
import { RedisStore, type RedisStoreOptions } from '../../server/session/stores/redis'
import { isQuarkError } from '../../server/errors'

const URL = 'redis://127.0.0.1:6379'
const prefix = `quark:test:guard:${crypto.randomBytes(5).toString('hex')}:`
const r = new Redis(URL)
const stores: RedisStore[] = []
function store(o: Partial<RedisStoreOptions> = {}): RedisStore {
  const s = new RedisStore({ url: URL, prefix, lockWait: 120_000, ...o })
  stores.push(s)
  return s
}
const code = (e: unknown) => (isQuarkError(e) ? e.code : String(e))
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never: ${what}`)
    await new Promise((res) => setTimeout(res, 20))
  }
}
after(async () => {
  for (const s of stores) await s.close()
  const keys = await r.keys(`${prefix}*`)
  if (keys.length) await r.del(...keys)
  r.disconnect()
})

test('accepts only "r" and 32 lowercase hex characters; newId gives such ids, each new', () => {
  const s = store()
  const hex = '0123456789abcdef'.repeat(2)
  assert.equal(s.accepts('r' + hex), true)
  for (const bad of ['', 'r', hex, 'd' + hex, 'r' + hex.slice(1), 'r' + hex + '0', 'r' + hex.toUpperCase(), ' r' + hex, 'r' + hex + '\n',
    'xr' + hex, 'r' + hex.slice(0, 31) + 'g', 'r' + hex + '*', '*']) assert.equal(s.accepts(bad), false, JSON.stringify(bad))
  const ids = new Set([s.newId(), s.newId(), s.newId()])
  assert.equal(ids.size, 3)
  for (const id of ids) assert.equal(s.accepts(id), true, id)
})

test('the lock key lives lockTtl (a minute by default), is refused while another holder has it, and is freed on release', async () => {
  const s = store()
  const id = s.newId()
  const unlock = await s.lock(id)
  const ttl = await r.pttl(`${prefix}l:${id}`)
  assert.ok(ttl > 30_000 && ttl <= 60_000, `lock pttl ${ttl}`)
  unlock()
  unlock() // a second call changes nothing
  await until('the lock key deleted', async () => (await r.exists(`${prefix}l:${id}`)) === 0)
  const t = store({ lockTtl: 600_000 })
  const unlock2 = await t.lock(id)
  assert.ok((await r.pttl(`${prefix}l:${id}`)) > 300_000)
  unlock2()
  // held by another process: not taken before it expires
  const other = t.newId()
  await r.set(`${prefix}l:${other}`, 'someone else', 'PX', 600_000)
  await assert.rejects(store({ lockWait: 300 }).lock(other), (e) => code(e) === 'QK_SESSION_LOCK_TIMEOUT')
  assert.equal(await r.get(`${prefix}l:${other}`), 'someone else')
  // and taken once it has expired
  await r.pexpire(`${prefix}l:${other}`, 1)
  const unlock3 = await store().lock(other)
  assert.notEqual(await r.get(`${prefix}l:${other}`), 'someone else')
  unlock3()
})

test('a holder whose lock was taken over neither saves nor frees the new holder\'s lock', async () => {
  const s = store()
  const id = s.newId()
  const unlock = await s.lock(id)
  await s.save(id, '{"who":"a"}', undefined)
  assert.deepEqual(await s.load(id), { who: 'a' })
  await r.set(`${prefix}l:${id}`, 'the new holder', 'PX', 600_000) // a's lock expired and was taken over
  await assert.rejects(s.save(id, '{"who":"a again"}', undefined), (e) => code(e) === 'QK_SESSION_LOCK_LOST')
  assert.deepEqual(await s.load(id), { who: 'a' }, 'the stale holder wrote nothing')
  const fresh = s.newId()
  await assert.rejects(s.save(fresh, '{"who":"renewed"}', id), (e) => code(e) === 'QK_SESSION_LOCK_LOST')
  assert.equal(await r.exists(`${prefix}d:${fresh}`), 0, 'a refused renew writes nothing')
  assert.deepEqual(await s.load(id), { who: 'a' }, 'a refused renew removes nothing')
  unlock()
  // this process's next lock of the id waits for that release to finish: the new holder's lock is still there
  await assert.rejects(store({ lockWait: 300 }).lock(id), (e) => code(e) === 'QK_SESSION_LOCK_TIMEOUT')
  assert.equal(await r.get(`${prefix}l:${id}`), 'the new holder')
})

test('data lives maxAge seconds (a day by default), whether new or saved under a lock', async () => {
  const s = store({ maxAge: 100 })
  const id = s.newId()
  await s.save(id, '{"a":1}', undefined) // a new session: no lock
  let ttl = await r.pttl(`${prefix}d:${id}`)
  assert.ok(ttl > 50_000 && ttl <= 100_000, `new pttl ${ttl}`)
  const unlock = await s.lock(id)
  await r.pexpire(`${prefix}d:${id}`, 5_000)
  await s.save(id, '{"a":2}', undefined)
  ttl = await r.pttl(`${prefix}d:${id}`)
  assert.ok(ttl > 50_000 && ttl <= 100_000, `locked save pttl ${ttl}`)
  assert.deepEqual(await s.load(id), { a: 2 })
  unlock()
  const d = store()
  const id2 = d.newId()
  await d.save(id2, '{}', undefined)
  ttl = await r.pttl(`${prefix}d:${id2}`)
  assert.ok(ttl > 86_000_000 && ttl <= 86_400_000, `default pttl ${ttl}`)
})

test('renew moves the data to the new id under the old id\'s lock; a plain save keeps its own key', async () => {
  const s = store()
  const old = s.newId()
  const unlock = await s.lock(old)
  await s.save(old, '{"v":1}', undefined)
  await s.save(old, '{"v":2}', undefined)
  assert.deepEqual(await s.load(old), { v: 2 }, 'saving the locked id itself keeps it')
  const fresh = s.newId()
  await s.save(fresh, '{"v":3}', old)
  assert.equal(await r.exists(`${prefix}d:${old}`), 0, 'the renewed key is gone')
  assert.deepEqual(await s.load(fresh), { v: 3 })
  unlock()
})

test('load: nothing for a missing or unreadable value; expire removes ids of this store\'s format only; cleanup is Redis\'s', async () => {
  const s = store()
  assert.equal(await s.load(s.newId()), undefined)
  const id = s.newId()
  await r.set(`${prefix}d:${id}`, '{not json')
  assert.equal(await s.load(id), undefined)
  await r.set(`${prefix}d:not-an-id`, '{"x":1}')
  await s.expire('not-an-id')
  assert.equal(await r.get(`${prefix}d:not-an-id`), '{"x":1}', 'a foreign value removes nothing')
  await r.set(`${prefix}d:${id}`, '{"x":2}')
  await s.expire(id)
  assert.equal(await r.exists(`${prefix}d:${id}`), 0)
  assert.equal(await s.cleanup(), 0)
})

test('locks of two ids do not wait for each other; an unreachable Redis is QK_SESSION_STORE_DOWN; close twice is harmless', async () => {
  const s = store({ lockTtl: 600_000 })
  const a = s.newId()
  const unlockA = await s.lock(a)
  const unlockB = await s.lock(s.newId()) // not behind a's lock in this process
  unlockB()
  unlockA()
  const down = new RedisStore({ url: 'redis://127.0.0.1:1', prefix })
  await assert.rejects(down.load(down.newId()), (e) => code(e) === 'QK_SESSION_STORE_DOWN' && /redis load/.test((e as Error).message))
  await down.close()
  await down.close()
  const c = store()
  await c.save(c.newId(), '{}', undefined)
  await c.close()
  await c.close()
})

test('the store says it locks; an unlock forgets the lock\'s token (one entry per session ever locked would leak)', async () => {
  const s = store()
  assert.equal(s.kind, 'redis')
  assert.equal(s.locks, true)
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

test('one client per store, which fails a command at once when Redis is down (one retry, no endless queue)', async () => {
  const s = store()
  await s.load(s.newId())
  const client = (s as unknown as { client: { options: Record<string, unknown> } }).client
  await s.save(s.newId(), '{}', undefined)
  await s.lock(s.newId()).then((u) => u())
  assert.equal((s as unknown as { client: unknown }).client, client, 'the same client for every command')
  assert.equal(client.options.maxRetriesPerRequest, 1)
  assert.equal(client.options.connectTimeout, 5000)
  assert.equal(client.options.enableOfflineQueue, true)
})

test('QK_SESSION_STORE_DOWN names the operation that failed and keeps the client\'s error as its cause', async () => {
  const down = new RedisStore({ url: 'redis://127.0.0.1:1', prefix, lockWait: 300 })
  const isDown = (what: string) => (e: unknown) => code(e) === 'QK_SESSION_STORE_DOWN' && new RegExp(`redis ${what}`).test((e as Error).message) && (e as Error).cause !== undefined
  try {
    await assert.rejects(down.load(down.newId()), isDown('load'))
    await assert.rejects(down.lock(down.newId()), isDown('lock'))
    await assert.rejects(down.save(down.newId(), '{}', undefined), isDown('save'))
    await assert.rejects(down.expire(down.newId()), isDown('expire'))
  } finally { await down.close() }
})

test('a process whose only handle is the store\'s Redis connection exits by itself (the socket is unref\'d)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-guard-redis-'))
  const script = path.join(dir, 'uses-store.ts')
  fs.writeFileSync(script, `import { RedisStore } from ${JSON.stringify(path.resolve(__dirname, '../../server/session/stores/redis'))}
async function main() {
  const s = new RedisStore({ url: ${JSON.stringify(URL)}, prefix: ${JSON.stringify(prefix)} })
  await s.save(s.newId(), '{}', undefined)
  console.log('saved')
}
main()
`)
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: path.resolve(__dirname, '../..'), stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d) => { out += d })
  child.stderr.on('data', (d) => { out += d })
  const exited = new Promise<number | null>((res) => child.on('exit', (c) => res(c)))
  // a generous deadline for a busy machine: a process kept alive by the socket never exits
  const deadline = new Promise<'alive'>((res) => setTimeout(() => res('alive'), 60_000).unref())
  const r = await Promise.race([exited, deadline])
  if (r === 'alive') child.kill('SIGKILL')
  fs.rmSync(dir, { recursive: true, force: true })
  assert.notEqual(r, 'alive', 'the process is still running: the Redis socket holds it')
  assert.equal(r, 0, out)
  assert.match(out, /saved/)
})

test('a save under a lock that Redis refuses is QK_SESSION_STORE_DOWN "redis save"', async () => {
  const s = store()
  const id = s.newId()
  const unlock = await s.lock(id)
  // the lock key replaced by a hash: the compare-and-set script's GET fails with WRONGTYPE
  await r.del(`${prefix}l:${id}`)
  await r.hset(`${prefix}l:${id}`, 'x', '1')
  await assert.rejects(s.save(id, '{}', undefined), (e) => code(e) === 'QK_SESSION_STORE_DOWN' && /redis save/.test((e as Error).message))
  unlock()
  await r.del(`${prefix}l:${id}`)
})
