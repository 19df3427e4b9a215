/**
 * A table of one DAL object (one request). The schema-level facts (columns,
 * SQL, migration status) live in a SchemaEntry cached at process level by a
 * signature of the definition; the Table and its Fields are cheap per-request
 * objects, so changing `db.thing.name.writable` affects only this request.
 */
import type { DAL } from './dal'
import { Field, MethodField, VirtualField } from './field'
import type { Query } from './expression'
import { QK_DAL_BAD_VALUE, QK_DAL_NO_FIELD } from './errors'
import { rowPrototypeFor, type Row } from './rows'
import { markTableDropped, type SchemaEntry } from './migrate'
import type { DALSet } from './set'
import type { ExecResult } from './dialects/base'

const insertIdOf = (r: ExecResult) => r.insertId as number
/** a multi-row INSERT's size: PostgreSQL takes at most 65,535 parameters per statement */
const BULK_ROWS = 1000
const BULK_PARAMS = 30000

export interface TableOptions {
  migrate?: boolean
  fakeMigrate?: boolean
  /** how a row of this table is shown in references: '%(name)s' or a function */
  format?: string | ((row: Row) => string)
  singular?: string
  plural?: string
}

export interface JoinSpec { table: Table; query: Query }

export interface Table {
  /** fields by name: db.thing.name */
  [field: string]: any
}

export class Table {
  declare _db: DAL
  declare _tablename: string
  declare _alias?: string
  declare _fieldList: Field[]
  declare _fieldMap: Map<string, Field>
  /** field names, 'id' first */
  declare fields: string[]
  declare _virtual: VirtualField[]
  declare _methods: MethodField[]
  declare _schema: SchemaEntry
  declare _migrate: boolean
  declare _fakeMigrate: boolean
  declare _format?: string | ((row: Row) => string)
  declare _singularName?: string
  declare _pluralName?: string
  declare _proto?: object
  declare _selfList?: Table[]
  declare id: Field

