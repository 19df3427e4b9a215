/**
 * `db(query)`: a set of records, with select / count / isEmpty / update /
 * delete and their `_`-prefixed twins returning the SQL text.
 */
import type { DAL } from './dal'
import { Expression, Query, countAll, inlineParams, type CompileContext, type SubSelect } from './expression'
import { Field } from './field'
import { Table, type JoinSpec } from './table'
import { Rows, baseRowProto, ROW_TABLE, type Row } from './rows'
import { QK_DAL_BAD_QUERY, QK_DAL_NO_FIELD } from './errors'

export interface SelectOptions {
  orderby?: Expression | Expression[] | '<random>'
  groupby?: Expression | Expression[]
  having?: Query
  limitby?: [number, number]
  distinct?: boolean
  left?: JoinSpec | JoinSpec[]
  join?: JoinSpec | JoinSpec[]
  /**
   * web2py's `cache=(cache.ram, 60)`: `[cacheModel, seconds]`, where cacheModel is
   * `cache.ram` / `cache.disk` / `cache.redis` (or any `(key, fn, seconds)`). The raw
   * result is cached under the SQL and its parameters; each request still gets
   * its own Rows (so updateRecord and friends act on its own transaction).
   */
  cache?: [CacheModel, number | null] | { model: CacheModel; timeExpire?: number | null }
}

interface Column { expr: Expression; field?: Field; table?: Table }

/** A cache store as the cache room gives them: `store(key, fn, seconds)` returns the cached or computed value. */
export type CacheModel = (key: string, fn: () => unknown, timeExpire?: number | null) => unknown

const tableKey = (t: Table) => t._alias ?? t._tablename

/** Tables mentioned by an expression tree. */
function collectTables(e: unknown, out: Map<string, Table>): void {
  if (!(e instanceof Expression)) {
    if (Array.isArray(e)) for (const x of e) collectTables(x, out)
    return
  }
  if (e instanceof Field) { if (e.table) out.set(tableKey(e.table), e.table); return }
  collectTables(e.left, out)
  collectTables(e.right, out)
}

/** The `cache` option of a select's arguments, normalised; undefined when absent. */
function selectCacheOf(args: unknown[]): { model: CacheModel; timeExpire: number | null | undefined } | undefined {
  const last = args[args.length - 1]
  // only a plain options object: a Table or Field passed last may well have a field named `cache`
  if (!last || typeof last !== 'object' || Object.getPrototypeOf(last) !== Object.prototype || !('cache' in last)) return undefined
  const c = (last as SelectOptions).cache
  if (c === undefined || c === null) return undefined
  if (Array.isArray(c) && typeof c[0] === 'function') return { model: c[0], timeExpire: c[1] }
  if (!Array.isArray(c) && typeof c === 'object' && typeof c.model === 'function') return { model: c.model, timeExpire: c.timeExpire }
  throw new QK_DAL_BAD_QUERY('select cache must be [cache.ram, seconds] or { model, timeExpire }')
}

function asList<T>(x: T | T[] | undefined): T[] { return x === undefined ? [] : Array.isArray(x) ? x : [x] }

function isOptions(x: unknown): x is SelectOptions {
  return !!x && typeof x === 'object' && !(x instanceof Expression) && !(x instanceof Table)
}

export class DALSet {
  constructor(readonly db: DAL, readonly query: Query | null, readonly baseTable?: Table) {
    if (query !== null && !(query instanceof Expression)) throw new QK_DAL_BAD_QUERY('db() takes a query or a table')
  }

  /** narrow the set: db(q1).where(q2) */
  where(q: Query): DALSet {
    return new DALSet(this.db, this.query ? this.query.and(q) : q, this.baseTable)
  }

  private queryTables(): Map<string, Table> {
    const m = new Map<string, Table>()
    if (this.baseTable) m.set(tableKey(this.baseTable), this.baseTable)
    collectTables(this.query, m)
    return m
  }

  private whereSql(ctx: CompileContext): string {
    return this.query ? ` WHERE ${this.query.compile(ctx)}` : ''
  }

  private singleTable(op: string): Table {
    const ts = [...this.queryTables().values()]
    if (ts.length !== 1) throw new QK_DAL_BAD_QUERY(`${op} needs a set on exactly one table (found ${ts.length})`)
    return ts[0]
  }

