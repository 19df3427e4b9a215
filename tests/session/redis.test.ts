// The Redis store through the conformance suite, under a key prefix of its own (the Redis is shared: never FLUSHALL).
import crypto from 'node:crypto'
import { Redis } from 'ioredis'
import { storeConformance } from './stores-conformance'

const URL = 'redis://127.0.0.1:6379'
const prefix = `quark:test:sessions:${crypto.randomBytes(5).toString('hex')}:`

async function withRedis<T>(fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis(URL)
  try { return await fn(r) } finally { r.disconnect() }
}

storeConformance({
  name: 'redis',
  locks: true,
  config: () => ({ store: 'redis', url: URL, prefix, lockWait: 120_000 }),
  async age(_appFolder, id) {
    await withRedis(async (r) => {
      await r.pexpire(`${prefix}d:${id}`, 1)
      while (await r.exists(`${prefix}d:${id}`)) await new Promise((res) => setTimeout(res, 5))
    })
    return id
  },
  cleanupRemoves: false,
  forged: 'r0123456789abcdef0123456789abcdef',
  async teardown() {
    await withRedis(async (r) => {
      const keys = await r.keys(`${prefix}*`)
      if (keys.length) await r.del(...keys)
    })
  },
})
