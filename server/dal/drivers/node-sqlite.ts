/**
 * node:sqlite (built into Node ≥ 22.13) behind the seam's better-sqlite3-shaped
 * API: the SQLite of the binaries, which carry no native addon (one addon per
 * platform cannot be cross-built here), and of a checkout run on a Node whose
 * ABI better-sqlite3 was not compiled for.
 *
 * Where the two differ, this adapter answers as better-sqlite3 does, so the
 * DAL sees the same values: BLOBs as Buffers (node:sqlite gives Uint8Arrays),
 * integers as numbers, and errors with better-sqlite3's `code`
 * ('SQLITE_CONSTRAINT_UNIQUE', ...). One difference is kept on purpose: an
 * integer beyond 2^53 is read as an exact bigint (better-sqlite3 rounds it).
 */
import type { SqliteColumn, SqliteConnection, SqliteRunInfo, SqliteStatement } from './types'

// node:sqlite's own types are newer than this checkout's @types/node (20): the calls used here
interface NodeStatement {
  all(...params: unknown[]): unknown[]
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint }
  columns(): Array<{ name: string; type: string | null }>
  setReturnArrays(on: boolean): void
  setReadBigInts(on: boolean): void
}
interface NodeDatabase {
  prepare(sql: string): NodeStatement
  exec(sql: string): void
  function(name: string, options: { deterministic?: boolean }, fn: (...args: any[]) => unknown): void
  readonly isTransaction: boolean
  readonly isOpen: boolean
  close(): void
}
interface NodeSqliteModule { DatabaseSync: new (filename: string, options?: { timeout?: number }) => NodeDatabase }

/** SQLite's result codes by number (sqlite3.h), as better-sqlite3 names them in `error.code`. */
const CODES: Record<number, string> = {
  1: 'SQLITE_ERROR', 2: 'SQLITE_INTERNAL', 3: 'SQLITE_PERM', 4: 'SQLITE_ABORT', 5: 'SQLITE_BUSY', 6: 'SQLITE_LOCKED',
  7: 'SQLITE_NOMEM', 8: 'SQLITE_READONLY', 9: 'SQLITE_INTERRUPT', 10: 'SQLITE_IOERR', 11: 'SQLITE_CORRUPT',
  13: 'SQLITE_FULL', 14: 'SQLITE_CANTOPEN', 17: 'SQLITE_SCHEMA', 18: 'SQLITE_TOOBIG', 19: 'SQLITE_CONSTRAINT',
  20: 'SQLITE_MISMATCH', 21: 'SQLITE_MISUSE', 25: 'SQLITE_RANGE', 26: 'SQLITE_NOTADB',
  261: 'SQLITE_BUSY_RECOVERY', 262: 'SQLITE_LOCKED_SHAREDCACHE', 517: 'SQLITE_BUSY_SNAPSHOT', 773: 'SQLITE_BUSY_TIMEOUT',
  275: 'SQLITE_CONSTRAINT_CHECK', 531: 'SQLITE_CONSTRAINT_COMMITHOOK', 787: 'SQLITE_CONSTRAINT_FOREIGNKEY',
  1043: 'SQLITE_CONSTRAINT_FUNCTION', 1299: 'SQLITE_CONSTRAINT_NOTNULL', 1555: 'SQLITE_CONSTRAINT_PRIMARYKEY',
  1811: 'SQLITE_CONSTRAINT_TRIGGER', 2067: 'SQLITE_CONSTRAINT_UNIQUE', 2323: 'SQLITE_CONSTRAINT_VTAB',
  2579: 'SQLITE_CONSTRAINT_ROWID', 3091: 'SQLITE_CONSTRAINT_DATATYPE',
}

/** node:sqlite's error (code ERR_SQLITE_ERROR, errcode the extended number) gets better-sqlite3's code name. */
function asBetterSqliteError(e: unknown): unknown {
  const err = e as { code?: string; errcode?: number }
  if (err && err.code === 'ERR_SQLITE_ERROR' && typeof err.errcode === 'number') {
    err.code = CODES[err.errcode] ?? CODES[err.errcode & 0xff] ?? `SQLITE_${err.errcode}`
  }
  return e
}

const SAFE_MIN = BigInt(Number.MIN_SAFE_INTEGER)
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER)

/** A bigint read with setReadBigInts: a number when exact, else kept exact as a bigint. */
function narrow(v: bigint): number | bigint {
  return v >= SAFE_MIN && v <= SAFE_MAX ? Number(v) : v
}

/** Statements that only read may run again after an out-of-range integer; others read bigints from the start. */
const READ_ONLY = /^\s*(SELECT|WITH|PRAGMA|VALUES|EXPLAIN)\b/i