  private from(tables: Iterable<Table>, ctx: CompileContext, joins: JoinSpec[], lefts: JoinSpec[]): string {
    const q = ctx.d.quote
    const name = (t: Table) => (t._alias ? `${q(t._tablename)} AS ${q(t._alias)}` : q(t._tablename))
    let main = [...tables]
    if (joins.length || lefts.length) {
      const joined = new Set([...joins, ...lefts].map((j) => tableKey(j.table)))
      main = main.filter((t) => !joined.has(tableKey(t)))
    }
    if (!main.length) throw new QK_DAL_BAD_QUERY('select without a table')
    let sql = main.map(name).join(', ')
    for (const j of joins) sql += ` JOIN ${name(j.table)} ON ${j.query.compile(ctx)}`
    for (const j of lefts) sql += ` LEFT JOIN ${name(j.table)} ON ${j.query.compile(ctx)}`
    return sql
  }

  /** SQL, parameters and the column layout of a select */
  _build(args: unknown[]): { sql: string; params: unknown[]; columns: Column[]; tables: Table[] } {
    const last = args[args.length - 1]
    const opts: SelectOptions = isOptions(last) ? (args.pop() as SelectOptions) : {}
    const ctx: CompileContext = { d: this.db._dialect, params: [] }
    const q = ctx.d.quote
    const joins = asList(opts.join), lefts = asList(opts.left)
    const tables = this.queryTables()
    for (const j of [...joins, ...lefts]) tables.set(tableKey(j.table), j.table)
    const columns: Column[] = []
    for (const a of args) {
      if (a instanceof Table) for (const f of a._fieldList) columns.push({ expr: f, field: f, table: a })
      else if (a instanceof Field) columns.push({ expr: a, field: a, table: a.table })
      else if (a instanceof Expression) columns.push({ expr: a })
      else throw new QK_DAL_BAD_QUERY(`select() argument ${String(a)} is not a field, table or expression`)
    }
    let colSql: string
    if (!columns.length) {
      for (const t of tables.values()) for (const f of t._fieldList) columns.push({ expr: f, field: f, table: t })
      // the column list of a whole table is the same on every request: cached with the definition
      const only = tables.size === 1 ? [...tables.values()][0] : undefined
      const key = only && !only._alias ? `*${ctx.d.name}` : ''
      colSql = (key && only!._schema.selectSql.get(key)) || columns.map((c) => c.expr.compile(ctx)).join(', ')
      if (key) only!._schema.selectSql.set(key, colSql)
    } else {
      for (const c of columns) collectTables(c.expr, tables)
      colSql = columns.map((c) => c.expr.compile(ctx)).join(', ')
    }
    let sql = `SELECT ${opts.distinct ? 'DISTINCT ' : ''}${colSql} FROM ${this.from(tables.values(), ctx, joins, lefts)}${this.whereSql(ctx)}`
    if (opts.groupby) sql += ` GROUP BY ${asList(opts.groupby).map((e) => e.compile(ctx)).join(', ')}`
    if (opts.having) sql += ` HAVING ${opts.having.compile(ctx)}`
    if (opts.orderby === '<random>') sql += ` ORDER BY ${ctx.d.random}`
    else if (opts.orderby) sql += ` ORDER BY ${asList(opts.orderby).map((e) => e.compile(ctx)).join(', ')}`
    if (opts.limitby) {
      const [a, b] = opts.limitby
      if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < a) throw new QK_DAL_BAD_QUERY(`limitby ${JSON.stringify(opts.limitby)}`)
      sql += ` LIMIT ${b - a} OFFSET ${a}`  // validated integers, not values from outside
    }
    void q
    return { sql, params: ctx.params, columns, tables: [...tables.values()] }
  }

  /** the rows of the set: select(field | table | expression ..., options?) */
  select(...args: unknown[]): Promise<Rows> {
    // not `async`: one promise less on the hottest path (each promise costs a hook call when async hooks are on)
    let b: ReturnType<DALSet['_build']>
    let cached: ReturnType<typeof selectCacheOf>
    try {
      cached = selectCacheOf(args)  // before _build, which takes the options off args
      b = this._build(args)
    } catch (e) { return Promise.reject(e) }
    if (cached) {
      const key = `quark-dal-select:${this.db._driver.key}:${b.sql}:${JSON.stringify(b.params)}`
      const rawRows = () => this.db._exec(b.sql, b.params, b.tables, 'select').then((r) => r.rows)
      return Promise.resolve(cached.model(key, rawRows, cached.timeExpire)).then((raw) => buildRows(this.db, b.columns, raw as unknown[][]))
    }
    try {
      // SQLite: the rows now, no promise but the one handed back (issue 21)
      const now = this.db._execNow(b.sql, b.params, b.tables, 'select')
      if (now !== undefined) return Promise.resolve(buildRows(this.db, b.columns, now.rows))
    } catch (e) { return Promise.reject(e) }
    return this.db._exec(b.sql, b.params, b.tables, 'select').then((r) => buildRows(this.db, b.columns, r.rows))
  }

  /**
   * table.get(id) at the driver's speed (issue 21): the whole row of this set's table by its id,
   * with the SQL text made once per definition and the row built straight from the driver's array.
   * undefined when the general select must answer (an alias, virtual fields, filterOut).
   */
  _selectById(id: number | string): Promise<Row | null> | undefined {
    const t = this.baseTable
    if (t === undefined || t._alias !== undefined || t._virtual.length) return undefined
    const list = t._fieldList
    for (let i = 0; i < list.length; i++) if (list[i].filterOut) return undefined
    const db = this.db
    const d = db._dialect
    let params: unknown[]
    let sql = t._schema.byIdSql
    try {
      if (sql === undefined) {
        const b = new DALSet(db, t.id.eq(id))._build([{ limitby: [0, 1] }])
        sql = t._schema.byIdSql = b.sql
        params = b.params
      } else params = [d.encode('id', id)]
      const now = db._execNow(sql, params, t._alone(), 'select')
      if (now !== undefined) return Promise.resolve(rowById(t, now.rows))
    } catch (e) { return Promise.reject(e) }
    return db._exec(sql, params, t._alone(), 'select').then((r) => rowById(t, r.rows))
  }

  _select(...args: unknown[]): string {
    const b = this._build(args)
    return inlineParams(b.sql, b.params, this.db._dialect)
  }

  /** `field.belongs(db(q).nested(db.other.field))`: this set as a subquery */
  nested(field: Expression): SubSelect {
    return { isSubSelect: true, compile: (ctx: CompileContext) => {
      const tables = this.queryTables()
      collectTables(field, tables)
      return `SELECT ${field.compile(ctx)} FROM ${this.from(tables.values(), ctx, [], [])}${this.whereSql(ctx)}`
    } }
  }

  private buildCount(distinct?: Expression): { sql: string; params: unknown[]; tables: Table[] } {
    const b = this._build([distinct ? distinct.count(true) : countAll()])
    return b
  }

  async count(distinct?: Expression): Promise<number> {
    const b = this.buildCount(distinct)
    const r = this.db._execNow(b.sql, b.params, b.tables, 'count') ?? await this.db._exec(b.sql, b.params, b.tables, 'count')
    return Number(r.rows[0][0])
  }

  _count(distinct?: Expression): string {
    const b = this.buildCount(distinct)
    return inlineParams(b.sql, b.params, this.db._dialect)
  }

  async isEmpty(): Promise<boolean> {
    const t = [...this.queryTables().values()][0]
    if (!t) throw new QK_DAL_BAD_QUERY('isEmpty() on a set without a table')
    return (await this.select(t.id, { limitby: [0, 1] })).length === 0
  }

  private buildUpdate(values: Record<string, unknown>): { sql: string; params: unknown[]; table: Table } {
    const t = this.singleTable('update')
    const d = this.db._dialect
    const ctx: CompileContext = { d, params: [] }
    const sets: string[] = []
    const given = new Set(Object.keys(values))
    for (const k of given) if (!t._fieldMap.has(k)) throw new QK_DAL_NO_FIELD(t._tablename, k)
    for (const f of t._fieldList) {
      let v: unknown
      if (given.has(f.name)) v = values[f.name]
      else if (f.update !== undefined) v = typeof f.update === 'function' ? (f.update as () => unknown)() : f.update
      else continue
      if (f.name === 'id') continue
      if (f.filterIn && v !== undefined && v !== null) v = f.filterIn(v)
      if (v instanceof Expression) sets.push(`${d.quote(f.name)}=${v.compile(ctx)}`)
      else { ctx.params.push(d.encode(f.type, v)); sets.push(`${d.quote(f.name)}=${d.param(ctx.params.length)}`) }
    }
    if (!sets.length) throw new QK_DAL_BAD_QUERY(`update of ${t._tablename} with no values`)
    const where = this.whereSql(ctx)
    return { sql: `UPDATE ${d.quote(t._tablename)} SET ${sets.join(', ')}${where}`, params: ctx.params, table: t }
  }

  /** update the records of the set; returns how many changed */
  async update(values: Record<string, unknown>): Promise<number> {
    const b = this.buildUpdate(values)
    return (this.db._execNow(b.sql, b.params, [b.table], 'update') ?? await this.db._exec(b.sql, b.params, [b.table], 'update')).changes
  }

  _update(values: Record<string, unknown>): string {
    const b = this.buildUpdate(values)
    return inlineParams(b.sql, b.params, this.db._dialect)
  }

  private buildDelete(): { sql: string; params: unknown[]; table: Table } {
    const t = this.singleTable('delete')
    const ctx: CompileContext = { d: this.db._dialect, params: [] }
    return { sql: `DELETE FROM ${ctx.d.quote(t._tablename)}${this.whereSql(ctx)}`, params: ctx.params, table: t }
  }

  /** delete the records of the set; returns how many */
  async delete(): Promise<number> {
    const b = this.buildDelete()
    return (this.db._execNow(b.sql, b.params, [b.table], 'delete') ?? await this.db._exec(b.sql, b.params, [b.table], 'delete')).changes
  }

  _delete(): string {
    const b = this.buildDelete()
    return inlineParams(b.sql, b.params, this.db._dialect)
  }
}

