/**
 * Database sessions: one row per session in a DAL table (SQLite, PostgreSQL or MySQL), the lock held in
 * the row itself so that processes and machines sharing the database serialise requests of one session:
 *
 *   sid | data (JSON) | expires_at (ms) | lock_owner (random token) | lock_expires (ms) | version
 *
 * lock: UPDATE ... SET lock_owner = token WHERE sid = ? AND (lock_owner IS NULL OR lock_expires < now);
 *       one row changed means we hold it; no row yet: INSERT one already locked (the unique sid makes
 *       one of two racing inserts fail, and that one retries);
 * save: UPDATE ... SET data, version = version + 1 WHERE sid = ? AND lock_owner = token (compare-and-set:
 *       a request whose lock expired and was taken over writes nothing and fails with QK_SESSION_LOCK_LOST);
 * unlock: the same guard; a row that never got data (a forged or expired id) is deleted, not left behind.
 *
 * Every statement runs outside the request's transaction (autocommit): the lock must be visible to the
 * other processes at once, and the app's rollback must not undo a session write or a lock release.
 */
import { randomBytes } from 'node:crypto'
import { DAL, Field, type Table } from '../../dal'
import { runInContext, type CurrentState } from '../../current'
import { acquire } from '../lock'
import { retryUntil } from './wait'
import { QK_SESSION_LOCK_LOST, QK_SESSION_STORE_DOWN } from '../errors'
import { isQuarkError } from '../../errors'
import type { SessionStore, Unlock } from './types'

const ID = /^d[0-9a-f]{32}$/

export interface DatabaseStoreOptions {
  uri: string
  /** folder of a relative SQLite file */
  folder?: string
  table?: string
  maxAge?: number
  lockTtl?: number
  lockWait?: number
}

/** Run outside any request context, so the DAL autocommits instead of joining the request's transaction. */
function detached<T>(fn: () => Promise<T>): Promise<T> {
  return runInContext(undefined as unknown as CurrentState, fn)
}

export class DatabaseStore implements SessionStore {
  readonly kind = 'database' as const
  readonly locks = true
  private readonly db: DAL
  private readonly t: Table
  private readonly maxAgeMs: number
  private readonly lockTtl: number
  private readonly lockWait: number
  private readonly tokens = new Map<string, string>()

  constructor(readonly opts: DatabaseStoreOptions) {
    this.maxAgeMs = (opts.maxAge ?? 86400) * 1000
    this.lockTtl = opts.lockTtl ?? 60_000
    this.lockWait = opts.lockWait ?? 30_000
    this.db = new DAL(opts.uri, opts.folder ? { folder: opts.folder } : {})
    this.t = this.db.defineTable(opts.table ?? 'qk_session',
      Field('sid', 'string', { length: 40, notnull: true, unique: true }),
      Field('data', 'text'),
      Field('expires_at', 'bigint'),
      // Stryker disable next-line ObjectLiteral: a length only (tokens are 24 characters; SQLite ignores it, and any varchar holds them)
      Field('lock_owner', 'string', { length: 32 }),
      Field('lock_expires', 'bigint'),
      // Stryker disable next-line ObjectLiteral: both inserts set version themselves
      Field('version', 'integer', { default: 0 }))
  }

