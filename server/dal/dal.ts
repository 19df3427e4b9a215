/**
 * `new DAL(uri, options)`: one per request (models run on every request), so
 * it is cheap: the URI parse, the driver (connection or pool) and every
 * table's schema entry are cached at process level. `db(query)` is a Set,
 * `db.thing` a table.
 */
import path from 'node:path'
import { currentState } from '../current'
import type { Driver, ExecResult, ColumnSpec } from './dialects/base'
import { SqliteDriver } from './dialects/sqlite'
import { serverDriver } from './dialects/server-drivers'
import { parseUri, type ConnectionInfo } from './uri'
import { checkName, Field, MethodField, VirtualField } from './field'
import { Table, type TableOptions } from './table'
import { DALSet } from './set'
import { Query, Expression } from './expression'
import { activeSession, inTransaction } from './session'
import { forgetSchemas, migrateOnConn, schemaEntry } from './migrate'
import { QK_DAL_CLOSED, QK_DAL_DUPLICATE, QK_DAL_MIGRATION, QK_DAL_NO_TABLE, QK_DAL_QUERY, QK_DAL_BAD_NAME, QK_DAL_UNAVAILABLE, isUnavailable } from './errors'
import { isQuarkError } from '../errors'
import { ClusterDriver, clusterKey } from './cluster'
import { distributedTransactionBegin, distributedTransactionCommit, distributedTransactionRecover, reportPreparedLeftovers } from './twophase'
import { exportDatabaseCsv, importDatabaseCsv, type CsvExportOptions, type CsvImportOptions } from './csv'

export interface DALOptions {
  /** folder of relative SQLite files and of sql.log (default: <app>/databases) */
  folder?: string
  /** connections per pool (PostgreSQL, MySQL) in this process; default 10 (`poolSize` is the older spelling) */
  pool?: number
  poolSize?: number
  /** read replicas (same dialect): selects outside a transaction, or in a request before its first write (cluster.ts) */
  replicas?: readonly string[]
  /** false: never alter the database */
  migrate?: boolean
  /** record the definitions as migrated without running any DDL */
  fakeMigrate?: boolean
}

const drivers = new Map<string, Driver>()
const NO_OPTIONS: DALOptions = Object.freeze({})
const databaseFolders = new Map<string, string>()
/** <app>/databases, joined once per app (a DAL is made on every request) */
function databasesFolder(appFolder: string): string {
  let f = databaseFolders.get(appFolder)
  if (f === undefined) { f = path.join(appFolder, 'databases'); if (databaseFolders.size < 10000) databaseFolders.set(appFolder, f) }
  return f
}
const checkedTableNames = new Set<string>()
const uriCache = new Map<string, Map<string, ConnectionInfo>>()

/** One lazily declared table: made once (at module level, say) and shared by every request's db. */
export interface LazyTableSpec<C = unknown> {
  name: string
  /** defineTable's arguments */
  fields: (ctx: C) => Array<Field | VirtualField | MethodField | TableOptions>
  /** runs once the table exists (e.g. validators that look up other tables) */
  after?: (t: Table, ctx: C) => void
}

/** Tables declared together with one context: a linked list per db, one object per declaration. */
interface LazyGroup {
  specs: readonly LazyTableSpec[]
  ctx: unknown
  next: LazyGroup | undefined
}

/*
 * Lazy tables are reached through accessors on DAL.prototype, one per table name ever declared lazily
 * in this process (a handful: the auth tables), not through accessors defined on each db: an accessor
 * defined on a function object costs V8 microseconds per request, a prototype one nothing. The getter
 * builds the table for the db it is read from (or answers undefined when that db did not declare it),
 * which then holds it as an own property.
 */
