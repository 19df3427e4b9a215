/**
 * SQLite: better-sqlite3 or node:sqlite (synchronous; see drivers/), one connection per file per process,
 * WAL mode, a busy timeout for other processes, and an async mutex so two
 * requests of this process never share a transaction. Prepared statements are
 * cached by SQL text.
 */
import fs from 'node:fs'
import path from 'node:path'
import { openSqlite, sqliteDriverName, type SqliteConnection, type SqliteStatement } from '../drivers'
import { Mutex } from '../mutex'
import { globPattern, matchLike, matchRegexp, textLength } from '../like'
import { sortableDecimal } from '../exact'
import { commonColumnType, decodeValue, encodeValue, type ColumnSpec, type Conn, type Dialect, type Driver, type ExecResult } from './base'

// bigint is declared BIGINT (INTEGER affinity) so the driver knows to read its column exactly (readsInt64);
// decimal is text in an order-preserving form (exact.ts: NUMERIC affinity would keep only 15 digits)
const TYPES: Record<string, string> = {
  text: 'TEXT', blob: 'BLOB', boolean: 'INTEGER', integer: 'INTEGER', bigint: 'BIGINT', double: 'DOUBLE',
  decimal: 'DECIMAL_TEXT', date: 'DATE', time: 'TIME', datetime: 'TIMESTAMP', json: 'TEXT', reference: 'INTEGER',
}

/** longer LIKE patterns go to quark_like (SQLite refuses patterns over 50,000 bytes, and its matcher recurses) */
const NATIVE_PATTERN_BYTES = 10000

const EXTRACT: Record<string, string> = { year: '%Y', month: '%m', day: '%d', hour: '%H', minute: '%M', second: '%S' }

export const sqliteDialect: Dialect = {
  name: 'sqlite',
  caps: { returning: false, transactionalDDL: true, alterColumnType: false, dropColumn: false, nulInText: true },
  quote: (id) => `"${id}"`,
  param: () => '?',
  columnType(c: ColumnSpec) {
    let t = commonColumnType(c, TYPES)
    if (c.referenced) t += ` REFERENCES "${c.referenced}" ("id") ON DELETE ${c.ondelete}`
    return t
  },
  idColumn: () => 'INTEGER PRIMARY KEY AUTOINCREMENT',
  tableConstraints: () => [],
  createSuffix: '',
  encode: (type, v) => (v !== null && v !== undefined && type.startsWith('decimal') ? sortableDecimal(type, v) : encodeValue(type, v, true)),
  decode: decodeValue,
  // arithmetic and SUM/AVG read the stored text as a number (a float: SQLite has no exact decimal arithmetic)
  numeric: (sql, type) => (type.startsWith('decimal') ? `quark_decimal(${sql})` : sql),
  extract: (part, sql) => `CAST(strftime('${EXTRACT[part]}', ${sql}) AS INTEGER)`,
  // SQLite's LENGTH stops at the first NUL of a text value: quark_length counts every character
  length: (sql) => `quark_length(${sql})`,
  random: 'Random()',
  like(l, p, cs, bind) {
    // SQLite cuts patterns (and values) at NUL and refuses long patterns: those are matched in JS (like.ts)
    if (p.hasNul || Buffer.byteLength(p.sql) > NATIVE_PATTERN_BYTES) return `quark_like(${l}, ${bind(p.sql)}, ${cs ? 1 : 0})`
    // SQLite's LIKE ignores ASCII case; GLOB is its case-sensitive twin
    return cs ? `${l} GLOB ${bind(globPattern(p.tokens))}` : `${l} LIKE ${bind(p.sql)} ESCAPE '!'`
  },
  regexp: (l, p, bind) => `${l} REGEXP ${bind(p)}`,
  epoch: (sql) => `CAST(strftime('%s', ${sql}) AS INTEGER)`,
  alterColumn: () => [],  // SQLite rebuilds the table instead (see migrate.ts)
  plainTypes: new Set(['string', 'text', 'password', 'upload', 'id', 'integer', 'double']),
  insertDefaults: (t) => `INSERT INTO "${t}" DEFAULT VALUES`,
}

/** A prepared statement of the cache: `reader` returns rows; `exact` reads its integers as bigints (a BIGINT column, or an expression that may be one) */
class CachedStatement {
  constructor(readonly stmt: SqliteStatement, readonly reader: boolean, readonly exact: boolean) {}
}

