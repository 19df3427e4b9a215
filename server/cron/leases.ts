/**
 * Cron across processes and machines: a lease in a database or Redis that
 * every process of the site shares, chosen by `applications/cron.json`:
 *
 *   { "lease": { "store": "redis", "url": "redis://127.0.0.1:6379" } }
 *   { "lease": { "store": "database", "uri": "postgres://user@host/db" } }     (or mysql://, sqlite://)
 *
 * optional: "ttl" (ms a lease lives without renewal, default 30000), "name" (which lease: sites sharing one
 * database or Redis need different names; default: the applications folder's path). "$NAME" values come
 * from the environment. Without a lease configuration the lock file of lock.ts is used (one machine).
 *
 * The holder renews the lease on each check (a heartbeat, every second in hard mode) and runs what is due
 * only when the renewal succeeded; another process takes the lease over once it expired (its holder died
 * or hung). Each due occurrence (app, line, scheduled minute) is also claimed once in the same store before
 * it runs, so the moment of a handover cannot run a minute twice. Finished runs are recorded in the same
 * store (database: table qk_cron_run; Redis: the list <key>runs, the last 1000).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import crypto from 'node:crypto'
import { QK_CRON_BAD_LEASE } from './errors'
import type { CronRunRecord } from './files'

export interface CronLease {
  /** take the lease or renew ours; true while this process holds it */
  acquire(): Promise<boolean>
  /** claim one occurrence (first claimer wins, across processes) */
  claim(key: string): Promise<boolean>
  /** record a finished run (line, start, duration, host, pid, result) where every machine can read it */
  record(run: CronRunRecord): Promise<void>
  /** give the lease up (graceful stop) and close connections */
  release(): Promise<void>
  readonly owner: string
}

export interface LeaseConfig {
  store: 'redis' | 'database'
  url?: string
  uri?: string
  ttl?: number
  name?: string
}

const CLAIM_TTL_MS = 2 * 86400_000

function newOwner(): string {
  return `${os.hostname()}:${process.pid}:${crypto.randomBytes(6).toString('hex')}`
}

/** `applications/cron.json`'s lease, or undefined when there is none (the lock file then). */
export function readLeaseConfig(applicationsFolder: string): LeaseConfig | undefined {
  const file = path.join(applicationsFolder, 'cron.json')
  let text: string
  try { text = fs.readFileSync(file, 'utf8') } catch { return undefined }
  let raw: { lease?: Record<string, unknown> }
  try { raw = JSON.parse(text) as typeof raw } catch (e) { throw new QK_CRON_BAD_LEASE(file, (e as Error).message) }
  const l = raw?.lease
  if (l === undefined) return undefined
  if (!l || typeof l !== 'object') throw new QK_CRON_BAD_LEASE(file, '"lease" must be an object')
  const env = (v: unknown) => typeof v === 'string' && /^\$[A-Za-z_]\w*$/.test(v) ? process.env[v.slice(1)] ?? '' : v
  const c: LeaseConfig = { store: l.store as LeaseConfig['store'], url: env(l.url) as string | undefined, uri: env(l.uri) as string | undefined,
    ttl: typeof l.ttl === 'number' ? l.ttl : undefined, name: typeof l.name === 'string' ? l.name : undefined }
  if (c.store !== 'redis' && c.store !== 'database') throw new QK_CRON_BAD_LEASE(file, 'lease.store must be "redis" or "database"')
  if (!(c.url ?? c.uri)) throw new QK_CRON_BAD_LEASE(file, `the ${c.store} lease needs "${c.store === 'redis' ? 'url' : 'uri'}"`)
  return c
}

export function makeLease(c: LeaseConfig, applicationsFolder: string): CronLease {
  const name = c.name ?? `cron:${path.resolve(applicationsFolder)}`
  const ttl = c.ttl ?? 30_000
  if (c.store === 'redis') {
    const { RedisLease } = require('./leases-redis') as typeof import('./leases-redis')
    return new RedisLease((c.url ?? c.uri)!, name, ttl, newOwner())
  }
  const { DatabaseLease } = require('./leases-database') as typeof import('./leases-database')
  return new DatabaseLease((c.uri ?? c.url)!, path.join(applicationsFolder, '..', 'databases'), name, ttl, newOwner())
}

export { CLAIM_TTL_MS }
