/**
 * The SQLite driver seam: what the SQLite dialect (dialects/sqlite.ts) asks of
 * a connection. It is better-sqlite3's API, narrowed to the calls the dialect
 * makes, so better-sqlite3's Database satisfies it as it is (no wrapper on the
 * checkout's hot path) and node:sqlite gets an adapter (node-sqlite.ts).
 * Both run the DAL conformance suite (tests/dal/sqlite-drivers.test.ts).
 */

export type SqliteDriverName = 'better-sqlite3' | 'node:sqlite'

/** `type`: the declared type of the column read (null for an expression) */
export interface SqliteColumn { name: string; type?: string | null }

export interface SqliteRunInfo { changes: number | bigint; lastInsertRowid: number | bigint }

export interface SqliteStatement {
  /** true when the statement returns rows (SELECT, PRAGMA, ... RETURNING) */
  readonly reader: boolean
  /** rows as arrays of values instead of objects */
  raw(on?: boolean): unknown
  /** every row; `params` bind the `?` placeholders in order */
  all(params: unknown[]): unknown[]
  run(params: unknown[]): SqliteRunInfo
  columns(): SqliteColumn[]
  /** better-sqlite3: read integers as bigints (node:sqlite's adapter does so by itself when one is out of range) */
  safeIntegers?(on?: boolean): unknown
}

export interface SqliteConnection {
  prepare(sql: string): SqliteStatement
  exec(sql: string): unknown
  /** `PRAGMA <source>`; the rows it returns */
  pragma(source: string): unknown
  /** a scalar SQL function written in JavaScript */
  function(name: string, options: { deterministic?: boolean }, fn: (...args: any[]) => unknown): unknown
  readonly inTransaction: boolean
  /** false once closed */
  readonly open: boolean
  close(): unknown
}
