// cache.ram / cache.disk / cache.redis with web2py's semantics, against real
// files and a real Redis (127.0.0.1:6379), plus cache.action headers and keys.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Redis } from 'ioredis'
import { newState, runInContext } from '../../server/current/index'
import { isQuarkError } from '../../server/errors/index'
import { cacheFor, closeAllCaches, type AppCache } from '../../server/cache/index'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
let root: string
let app: string
let cache: AppCache

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-cache-'))
  app = path.join(root, `app_${crypto.randomBytes(4).toString('hex')}`)
  fs.mkdirSync(app)
  cache = cacheFor(app, { ramMaxEntries: 5 })
})
after(async () => {
  await cache.redis.clear()
  await closeAllCaches()
  fs.rmSync(root, { recursive: true, force: true })
})

for (const kind of ['ram', 'disk', 'redis'] as const) {
  describe(`cache.${kind}`, () => {
    const store = () => cache[kind] as unknown as (k: string, f: (() => unknown) | null, t?: number | null) => unknown
    const call = async (k: string, f: (() => unknown) | null, t?: number | null) => await store()(k, f, t)

    test('returns the cached value while it is younger than timeExpire, then recomputes', async () => {
      let n = 0
      const f = () => ++n
      assert.equal(await call('k1', f, 0.2), 1)
      assert.equal(await call('k1', f, 0.2), 1)
      assert.equal(n, 1)
      await sleep(250)
      assert.equal(await call('k1', f, 0.2), 2, 'stale after 0.2 s')
      assert.equal(await call('k1', f, 60), 2, 'freshness is judged by the caller\'s timeExpire')
      assert.equal(await call('k1', f, 0), 3, 'timeExpire 0 always recomputes')
      assert.equal(await call('k1', f, null), 3, 'null: never expires')
    })

    test('null deletes a key; clear(regex) removes matching keys only', async () => {
      assert.equal(await call('del', () => 'a'), 'a')
      await call('del', null)
      assert.equal(await call('del', () => 'b'), 'b')
      await call('user:1', () => 1)
      await call('user:2', () => 2)
      await call('page:1', () => 3)
      await cache[kind].clear(/^user:/)
      assert.equal(await call('user:1', () => 'new'), 'new')
      assert.equal(await call('page:1', () => 'new'), 3)
      await cache[kind].clear()
      assert.equal(await call('page:1', () => 'fresh'), 'fresh')
    })

    test('an async producer gives a Promise of its value; a rejected one is not cached', async () => {
      let n = 0
      const f = async () => { await sleep(5); return { n: ++n, when: new Date(0) } }
      const a = store()('async', f, 60)
      assert.ok(a instanceof Promise)
      assert.deepEqual(await a, { n: 1, when: new Date(0) })
      assert.deepEqual(await store()('async', f, 60), { n: 1, when: new Date(0) })
      await assert.rejects(async () => await store()('boom', async () => { throw new Error('no') }, 60), /no/)
      assert.equal(await call('boom', () => 'recovered', 60), 'recovered')
    })

    test('increment counts', async () => {
      assert.equal(await cache[kind].increment('hits'), 1)
      assert.equal(await cache[kind].increment('hits', 5), 6)
    })

    test('bad keys and expiries are refused with a clear error', async () => {
      await assert.rejects(async () => await call('', () => 1), (e: unknown) => isQuarkError(e) && e.code === 'QK_CACHE_BAD_KEY')
      await assert.rejects(async () => await call('x', () => 1, -1), (e: unknown) => isQuarkError(e) && e.code === 'QK_CACHE_BAD_EXPIRE')
    })
  })
}

test('ram: synchronous for a synchronous producer, concurrent async callers share one call, LRU bound', async () => {
  assert.equal(cache.ram('sync', () => 42), 42, 'no Promise')
  let calls = 0
  const slow = async () => { calls++; await sleep(20); return 'v' }
  const [a, b] = await Promise.all([cache.ram('shared', slow, 60), cache.ram('shared', slow, 60)])
  assert.deepEqual([a, b, calls], ['v', 'v', 1])
  cache.ram.clear()
  for (let i = 0; i < 5; i++) cache.ram(`lru${i}`, () => i)
  cache.ram('lru0', () => 'x') // touch: lru0 becomes the youngest
  cache.ram('lru5', () => 5) // evicts the oldest, lru1
  assert.equal(cache.ram.store.size, 5)
  assert.equal(cache.ram.store.has('lru1'), false)
  assert.equal(cache.ram.store.has('lru0'), true)
  const obj = { helper: () => 1 }
  assert.equal(cache.ram('fn', () => obj), obj, 'ram keeps any object by reference')
})

test('disk: files under <app>/cache, atomic, corrupt files are misses, unstorable values refused', () => {
  assert.equal(cache.disk('file', () => 'on disk'), 'on disk')
  const files = fs.readdirSync(path.join(app, 'cache'))
  assert.ok(files.length >= 1 && files.every((f) => f.endsWith('.cache')), files.join(','))
  // a second process (simulated by a fresh store object) reads the same entry
  assert.equal(new (cache.disk.store.constructor as any)(path.join(app, 'cache')).call('file', () => 'other', 60), 'on disk')
  for (const f of fs.readdirSync(path.join(app, 'cache'))) fs.writeFileSync(path.join(app, 'cache', f), 'garbage')
  assert.equal(cache.disk('file', () => 'rebuilt', 60), 'rebuilt')
  assert.throws(() => cache.disk('fn', () => ({ f: () => 1 })), (e: unknown) => isQuarkError(e) && e.code === 'QK_CACHE_NOT_STORABLE')
  assert.ok(!fs.readdirSync(path.join(app, 'cache')).some((f) => f.endsWith('.tmp')), 'no temp files left')
  cache.disk('../../etc/passwd', () => 'safe')
  assert.ok(fs.readdirSync(path.join(app, 'cache')).every((f) => /^[0-9a-f]{64}\.cache$/.test(f)), 'keys never become paths')
})

test('redis: keys are prefixed by app and expire in Redis itself', async () => {
  const raw = new Redis('redis://127.0.0.1:6379')
  try {
    await cache.redis('ttl', () => 'x', 30)
    const name = `quark:${path.basename(app)}:ttl`
    const ttl = await raw.pttl(name)
    assert.ok(ttl > 0 && ttl <= 30000, String(ttl))
    await cache.redis('forever', () => 'y', null)
    assert.equal(await raw.pttl(`quark:${path.basename(app)}:forever`), -1)
    // another app's keys are untouched by clear()
    await raw.set('quark:someotherapp:keep', '1')
    await cache.redis.clear()
    assert.equal(await raw.get('quark:someotherapp:keep'), '1')
    assert.equal(await raw.exists(name), 0)
    await raw.del('quark:someotherapp:keep')
  } finally {
    raw.disconnect()
  }
})

test('redis: an unreachable server gives QK_CACHE_REDIS', async () => {
  const dir = path.join(root, 'down_app')
  fs.mkdirSync(dir)
  const c = cacheFor(dir, { redisUrl: 'redis://127.0.0.1:1' })
  await assert.rejects(c.redis('k', () => 1), (e: unknown) => isQuarkError(e) && e.code === 'QK_CACHE_REDIS')
  await c.redis.close()
})

test('cacheFor returns one cache per app', () => {
  assert.equal(cacheFor(app), cache)
})
