/** The cron lease in Redis: SET NX PX with an owner token, renewed and released only by its owner (scripts compare first). */
import { Redis } from 'ioredis'
import crypto from 'node:crypto'
import { CLAIM_TTL_MS, type CronLease } from './leases'
import type { CronRunRecord } from './files'

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0`
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`

export class RedisLease implements CronLease {
  private readonly redis: Redis
  private readonly key: string

  constructor(url: string, name: string, private readonly ttl: number, readonly owner: string) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 5000 })
    this.redis.on('error', () => { /* a failed command says it; cron then simply does not run */ })
    this.key = `quark:cron:${crypto.createHash('sha256').update(name).digest('hex').slice(0, 24)}:`
  }

  async acquire(): Promise<boolean> {
    try {
      if (await this.redis.eval(RENEW, 1, this.key + 'lease', this.owner, String(this.ttl)) === 1) return true
      return await this.redis.set(this.key + 'lease', this.owner, 'PX', this.ttl, 'NX') === 'OK'
    } catch { return false }
  }

  async claim(key: string): Promise<boolean> {
    try { return await this.redis.set(this.key + 'claim:' + key, this.owner, 'PX', CLAIM_TTL_MS, 'NX') === 'OK' } catch { return false }
  }

  async record(run: CronRunRecord): Promise<void> {
    try { await this.redis.multi().lpush(this.key + 'runs', JSON.stringify(run)).ltrim(this.key + 'runs', 0, 999).exec() } catch { /* the log file has it */ }
  }

  async release(): Promise<void> {
    try { await this.redis.eval(RELEASE, 1, this.key + 'lease', this.owner) } catch { /* expires by itself */ }
    this.redis.disconnect()
  }
}