/**
 * better-sqlite3 rounds an integer beyond 2^53 to the nearest double unless the statement reads
 * bigints: those reading a BIGINT column or an expression (SUM, MAX of one: no declared type) do, and
 * narrowRows gives back numbers where they are exact. Reads of ordinary tables stay as fast as before.
 * node:sqlite's adapter reads bigints by itself when a value is out of range (node-sqlite.ts).
 */
function readsInt64(stmt: SqliteStatement): boolean {
  if (typeof stmt.safeIntegers !== 'function') return false
  const cols = stmt.columns()
  if (!cols.some((c) => c.type === null || c.type === undefined || /^BIGINT$/i.test(c.type))) return false
  stmt.safeIntegers(true)
  return true
}

function narrowRows(rows: unknown[][]): void {
  for (const row of rows) {
    for (let j = 0; j < row.length; j++) {
      const v = row[j]
      if (typeof v === 'bigint' && v >= SAFE_MIN && v <= SAFE_MAX) row[j] = Number(v)
    }
  }
}
const SAFE_MIN = BigInt(Number.MIN_SAFE_INTEGER)
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER)

/** quark_decimal(x): a stored decimal (order-preserving text, or a number in a table made before) as a float */
function decimalAsNumber(v: unknown): number | null {
  if (v === null || v === undefined) return null
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v)
  const s = String(v)
  if (s[0] === 'P' || s[0] === 'N') {
    const digits = s.slice(1)
    const point = digits.indexOf('.')
    const whole = BigInt(digits.replace('.', ''))
    const u = s[0] === 'N' ? -(10n ** BigInt(digits.length - (point >= 0 ? 1 : 0)) - 1n - whole) : whole
    return Number(u) / 10 ** (point >= 0 ? digits.length - point - 1 : 0)
  }
  return Number(s)
}

/** Column names per prepared statement, computed once: stmt.columns() costs as much as a small query. */
const columnNames = new WeakMap<SqliteStatement, string[]>()

/**
 * A read's result. The column names are asked for rarely (executesql asDict),
 * so they are a prototype getter (no per-read closure) cached per statement.
 */
class ReadResult implements ExecResult {
  readonly changes = 0
  constructor(readonly rows: unknown[][], private readonly stmt: SqliteStatement) {}
  get columns(): string[] {
    let names = columnNames.get(this.stmt)
    if (!names) { names = this.stmt.columns().map((c) => c.name); columnNames.set(this.stmt, names) }
    return names
  }
}

/** better-sqlite3's own signatures: parameters as arguments */
interface SpreadStatement { all(...params: unknown[]): unknown[]; run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint } }

/** A write's result: one small object; its (empty) row and column lists are made only when read. */
class WriteResult implements ExecResult {
  get rows(): unknown[][] { return [] }
  get columns(): string[] { return [] }
  constructor(readonly changes: number, readonly insertId: number) {}
}

/**
 * Two processes opening a new database file at once: while one switches it to WAL, the other can be
 * told SQLITE_BUSY at once, without its busy handler (SQLite does so where waiting could deadlock, and
 * while the WAL index is being built). Seen on a loaded machine in tests/dal/race.test.ts. The switch
 * is persisted in the file, so trying again a moment later succeeds; this runs once per database and process.
 */