const lazyAccessors = new Set<string>()
function installLazyAccessor(name: string): void {
  if (lazyAccessors.has(name)) return
  if (name in DAL.prototype || name in Function.prototype) throw new QK_DAL_BAD_NAME('table', name, 'it is the name of a DAL member')
  lazyAccessors.add(name)
  Object.defineProperty(DAL.prototype, name, {
    configurable: true, enumerable: false,
    get(this: DAL) { return this._lazyTable(name) },
    set(this: DAL, v: unknown) { Object.defineProperty(this, name, { value: v, enumerable: true, configurable: true, writable: true }) },
  })
}

function driverFor(info: ConnectionInfo, poolSize: number): Driver {
  let d = drivers.get(info.key)
  if (d) return d
  if (info.dialect === 'sqlite') d = new SqliteDriver(info.key, info.filename!)
  else d = serverDriver(info, poolSize)
  drivers.set(info.key, d)
  // prepared transactions a crash left (twophase.ts): one log line, once per process and database
  if (info.dialect !== 'sqlite') reportPreparedLeftovers(d)
  return d
}

/** failover list and replicas: one ClusterDriver per combination, cached like a single server's pool */
function clusterDriverFor(members: ConnectionInfo[], replicas: ConnectionInfo[], poolSize: number): Driver {
  const key = clusterKey(members, replicas)
  let d = drivers.get(key)
  if (!d) { d = new ClusterDriver(key, members, replicas, poolSize); drivers.set(key, d) }
  return d
}

/*
 * `sqlite://memory` is a database of its own for each DAL object (web2py's sqlite:memory), not one
 * shared by the process: its driver gets a key of its own, and is closed (its schema entries
 * forgotten) when that DAL object is garbage collected, so a model opening one per request leaks nothing.
 */
let memoryDatabases = 0
const memoryFinalizer = new FinalizationRegistry<string>((key) => {
  const d = drivers.get(key)
  if (!(d instanceof SqliteDriver)) return
  drivers.delete(key)
  forgetSchemas(key)
  // a request's transaction may still hold the connection (the DAL object gone, its commit not yet run):
  // close once it lets go
  void d.mutex.lock().then(() => d.close()).catch(() => undefined)
})
function memoryDriver(db: DAL): Driver {
  const key = `sqlite::memory:#${++memoryDatabases}`
  const d = new SqliteDriver(key, ':memory:')
  drivers.set(key, d)
  memoryFinalizer.register(db, key)
  return d
}

/** Close every connection and pool of this process (graceful shutdown, end of tests). */
export async function closeAllConnections(): Promise<void> {
  const all = [...drivers.values()]
  drivers.clear()
  forgetSchemas()
  await Promise.all(all.map((d) => d.close().catch(() => undefined)))
}

function wrapError(e: unknown, op: string, tables: Table[]): unknown {
  if (isQuarkError(e)) return e
  const names = tables.map((t) => t._tablename).join(', ') || 'the database'
  if (isUnavailable(e)) return new QK_DAL_UNAVAILABLE(op, names, (e as Error)?.message ?? String(e), { cause: e })
  return new QK_DAL_QUERY(op, names, (e as Error)?.message ?? String(e), { cause: e })
}

export interface DAL {
  /** db(query) / db(table) / db(): a set of records */
  (query?: Query | Table | null): DALSet
  /** tables by name: db.thing */
  [table: string]: any
}

export class DAL {
  declare _uri: string
  declare _driver: Driver
  declare _dialect: Driver['dialect']
  declare _folder: string | undefined
  declare _migrate: boolean
  declare _fakeMigrate: boolean
  /** names of the defined tables, in definition order */
  declare tables: string[]
  /** web2py's DAL.distributed_transaction_begin/commit and the crash recovery (twophase.ts) */
  static distributedTransactionBegin = distributedTransactionBegin
  static distributedTransactionCommit = distributedTransactionCommit
  static distributedTransactionRecover = distributedTransactionRecover
  /** lazily declared tables not built yet (defineLazyTable) */
  declare _lazy: LazyGroup | undefined

