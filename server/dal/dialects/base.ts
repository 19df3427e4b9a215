/**
 * What a dialect is: a driver adapter (connections, transactions, a lock for
 * migrations), an SQL compiler's dialect-specific pieces, and a capability
 * table. The shared value encoding (lists, dates, JSON) is here too.
 */
import { QK_DAL_BAD_VALUE } from '../errors'
import { readDecimal, readInt64, toDecimalText, toInt64 } from '../exact'
import type { LikePattern } from '../like'
import type { DialectName } from '../uri'

export interface ExecResult {
  /** result rows as arrays, in column order */
  rows: unknown[][]
  /** column names (for executesql asDict) */
  columns: string[]
  changes: number
  insertId?: number
}

/** A connection owned by one transaction (or by one migration). */
export interface Conn {
  exec(sql: string, params: unknown[]): Promise<ExecResult>
  /** synchronous drivers (SQLite): the same statement run now, without a promise (issue 21) */
  execNow?(sql: string, params: unknown[]): ExecResult
  release(): void
}

export interface Capabilities {
  /** INSERT ... RETURNING id */
  returning: boolean
  /** DDL runs inside transactions (rolled back with them) */
  transactionalDDL: boolean
  /** ALTER TABLE can change a column's type (else the table is rebuilt) */
  alterColumnType: boolean
  /** ALTER TABLE DROP COLUMN keeps foreign keys intact (else rebuild) */
  dropColumn: boolean
  /** text may contain NUL characters */
  nulInText: boolean
}

export interface ColumnSpec {
  name: string
  type: string
  length: number
  notnull: boolean
  unique: boolean
  referenced?: string
  ondelete: string
  precision?: [number, number]
}

export interface Dialect {
  name: DialectName
  caps: Capabilities
  quote(identifier: string): string
  /** placeholder of the n-th (1-based) parameter */
  param(n: number): string
  /** column definition for CREATE TABLE / ADD COLUMN (without the name) */
  columnType(c: ColumnSpec): string
  idColumn(): string
  /** extra table constraints (MySQL's FOREIGN KEY clauses) */
  tableConstraints(cols: ColumnSpec[]): string[]
  createSuffix: string
  encode(type: string, value: unknown): unknown
  decode(type: string, value: unknown): unknown
  /** SQL reading a stored value of `type` as a number for arithmetic and SUM/AVG (SQLite's decimal text) */
  numeric?(sql: string, type: string): string
  extract(part: string, sql: string): string
  length(sql: string): string
  random: string
  /**
   * `left LIKE pattern` (the pattern is `!`-escaped, see like.ts), case-sensitive or not the same way on
   * every dialect; `bind` adds a parameter and answers its placeholder
   */
  like(left: string, pattern: LikePattern, caseSensitive: boolean, bind: (value: unknown) => string): string
  /** `left` matches the regular expression `pattern` (case-sensitive) */
  regexp(left: string, pattern: string, bind: (value: unknown) => string): string
  /** whole seconds since 1970-01-01 00:00:00 UTC of a date or datetime */
  epoch(sql: string): string
  /** ALTER statement(s) changing a column's type */
  alterColumn(table: string, c: ColumnSpec): string[]
  insertDefaults(table: string): string
  /** field types whose driver values are already the JS values (no decoding) */
  plainTypes: Set<string>
}

export interface Driver {
  dialect: Dialect
  key: string
  /** exclusive connection for a transaction (SQLite: takes the file's mutex) */
  acquire(): Promise<Conn>
  /** synchronous drivers (SQLite): the exclusive connection now when it is free; undefined when acquire() must wait */
  acquireNow?(): Conn | undefined
  /** one statement, autocommit; `wrap` turns a driver error into the DAL's error */
  run(sql: string, params: unknown[], wrap?: (e: unknown) => unknown): Promise<ExecResult>
  /**
   * synchronous drivers (SQLite): one autocommit statement run now, without a promise, when no
   * transaction of this process holds the connection; undefined when it must wait its turn (run())
   */
  runNow?(sql: string, params: unknown[]): ExecResult | undefined
  /** run fn on an exclusive connection holding the database-wide migration lock */
  withMigrationLock<T>(fn: (conn: Conn) => Promise<T>): Promise<T>
  /** does a table exist in the database? */
  tableExists(conn: Conn, table: string): Promise<boolean>
  close(): Promise<void>
}

/**
 * PostgreSQL text cannot hold NUL, so a pattern containing one matches no value: false, or null for a
 * null value (as LIKE answers), so that not() keeps excluding nulls. Never an error: a search box may send it.
 */
export function matchesNothing(left: string): string {
  return `${left} IS NULL AND NULL`
}

// ---- shared value encoding -------------------------------------------------

const pad = (n: number, w = 2) => String(n).padStart(w, '0')

export function formatDate(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
}