function onBusyRetry(fn: () => void): void {
  const deadline = Date.now() + 10_000
  for (let attempt = 1; ; attempt++) {
    try { return fn() } catch (e) {
      if ((e as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw e
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.min(10 * attempt, 200))
    }
  }
}

export class SqliteDriver implements Driver {
  readonly dialect = sqliteDialect
  readonly db: SqliteConnection
  readonly mutex = new Mutex()
  /** prepared once per SQL text, with what execSync needs to know of each (asked of the driver once) */
  private statements = new Map<string, CachedStatement>()
  private closed = false
  /** better-sqlite3 binds spread arguments faster than one array (0.15 µs a statement, issue 21); node:sqlite's adapter takes the array */
  private readonly spread = sqliteDriverName() === 'better-sqlite3'

  constructor(readonly key: string, filename: string) {
    if (filename !== ':memory:') fs.mkdirSync(path.dirname(filename), { recursive: true })
    this.db = openSqlite(filename)
    // the busy timeout first: switching a new file to WAL takes a lock that another process
    // opening the same database at the same moment may hold (it answered SQLITE_BUSY at once)
    onBusyRetry(() => {
      this.db.pragma('busy_timeout = 5000')  // other processes only: in-process contention goes through the mutex
      this.db.pragma('journal_mode = WAL')
      this.db.pragma('foreign_keys = ON')
    })
    // the functions the dialect's SQL names: LIKE that reads NUL and long patterns, and REGEXP
    this.db.function('quark_like', { deterministic: true }, matchLike)
    this.db.function('regexp', { deterministic: true }, matchRegexp)
    this.db.function('quark_length', { deterministic: true }, textLength)
    this.db.function('quark_decimal', { deterministic: true }, decimalAsNumber)
  }

  /** Run synchronously; the caller owns the mutex (or runs between awaits). */
  execSync(sql: string, params: unknown[]): ExecResult {
    let c = this.statements.get(sql)
    if (c === undefined) {
      const stmt = this.db.prepare(sql)
      const reader = stmt.reader
      if (reader) stmt.raw(true)
      c = new CachedStatement(stmt, reader, reader && readsInt64(stmt))
      if (this.statements.size > 2000) this.statements.clear()
      this.statements.set(sql, c)
    }
    const stmt = c.stmt
    if (c.reader) {
      const rows = (this.spread ? (stmt as unknown as SpreadStatement).all(...params) : stmt.all(params)) as unknown[][]
      if (c.exact) narrowRows(rows)
      return new ReadResult(rows, stmt)
    }
    const info = this.spread ? (stmt as unknown as SpreadStatement).run(...params) : stmt.run(params)
    return new WriteResult(Number(info.changes), Number(info.lastInsertRowid))
  }

  /** better-sqlite3 caches nothing across schema changes of prepared reads safely; drop the cache after DDL. */
  clearStatements(): void { this.statements.clear() }

  async acquire(): Promise<Conn> {
    await this.mutex.lock()
    return this.heldConn()
  }

  acquireNow(): Conn | undefined {
    return this.mutex.tryLock() ? this.heldConn() : undefined
  }

  /** the connection of the one transaction holding the mutex; release gives the mutex back once */
  private heldConn(): Conn {
    let released = false
    return {
      exec: (sql, params) => {
        try { return Promise.resolve(this.execSync(sql, params)) } catch (e) { return Promise.reject(e) }
      },
      execNow: (sql, params) => this.execSync(sql, params),
      release: () => { if (!released) { released = true; this.mutex.unlock() } },
    }
  }

  run(sql: string, params: unknown[], wrap?: (e: unknown) => unknown): Promise<ExecResult> {
    // fast path: nobody holds a transaction, so an autocommit statement runs now
    if (this.mutex.tryLock()) {
      try { return Promise.resolve(this.execSync(sql, params)) } catch (e) { return Promise.reject(wrap ? wrap(e) : e) } finally { this.mutex.unlock() }
    }
    return this.mutex.lock().then(() => {
      try { return this.execSync(sql, params) } catch (e) { throw wrap ? wrap(e) : e } finally { this.mutex.unlock() }
    })
  }

  runNow(sql: string, params: unknown[]): ExecResult | undefined {
    if (!this.mutex.tryLock()) return undefined
    try { return this.execSync(sql, params) } finally { this.mutex.unlock() }
  }

  /** BEGIN IMMEDIATE takes SQLite's write lock: another process migrating waits (busy_timeout). */
  async withMigrationLock<T>(fn: (conn: Conn) => Promise<T>): Promise<T> {
    const conn = await this.acquire()
    // foreign keys off while rebuilding a table, else DROP TABLE would cascade to the rows referencing it
    this.db.pragma('foreign_keys = OFF')
    try {
      this.db.exec('BEGIN IMMEDIATE')
      try {
        const r = await fn(conn)
        this.db.exec('COMMIT')
        return r
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK')
        throw e
      } finally { this.clearStatements() }
    } finally {
      this.db.pragma('foreign_keys = ON')
      conn.release()
    }
  }

  async tableExists(conn: Conn, table: string): Promise<boolean> {
    const r = await conn.exec(`SELECT 1 FROM sqlite_master WHERE type='table' AND name=?`, [table])
    return r.rows.length > 0
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.statements.clear()
    this.db.close()
  }
}