  /** 'Thing' for table thing (forms and grids show it) */
  get _singular(): string { return this._singularName ?? this._tablename.replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase()) }
  set _singular(v: string) { this._singularName = v }
  get _plural(): string { return this._pluralName ?? this._singular + 's' }
  set _plural(v: string) { this._pluralName = v }

  /** row prototype (updateRecord, deleteRecord, methods), shared across requests */
  get _rowProto(): object {
    return this._proto ??= rowPrototypeFor(this)
  }

  /** `db.person.on(db.person.id.eq(db.thing.owner))` for join/left options */
  on(query: Query): JoinSpec { return { table: this, query } }

  /** the same table under another name, for self-joins */
  withAlias(alias: string): Table {
    const t: Table = Object.create(this)
    t._alias = alias
    t._proto = undefined
    t._selfList = undefined
    t._fieldList = this._fieldList.map((f) => {
      const c: Field = Object.create(f)
      c.table = t
      c.tablename = alias
      ;(t as any)[f.name] = c
      return c
    })
    t._fieldMap = new Map(t._fieldList.map((f) => [f.name, f]))
    return t
  }

  /** values for an INSERT: defaults, compute, filterIn, required */
  _insertValues(values: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(values)) if (!this._fieldMap.has(k)) throw new QK_DAL_NO_FIELD(this._tablename, k)
    for (const f of this._fieldList) {
      if (f.name === 'id') { if (values.id !== undefined) out.id = values.id; continue }
      let v = values[f.name]
      if (v === undefined && f.default !== undefined) v = typeof f.default === 'function' ? (f.default as () => unknown)() : f.default
      if (v !== undefined) out[f.name] = v
    }
    for (const f of this._fieldList) {
      if (f.compute && values[f.name] === undefined) out[f.name] = f.compute(out)
      if (f.required && (out[f.name] === undefined || out[f.name] === null)) throw new QK_DAL_BAD_VALUE(`${this._tablename}.${f.name}`, 'required')
      if (f.filterIn && out[f.name] !== undefined) out[f.name] = f.filterIn(out[f.name])
    }
    return out
  }

  /**
   * The bound values of an INSERT in one pass, for a table of at most 30 fields without compute,
   * required or filterIn fields: pushes them on `params` and answers the bit mask of the columns
   * given (bit i: the i-th field), the key of the cached SQL text; -1 when the table needs
   * _insertValues instead. No string is built per call (issue 21).
   */
  private _plainInsert(values: Record<string, unknown>, params: unknown[]): number {
    const list = this._fieldList
    if (list.length > 30) return -1
    for (let i = 0; i < list.length; i++) { const f = list[i]; if (f.compute || f.required || f.filterIn) return -1 }
    // own keys only, as _insertValues: a row from a select has its methods on its prototype
    const keys = Object.keys(values)
    for (let i = 0; i < keys.length; i++) if (!this._fieldMap.has(keys[i])) throw new QK_DAL_NO_FIELD(this._tablename, keys[i])
    const d = this._db._dialect
    let mask = 0
    for (let i = 0; i < list.length; i++) {
      const f = list[i]
      let v = values[f.name]
      if (v === undefined && i > 0 && f.default !== undefined) v = typeof f.default === 'function' ? (f.default as () => unknown)() : f.default
      if (v === undefined) continue
      mask |= 1 << i
      params.push(d.encode(f.type, v))
    }
    return mask
  }

  /** INSERT of the given columns, RETURNING id where the dialect has it */
  private _insertSql(cols: string[]): string {
    const d = this._db._dialect
    const sql = cols.length ? `INSERT INTO ${d.quote(this._tablename)}(${cols.map(d.quote).join(',')}) VALUES (${cols.map((_c, i) => d.param(i + 1)).join(',')})` : d.insertDefaults(this._tablename)
    return d.caps.returning ? `${sql} RETURNING ${d.quote('id')}` : sql
  }

  /** the INSERT statement of one record: its SQL text (cached per set of columns), its values encoded for the driver pushed on `params` */
  _insertStatement(values: Record<string, unknown>, params: unknown[]): string {
    const mask = this._plainInsert(values, params)
    if (mask >= 0) {
      let sql = this._schema.insertSqlByMask.get(mask)
      if (sql === undefined) {
        sql = this._insertSql(this._fieldList.filter((_f, i) => (mask & (1 << i)) !== 0).map((f) => f.name))
        this._schema.insertSqlByMask.set(mask, sql)
      }
      return sql
    }
    const d = this._db._dialect
    const v = this._insertValues(values)
    const cols = Object.keys(v)
    for (let i = 0; i < cols.length; i++) params.push(d.encode(this._fieldMap.get(cols[i])!.type, v[cols[i]]))
    const ck = cols.join(',')
    let sql = this._schema.insertSql.get(ck)
    if (sql === undefined) { sql = this._insertSql(cols); this._schema.insertSql.set(ck, sql) }
    return sql
  }

  /** [this], made once: the tables argument of every statement on this table alone */
  _alone(): Table[] { return this._selfList ??= [this] }

  /** insert a record, returns its id */
  insert(values: Record<string, unknown> = {}): Promise<number> {
    // not `async`: on SQLite the statement runs at once and the caller's await is the only promise (issue 21)
    const params: unknown[] = []
    let sql: string
    try {
      sql = this._insertStatement(values, params)
      const now = this._db._execNow(sql, params, this._alone(), 'insert')
      if (now !== undefined) return Promise.resolve(now.insertId as number)
    } catch (e) { return Promise.reject(e) }
    return this._db._exec(sql, params, this._alone(), 'insert').then(insertIdOf)
  }

  /**
   * insert many records in one transaction (a savepoint inside an open one); returns their ids.
   * On SQLite every row after the first runs at once, without a promise per row; where INSERT has
   * RETURNING (PostgreSQL), runs of rows with the same columns go as one multi-row INSERT (issue 21).
   */
  async bulkInsert(list: Record<string, unknown>[]): Promise<number[]> {
    return this._db.transaction(async () => {
      const ids: number[] = new Array(list.length)
      if (this._db._dialect.caps.returning) await this._bulkInsertReturning(list, ids)
      else {
        const tables = this._alone()
        for (let i = 0; i < list.length; i++) {
          const params: unknown[] = []
          const sql = this._insertStatement(list[i], params)
          const now = this._db._execNow(sql, params, tables, 'insert')
          ids[i] = (now ?? await this._db._exec(sql, params, tables, 'insert')).insertId as number
        }
      }
      return ids
    })
  }

  /**
   * Consecutive records with the same columns as one `INSERT ... VALUES (...),(...) RETURNING id`, at most
   * BULK_ROWS rows or BULK_PARAMS values each. The ids come back in ascending order, which is the rows'
   * order: one statement takes its ids from the sequence row after row.
   */
  private async _bulkInsertReturning(list: Record<string, unknown>[], ids: number[]): Promise<void> {
    const d = this._db._dialect
    const tables = this._alone()
    let i = 0
    let next: { sql: string; params: unknown[] } | undefined
    const statementOf = (k: number) => { const params: unknown[] = []; return { sql: this._insertStatement(list[k], params), params } }
    while (i < list.length) {
      const first = next ?? statementOf(i)
      next = undefined
      const width = first.params.length
      const values = first.sql.indexOf(' VALUES (')
      const returning = first.sql.lastIndexOf(' RETURNING ')
      const limit = width === 0 || values < 0 || returning < values ? 1 : Math.min(BULK_ROWS, Math.floor(BULK_PARAMS / width))
      const params = first.params
      let j = i + 1
      while (j < list.length && j - i < limit) {
        const st = statementOf(j)
        if (st.sql !== first.sql) { next = st; break }
        for (let k = 0; k < st.params.length; k++) params.push(st.params[k])
        j++
      }
      const n = j - i
      if (n === 1) {
        ids[i] = (await this._db._exec(first.sql, params, tables, 'insert')).insertId as number
      } else {
        const groups: string[] = new Array(n)
        for (let r = 0; r < n; r++) {
          const ph: string[] = new Array(width)
          for (let c = 0; c < width; c++) ph[c] = d.param(r * width + c + 1)
          groups[r] = `(${ph.join(',')})`
        }
        const sql = `${first.sql.slice(0, values)} VALUES ${groups.join(',')}${first.sql.slice(returning)}`
        const r = await this._db._exec(sql, params, tables, 'insert')
        const got = r.rows.map((row) => Number(row[0])).sort((a, b) => a - b)
        for (let k = 0; k < n; k++) ids[i + k] = got[k]
      }
      i = j
    }
  }

  private _keysQuery(keys: Record<string, unknown> | Query): Query {
    if (!(keys as Query).compile || typeof (keys as Query).compile !== 'function') {
      const entries = Object.entries(keys as Record<string, unknown>)
      if (!entries.length) throw new QK_DAL_BAD_VALUE(this._tablename, 'no keys given')
      let q: Query | undefined
      for (const [k, v] of entries) {
        const f = this._fieldMap.get(k)
        if (!f) throw new QK_DAL_NO_FIELD(this._tablename, k)
        q = q ? q.and(f.eq(v)) : f.eq(v)
      }
      return q!
    }
    return keys as Query
  }

  /** `get(id)` or `get({ field: value, ... })`: the first matching row or null */
  get(key: number | string | Record<string, unknown>): Promise<Row | null> {
    // by id: the SQL made once, the row built straight from the driver's (issue 21)
    if (typeof key === 'number' || typeof key === 'string') {
      const fast = this._db(this)._selectById(key)
      if (fast !== undefined) return fast
    }
    return this._getBy(key)
  }

  private async _getBy(key: number | string | Record<string, unknown>): Promise<Row | null> {
    const q = typeof key === 'object' && key !== null ? this._keysQuery(key) : this.id.eq(key)
    const rows = await this._db(q).select({ limitby: [0, 1] })
    return rows.first()
  }

  /** update the record matching keys, or insert keys+values when none does; returns the id */
  async updateOrInsert(keys: Record<string, unknown> | Query, values: Record<string, unknown>): Promise<number> {
    const q = this._keysQuery(keys)
    const found = (await this._db(q).select(this.id, { limitby: [0, 1] })).first()
    if (found) { await this._db(this.id.eq(found.id)).update(values); return found.id }
    const base = (keys as Query).compile ? {} : (keys as Record<string, unknown>)
    return this.insert({ ...base, ...values })
  }

  /** run each field's validators; returns the cleaned values and the errors by field */
  async _validate(values: Record<string, unknown>, recordId?: unknown): Promise<{ values: Record<string, unknown>; errors: Record<string, string> }> {
    const out: Record<string, unknown> = { ...values }
    const errors: Record<string, string> = {}
    for (const f of this._fieldList) {
      if (f.name === 'id' || !f.requires) continue
      if (!(f.name in values) && recordId !== undefined) continue  // update: only the given fields
      let v = f.name in values ? values[f.name] : (typeof f.default === 'function' ? (f.default as () => unknown)() : f.default)
      for (const validator of Array.isArray(f.requires) ? f.requires : [f.requires]) {
        const [nv, err] = await validator.validate(v, recordId)
        if (err) { errors[f.name] = err; break }
        v = nv
      }
      if (!errors[f.name] && (f.name in values || v !== undefined)) out[f.name] = v
    }
    return { values: out, errors }
  }

  /** validate then insert: `{ id, errors }` (id null when a validator failed) */
  async validateAndInsert(values: Record<string, unknown>): Promise<{ id: number | null; errors: Record<string, string> }> {
    const { values: clean, errors } = await this._validate(values)
    if (Object.keys(errors).length) return { id: null, errors }
    return { id: await this.insert(clean), errors }
  }

  /** validate then update the matching records (an id or a query): `{ updated, errors }` */
  async validateAndUpdate(key: number | Query, values: Record<string, unknown>): Promise<{ updated: number; errors: Record<string, string> }> {
    const recordId = typeof key === 'number' ? key : undefined
    const { values: clean, errors } = await this._validate(values, recordId ?? null)
    if (Object.keys(errors).length) return { updated: 0, errors }
    const q = typeof key === 'number' ? this.id.eq(key) : key
    return { updated: await this._db(q).update(clean), errors }
  }

  /** delete every row (DELETE, so foreign keys and cascades apply on every dialect) */
  async truncate(): Promise<number> { return this._db(this).delete() }

  /**
   * drop the table and forget its schema snapshot; the name is free again in this DAL object (define it
   * anew), and the next use of any definition of it creates the table again
   */
  async drop(): Promise<void> {
    const d = this._db._dialect
    await this._db._exec(`DROP TABLE ${d.quote(this._tablename)}`, [], [this], 'drop')
    await this._db._exec(`DELETE FROM ${d.quote('quark_schema')} WHERE ${d.quote('tablename')} = ${d.param(1)}`, [this._tablename], [], 'drop')
    markTableDropped(this._db._driver.key, this._tablename)
    this._db._forgetTable(this)
  }

  /** all rows of this table */
  _all(): DALSet { return this._db(this) }

  /** how a referenced row is shown (the table's format) */
  _represent(row: Row | null): string {
    if (!row) return ''
    const f = this._format
    if (typeof f === 'function') return f(row)
    if (typeof f === 'string') return f.replace(/%\((\w+)\)s/g, (_m, k: string) => String(row[k] ?? ''))
    return String(row.id)
  }
}

import { exportTableCsv, importTableCsv, type CsvExportOptions, type CsvImportOptions } from './csv'

export interface Table {
  /** the table's rows as CSV: an exact dump by default; `spreadsheetSafe` for a file meant for spreadsheets */
  exportToCsv(options?: CsvExportOptions): Promise<string>
  /** insert the rows of a CSV; returns old id → new id */
  importFromCsv(text: string, options?: CsvImportOptions): Promise<Map<number, number>>
}
Table.prototype.exportToCsv = function (this: Table, options?: CsvExportOptions) { return exportTableCsv(this, options) }
Table.prototype.importFromCsv = function (this: Table, text: string, options?: CsvImportOptions) { return importTableCsv(this, text, new Map(), options) }
