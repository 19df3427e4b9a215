/**
 * Automatic migrations. A table definition has a signature (its columns);
 * the SchemaEntry of (connection, table, signature) is cached at process
 * level, so a definition repeated on every request migrates at most once.
 * The snapshot of each table's columns is kept in the database itself
 * (quark_schema) and compared under a database-wide lock (SQLite BEGIN
 * IMMEDIATE, PostgreSQL pg_advisory_lock, MySQL GET_LOCK), so two processes
 * never migrate at once and the snapshot cannot drift from the real schema.
 */
import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'
import type { ColumnSpec, Conn, Dialect, Driver } from './dialects/base'
import { QK_DAL_MIGRATION, QK_DAL_UNAVAILABLE, isUnavailable } from './errors'

export interface SchemaEntry {
  status: 'pending' | 'done'
  promise?: Promise<void>
  tablename: string
  columns: ColumnSpec[]
  hash: string
  /** INSERT text by column list */
  insertSql: Map<string, string>
  /** INSERT statements by the bit mask of the columns given (bit i: the table's i-th field), for tables of up to 30 fields */
  insertSqlByMask: Map<number, string>
  /** table.get(id)'s SELECT of every field by id (set.ts _selectById), made once */
  byIdSql?: string
  /** compiled SELECT text by query shape */
  selectSql: Map<string, string>
  /** row prototypes shared by every request (rows.ts), by method-field names */
  rowProtos: Map<string, object>
}

const entries = new Map<string, SchemaEntry>()

/** The cached entry for this definition (made on first sight of the signature). */
export function schemaEntry(driverKey: string, tablename: string, columns: () => ColumnSpec[], signature: string, mode: string): SchemaEntry {
  const key = `${driverKey}\u0000${tablename}\u0000${signature}\u0000${mode}`
  let e = entries.get(key)
  if (!e) {
    const cols = columns()
    e = {
      status: mode === 'off' ? 'done' : 'pending', tablename, columns: cols,
      hash: crypto.createHash('sha1').update(JSON.stringify(cols)).digest('hex'),
      insertSql: new Map(), insertSqlByMask: new Map(), selectSql: new Map(), rowProtos: new Map(),
    }
    entries.set(key, e)
  }
  return e
}

/** Forget cached entries of a connection (closeAllConnections). */
export function forgetSchemas(driverKey?: string): void {
  for (const k of [...entries.keys()]) if (!driverKey || k.startsWith(driverKey + '\u0000')) entries.delete(k)
}

/** A table was dropped: every cached definition of it (whatever its signature) must create it again. */
export function markTableDropped(driverKey: string, tablename: string): void {
  const prefix = `${driverKey}\u0000${tablename}\u0000`
  for (const [k, e] of entries) {
    // migrate: false definitions never create anything
    if (k.startsWith(prefix) && !k.endsWith('\u0000off') && e.status === 'done') { e.status = 'pending'; e.promise = undefined }
  }
}

export interface MigrateOptions { fake: boolean; logFolder?: string }

function log(folder: string | undefined, text: string): void {
  if (!folder) return
  try {
    fs.mkdirSync(folder, { recursive: true })
    fs.appendFileSync(path.join(folder, 'sql.log'), `timestamp: ${new Date().toISOString()}\n${text}\n`)
  } catch { /* a log that cannot be written must not stop the app */ }
}

export function createTableSql(d: Dialect, table: string, cols: ColumnSpec[]): string {
  const lines = [`${d.quote('id')} ${d.idColumn()}`, ...cols.map((c) => `${d.quote(c.name)} ${d.columnType(c)}`), ...d.tableConstraints(cols)]
  return `CREATE TABLE ${d.quote(table)}(\n  ${lines.join(',\n  ')}\n)${d.createSuffix}`
}

const SCHEMA_TABLE = 'quark_schema'

async function readSnapshot(conn: Conn, d: Dialect, table: string): Promise<{ hash: string; columns: ColumnSpec[] } | null> {
  await conn.exec(`CREATE TABLE IF NOT EXISTS ${d.quote(SCHEMA_TABLE)}(${d.quote('tablename')} VARCHAR(255) PRIMARY KEY, ${d.quote('hash')} VARCHAR(64), ${d.quote('definition')} TEXT)`, [])
  const r = await conn.exec(`SELECT ${d.quote('hash')}, ${d.quote('definition')} FROM ${d.quote(SCHEMA_TABLE)} WHERE ${d.quote('tablename')} = ${d.param(1)}`, [table])
  if (!r.rows.length) return null
  return { hash: String(r.rows[0][0]), columns: JSON.parse(String(r.rows[0][1])) }
}

