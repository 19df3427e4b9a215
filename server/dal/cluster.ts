/**
 * A DAL over several servers of one dialect (PostgreSQL or MySQL):
 *
 *   new DAL(['postgres://db1/app', 'postgres://db2/app'])                failover, in order
 *   new DAL('postgres://primary/app', { replicas: ['postgres://r1/app'] }) read replicas
 *
 * Failover: statements go to the first server; when it cannot be reached at connect time (refused,
 * unknown host, unreachable, timed out, still starting), the same statement goes to the next one in the
 * list, which becomes the current server for this process (one log line says so). Only a connect-time
 * failure moves on: the statement never reached the dead server, so it cannot run twice. A statement in
 * flight when its server dies fails (503, QK_DAL_UNAVAILABLE); the next one connects to the next server.
 * The process stays on the server it moved to: going back is an operator's decision (a failed primary
 * usually needs to be rebuilt as a standby first), made by restarting the process.
 *
 * Replicas: the DAL sends a select to a replica (round robin) when it runs outside any transaction, or in
 * a request that has not written yet (dal.ts decides); a replica that cannot be reached is skipped, and
 * when none answers the select goes to the primary. Replication lag is the user's to accept: a read that
 * must see the request's own writes comes after them (or inside db.transaction(), always the primary).
 */
import type { Conn, Driver, ExecResult } from './dialects/base'
import { serverDriver as loadServerDriver } from './dialects/server-drivers'
import type { ConnectionInfo } from './uri'
import { QK_DAL_BAD_URI } from './errors'

/** Codes that say the connection was never made (the statement did not reach the server). */
const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ETIMEDOUT', '57P03', 'ER_SERVER_SHUTDOWN'])

export function isConnectError(e: unknown): boolean {
  for (let x = e, depth = 0; x && typeof x === 'object' && depth < 4; x = (x as { cause?: unknown }).cause, depth++) {
    if (CONNECT_CODES.has(String((x as { code?: unknown }).code ?? ''))) return true
    if (x instanceof AggregateError && x.errors.some(isConnectError)) return true
  }
  return false
}

function serverDriver(info: ConnectionInfo, poolSize: number): Driver {
  return loadServerDriver(info, poolSize)
}

/** The process-level key of a cluster (its drivers are cached under it, like a single server's). */
export function clusterKey(members: ConnectionInfo[], replicas: ConnectionInfo[]): string {
  return `cluster:${members.map((m) => m.key).join(',')}|replicas:${replicas.map((r) => r.key).join(',')}`
}

export class ClusterDriver implements Driver {
  readonly dialect: Driver['dialect']
  readonly members: Driver[]
  readonly replicas: Driver[]
  private active = 0
  private nextReplica = 0

  constructor(readonly key: string, members: ConnectionInfo[], replicas: ConnectionInfo[], poolSize: number,
    private readonly log: (line: string) => void = (l) => console.error(l)) {
    const all = [...members, ...replicas]
    const dialect = all[0]?.dialect
    for (const i of all) {
      if (i.dialect === 'sqlite') throw new QK_DAL_BAD_URI(`${i.key} (failover and replicas need PostgreSQL or MySQL servers)`)
      if (i.dialect !== dialect) throw new QK_DAL_BAD_URI(`${i.key} (every server of one DAL must be of one dialect: ${dialect})`)
    }
    this.members = members.map((m) => serverDriver(m, poolSize))
    this.replicas = replicas.map((r) => serverDriver(r, poolSize))
    this.dialect = this.members[0]!.dialect
  }

  /** the server statements go to now */
  get current(): Driver { return this.members[this.active]! }

  /** op on the current server, then on the next ones in order while each cannot be reached at connect time */
  private async failover<T>(op: (d: Driver) => Promise<T>): Promise<T> {
    const start = this.active
    let last: unknown
    for (let k = 0; k < this.members.length; k++) {
      const i = (start + k) % this.members.length
      try {
        const r = await op(this.members[i]!)
        if (i !== this.active && this.active === start) {
          this.log(`[dal] ${this.members[start]!.key} cannot be reached (${codeOf(last)}); failing over to ${this.members[i]!.key}`)
          this.active = i
        }
        return r
      } catch (e) {
        if (!isConnectError(e)) throw e
        last = e
      }
    }
    throw last
  }

  acquire(): Promise<Conn> { return this.failover((d) => d.acquire()) }

  run(sql: string, params: unknown[], onError?: (e: unknown) => unknown): Promise<ExecResult> {
    const p = this.failover((d) => d.run(sql, params))
    return onError ? p.catch((e) => { throw onError(e) }) : p
  }

  /** a select on a replica (round robin, skipping unreachable ones), else on the primary */
  async read(sql: string, params: unknown[], onError?: (e: unknown) => unknown): Promise<ExecResult> {
    for (let k = 0; k < this.replicas.length; k++) {
      const r = this.replicas[this.nextReplica++ % this.replicas.length]!
      try { return await r.run(sql, params) } catch (e) {
        if (!isConnectError(e) && !/terminated|closed/i.test((e as Error)?.message ?? '')) throw onError ? onError(e) : e
        this.log(`[dal] replica ${r.key} cannot be reached (${codeOf(e)}); reading elsewhere`)
      }
    }
    return this.run(sql, params, onError)
  }

  withMigrationLock<T>(fn: (conn: Conn) => Promise<T>): Promise<T> { return this.failover((d) => d.withMigrationLock(fn)) }

  tableExists(conn: Conn, table: string): Promise<boolean> { return this.current.tableExists(conn, table) }

  async close(): Promise<void> {
    await Promise.all([...this.members, ...this.replicas].map((d) => d.close().catch(() => undefined)))
  }
}

function codeOf(e: unknown): string {
  const x = e as { code?: unknown; errors?: unknown[]; message?: string } | undefined
  if (x?.code) return String(x.code)
  if (x instanceof AggregateError) return codeOf(x.errors[0])
  return x?.message ?? 'unreachable'
}