/** The first driver row of a whole-table select as a Row (no filterOut, no virtual fields), or null. */
function rowById(t: Table, raw: unknown[][]): Row | null {
  if (raw.length === 0) return null
  const d = t._db._dialect
  const src = raw[0]
  const list = t._fieldList
  const row = Object.create(t._rowProto)
  row[ROW_TABLE] = t
  for (let j = 0; j < list.length; j++) {
    const f = list[j]
    const v = src[j]
    row[f.name] = v === null || d.plainTypes.has(f.type) ? v : d.decode(f.type, v)
  }
  return row
}

/** Driver rows (arrays) → Row objects: flat for one table, row.table.field for several. */
function buildRows(db: DAL, columns: Column[], raw: unknown[][]): Rows {
  const d = db._dialect
  const tables: Table[] = []
  for (const c of columns) if (c.table && !tables.includes(c.table)) tables.push(c.table)
  const nested = tables.length > 1
  const n = columns.length
  const colnames: string[] = new Array(n)
  const types: string[] = new Array(n)
  const plainCols: boolean[] = new Array(n)  // values the driver already returns in their JS form need no decoding
  const tIndex: number[] = new Array(n)
  const names: (string | undefined)[] = new Array(n)
  const filters: (((v: any) => unknown) | undefined)[] = new Array(n)
  let simple = !nested
  for (let j = 0; j < n; j++) {
    const c = columns[j]
    colnames[j] = c.field ? `${tableKey(c.table!)}.${c.field.name}` : c.expr.alias ?? String(c.expr)
    types[j] = c.expr.type
    plainCols[j] = d.plainTypes.has(c.expr.type)
    tIndex[j] = c.table ? tables.indexOf(c.table) : -1
    names[j] = c.field?.name ?? c.expr.alias
    filters[j] = c.field?.filterOut
    if (filters[j] || tIndex[j] < 0) simple = false
  }
  const records: Row[] = new Array(raw.length)
  const protos = tables.map((t) => t._rowProto)
  // virtual fields only when the whole table was selected (they may read any field)
  const virtuals = tables.map((t) => (t._virtual.length && t._fieldList.every((f) => columns.some((c) => c.field === f)) ? t._virtual : []))
  if (simple && !virtuals[0].length) {
    // the common case: columns of one table, no filters, no virtual fields
    const proto = protos[0], table = tables[0]
    for (let i = 0; i < raw.length; i++) {
      const src = raw[i]
      const row = Object.create(proto)
      row[ROW_TABLE] = table
      for (let j = 0; j < n; j++) {
        const v = src[j]
        row[names[j]!] = v === null || plainCols[j] ? v : d.decode(types[j], v)
      }
      records[i] = row
    }
    return new Rows(records, colnames, tables)
  }
  for (let i = 0; i < raw.length; i++) {
    const src = raw[i]
    const subs: Row[] = new Array(tables.length)
    for (let k = 0; k < tables.length; k++) { const sub = Object.create(protos[k]); sub[ROW_TABLE] = tables[k]; subs[k] = sub }
    const row: Row = nested ? Object.create(baseRowProto) : subs[0] ?? Object.create(baseRowProto)
    if (nested) for (let k = 0; k < tables.length; k++) row[tableKey(tables[k])] = subs[k]
    for (let j = 0; j < n; j++) {
      let v = src[j]
      if (v !== null && !plainCols[j]) v = d.decode(types[j], v)
      const f = filters[j]
      if (f && v !== null) v = f(v)
      const ti = tIndex[j]
      if (ti >= 0) subs[ti][names[j]!] = v
      else if (names[j]) row[names[j]!] = v
      else (row._extra ??= {})[colnames[j]] = v
    }
    for (let k = 0; k < tables.length; k++) {
      for (const vf of virtuals[k]) subs[k][vf.name] = vf.fn(subs[k])
    }
    records[i] = row
  }
  return new Rows(records, colnames, tables)
}
