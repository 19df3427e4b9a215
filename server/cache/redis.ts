/**
 * cache.redis: the same API over Redis (ioredis), always asynchronous.
 * Connected lazily on first use; keys are prefixed `quark:<app>:` so apps
 * sharing a server never collide; each key also gets a Redis expiry equal to
 * the timeExpire it was written with (at least 5 s), so Redis reclaims stale entries itself.
 */
import type { Redis } from 'ioredis'
import { lazyPackage } from '../errors/index'
import { checkKey, deserialise, expireOf, isFresh, serialise, type Producer } from './common'
import { QK_CACHE_REDIS } from './errors'

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379'

interface Stored { time: number; value: unknown }

/**
 * Floor of the Redis-side expiry: a value written with timeExpire 0 ("always
 * recompute") must still be there for a reader that accepts older values.
 */
const MIN_TTL_MS = 5000

/** ioredis (~18 MB of RSS) is loaded when a Redis cache is first used, not at start-up. */
const ioredis = lazyPackage('ioredis', 'cache.redis', () => require('ioredis') as typeof import('ioredis'))

export class RedisStore {
  private client: Redis | null = null
  constructor(readonly url: string, readonly prefix: string) {}

  private conn(lib: typeof import('ioredis')): Redis {
    if (!this.client) {
      this.client = new lib.Redis(this.url, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: true })
      // errors surface on the commands that fail; this keeps an idle broken connection from crashing the process
      this.client.on('error', () => {})
    }
    return this.client
  }

  private async run<T>(what: string, op: (r: Redis) => Promise<T>): Promise<T> {
    const lib = ioredis() // outside the try: a missing package is QK_PACKAGE_LOAD, not a Redis that failed
    try {
      return await op(this.conn(lib))
    } catch (e) {
      throw new QK_CACHE_REDIS(`${what} failed at ${this.url}: ${(e as Error).message}`, { cause: e })
    }
  }

  async call<R>(key: string, fn: Producer<R>, timeExpire?: number | null): Promise<Awaited<R> | undefined> {
    checkKey(key)
    const k = this.prefix + key
    if (fn === null) { await this.run('DEL', (r) => r.del(k)); return undefined }
    const t = expireOf(timeExpire)
    const raw = await this.run('GET', (r) => r.getBuffer(k))
    if (raw) {
      try {
        const s = deserialise<Stored>(raw)
        if (isFresh(s.time, t)) return s.value as Awaited<R>
      } catch { /* unreadable entry: recompute */ }
    }
    const value = await fn()
    const buf = serialise('redis', { time: Date.now(), value })
    await this.run('SET', (r) => (t === Infinity ? r.set(k, buf) : r.set(k, buf, 'PX', Math.max(MIN_TTL_MS, Math.ceil(t * 1000)))))
    return value
  }

  /** Remove this app's keys (those whose unprefixed name matches `regex`, if given), by SCAN, never KEYS. */
  async clear(regex?: RegExp | string): Promise<number> {
    const re = regex === undefined ? null : typeof regex === 'string' ? new RegExp(regex) : regex
    let cursor = '0'
    let removed = 0
    const pattern = this.prefix.replace(/[*?[\]\\]/g, '\\$&') + '*'
    do {
      const [next, keys] = await this.run('SCAN', (r) => r.scan(cursor, 'MATCH', pattern, 'COUNT', 500))
      cursor = next
      const doomed = re ? keys.filter((k) => re.test(k.slice(this.prefix.length))) : keys
      if (doomed.length) removed += await this.run('DEL', (r) => r.del(...doomed))
    } while (cursor !== '0')
    return removed
  }

  /** Atomic across processes: INCRBYFLOAT on a side counter, then the entry is rewritten from it. */
  async increment(key: string, value = 1): Promise<number> {
    checkKey(key)
    const k = this.prefix + key
    const n = Number(await this.run('INCRBYFLOAT', (r) => r.incrbyfloat(k + ':counter', value)))
    const buf = serialise('redis', { time: Date.now(), value: n })
    await this.run('SET', (r) => r.set(k, buf))
    return n
  }

  async close(): Promise<void> {
    const c = this.client
    this.client = null
    if (c) await c.quit().catch(() => c.disconnect())
  }
}