  /** `uri`, or a list of URIs tried in order (failover, see cluster.ts) */
  constructor(uris: string | readonly string[], options: DALOptions = NO_OPTIONS) {
    const state = currentState()
    const explicitFolder = options.folder ?? (state?.appFolder ? databasesFolder(state.appFolder) : undefined)
    const folder = explicitFolder ?? process.cwd()
    let byUri = uriCache.get(folder)
    if (!byUri) { byUri = new Map(); if (uriCache.size < 1000) uriCache.set(folder, byUri) }
    const parse = (u: string) => {
      let i = byUri!.get(u)
      if (!i) { i = parseUri(u, folder); if (byUri!.size < 1000) byUri!.set(u, i) }
      return i
    }
    const uri = typeof uris === 'string' ? uris : uris[0]!
    const info = parse(uri)
    const db = ((query?: Query | Table | null) => {
      if (query instanceof Table) return new DALSet(db, null, query)
      return new DALSet(db, query ?? null)
    }) as DAL
    Object.setPrototypeOf(db, DAL.prototype)
    const poolSize = options.pool ?? options.poolSize ?? 10
    const cluster = (typeof uris !== 'string' && uris.length > 1) || (options.replicas?.length ?? 0) > 0
    const driver = cluster ? clusterDriverFor(typeof uris === 'string' ? [info] : uris.map(parse), (options.replicas ?? []).map(parse), poolSize)
      : info.filename === ':memory:' ? memoryDriver(db) : driverFor(info, poolSize)
    // plain stores in one fixed order: every db of the process shares one hidden class
    db._uri = uri
    db._driver = driver
    db._dialect = driver.dialect
    db._folder = explicitFolder
    db._migrate = options.migrate ?? true
    db._fakeMigrate = options.fakeMigrate ?? false
    db.tables = []
    db._lazy = undefined
    return db
  }

  /** define (or redefine, for this DAL object) a table; synchronous and cheap */
  defineTable(name: string, ...args: Array<Field | VirtualField | MethodField | TableOptions>): Table {
    this._checkNewTable(name)
    const t = this._buildTable(name, args)
    this._setTable(name, t)
    this.tables.push(name)
    return t
  }

  /**
   * Declare a table whose definition runs on the first use of `db[name]` in this request (web2py's
   * lazy tables): a model that declares many tables pays only for those the request touches.
   * `fields` returns defineTable's arguments; `after` runs once the table exists (e.g. to set
   * validators that look up other tables); `ctx` is handed to both, so callers can pass module-level
   * functions instead of making closures per request. `db.tables` lists the table at once.
   */
  defineLazyTable<C>(name: string, fields: (ctx: C) => Array<Field | VirtualField | MethodField | TableOptions>, after?: (t: Table, ctx: C) => void, ctx?: C): void {
    this.defineLazyTables([{ name, fields, after }], ctx as C)
  }

