/** PostgreSQL through `pg`: a pool per URI, $n placeholders, RETURNING id, advisory lock for migrations. */
import pg from 'pg'
import { QK_DAL_NUL_IN_TEXT } from '../errors'
import type { ConnectionInfo } from '../uri'
import { commonColumnType, decodeValue, encodeValue, matchesNothing, type ColumnSpec, type Conn, type Dialect, type Driver, type ExecResult } from './base'

const TYPES: Record<string, string> = {
  text: 'TEXT', blob: 'BYTEA', boolean: 'BOOLEAN', integer: 'INTEGER', bigint: 'BIGINT', double: 'DOUBLE PRECISION',
  decimal: 'NUMERIC', date: 'DATE', time: 'TIME', datetime: 'TIMESTAMP(3)', json: 'JSON', reference: 'INTEGER',
}

export const postgresDialect: Dialect = {
  name: 'postgres',
  caps: { returning: true, transactionalDDL: true, alterColumnType: true, dropColumn: true, nulInText: false },
  quote: (id) => `"${id}"`,
  param: (n) => `$${n}`,
  columnType(c: ColumnSpec) {
    let t = commonColumnType(c, TYPES)
    if (c.referenced) t += ` REFERENCES "${c.referenced}" ("id") ON DELETE ${c.ondelete}`
    return t
  },
  idColumn: () => 'SERIAL PRIMARY KEY',
  tableConstraints: () => [],
  createSuffix: '',
  encode(type, v) {
    const out = encodeValue(type, v, false)
    // PostgreSQL text cannot hold NUL: say so (a 400, as for a compared value) instead of a driver error
    if (typeof out === 'string' && out.includes('\u0000')) throw new QK_DAL_NUL_IN_TEXT(`for a ${type} field`)
    return out
  },
  decode: decodeValue,
  extract: (part, sql) => `CAST(EXTRACT(${part.toUpperCase()} FROM ${sql}) AS INTEGER)`,
  length: (sql) => `LENGTH(${sql})`,
  random: 'RANDOM()',
  like: (l, p, cs, bind) => (p.hasNul ? matchesNothing(l) : `${l} ${cs ? 'LIKE' : 'ILIKE'} ${bind(p.sql)} ESCAPE '!'`),
  regexp: (l, p, bind) => (p.includes('\u0000') ? matchesNothing(l) : `${l} ~ ${bind(p)}`),
  // TIMESTAMP has no zone: EXTRACT(EPOCH) reads it as UTC, which is how the DAL stores datetimes
  epoch: (sql) => `CAST(FLOOR(EXTRACT(EPOCH FROM ${sql})) AS BIGINT)`,
  alterColumn(table, c) {
    const q = (s: string) => `"${s}"`
    const bare = commonColumnType({ ...c, notnull: false, unique: false }, TYPES)
    const using = c.type === 'boolean' ? `(${q(c.name)}::text IN ('1','t','true','T'))` : `${q(c.name)}::text::${bare}`
    const out = [`ALTER TABLE ${q(table)} ALTER COLUMN ${q(c.name)} TYPE ${bare} USING ${using}`]
    out.push(`ALTER TABLE ${q(table)} ALTER COLUMN ${q(c.name)} ${c.notnull ? 'SET' : 'DROP'} NOT NULL`)
    return out
  },
  // not bigint (a number or bigint from int8, a bigint always for the app) nor double (AVG answers numeric text)
  plainTypes: new Set(['string', 'text', 'password', 'upload', 'id', 'integer', 'boolean', 'blob']),
  insertDefaults: (t) => `INSERT INTO "${t}" DEFAULT VALUES`,
}

// dates/times as text (decoded by the DAL, always UTC), json as text; int8 (BIGINT, COUNT, SUM) a number
// when exact, else a bigint; numeric as its exact text (a decimal field's value; the DAL decodes the rest)
const int8 = (v: string): number | bigint => { const n = Number(v); return Number.isSafeInteger(n) ? n : BigInt(v) }
const typeParsers: Record<number, (v: string) => unknown> = {
  20: int8, 1700: (v) => v, 1082: (v) => v, 1114: (v) => v, 1184: (v) => v, 1083: (v) => v, 114: (v) => v, 3802: (v) => v,
}
const types = {
  getTypeParser(oid: number, format?: string) {
    return typeParsers[oid] ?? (pg.types.getTypeParser as (o: number, f?: string) => unknown)(oid, format)
  },
}