async function writeSnapshot(conn: Conn, d: Dialect, e: SchemaEntry): Promise<void> {
  await conn.exec(`DELETE FROM ${d.quote(SCHEMA_TABLE)} WHERE ${d.quote('tablename')} = ${d.param(1)}`, [e.tablename])
  await conn.exec(`INSERT INTO ${d.quote(SCHEMA_TABLE)}(${d.quote('tablename')}, ${d.quote('hash')}, ${d.quote('definition')}) VALUES (${d.param(1)}, ${d.param(2)}, ${d.param(3)})`,
    [e.tablename, e.hash, JSON.stringify(e.columns)])
}

const sameColumn = (a: ColumnSpec, b: ColumnSpec) =>
  a.type === b.type && a.length === b.length && a.notnull === b.notnull && a.unique === b.unique && a.ondelete === b.ondelete

/** The statements that bring the stored table to the new definition. */
export function migrationSql(d: Dialect, table: string, before: ColumnSpec[] | null, after: ColumnSpec[]): string[] {
  if (!before) return [createTableSql(d, table, after)]
  const old = new Map(before.map((c) => [c.name, c]))
  const now = new Map(after.map((c) => [c.name, c]))
  const added = after.filter((c) => !old.has(c.name))
  const dropped = before.filter((c) => !now.has(c.name))
  const changed = after.filter((c) => old.has(c.name) && !sameColumn(old.get(c.name)!, c))
  const q = d.quote
  if (d.name === 'sqlite') {
    // SQLite cannot alter or (safely, with foreign keys) drop columns: rebuild the table, keeping the data
    const needsRebuild = dropped.length || changed.length || added.some((c) => c.notnull || c.unique)
    if (!needsRebuild) return added.map((c) => `ALTER TABLE ${q(table)} ADD COLUMN ${q(c.name)} ${d.columnType(c)}`)
    const tmp = `${table}__quark_new`
    const common = ['id', ...after.filter((c) => old.has(c.name)).map((c) => c.name)].map(q).join(', ')
    return [
      createTableSql(d, tmp, after),
      `INSERT INTO ${q(tmp)}(${common}) SELECT ${common} FROM ${q(table)}`,
      `DROP TABLE ${q(table)}`,
      `ALTER TABLE ${q(tmp)} RENAME TO ${q(table)}`,
    ]
  }
  const out: string[] = []
  for (const c of added) {
    out.push(`ALTER TABLE ${q(table)} ADD COLUMN ${q(c.name)} ${d.columnType(c)}`)
    for (const fk of d.tableConstraints([c])) out.push(`ALTER TABLE ${q(table)} ADD ${fk}`)
  }
  for (const c of changed) out.push(...d.alterColumn(table, c))
  for (const c of dropped) out.push(`ALTER TABLE ${q(table)} DROP COLUMN ${q(c.name)}`)
  return out
}

/**
 * Compare the stored snapshot with the definition and apply the difference.
 * Runs on a connection that already holds the migration lock. Returns the
 * statements executed (empty when nothing changed).
 */
export async function migrateOnConn(conn: Conn, driver: Driver, e: SchemaEntry, opts: MigrateOptions): Promise<string[]> {
  const d = driver.dialect
  const snap = await readSnapshot(conn, d, e.tablename)
  if (snap && snap.hash === e.hash) return []
  let before = snap?.columns ?? null
  let fake = opts.fake
  if (!snap && await driver.tableExists(conn, e.tablename)) fake = true  // a table made outside Quark: adopt it as defined
  const stmts = migrationSql(d, e.tablename, before, e.columns)
  try {
    if (!fake) for (const s of stmts) await conn.exec(s, [])
  } catch (err) {
    log(opts.logFolder, `${stmts.join(';\n')};\nfailed: ${(err as Error).message}\n`)
    if (isUnavailable(err)) throw new QK_DAL_UNAVAILABLE('migration', e.tablename, (err as Error).message, { cause: err })
    throw new QK_DAL_MIGRATION(e.tablename, (err as Error).message, { cause: err })
  }
  await writeSnapshot(conn, d, e)
  log(opts.logFolder, `${stmts.join(';\n')};\n${fake ? 'faked!' : 'success!'}\n`)
  before = null
  return fake ? [] : stmts
}