class NodeSqliteStatement implements SqliteStatement {
  readonly reader: boolean
  private arrays = false
  private bigints = false
  /** result columns that may hold a BLOB (declared BLOB, or an expression): the only ones scanned for Uint8Arrays */
  private readonly blobColumns: number[]

  constructor(private readonly stmt: NodeStatement, sql: string) {
    const cols = stmt.columns()
    this.reader = cols.length > 0
    this.blobColumns = []
    cols.forEach((c, i) => { if (c.type === null || c.type === '' || /BLOB/i.test(c.type)) this.blobColumns.push(i) })
    if (this.reader && !READ_ONLY.test(sql)) this.readBigInts()
  }

  private readBigInts(): void {
    this.bigints = true
    this.stmt.setReadBigInts(true)
  }

  raw(on = true): this {
    this.arrays = on
    this.stmt.setReturnArrays(on)
    return this
  }

  all(params: unknown[]): unknown[] {
    let rows: unknown[]
    try {
      rows = this.stmt.all(...params)
    } catch (e) {
      // an integer beyond 2^53: read this statement's integers as bigints from now on (it only reads)
      if ((e as { code?: string }).code !== 'ERR_OUT_OF_RANGE' || this.bigints) throw asBetterSqliteError(e)
      this.readBigInts()
      try { rows = this.stmt.all(...params) } catch (e2) { throw asBetterSqliteError(e2) }
    }
    if (this.bigints || this.blobColumns.length > 0) for (const row of rows) this.fixRow(row)
    return rows
  }

  private fixRow(row: unknown): void {
    const r = row as Record<string | number, unknown>
    const keys: Array<string | number> = this.arrays ? (this.bigints ? [...(row as unknown[]).keys()] : this.blobColumns) : Object.keys(r)
    for (const k of keys) {
      const v = r[k]
      if (typeof v === 'bigint') r[k] = narrow(v)
      else if (v instanceof Uint8Array && !Buffer.isBuffer(v)) r[k] = Buffer.from(v.buffer, v.byteOffset, v.byteLength)
    }
  }

  run(params: unknown[]): SqliteRunInfo {
    try {
      return this.stmt.run(...params)
    } catch (e) {
      throw asBetterSqliteError(e)
    }
  }

  columns(): SqliteColumn[] {
    return this.stmt.columns()
  }
}

class NodeSqliteConnection implements SqliteConnection {
  constructor(private readonly db: NodeDatabase) {}

  prepare(sql: string): SqliteStatement {
    try {
      return new NodeSqliteStatement(this.db.prepare(sql), sql)
    } catch (e) {
      throw asBetterSqliteError(e)
    }
  }

  exec(sql: string): void {
    try { this.db.exec(sql) } catch (e) { throw asBetterSqliteError(e) }
  }

  /**
   * better-sqlite3 is compiled with SQLITE_DEFAULT_WAL_SYNCHRONOUS=1: a
   * connection switched to WAL syncs at checkpoints, not at every commit
   * (SQLite's advice for WAL: safe against a crash of the program; a power cut
   * may lose the last commits). Node's SQLite keeps FULL, an fsync per commit:
   * 1,000 autocommitted inserts took 1.2 s instead of 61 ms here. The same
   * switch, made the same way.
   */
  pragma(source: string): unknown[] {
    const rows = this.prepare(`PRAGMA ${source}`).all([])
    if (/^\s*journal_mode\s*=\s*'?wal'?\s*$/i.test(source)) this.exec('PRAGMA synchronous = NORMAL')
    return rows
  }

  function(name: string, options: { deterministic?: boolean }, fn: (...args: any[]) => unknown): void {
    this.db.function(name, { deterministic: !!options.deterministic }, fn)
  }

  get inTransaction(): boolean {
    return this.db.isTransaction
  }

  get open(): boolean {
    return this.db.isOpen
  }

  close(): void {
    this.db.close()
  }
}

let mod: NodeSqliteModule | undefined

/** Whether this Node has node:sqlite (22.13 and later without a flag). */
export function nodeSqliteAvailable(): boolean {
  try { load(); return true } catch { return false }
}

function load(): NodeSqliteModule {
  // required on first use: Node 20 has no node:sqlite, and a start that opens no database never loads it
  if (!mod) mod = require('node:sqlite') as NodeSqliteModule
  return mod
}

export function openNodeSqlite(filename: string): SqliteConnection {
  const { DatabaseSync } = load()
  try {
    return new NodeSqliteConnection(new DatabaseSync(filename))
  } catch (e) {
    throw asBetterSqliteError(e)
  }
}