/*
 * Named prepared statements (issue 21): each SQL text of a select/insert/update/delete gets a name,
 * and pg prepares it once per connection (it remembers which names a connection has parsed), so
 * later runs skip PostgreSQL's parse and plan. The names carry a generation that a migration of
 * this process bumps: a statement prepared before an ALTER is never reused after it (PostgreSQL
 * refuses a cached plan whose result type changed). Bounded: past MAX_NAMED texts, unnamed.
 */
const MAX_NAMED = 2000
const statementNames = new Map<string, string>()
let generation = 0
const NAMEABLE = /^\s*(SELECT|INSERT|UPDATE|DELETE)\b/i

const SCHEMA_CHANGE = /^\s*(ALTER|DROP|CREATE)\b/i

function statementName(sql: string): string | undefined {
  let name = statementNames.get(sql)
  if (name !== undefined) return name
  if (statementNames.size >= MAX_NAMED || !NAMEABLE.test(sql)) return undefined
  name = `quark_${generation}_${statementNames.size}`
  statementNames.set(sql, name)
  return name
}

/** after DDL: statements prepared before it are not reused */
function forgetStatementNames(): void {
  statementNames.clear()
  generation++
}

function wrap(client: pg.PoolClient | pg.Pool) {
  return async (sql: string, params: unknown[]): Promise<ExecResult> => {
    // PostgreSQL refuses U+0000 in text ("invalid byte sequence"), a driver error that became a 500:
    // a value from the request with a NUL is bad input, refused with a 400 that names it
    for (let i = 0; i < params.length; i++) {
      const v = params[i]
      if (typeof v === 'string' && v.includes('\u0000')) throw new QK_DAL_NUL_IN_TEXT(`$${i + 1}`)
    }
    const name = statementName(sql)
    const r = await client.query({ name, text: sql, values: params, rowMode: 'array' } as pg.QueryArrayConfig)
    // DDL outside a migration (table.drop(), executesql): what was prepared may read the old schema
    if (name === undefined && SCHEMA_CHANGE.test(sql)) forgetStatementNames()
    const res: ExecResult = { rows: r.rows ?? [], columns: (r.fields ?? []).map((f) => f.name), changes: r.rowCount ?? 0 }
    if (r.command === 'INSERT' && r.rows?.length) res.insertId = Number(r.rows[0][0])
    return res
  }
}

export class PostgresDriver implements Driver {
  readonly dialect = postgresDialect
  readonly pool: pg.Pool
  private readonly exec: (sql: string, params: unknown[]) => Promise<ExecResult>

  constructor(readonly key: string, info: ConnectionInfo, poolSize: number) {
    this.pool = new pg.Pool({
      host: info.host, port: info.port, user: info.user, password: info.password || undefined, database: info.database,
      max: poolSize, types: types as pg.CustomTypesConfig,
    })
    this.pool.on('error', () => { /* an idle client died; the pool replaces it */ })
    this.exec = wrap(this.pool)
  }

  run(sql: string, params: unknown[], onError?: (e: unknown) => unknown): Promise<ExecResult> {
    const p = this.exec(sql, params)
    return onError ? p.catch((e) => { throw onError(e) }) : p
  }

  async acquire(): Promise<Conn> {
    const client = await this.pool.connect()
    // pg-pool listens for errors only on idle clients: a checked-out client (a request's transaction)
    // whose server goes away between two statements emits 'error' with no listener, which would end
    // the process (PostgreSQL stopped under load took the server down). Kept here; the client is then
    // destroyed at release instead of going back to the pool, and its next statement fails (503).
    let broken: Error | undefined
    const onError = (e: Error) => { broken = e }
    client.on('error', onError)
    let released = false
    return {
      exec: wrap(client),
      release: () => {
        if (released) return
        released = true
        client.release(broken)
        client.off('error', onError)
      },
    }
  }

  async withMigrationLock<T>(fn: (conn: Conn) => Promise<T>): Promise<T> {
    const conn = await this.acquire()
    try {
      await conn.exec('SELECT pg_advisory_lock(724681)', [])
      try {
        await conn.exec('BEGIN', [])
        const r = await fn(conn)
        await conn.exec('COMMIT', [])
        forgetStatementNames()
        return r
      } catch (e) {
        await conn.exec('ROLLBACK', []).catch(() => undefined)
        throw e
      } finally {
        await conn.exec('SELECT pg_advisory_unlock(724681)', [])
      }
    } finally { conn.release() }
  }

  async tableExists(conn: Conn, table: string): Promise<boolean> {
    const r = await conn.exec(`SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1`, [table])
    return r.rows.length > 0
  }

  async close(): Promise<void> { await this.pool.end() }
}
