/**
 * The cron lease in a database (DAL: SQLite, PostgreSQL, MySQL): one row per lease name holding its owner
 * and expiry, taken with a guarded UPDATE (ours, or expired) and created by an INSERT that the unique name
 * lets only one process win; occurrences are claimed by inserting a unique key.
 * Statements run outside any request (autocommit).
 */
import crypto from 'node:crypto'
import { DAL, Field, type Table } from '../dal'
import { runInContext, type CurrentState } from '../current'
import { CLAIM_TTL_MS, type CronLease } from './leases'
import type { CronRunRecord } from './files'

/** Outside any request's transaction (a timer made during a request carries its context along). */
function detached<T>(fn: () => Promise<T>): Promise<T> {
  return runInContext(undefined as unknown as CurrentState, fn)
}

export class DatabaseLease implements CronLease {
  private readonly db: DAL
  private readonly lease: Table
  private readonly claims: Table
  private readonly runs: Table
  private readonly name: string
  private lastPrune = 0

  constructor(uri: string, folder: string, name: string, private readonly ttl: number, readonly owner: string) {
    this.db = new DAL(uri, { folder })
    this.name = crypto.createHash('sha256').update(name).digest('hex').slice(0, 40)
    this.lease = this.db.defineTable('qk_cron_lease',
      Field('name', 'string', { length: 40, notnull: true, unique: true }),
      Field('owner', 'string', { length: 128 }),
      Field('expires_at', 'bigint'))
    this.claims = this.db.defineTable('qk_cron_claim',
      Field('claim', 'string', { length: 64, notnull: true, unique: true }),
      Field('owner', 'string', { length: 128 }),
      Field('at', 'bigint'))
    this.runs = this.db.defineTable('qk_cron_run',
      Field('app', 'string', { length: 128 }),
      Field('line', 'integer'),
      Field('task', 'text'),
      Field('tick', 'string', { length: 32 }),
      Field('started_at', 'string', { length: 32 }),
      Field('duration_ms', 'double'),
      Field('ok', 'boolean'),
      Field('error', 'text'),
      Field('host', 'string', { length: 255 }),
      Field('pid', 'integer'))
  }

  acquire(): Promise<boolean> { return detached(() => this.tryAcquire()) }
  claim(key: string): Promise<boolean> { return detached(() => this.tryClaim(key)) }
  release(): Promise<void> { return detached(() => this.giveUp()) }
  record(r: CronRunRecord): Promise<void> {
    return detached(async () => {
      await this.runs.insert({ app: r.app, line: r.line, task: r.task, tick: r.tick ?? null, started_at: r.startedAt, duration_ms: r.durationMs,
        ok: r.ok, error: r.error ?? r.skipped ?? null, host: r.host ?? null, pid: r.pid })
    }).catch(() => { /* the log file has it */ })
  }

  private async tryAcquire(): Promise<boolean> {
    const t = this.lease
    const now = Date.now()
    try {
      const n = await this.db(t.name.eq(this.name).and(t.owner.eq(this.owner).or(t.expires_at.lt(now)))).update({ owner: this.owner, expires_at: now + this.ttl })
      if (n > 0) return true
      if (await this.db(t.name.eq(this.name)).count() > 0) return false
      await t.insert({ name: this.name, owner: this.owner, expires_at: now + this.ttl })
      return true
    } catch { return false } // another process inserted first, or the database is down: not the runner now
  }

  private async tryClaim(key: string): Promise<boolean> {
    const now = Date.now()
    const digest = crypto.createHash('sha256').update(`${this.name}\0${key}`).digest('hex')
    try {
      await this.claims.insert({ claim: digest, owner: this.owner, at: now })
    } catch { return false }
    if (now - this.lastPrune > 3600_000) {
      this.lastPrune = now
      await this.db(this.claims.at.lt(now - CLAIM_TTL_MS)).delete().catch(() => 0)
    }
    return true
  }

  private async giveUp(): Promise<void> {
    const t = this.lease
    await this.db(t.name.eq(this.name).and(t.owner.eq(this.owner))).update({ owner: null, expires_at: 0 }).catch(() => 0)
  }
}
