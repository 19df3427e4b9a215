/**
 * Distributed transactions across databases (web2py's distributed_transaction_commit): two-phase commit
 * with PostgreSQL's PREPARE TRANSACTION / COMMIT PREPARED and MySQL's XA.
 *
 *   distributedTransactionBegin(db1, db2)    before the first statement: MySQL begins with XA START
 *   ... statements on db1 and db2, in a request or inside db.transaction() ...
 *   distributedTransactionCommit(db1, db2)   prepare every part, then commit every part
 *
 * The decision is durable before anything commits: the first participant's transaction also inserts
 * a row into quark_2pc_decision (same transaction, so the row exists exactly when that part committed),
 * and phase 2 commits that participant first. A crash between the phases leaves prepared transactions
 * (they hold their locks until resolved): `distributedTransactionRecover(db1, db2, ...)` commits those
 * whose decision row exists and rolls back the rest of a group whose first part is still prepared; at
 * the first connection of a process each PostgreSQL/MySQL database lists the ones left (one log line).
 *
 * Transaction ids: quark2pc_<time base36>_<random>_<participant index> (MySQL XA ids are at most 64 bytes).
 * PostgreSQL needs max_prepared_transactions > 0 (0 by default): checked before anything is prepared,
 * with a clear error (QK_DAL_2PC_UNAVAILABLE); the transactions stay open and roll back as usual.
 */
import crypto from 'node:crypto'
import type { DAL } from './dal'
import type { Conn, Driver } from './dialects/base'
import { activeSession, type TxSession } from './session'
import { QK_DAL_2PC_FAILED, QK_DAL_2PC_STATE, QK_DAL_2PC_UNAVAILABLE } from './errors'

const PREFIX = 'quark2pc_'
const DECISIONS = 'quark_2pc_decision'
const GID = /^quark2pc_([0-9a-z]+)_([0-9a-f]+)_(\d+)$/

interface Part { db: DAL; session: TxSession; gid: string; index: number; mysql: boolean }

function newBase(): string { return `${Date.now().toString(36)}_${crypto.randomBytes(6).toString('hex')}` }

function baseOf(gid: string): string | undefined {
  const m = GID.exec(gid)
  return m ? `${m[1]}_${m[2]}` : undefined
}

function sessionOf(db: DAL, what: string): TxSession {
  if (db._dialect.name === 'sqlite') throw new QK_DAL_2PC_UNAVAILABLE(db._driver.key, 'SQLite has no prepared transactions')
  const s = activeSession(db._driver)
  if (!s) throw new QK_DAL_2PC_STATE(`${what}: ${db._driver.key} has no open transaction; run it in a request or inside db.transaction()`)
  return s
}

/** Mark the participants of one distributed transaction; MySQL's part must begin with XA START (before its first statement). */
export function distributedTransactionBegin(...dbs: DAL[]): void {
  const base = newBase()
  dbs.forEach((db, i) => {
    const s = sessionOf(db, 'distributedTransactionBegin')
    if (s.xid) throw new QK_DAL_2PC_STATE(`${db._driver.key} is already part of distributed transaction ${s.xid}`)
    if (db._dialect.name === 'mysql') {
      if (s.begun) throw new QK_DAL_2PC_STATE(`${db._driver.key}: its transaction already began; on MySQL call distributedTransactionBegin before the first statement (XA START)`)
      s.beginSql = `XA START '${PREFIX}${base}_${i}'`
    }
    s.xid = `${PREFIX}${base}_${i}`
  })
}

const decisionTables = new Set<string>()
async function ensureDecisionTable(driver: Driver): Promise<void> {
  if (decisionTables.has(driver.key)) return
  // autocommit, on a connection of its own: DDL inside MySQL's XA transaction is not allowed
  await driver.run(`CREATE TABLE IF NOT EXISTS ${DECISIONS} (base VARCHAR(64) NOT NULL PRIMARY KEY, decided_at BIGINT NOT NULL)`, [])
  decisionTables.add(driver.key)
}

/** A test hook: QUARK_TEST_2PC_CRASH=prepared|decided kills this process between the phases (crash-recovery tests). */
function crashPoint(at: 'prepared' | 'decided'): void {
  if (process.env.QUARK_TEST_2PC_CRASH === at) process.kill(process.pid, 'SIGKILL')
}

/**
 * Commit the open transactions of `dbs` all or none. Resolves once the decision is taken and applied;
 * rejects with QK_DAL_2PC_FAILED (every part rolled back) when a part cannot prepare.
 */
