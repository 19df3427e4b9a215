/**
 * A fixed-window rate limit per caller (API key, else user, else address).
 * Counted in this process's memory, or in Redis when the policy names a URL
 * so that every worker and machine shares one count. The memory counts are
 * process state (like cache.ram), kept per app and bounded in size.
 */
import type { Redis as RedisClient } from 'ioredis'
import type { RateLimit } from './policy'

interface Window { start: number; count: number }
const MAX_KEYS = 10_000
const windows = new Map<string, Window>()
const clients = new Map<string, RedisClient>()

/** seconds to wait when `key` is over the limit, else 0 (the request is counted). */
export async function overLimit(limit: RateLimit, key: string, now = Date.now()): Promise<number> {
  if (!(limit.requests > 0) || !(limit.per > 0)) return 0
  const ms = limit.per * 1000
  if (limit.redis) return overLimitRedis(limit, key, now, ms)
  let w = windows.get(key)
  if (!w || now - w.start >= ms) {
    if (!w && windows.size >= MAX_KEYS) {
      // forget the oldest windows first (a Map iterates in insertion order)
      for (const k of windows.keys()) { windows.delete(k); if (windows.size < MAX_KEYS / 2) break }
    }
    w = { start: now, count: 0 }
    windows.delete(key)
    windows.set(key, w)
  }
  w.count++
  return w.count > limit.requests ? Math.max(1, Math.ceil((w.start + ms - now) / 1000)) : 0
}

async function overLimitRedis(limit: RateLimit, key: string, now: number, ms: number): Promise<number> {
  let c = clients.get(limit.redis!)
  if (!c) {
    const { default: Redis } = await import('ioredis')
    c = new Redis(limit.redis!, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: true })
    c.on('error', () => {})  // a failed command rejects; the connection's own errors are retried by ioredis
    clients.set(limit.redis!, c)
  }
  const slot = Math.floor(now / ms)
  const k = `quark:rest:${key}:${slot}`
  const [[, count]] = (await c.multi().incr(k).pexpire(k, ms).exec()) as [[unknown, number]]
  return count > limit.requests ? Math.max(1, Math.ceil(((slot + 1) * ms - now) / 1000)) : 0
}

/** Close the Redis connections (tests and shutdown). */
export async function closeRateLimitClients(): Promise<void> {
  for (const c of clients.values()) c.disconnect()
  clients.clear()
}
