/**
 * Transactions. Inside a request, each database has one TxSession per
 * request, registered with the request lifecycle (commit on success,
 * rollback on error, then release); it borrows a connection (SQLite: takes
 * the file's mutex) at its first statement and gives it back at
 * commit/rollback. Outside a request, statements autocommit unless they run
 * inside `db.transaction(async () => ...)`, which opens a session for its
 * duration. Nested `db.transaction` calls are savepoints.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { currentState, registerTransactional } from '../current'
import type { Conn, Driver } from './dialects/base'

export class TxSession {
  conn?: Conn
  /** the first statement's BEGIN in flight: concurrent statements of one request wait for it, not for the mutex */
  private opening?: Promise<Conn>
  private depth = 0
  /** undone when the transaction rolls back (e.g. a migration made inside it) */
  onRollback: Array<() => void> = []
  /** opened by db.transaction(): every statement goes to the primary, reads included */
  explicit = false
  /** what begins the transaction instead of BEGIN (MySQL's XA START of a distributed transaction, twophase.ts) */
  beginSql: string | undefined
  /** the distributed transaction's id given at its beginning (MySQL XA) */
  xid: string | undefined

  constructor(readonly driver: Driver) {}

  /** a request's transaction that has sent nothing yet: its selects may go to a read replica (cluster.ts) */
  readOnlySoFar(): boolean { return !this.explicit && !this.conn && !this.opening }

  /** the connection of this transaction, begun at the first statement */
  connection(): Promise<Conn> {
    if (this.conn) return Promise.resolve(this.conn)
    if (!this.opening) {
      this.opening = (async () => {
        const c = await this.driver.acquire()
        try { await c.exec(this.beginSql ?? (this.driver.dialect.name === 'mysql' ? 'START TRANSACTION' : 'BEGIN'), []) } catch (e) { c.release(); throw e }
        this.conn = c
        return c
      })().finally(() => { this.opening = undefined })
    }
    return this.opening
  }

  /**
   * Synchronous drivers (SQLite): begin now, without a promise, when the connection is free; the
   * connection, or undefined when connection() must be awaited (busy, or a driver that cannot).
   */
  openNow(): Conn | undefined {
    if (this.conn) return this.conn
    if (this.opening || this.beginSql || this.driver.acquireNow === undefined) return undefined
    const c = this.driver.acquireNow()
    if (c === undefined || c.execNow === undefined) { c?.release(); return undefined }
    try { c.execNow('BEGIN', []) } catch (e) { c.release(); throw e }
    this.conn = c
    return c
  }

  async commit(): Promise<void> {
    const c = this.conn
    if (!c) return
    this.conn = undefined
    this.onRollback = []
    // a MySQL XA transaction (distributedTransactionBegin) committed on its own, without the two phases
    const xa = this.beginSql ? this.xid : undefined
    this.beginSql = this.xid = undefined
    try {
      if (xa) { await c.exec(`XA END '${xa}'`, []); await c.exec(`XA COMMIT '${xa}' ONE PHASE`, []) } else await c.exec('COMMIT', [])
    } finally { c.release() }
  }

  async rollback(): Promise<void> {
    const c = this.conn
    const undo = this.onRollback
    this.onRollback = []
    for (const f of undo) f()
    const xa = this.beginSql ? this.xid : undefined
    this.beginSql = this.xid = undefined
    if (!c) return
    this.conn = undefined
    try {
      if (xa) { await c.exec(`XA END '${xa}'`, []).catch(() => undefined); await c.exec(`XA ROLLBACK '${xa}'`, []) } else await c.exec('ROLLBACK', [])
    } finally { c.release() }
  }

  /** has the transaction begun (a statement sent)? */
  get begun(): boolean { return this.conn !== undefined || this.opening !== undefined }

  /** the open transaction's connection, taken out of this session (two-phase commit ends it itself) */
  async detach(): Promise<Conn | undefined> {
    if (this.opening) await this.opening.catch(() => undefined)
    const c = this.conn
    this.conn = undefined
    this.onRollback = []
    this.beginSql = undefined
    this.xid = undefined
    return c
  }

  /** a transaction left open at release is rolled back, never committed silently */
  async release(): Promise<void> { if (this.conn) await this.rollback() }

  /** run fn inside a savepoint of this transaction */
  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    const conn = await this.connection()
    const name = `quark_sp${++this.depth}`
    await conn.exec(`SAVEPOINT ${name}`, [])
    try {
      const r = await fn()
      if (this.conn === conn) await conn.exec(`RELEASE SAVEPOINT ${name}`, [])
      return r
    } catch (e) {
      if (this.conn === conn) await conn.exec(`ROLLBACK TO SAVEPOINT ${name}`, [])
      throw e
    } finally { this.depth-- }
  }
}

const SESSIONS_KEY = 'dal.sessions'
const scriptSessions = new AsyncLocalStorage<Map<string, TxSession>>()

/** The session statements on this database join, or undefined for autocommit. */
export function activeSession(driver: Driver): TxSession | undefined {
  const inScript = scriptSessions.getStore()?.get(driver.key)
  if (inScript) return inScript
  const state = currentState()
  if (!state) return undefined
  let sessions = state[SESSIONS_KEY] as Map<string, TxSession> | undefined
  if (!sessions) { sessions = new Map(); state[SESSIONS_KEY] = sessions }
  let s = sessions.get(driver.key)
  if (!s) {
    const session = new TxSession(driver)
    s = session
    sessions.set(driver.key, session)
    registerTransactional({ commit: () => session.commit(), rollback: () => session.rollback(), release: () => session.release() })
  }
  return s
}

/** `db.transaction(fn)`: a savepoint inside an open session, else a new session committed when fn resolves. */
export async function inTransaction<T>(driver: Driver, fn: () => Promise<T>): Promise<T> {
  const s = activeSession(driver)
  if (s) return s.savepoint(fn)
  const session = new TxSession(driver)
  session.explicit = true
  const map = new Map(scriptSessions.getStore() ?? [])
  map.set(driver.key, session)
  return scriptSessions.run(map, async () => {
    try {
      const r = await fn()
      await session.commit()
      return r
    } catch (e) {
      await session.rollback()
      throw e
    }
  })
}