export async function distributedTransactionCommit(...dbs: DAL[]): Promise<void> {
  const sessions = dbs.map((db) => sessionOf(db, 'distributedTransactionCommit'))
  const begun = sessions.filter((s) => s.xid)
  if (begun.length && begun.length !== sessions.length) throw new QK_DAL_2PC_STATE('pass distributedTransactionCommit the same databases as distributedTransactionBegin')
  const base = begun.length ? baseOf(begun[0]!.xid!)! : newBase()
  if (begun.some((s) => baseOf(s.xid!) !== base)) throw new QK_DAL_2PC_STATE('these databases belong to different distributed transactions')
  dbs.forEach((db, i) => {
    if (db._dialect.name === 'mysql' && !sessions[i]!.xid && sessions[i]!.begun) {
      throw new QK_DAL_2PC_STATE(`${db._driver.key}: a MySQL transaction joins a distributed one only when begun by distributedTransactionBegin (XA START)`)
    }
  })
  const parts: Part[] = dbs.map((db, i) => ({ db, session: sessions[i]!, gid: sessions[i]!.xid ?? `${PREFIX}${base}_${i}`, index: Number(/_(\d+)$/.exec(sessions[i]!.xid ?? `_${i}`)![1]), mysql: db._dialect.name === 'mysql' }))
  parts.sort((a, b) => a.index - b.index)
  for (const p of parts) {
    if (p.mysql) continue
    const r = await p.db._driver.run('SHOW max_prepared_transactions', [])
    if (Number(r.rows[0]?.[0]) <= 0) throw new QK_DAL_2PC_UNAVAILABLE(p.db._driver.key, 'max_prepared_transactions is 0 (set it in postgresql.conf, e.g. 10, and restart PostgreSQL)')
  }
  // every part needs its transaction open (a participant with no statement gets an empty one)
  const coordinator = parts[0]!
  await ensureDecisionTable(coordinator.db._driver)
  const conns: Conn[] = []
  for (const p of parts) conns.push(await p.session.connection())
  await conns[0]!.exec(`INSERT INTO ${DECISIONS} (base, decided_at) VALUES (${coordinator.db._dialect.param(1)}, ${coordinator.db._dialect.param(2)})`, [base, Date.now()])
  for (const p of parts) await p.session.detach()

  // phase 1
  let prepared = 0
  try {
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!
      if (p.mysql) {
        await conns[i]!.exec(`XA END '${p.gid}'`, [])
        await conns[i]!.exec(`XA PREPARE '${p.gid}'`, [])
      } else await conns[i]!.exec(`PREPARE TRANSACTION '${p.gid}'`, [])
      prepared++
    }
  } catch (e) {
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!
      const c = conns[i]!
      if (i < prepared) await c.exec(p.mysql ? `XA ROLLBACK '${p.gid}'` : `ROLLBACK PREPARED '${p.gid}'`, []).catch(() => undefined)
      else if (p.mysql) { await c.exec(`XA END '${p.gid}'`, []).catch(() => undefined); await c.exec(`XA ROLLBACK '${p.gid}'`, []).catch(() => undefined) }
      else await c.exec('ROLLBACK', []).catch(() => undefined)
      c.release()
    }
    throw new QK_DAL_2PC_FAILED(`${PREFIX}${base}`, (e as Error)?.message ?? String(e), { cause: e })
  }
  crashPoint('prepared')

  // phase 2: the coordinator first (its decision row becomes visible), then the others
  let left = 0
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!
    try {
      await conns[i]!.exec(p.mysql ? `XA COMMIT '${p.gid}'` : `COMMIT PREPARED '${p.gid}'`, [])
    } catch (e) {
      if (i === 0) {
        // not decided: undo every part (the coordinator's prepared part too, when its server still answers)
        for (let j = 0; j < parts.length; j++) await conns[j]!.exec(parts[j]!.mysql ? `XA ROLLBACK '${parts[j]!.gid}'` : `ROLLBACK PREPARED '${parts[j]!.gid}'`, []).catch(() => undefined)
        for (const c of conns) c.release()
        throw new QK_DAL_2PC_FAILED(`${PREFIX}${base}`, `the first participant could not commit: ${(e as Error)?.message}`, { cause: e })
      }
      left++
      console.error(`[dal] distributed transaction ${PREFIX}${base}: ${p.db._driver.key} not committed yet (${(e as Error)?.message}); decided to commit: distributedTransactionRecover will finish it`)
    }
    if (i === 0) crashPoint('decided')
  }
  for (const c of conns) c.release()
  if (!left) await coordinator.db._driver.run(`DELETE FROM ${DECISIONS} WHERE base = ${coordinator.db._dialect.param(1)}`, [base]).catch(() => undefined)
}