  private async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try { return await detached(fn) } catch (e) {
      if (isQuarkError(e) && e.status < 500) throw e
      throw new QK_SESSION_STORE_DOWN(`database ${what}`, (e as Error).message, { cause: e })
    }
  }

  accepts(cookieValue: string): boolean { return ID.test(cookieValue) }
  newId(): string { return 'd' + randomBytes(16).toString('hex') }

  async lock(id: string): Promise<Unlock> {
    const releaseLocal = await acquire(`db\0${this.opts.uri}\0${this.t._tablename}\0${id}`)
    const token = randomBytes(12).toString('hex')
    try {
      await retryUntil(() => this.tryLock(id, token), this.lockWait)
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
      this.unlock(id, token).catch(() => { /* the lock expires by itself */ }).finally(releaseLocal)
    }
  }

  private async tryLock(id: string, token: string): Promise<true | undefined> {
    const t = this.t
    const now = Date.now()
    const taken = await this.run('lock', () => this.db(t.sid.eq(id).and(t.lock_owner.isNull().or(t.lock_expires.lt(now))))
      .update({ lock_owner: token, lock_expires: now + this.lockTtl }))
    // Stryker disable next-line BooleanLiteral: retryUntil ends on any answer but undefined, false as well as true
    if (taken > 0) return true
    // Stryker disable next-line StringLiteral,ArrowFunction: a shortcut: without the count the insert below fails on the existing row (unique sid) and answers undefined the same; its failure label is unreachable
    const exists = await this.run('lock', () => this.db(t.sid.eq(id)).count())
    if (exists > 0) return undefined // held by another request
    try {
      await detached(() => t.insert({ sid: id, data: null, expires_at: 0, lock_owner: token, lock_expires: now + this.lockTtl, version: 0 }))
      // Stryker disable next-line BooleanLiteral: retryUntil ends on any answer but undefined, false as well as true
      return true
    } catch {
      return undefined // another process inserted it first (or the database failed: the next attempt says so)
    }
  }

  private async unlock(id: string, token: string): Promise<void> {
    const t = this.t
    // Stryker disable next-line StringLiteral: the label of an error that lock()'s release swallows (the lock expires by itself)
    await this.run('unlock', async () => {
      const mine = t.sid.eq(id).and(t.lock_owner.eq(token))
      await this.db(mine.and(t.data.isNull())).delete()
      await this.db(mine).update({ lock_owner: null, lock_expires: null })
    })
  }

  async load(id: string): Promise<Record<string, unknown> | undefined> {
    const t = this.t
    const row = (await this.run('load', () => this.db(t.sid.eq(id)).select(t.data, t.expires_at))).first() as { data: string | null; expires_at: number | null } | undefined
    if (!row || row.data === null || Number(row.expires_at) < Date.now()) return undefined
    try { return JSON.parse(row.data) as Record<string, unknown> } catch { return undefined }
  }

  async save(id: string, json: string, renewedFrom: string | undefined): Promise<string | undefined> {
    const t = this.t
    const expires = Date.now() + this.maxAgeMs
    const lockedId = renewedFrom ?? id
    const token = this.tokens.get(lockedId)
    if (token !== undefined && lockedId === id) {
      const n = await this.run('save', () => this.db(t.sid.eq(id).and(t.lock_owner.eq(token)))
        .update({ data: json, expires_at: expires, version: t.version.add(1) }))
      if (n !== 1) throw new QK_SESSION_LOCK_LOST()
      return undefined
    }
    // a new id (new session, or renewed): nobody else knows it, insert it; the renewed one is removed under its lock
    if (token !== undefined) {
      const n = await this.run('renew', () => this.db(t.sid.eq(lockedId).and(t.lock_owner.eq(token))).delete())
      if (n !== 1) throw new QK_SESSION_LOCK_LOST()
      this.tokens.delete(lockedId)
    }
    await this.run('save', () => t.insert({ sid: id, data: json, expires_at: expires, lock_owner: null, lock_expires: null, version: 1 }))
    return undefined
  }

  async expire(id: string): Promise<void> {
    if (ID.test(id)) await this.run('expire', () => this.db(this.t.sid.eq(id)).delete())
  }

  async cleanup(): Promise<number> {
    const t = this.t
    const now = Date.now()
    // expired data, and never-written rows whose lock holder is long gone
    return this.run('cleanup', () => this.db(t.expires_at.lt(now).and(t.lock_owner.isNull().or(t.lock_expires.lt(now)))).delete())
  }

  async close(): Promise<void> { /* the DAL's pools are closed by closeAllConnections at shutdown */ }
}
