/** MySQL/MariaDB through `mysql2`: a pool per URI, server-side prepared statements, GET_LOCK for migrations. */
import mysql from 'mysql2/promise'
import type { ConnectionInfo } from '../uri'
import { commonColumnType, decodeValue, encodeValue, type ColumnSpec, type Conn, type Dialect, type Driver, type ExecResult } from './base'

const TYPES: Record<string, string> = {
  text: 'LONGTEXT', blob: 'LONGBLOB', boolean: 'TINYINT(1)', integer: 'INT', bigint: 'BIGINT', double: 'DOUBLE',
  decimal: 'DECIMAL', date: 'DATE', time: 'TIME', datetime: 'DATETIME(3)', json: 'LONGTEXT', reference: 'INT',
}

export const mysqlDialect: Dialect = {
  name: 'mysql',
  caps: { returning: false, transactionalDDL: false, alterColumnType: true, dropColumn: true, nulInText: true },
  quote: (id) => '`' + id + '`',
  param: () => '?',
  columnType: (c: ColumnSpec) => commonColumnType(c, TYPES),
  idColumn: () => 'INT AUTO_INCREMENT NOT NULL PRIMARY KEY',
  tableConstraints: (cols) => cols.filter((c) => c.referenced).map((c) =>
    `FOREIGN KEY (\`${c.name}\`) REFERENCES \`${c.referenced}\` (\`id\`) ON DELETE ${c.ondelete}`),
  createSuffix: ' ENGINE=InnoDB CHARACTER SET utf8mb4 COLLATE utf8mb4_bin',
  encode(type, v) {
    const out = encodeValue(type, v, true)
    // typed parameters, else mysql2 sends a bigint as text and MySQL compares text with a number as doubles
    if (typeof out === 'bigint') return typed('BIGINT', out)
    if (type.startsWith('decimal') && typeof out === 'string') return typed('NEWDECIMAL', out)
    return out
  },
  decode: decodeValue,
  extract: (part, sql) => `EXTRACT(${part.toUpperCase()} FROM ${sql})`,
  length: (sql) => `CHAR_LENGTH(${sql})`,
  random: 'RAND()',
  // tables are utf8mb4_bin: LIKE and REGEXP on their columns are case-sensitive; NUL is an ordinary character
  like: (l, p, cs, bind) => (cs ? `${l} LIKE ${bind(p.sql)} ESCAPE '!'` : `LOWER(${l}) LIKE LOWER(${bind(p.sql)}) ESCAPE '!'`),
  regexp: (l, p, bind) => `${l} REGEXP ${bind(p)}`,
  // not UNIX_TIMESTAMP(): it reads the value in the session's time zone; datetimes are stored in UTC
  epoch: (sql) => `TIMESTAMPDIFF(SECOND, '1970-01-01 00:00:00', ${sql})`,
  alterColumn: (table, c) => [`ALTER TABLE \`${table}\` MODIFY COLUMN \`${c.name}\` ${commonColumnType({ ...c, unique: false }, TYPES)}`],
  // not integer nor double: SUM and AVG answer DECIMAL, read as exact text (decimalNumbers is off for decimal fields)
  plainTypes: new Set(['string', 'text', 'password', 'upload', 'id', 'blob']),
  insertDefaults: (t) => `INSERT INTO \`${t}\` () VALUES ()`,
}

/**
 * A mysql2 typed parameter (BIGINT as a 64-bit integer, NEWDECIMAL as exact text) that also prints as an
 * SQL literal in the SQL shown to people (_select, sql.log).
 */
function typed(kind: 'BIGINT' | 'NEWDECIMAL', value: bigint | string): unknown {
  const factories = (mysql as unknown as { TypedParameter: Record<string, (v: unknown) => object> }).TypedParameter
  const p = factories[kind](value)
  Object.defineProperty(p, 'toSqlString', { value: () => String(value) })
  return p
}

type Queryable = mysql.Pool | mysql.PoolConnection

function wrap(q: Queryable) {
  return async (sql: string, params: unknown[]): Promise<ExecResult> => {
    const opts = { sql, rowsAsArray: true }
    // prepared statements (true parameters) whenever there are values; plain protocol for DDL
    const [result, fields] = params.length ? await q.execute(opts, params as any[]) : await q.query(opts)
    if (Array.isArray(result)) {
      return { rows: result as unknown as unknown[][], columns: (fields ?? []).map((f) => f.name), changes: 0 }
    }
    const h = result as mysql.ResultSetHeader
    return { rows: [], columns: [], changes: h.affectedRows, insertId: h.insertId || undefined }
  }
}

export class MysqlDriver implements Driver {
  readonly dialect = mysqlDialect
  readonly pool: mysql.Pool
  private readonly exec: (sql: string, params: unknown[]) => Promise<ExecResult>

  constructor(readonly key: string, info: ConnectionInfo, poolSize: number) {
    this.pool = mysql.createPool({
      host: info.host, port: info.port, user: info.user, password: info.password, database: info.database,
      connectionLimit: poolSize, dateStrings: true, supportBigNumbers: true, decimalNumbers: false, charset: 'utf8mb4', timezone: 'Z',
    })
    this.exec = wrap(this.pool)
  }

  run(sql: string, params: unknown[], onError?: (e: unknown) => unknown): Promise<ExecResult> {
    const p = this.exec(sql, params)
    return onError ? p.catch((e) => { throw onError(e) }) : p
  }

  async acquire(): Promise<Conn> {
    const c = await this.pool.getConnection()
    let released = false
    return { exec: wrap(c), release: () => { if (!released) { released = true; c.release() } } }
  }

  async withMigrationLock<T>(fn: (conn: Conn) => Promise<T>): Promise<T> {
    const conn = await this.acquire()
    try {
      await conn.exec(`SELECT GET_LOCK('quark_migrate', 60)`, [])
      try { return await fn(conn) } finally { await conn.exec(`SELECT RELEASE_LOCK('quark_migrate')`, []) }
    } finally { conn.release() }
  }

  async tableExists(conn: Conn, table: string): Promise<boolean> {
    const r = await conn.exec('SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?', [table])
    return r.rows.length > 0
  }

  async close(): Promise<void> { await this.pool.end() }
}
