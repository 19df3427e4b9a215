/**
 * Redis sessions (ioredis): the data under `<prefix>d:<id>` with a TTL of maxAge (Redis removes expired
 * sessions itself), the lock under `<prefix>l:<id>`: SET NX PX lockTtl with a random owner token.
 * The write and the release are scripts that first compare the token (compare-and-set, compare-and-delete),
 * so a request whose lock expired and was taken over neither overwrites the newer data nor frees the
 * other request's lock.
 */
import type { Redis } from 'ioredis'
import { randomBytes } from 'node:crypto'
import { lazyPackage } from '../../errors'
import { acquire } from '../lock'
import { retryUntil } from './wait'
import { QK_SESSION_LOCK_LOST, QK_SESSION_STORE_DOWN } from '../errors'
import type { SessionStore, Unlock } from './types'

const ID = /^r[0-9a-f]{32}$/

/** ioredis (~18 MB of RSS) is loaded when a Redis session store is first used, not at start-up. */
const ioredis = lazyPackage('ioredis', 'Redis sessions', () => require('ioredis') as typeof import('ioredis'))

// KEYS[1] lock, KEYS[2] new data, KEYS[3] old data (renew) ; ARGV token, json, ttl ms
const SAVE = `if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('set', KEYS[2], ARGV[2], 'PX', ARGV[3])
if KEYS[3] ~= KEYS[2] then redis.call('del', KEYS[3]) end
return 1`
const UNLOCK = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`

export interface RedisStoreOptions {
  url: string
  prefix: string
  maxAge?: number
  lockTtl?: number
  lockWait?: number
}

export class RedisStore implements SessionStore {
  readonly kind = 'redis' as const
  readonly locks = true
  private client: Redis | undefined
  private readonly maxAgeMs: number
  private readonly lockTtl: number
  private readonly lockWait: number
  /** id → our lock token (requests of one id in this process are serialised by lock.ts, so one at a time) */
  private readonly tokens = new Map<string, string>()

  constructor(readonly opts: RedisStoreOptions) {
    this.maxAgeMs = (opts.maxAge ?? 86400) * 1000
    this.lockTtl = opts.lockTtl ?? 60_000
    this.lockWait = opts.lockWait ?? 30_000
  }

  private redis(lib: typeof import('ioredis')): Redis {
    if (!this.client) {
      this.client = new lib.Redis(this.opts.url, { maxRetriesPerRequest: 1, connectTimeout: 5000, enableOfflineQueue: true })
      // Stryker disable next-line StringLiteral: without this listener ioredis only prints the error itself; the command that fails reports it either way
      this.client.on('error', () => { /* reported by the command that fails */ })
      // the server's sockets keep a process alive, never the session store's: a stopped server exits even
      // when nothing closed this client (each reconnection is a new socket)
      const client = this.client
      // Stryker disable next-line OptionalChaining: a connected client always has a socket with unref()
      client.on('connect', () => { (client as unknown as { stream?: { unref?(): void } }).stream?.unref?.() })
    }
    return this.client
  }

  private async run<T>(what: string, op: (r: Redis) => Promise<T>): Promise<T> {
    const lib = ioredis() // outside the try: a missing package is QK_PACKAGE_LOAD, not a store that is down
    try { return await op(this.redis(lib)) } catch (e) { throw new QK_SESSION_STORE_DOWN(`redis ${what}`, (e as Error).message, { cause: e }) }
  }

  accepts(cookieValue: string): boolean { return ID.test(cookieValue) }
  newId(): string { return 'r' + randomBytes(16).toString('hex') }

  async lock(id: string): Promise<Unlock> {
    const releaseLocal = await acquire(`redis\0${this.opts.prefix}\0${id}`)
    const token = randomBytes(12).toString('hex')
    const key = this.opts.prefix + 'l:' + id
    try {
      // Stryker disable next-line BooleanLiteral: retryUntil ends on any answer but undefined, false as well as true
      await retryUntil(async () => (await this.run('lock', (r) => r.set(key, token, 'PX', this.lockTtl, 'NX'))) === 'OK' ? true : undefined, this.lockWait)
    } catch (e) {
      releaseLocal()
      throw e
    }
    this.tokens.set(id, token)
    let done = false
    return () => {
      if (done) return
      done = true
      if (this.tokens.get(id) === token) this.tokens.delete(id)
      // the next request of this process waits until Redis has the lock freed (else it would poll for it)
      // Stryker disable next-line StringLiteral: the label of an error that is swallowed (the lock expires by itself)
      this.run('unlock', (r) => r.eval(UNLOCK, 1, key, token)).catch(() => { /* expires by itself */ }).finally(releaseLocal)
    }
  }

  async load(id: string): Promise<Record<string, unknown> | undefined> {
    const text = await this.run('load', (r) => r.get(this.opts.prefix + 'd:' + id))
    if (text === null) return undefined
    try { return JSON.parse(text) as Record<string, unknown> } catch { return undefined }
  }

  async save(id: string, json: string, renewedFrom: string | undefined): Promise<string | undefined> {
    const p = this.opts.prefix
    const lockedId = renewedFrom ?? id
    const token = this.tokens.get(lockedId)
    if (token === undefined) {
      // a new session (no lock: its id was just drawn and nobody else knows it)
      await this.run('save', (r) => r.set(p + 'd:' + id, json, 'PX', this.maxAgeMs))
      return undefined
    }
    const ok = await this.run('save', (r) => r.eval(SAVE, 3, p + 'l:' + lockedId, p + 'd:' + id, p + 'd:' + lockedId, token, json, String(this.maxAgeMs)))
    if (ok !== 1) throw new QK_SESSION_LOCK_LOST()
    return undefined
  }

  async expire(id: string): Promise<void> {
    if (ID.test(id)) await this.run('expire', (r) => r.del(this.opts.prefix + 'd:' + id))
  }

  async cleanup(): Promise<number> { return 0 /* keys carry their TTL */ }

  async close(): Promise<void> {
    const c = this.client
    this.client = undefined
    if (c) await c.quit().catch(() => c.disconnect())
  }
}