/** The prepared transactions of distributedTransactionCommit on this database's server (MySQL: the whole server). */
export async function listPrepared(driver: Driver): Promise<string[]> {
  if (driver.dialect.name === 'mysql') {
    const r = await driver.run('XA RECOVER', [])
    return r.rows.map((row) => String(row[3])).filter((g) => g.startsWith(PREFIX))
  }
  if (driver.dialect.name !== 'postgres') return []
  const r = await driver.run(`SELECT gid FROM pg_prepared_xacts WHERE database = current_database() AND gid LIKE 'quark2pc!_%' ESCAPE '!'`, [])
  return r.rows.map((row) => String(row[0]))
}

export interface RecoverResult { committed: string[]; rolledBack: string[]; unresolved: string[] }

/**
 * Resolve the prepared transactions a crash left on these databases (pass every participant): commit a
 * group whose decision row exists, roll back a group whose first part is still prepared, list the rest.
 * Transactions younger than minAgeMs (default 60 s) are left alone: their coordinator may be running.
 */
export async function distributedTransactionRecover(dbs: DAL[], opts: { minAgeMs?: number; log?: (line: string) => void } = {}): Promise<RecoverResult> {
  const minAge = opts.minAgeMs ?? 60_000
  const log = opts.log ?? ((l: string) => console.error(l))
  const found = new Map<string, Driver>()
  const decided = new Set<string>()
  for (const db of dbs) {
    const d = db._driver
    for (const gid of await listPrepared(d)) if (!found.has(gid)) found.set(gid, d)
    try {
      const r = await d.run(`SELECT base FROM ${DECISIONS}`, [])
      for (const row of r.rows) decided.add(String(row[0]))
    } catch { /* no decision table: no decision here */ }
  }
  const out: RecoverResult = { committed: [], rolledBack: [], unresolved: [] }
  for (const [gid, d] of found) {
    const base = baseOf(gid)
    if (!base) continue
    if (Date.now() - parseInt(base.split('_')[0]!, 36) < minAge) continue
    const mysql = d.dialect.name === 'mysql'
    if (decided.has(base)) {
      await d.run(mysql ? `XA COMMIT '${gid}'` : `COMMIT PREPARED '${gid}'`, [])
      out.committed.push(gid)
      log(`[dal] prepared transaction ${gid} on ${d.key} left by a crash: committed (its distributed transaction was decided)`)
    } else if (found.has(`${PREFIX}${base}_0`)) {
      await d.run(mysql ? `XA ROLLBACK '${gid}'` : `ROLLBACK PREPARED '${gid}'`, [])
      out.rolledBack.push(gid)
      log(`[dal] prepared transaction ${gid} on ${d.key} left by a crash: rolled back (nothing of it was committed)`)
    } else {
      out.unresolved.push(gid)
      log(`[dal] prepared transaction ${gid} on ${d.key} left by a crash: undecided here; pass every participant's DAL to distributedTransactionRecover, or resolve it by hand (COMMIT PREPARED / ROLLBACK PREPARED, XA COMMIT / XA ROLLBACK)`)
    }
  }
  // decisions whose parts are all resolved are forgotten
  const pending = new Set([...found.keys()].filter((g) => !out.committed.includes(g) && !out.rolledBack.includes(g)).map(baseOf))
  for (const db of dbs) {
    for (const base of decided) {
      if (pending.has(base)) continue
      await db._driver.run(`DELETE FROM ${DECISIONS} WHERE base = ${db._dialect.param(1)}`, [base]).catch(() => undefined)
    }
  }
  return out
}

/** At a process's first connection to a server database: one log line when prepared transactions were left by a crash. */
export function reportPreparedLeftovers(driver: Driver): void {
  void listPrepared(driver).then((gids) => {
    if (gids.length) console.error(`[dal] ${gids.length} prepared transaction(s) of distributedTransactionCommit left by a crash on ${driver.key}: ${gids.join(', ')}; call distributedTransactionRecover([db1, db2, ...]) with every participant to resolve them`)
  }, () => undefined)
}