  /**
   * Declare several lazy tables sharing one context (as defineLazyTable each). `specs` can be made
   * once and shared by every request: declaring then costs one small object per call, whatever
   * the number of tables (auth.defineTables() declares its five this way).
   */
  defineLazyTables<C>(specs: readonly LazyTableSpec<C>[], ctx: C): void {
    if (!Array.isArray(specs)) throw new QK_DAL_BAD_NAME('table', String(specs), 'defineLazyTables needs an array of { name, fields, after? }')
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i]
      if (!spec || typeof spec.name !== 'string' || typeof spec.fields !== 'function' || (spec.after !== undefined && typeof spec.after !== 'function')) {
        throw new QK_DAL_BAD_NAME('table', String(spec?.name), 'a lazy table needs a name, a fields function and, optionally, an after function')
      }
      const name = spec.name
      this._checkNewTable(name)
      installLazyAccessor(name)
      // two specs of one call with the same name
      for (let j = 0; j < i; j++) if (specs[j]!.name === name) throw new QK_DAL_DUPLICATE('table', name)
    }
    this._lazy = { specs: specs as readonly LazyTableSpec[], ctx, next: this._lazy }
    for (let i = 0; i < specs.length; i++) this.tables.push(specs[i]!.name)
  }

  /** the lazily declared table `name` of this DAL object, built now; undefined when not declared here */
  _lazyTable(name: string): Table | undefined {
    for (let g = this._lazy; g !== undefined; g = g.next) {
      const specs = g.specs
      for (let i = 0; i < specs.length; i++) {
        const spec = specs[i]!
        if (spec.name !== name) continue
        // a definition error stays: the next use throws it again
        const t = this._buildTable(name, spec.fields(g.ctx))
        // the own property hides the prototype's accessor: this db never comes back here for `name`
        Object.defineProperty(this, name, { value: t, enumerable: true, configurable: true, writable: true })
        spec.after?.(t, g.ctx)
        return t
      }
    }
    return undefined
  }

  /** after table.drop(): the name is free again in this DAL object (web2py lets a dropped table be defined anew) */
  _forgetTable(t: Table): void {
    const name = t._tablename
    if (t._alias !== undefined) return
    const i = this.tables.indexOf(name)
    if (i >= 0) this.tables.splice(i, 1)
    if (Object.prototype.hasOwnProperty.call(this, name) && this[name] === t) delete this[name]
  }

  private _checkNewTable(name: string): void {
    // a name declared lazily before was checked then (and its accessor is this db's own business)
    if (!lazyAccessors.has(name)) {
      if (!checkedTableNames.has(name)) { checkName('table', name); if (checkedTableNames.size < 10000) checkedTableNames.add(name) }
      if (name in this && !(name === 'name' || name === 'length') && !this.tables.includes(name)) throw new QK_DAL_BAD_NAME('table', name, 'it is the name of a DAL member')
    }
    if (this.tables.includes(name)) throw new QK_DAL_DUPLICATE('table', name)
  }

  private _setTable(name: string, t: Table): void {
    // a function's own name/length are read-only, and a lazy accessor on the prototype would take a plain
    // store as a call of its setter: define the own property in those cases
    if (name === 'name' || name === 'length' || lazyAccessors.has(name)) Object.defineProperty(this, name, { value: t, enumerable: true, configurable: true, writable: true })
    else this[name] = t
  }

  private _buildTable(name: string, args: Array<Field | VirtualField | MethodField | TableOptions>): Table {
    const last = args[args.length - 1]
    const opts: TableOptions = last && !(last instanceof Field) && !(last instanceof VirtualField) && !(last instanceof MethodField) ? (args.pop() as TableOptions) : {}
    const t: Table = new Table()
    t._db = this
    t._tablename = name
    const fields: Field[] = []
    const virtual: VirtualField[] = []
    const methods: MethodField[] = []
    let idField: Field | undefined
    for (const a of args) {
      if (a instanceof Field) { if (a.type === 'id') idField = a; else fields.push(a) }
      else if (a instanceof VirtualField) virtual.push(a)
      else if (a instanceof MethodField) methods.push(a)
    }
    const id = idField ?? new Field('id', 'id', { readable: false, writable: false, label: 'Id' })
    if (id.name !== 'id') throw new QK_DAL_BAD_NAME('field', id.name, "the id field must be named 'id'")
    const all = [id, ...fields]
    const seen = new Set<string>()
    let signature = ''
    for (let i = 0; i < all.length; i++) {
      let f = all[i]
      if (seen.has(f.name)) throw new QK_DAL_DUPLICATE('field', `${name}.${f.name}`)
      seen.add(f.name)
      // a Field object already bound to another table (reused across requests or tables) is copied
      if (f.table) { f = all[i] = Object.create(f) as Field; if (f.type === 'id') idField = f }
      f.table = t
      f.tablename = name
      ;(t as any)[f.name] = f
      if (f !== id) signature += `${f.name}:${f.type}:${f.length}:${f.notnull ? 1 : 0}${f.unique ? 1 : 0}:${f.ondelete};`
    }
    t.id = all[0]
    t._fieldList = all
    t._fieldMap = new Map(all.map((f) => [f.name, f]))
    t.fields = all.map((f) => f.name)
    t._virtual = virtual
    t._methods = methods
    t._migrate = opts.migrate ?? this._migrate
    t._fakeMigrate = opts.fakeMigrate ?? this._fakeMigrate
    t._format = opts.format
    if (opts.singular) t._singular = opts.singular
    if (opts.plural) t._plural = opts.plural
    const mode = !t._migrate ? 'off' : t._fakeMigrate ? 'fake' : 'on'
    t._schema = schemaEntry(this._driver.key, name, () => fields.map((f): ColumnSpec => ({
      name: f.name, type: f.type, length: f.length, notnull: f.notnull, unique: f.unique,
      referenced: f.referenced && !f.type.startsWith('list:') ? f.referenced : undefined, ondelete: f.ondelete, precision: f.precision,
    })), signature, mode)
    return t
  }

  /** run pending migrations of these tables (and of the tables they reference) */
  async _ensureMigrated(tables: Table[]): Promise<void> {
    for (const t of tables) {
      const e = t._schema
      if (e.status === 'done') continue
      for (const c of e.columns) {
        if (c.referenced && c.referenced !== t._tablename) {
          const target = this[c.referenced]
          if (!(target instanceof Table)) throw new QK_DAL_NO_TABLE(c.referenced)
          await this._ensureMigrated([target])
        }
      }
      if ((e.status as string) === 'done') continue  // migrated while awaiting the referenced tables
      const session = activeSession(this._driver)
      const opts = { fake: t._fakeMigrate, logFolder: this._folder }
      if (session?.conn && this._dialect.name === 'sqlite') {
        // SQLite's one connection is held by this transaction: migrate inside it, undone if it rolls back
        const stmts = await migrateOnConn(session.conn, this._driver, e, opts).catch((err) => { throw wrapMigration(err, e.tablename) })
        if (stmts.some((s) => s.startsWith('DROP TABLE'))) throw new QK_DAL_MIGRATION(e.tablename, 'a table rebuild cannot run inside an open transaction; define tables before the first statement')
        e.status = 'done'
        session.onRollback.push(() => { e.status = 'pending' })
        continue
      }
      e.promise ??= this._driver.withMigrationLock((conn) => migrateOnConn(conn, this._driver, e, opts))
        .then(() => { e.status = 'done' }, (err) => { e.promise = undefined; throw wrapMigration(err, e.tablename) })
      await e.promise
    }
  }

  /** run one statement on behalf of tables (migrating them first), in the current transaction if any */
  _exec(sql: string, params: unknown[], tables: Table[], op: string): Promise<ExecResult> {
    let pending = false
    for (let i = 0; i < tables.length; i++) if (tables[i]._schema.status !== 'done') { pending = true; break }
    if (!pending && drivers.has(this._driver.key)) {
      const session = activeSession(this._driver)
      // a select outside a transaction, or in a request that has not written yet: a read replica may serve it
      if ((op === 'select' || op === 'count') && this._driver instanceof ClusterDriver && this._driver.replicas.length && (!session || session.readOnlySoFar())) {
        return this._driver.read(sql, params, (e) => wrapError(e, op, tables))
      }
      if (!session) return this._driver.run(sql, params, (e) => wrapError(e, op, tables))
      // a transaction already begun: straight to its connection
      if (session.conn) return session.conn.exec(sql, params).then(undefined, (e) => { throw wrapError(e, op, tables) })
    }
    return this._execSlow(sql, params, tables, op)
  }

  /**
   * `_exec` without a promise, for synchronous drivers (SQLite): the result now, or undefined when
   * the statement has to go the asynchronous way (a migration pending, a transaction still to begin,
   * another transaction holding the connection, a server database). A driver error is thrown as the
   * DAL's error. Issue 21: on SQLite a query costs the driver's call and the caller's own `await`, no more.
   */
  _execNow(sql: string, params: unknown[], tables: Table[], op: string): ExecResult | undefined {
    const driver = this._driver
    if (driver.runNow === undefined) return undefined
    for (let i = 0; i < tables.length; i++) if (tables[i]._schema.status !== 'done') return undefined
    if (!drivers.has(driver.key)) return undefined
    const session = activeSession(driver)
    try {
      if (session === undefined) return driver.runNow(sql, params)
      // a request's first statement begins its transaction now, once every table it defined is migrated
      // (as _execSlow: SQLite cannot rebuild a table inside the open transaction)
      const conn = session.conn ?? (session.begun || !this._allMigrated() ? undefined : session.openNow())
      return conn?.execNow === undefined ? undefined : conn.execNow(sql, params)
    } catch (e) { throw wrapError(e, op, tables) }
  }

  /** every table of this DAL object built and migrated (a lazy table not built yet counts as not) */
  private _allMigrated(): boolean {
    const names = this.tables
    for (let i = 0; i < names.length; i++) {
      const t = Object.prototype.hasOwnProperty.call(this, names[i]) ? this[names[i]] : undefined
      if (!(t instanceof Table) || t._schema.status !== 'done') return false
    }
    return true
  }

  private async _execSlow(sql: string, params: unknown[], tables: Table[], op: string): Promise<ExecResult> {
    if (!drivers.has(this._driver.key)) throw new QK_DAL_CLOSED(this._driver.key)
    await this._ensureMigrated(tables)
    const session = activeSession(this._driver)
    if (session && !session.conn) {
      // before a transaction begins, migrate every table defined so far: a migration waiting on locks held by
      // this very transaction (PostgreSQL/MySQL foreign keys) could never finish
      const pending = this.tables.map((n) => this[n] as Table).filter((t) => t._schema.status !== 'done')
      if (pending.length) await this._ensureMigrated(pending)
    }
    try {
      if ((op === 'select' || op === 'count') && this._driver instanceof ClusterDriver && this._driver.replicas.length && (!session || session.readOnlySoFar())) {
        return await this._driver.read(sql, params)
      }
      if (!session) return await this._driver.run(sql, params)
      const conn = await session.connection()
      return await conn.exec(sql, params)
    } catch (e) { throw wrapError(e, op, tables) }
  }

  /** raw SQL with parameters (placeholders of the dialect: ? or $1); rows as arrays, or objects with asDict */
  async executesql(sql: string, params: unknown[] = [], options: { asDict?: boolean } = {}): Promise<any[]> {
    const r = await this._exec(sql, params, [], 'executesql')
    if (!options.asDict) return r.rows
    return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])))
  }

  /** commit the current transaction (a request's, or db.transaction's); no-op in autocommit */
  async commit(): Promise<void> { await activeSession(this._driver)?.commit() }
  async rollback(): Promise<void> { await activeSession(this._driver)?.rollback() }

  /** run fn in a transaction (a savepoint when one is already open); rolled back if fn throws */
  transaction<T>(fn: () => Promise<T>): Promise<T> { return inTransaction(this._driver, fn) }

  /** every table as CSV, web2py's export_to_csv_file format: an exact dump (see csv.ts for spreadsheetSafe) */
  exportToCsv(options?: CsvExportOptions): Promise<string> { return exportDatabaseCsv(this, options) }
  /** import the output of exportToCsv; references are remapped to the new ids */
  importFromCsv(text: string, options?: CsvImportOptions): Promise<void> { return importDatabaseCsv(this, text, options) }

  /** the dialect's name: 'sqlite' | 'postgres' | 'mysql' */
  get _dbname(): string { return this._dialect.name }
}

function wrapMigration(err: unknown, table: string): unknown {
  if (isQuarkError(err)) return err
  if (isUnavailable(err)) return new QK_DAL_UNAVAILABLE('migration', table, (err as Error)?.message ?? String(err), { cause: err })
  return new QK_DAL_MIGRATION(table, (err as Error)?.message, { cause: err })
}

export { Expression }
