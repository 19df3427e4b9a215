/**
 * Cache: web2py's cache.ram, cache.disk, cache.redis and cache.action.
 *
 * Public surface:
 *   cacheFor(appFolder, { redisUrl?, ramMaxEntries? }): AppCache   one per app, cached
 *   cache.ram(key, fn | null, timeExpire = 300)   fn's value cached in memory (LRU bounded); null deletes; timeExpire null = forever
 *   cache.disk(key, fn | null, timeExpire)        same, files under <app>/cache/ (atomic writes)
 *   cache.redis(key, fn | null, timeExpire)       same over Redis (always a Promise), keys 'quark:<app>:<key>'
 *   cache.<store>.clear(regex?), cache.<store>.increment(key, n = 1)
 *   cache.action({ timeExpire, cacheModel, public, vars, lang, session, prefix })(action)
 *   closeAllCaches()                              closes Redis connections (graceful shutdown)
 * An async fn makes the call return a Promise of its value; a rejected fn is not cached.
 */
import path from 'node:path'
import { type Producer } from './common'
import { DiskStore } from './disk'
import { RamStore } from './ram'
import { DEFAULT_REDIS_URL, RedisStore } from './redis'
import { makeActionDecorator, type ActionCacheOptions } from './action'

export { DEFAULT_TIME_EXPIRE } from './common'
export { DEFAULT_REDIS_URL } from './redis'
export { type ActionCacheOptions } from './action'
export { QK_CACHE_BAD_EXPIRE, QK_CACHE_BAD_KEY, QK_CACHE_NOT_STORABLE, QK_CACHE_REDIS } from './errors'
export { RamStore, DiskStore, RedisStore }

export interface SyncStore {
  <R>(key: string, fn: Producer<R>, timeExpire?: number | null): R
  clear(regex?: RegExp | string): void
  increment(key: string, value?: number): number
}
export interface AsyncStore {
  <R>(key: string, fn: Producer<R>, timeExpire?: number | null): Promise<Awaited<R>>
  clear(regex?: RegExp | string): Promise<number>
  increment(key: string, value?: number): Promise<number>
  close(): Promise<void>
}

export interface AppCache {
  ram: SyncStore & { store: RamStore }
  disk: SyncStore & { store: DiskStore }
  redis: AsyncStore & { store: RedisStore }
  action(opts?: ActionCacheOptions): <A extends unknown[], R>(fn: (...args: A) => R) => (...args: A) => Promise<Awaited<R>>
}

export interface CacheOptions {
  /** default: $QUARK_REDIS_URL or redis://127.0.0.1:6379 */
  redisUrl?: string
  /** LRU bound of cache.ram (entries); default 10000 */
  ramMaxEntries?: number
}

const caches = new Map<string, AppCache>()

function bind<S extends { call: (...a: any[]) => any; clear: (...a: any[]) => any; increment: (...a: any[]) => any }>(store: S) {
  const f = ((key: string, fn: Producer<unknown>, t?: number | null) => store.call(key, fn, t)) as any
  f.clear = (re?: RegExp | string) => store.clear(re)
  f.increment = (key: string, n?: number) => store.increment(key, n)
  f.store = store
  return f
}

/** The app's cache (one per app folder for the life of the process; options apply on first call). */
export function cacheFor(appFolder: string, opts: CacheOptions = {}): AppCache {
  const folder = path.resolve(appFolder)
  let c = caches.get(folder)
  if (c) return c
  const app = path.basename(folder)
  const redisStore = new RedisStore(opts.redisUrl ?? process.env.QUARK_REDIS_URL ?? DEFAULT_REDIS_URL, `quark:${app}:`)
  const ram = bind(new RamStore(opts.ramMaxEntries ?? 10000))
  const disk = bind(new DiskStore(path.join(folder, 'cache')))
  const redis = bind(redisStore)
  redis.close = () => redisStore.close()
  c = { ram, disk, redis, action: makeActionDecorator({ ram, disk, redis }) }
  caches.set(folder, c)
  return c
}

/** Close every Redis connection the caches opened (graceful shutdown, tests). */
export async function closeAllCaches(): Promise<void> {
  await Promise.all([...caches.values()].map((c) => c.redis.close()))
}