export function formatDateTime(d: Date): string {
  return `${formatDate(d)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/
const TIME_RE = /^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/

/** '|a|b|' as web2py stores list: types; a '|' inside an item is doubled. */
export function encodeList(items: unknown[]): string {
  return '|' + items.map((x) => String(x).replace(/\|/g, '||')).join('|') + '|'
}

export function decodeList(text: string): string[] {
  if (!text || text === '||') return []
  const inner = text.slice(1, -1)
  const out: string[] = []
  let cur = ''
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i]
    if (ch === '|') {
      if (inner[i + 1] === '|') { cur += '|'; i++ } else { out.push(cur); cur = '' }
    } else cur += ch
  }
  out.push(cur)
  return out
}

function toInt(type: string, value: unknown): number {
  if (typeof value === 'object' && value !== null && 'id' in value) value = (value as { id: unknown }).id
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (typeof n === 'bigint') return Number(n)
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new QK_DAL_BAD_VALUE(type, JSON.stringify(value) ?? String(value))
  return n
}

function toNumber(type: string, value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (typeof n !== 'number' || Number.isNaN(n)) throw new QK_DAL_BAD_VALUE(type, String(value))
  return n
}

const SIMPLE_TYPES = new Set(['id', 'integer', 'bigint', 'double', 'boolean', 'date', 'time', 'datetime', 'json', 'blob', 'string', 'text', 'password', 'upload'])

/**
 * Value → what the driver binds. `boolAsInt`: SQLite and MySQL store booleans
 * as 0/1. Everything is bound as a parameter, never spliced into SQL.
 */
export function encodeValue(type: string, value: unknown, boolAsInt: boolean): unknown {
  if (value === null || value === undefined) return null
  // the common cases first, already in their bound form: text into a text field, an integer into an integer field
  if (typeof value === 'string') { if (type === 'string' || type === 'text') return value }
  else if (typeof value === 'number' && (type === 'integer' || type === 'id') && Number.isInteger(value)) return value
  const base = SIMPLE_TYPES.has(type) ? type : type.startsWith('reference') ? 'reference' : type.startsWith('list:') ? 'list' : type.startsWith('decimal') ? 'decimal' : type
  switch (base) {
    case 'id': case 'integer': case 'reference':
      return toInt(type, value)
    case 'bigint':
      return toInt64(type, value)
    case 'decimal':
      return toDecimalText(type, value)
    case 'double':
      return toNumber(type, value)
    case 'boolean': {
      const b = value === true || value === 1 || value === 'T' || value === 'true' || value === '1' || value === 'on'
      return boolAsInt ? (b ? 1 : 0) : b
    }
    case 'date':
      if (value instanceof Date) return formatDate(value)
      if (typeof value === 'string' && DATE_RE.test(value)) return value
      throw new QK_DAL_BAD_VALUE(type, String(value))
    case 'time':
      if (typeof value === 'string' && TIME_RE.test(value)) return value.length === 5 ? value + ':00' : value
      throw new QK_DAL_BAD_VALUE(type, String(value))
    case 'datetime': {
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw new QK_DAL_BAD_VALUE(type, 'Invalid Date')
        return formatDateTime(value)
      }
      if (typeof value === 'string' && DATETIME_RE.test(value)) {
        const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(value)
        return formatDateTime(new Date(hasZone ? value : value.replace(' ', 'T') + 'Z'))
      }
      throw new QK_DAL_BAD_VALUE(type, String(value))
    }
    case 'json':
      return JSON.stringify(value)
    case 'blob':
      if (Buffer.isBuffer(value)) return value
      if (value instanceof Uint8Array) return Buffer.from(value)
      if (typeof value === 'string') return Buffer.from(value)
      throw new QK_DAL_BAD_VALUE(type, typeof value)
    case 'list': {
      const items = Array.isArray(value) ? value : [value]
      if (type !== 'list:string') items.forEach((x, i) => { items[i] = toInt(type, x) })
      return encodeList(items)
    }
    default:
      if (typeof value === 'object' && !(value instanceof String)) throw new QK_DAL_BAD_VALUE(type, 'an object')
      return String(value)
  }
}

/**
 * Driver value → JS value (integers as numbers, bigint as bigint, decimals as exact text,
 * datetime as Date, date/time as strings, lists as arrays).
 */
export function decodeValue(type: string, value: unknown): unknown {
  if (value === null || value === undefined) return null
  switch (type) {
    case 'string': case 'text': case 'password': case 'upload':
      return typeof value === 'string' ? value : String(value)
    case 'id': case 'integer': case 'double':
      return typeof value === 'number' ? value : Number(value)
    case 'bigint':
      return readInt64(value)
    case 'boolean':
      return value === true || value === 1 || value === '1' || value === 'T' || value === 't'
    case 'datetime':
      if (value instanceof Date) return value
      return new Date(String(value).replace(' ', 'T') + 'Z')
    case 'date':
      return value instanceof Date ? formatDate(value) : String(value).slice(0, 10)
    case 'time':
      return String(value)
    case 'json':
      return typeof value === 'string' ? JSON.parse(value) : value
    case 'blob':
      return Buffer.isBuffer(value) ? value : Buffer.from(value as Uint8Array)
    default:
      if (type.startsWith('reference')) return typeof value === 'number' ? value : Number(value)
      if (type.startsWith('decimal')) return readDecimal(type, value)
      if (type === 'list:string') return decodeList(String(value))
      if (type.startsWith('list:')) return decodeList(String(value)).map(Number)
      return value
  }
}

/** The column types every dialect shares; dialects override a few. */
export function commonColumnType(c: ColumnSpec, map: Record<string, string>): string {
  let t: string
  if (c.type.startsWith('reference')) t = map.reference
  else if (c.type.startsWith('list:')) t = map.text
  else if (c.type.startsWith('decimal')) t = `${map.decimal}(${c.precision![0]},${c.precision![1]})`
  else if (c.type === 'string' || c.type === 'password' || c.type === 'upload') t = `VARCHAR(${c.length})`
  else t = map[c.type]
  if (c.notnull) t += ' NOT NULL'
  if (c.unique) t += ' UNIQUE'
  return t
}
