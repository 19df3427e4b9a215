/**
 * Rows and Row. A Row is a plain object (fields as properties) whose
 * prototype carries updateRecord/deleteRecord/ref/referencing, one prototype
 * per table per request, so building rows costs one object each.
 * Joined rows are { thing: Row, person: Row }.
 */
import type { Table } from './table'
import type { Expression } from './expression'
import { rowsToCsv, type CsvExportOptions } from './csv'

export type Row = Record<string, any>

/** What every row has, joined or not: row.get(expr) reads an expression's value. */
export const baseRowProto: object = Object.defineProperty({}, 'get', {
  enumerable: false,
  value(this: Row, e: Expression | string): unknown {
    if (typeof e === 'string') return this[e]
    return e.alias ? this[e.alias] : this._extra?.[String(e)]
  },
})
// JSON.stringify(row) and JSON.stringify(rows): a bigint field is written as text (JSON.stringify throws
// on a bigint, and a JSON number beyond 2^53 is rounded by a JavaScript reader; text keeps it exact)
Object.defineProperty(baseRowProto, 'toJSON', { enumerable: false, value(this: Row) { return jsonPlain(this) } })

/** The table a row came from: a symbol, so it never shows in keys or JSON. */
export const ROW_TABLE: unique symbol = Symbol('quark.row.table')

/** the row's table in its DAL object, unaliased (UPDATE/DELETE name the real table) */
function tableOf(row: Row): Table {
  const t = row[ROW_TABLE as any] as Table
  return t._alias ? (t._db[t._tablename] as Table) : t
}

/**
 * Methods every table row has. The prototype is shared by every request
 * (cached with the definition) so rows keep one hidden class across
 * requests; the row's own table is read from row[ROW_TABLE].
 */
export function rowPrototypeFor(table: Table): object {
  const key = table._methods.length ? table._methods.map((m) => m.name).join(',') : ''
  const cached = table._schema.rowProtos.get(key)
  if (cached) return cached
  const proto: Record<string, unknown> = {
    /** update this record in the database and in the object */
    async updateRecord(this: Row, values: Record<string, unknown> = {}): Promise<number> {
      const t = tableOf(this)
      const changes: Record<string, unknown> = {}
      for (const f of t.fields) if (f !== 'id' && (f in values)) changes[f] = values[f]
      Object.assign(this, changes)
      return t._db(t.id.eq(this.id)).update(changes)
    },
    async deleteRecord(this: Row): Promise<number> {
      const t = tableOf(this)
      return t._db(t.id.eq(this.id)).delete()
    },
    /** the row a reference field points to (null if none); the rows, for list:reference */
    async ref(this: Row, fieldname: string): Promise<any> {
      const t = tableOf(this)
      const f = t[fieldname]
      if (!f?.referenced) throw new Error(`${t._tablename}.${fieldname} is not a reference field`)
      const v = this[fieldname]
      if (v === null || v === undefined) return null
      const target = t._db[f.referenced] as Table
      if (Array.isArray(v)) return t._db(target.id.belongs(v)).select()
      return target.get(v)
    },
    /** the set of rows of `tablename` whose reference field points to this row */
    referencing(this: Row, tablename: string, fieldname?: string) {
      const t = tableOf(this)
      const other = t._db[tablename] as Table
      const name = fieldname ?? other._fieldList.find((f) => f.referenced === t._tablename && !f.type.startsWith('list:'))?.name
      if (!name) throw new Error(`${tablename} has no reference to ${t._tablename}`)
      return t._db(other[name].eq(this.id))
    },
  }
  for (const m of table._methods) {
    const name = m.name
    proto[name] = function (this: Row, ...args: unknown[]) {
      const method = (this[ROW_TABLE as any] as Table)._methods.find((x) => x.name === name)!
      return method.fn(this, ...args)
    }
  }
  for (const k of Object.keys(proto)) Object.defineProperty(proto, k, { enumerable: false })
  Object.setPrototypeOf(proto, baseRowProto)
  table._schema.rowProtos.set(key, proto)
  return proto
}

/** Plain copy of a row (nested rows copied too), for JSON. */
function plain(row: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(row)) {
    const v = row[k]
    out[k] = v && typeof v === 'object' && !(v instanceof Date) && !Buffer.isBuffer(v) && !Array.isArray(v) ? plain(v) : v
  }
  return out
}

/** plain(row) with bigints as text, for JSON */
function jsonPlain(row: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(row)) {
    const v = row[k]
    out[k] = typeof v === 'bigint' ? v.toString()
      : v && typeof v === 'object' && !(v instanceof Date) && !Buffer.isBuffer(v) && !Array.isArray(v) ? jsonPlain(v) : v
  }
  return out
}

export class Rows implements Iterable<Row> {
  [index: number]: Row
  readonly length: number

  constructor(readonly records: Row[], readonly colnames: string[], readonly tables: Table[] = []) {
    for (let i = 0; i < records.length; i++) this[i] = records[i]
    this.length = records.length
  }

  [Symbol.iterator](): Iterator<Row> { return this.records[Symbol.iterator]() }
  first(): Row | null { return this.records[0] ?? null }
  last(): Row | null { return this.records[this.records.length - 1] ?? null }
  map<T>(fn: (r: Row, i: number) => T): T[] { return this.records.map(fn) }
  /** rows for which f is true (a new Rows) */
  find(f: (r: Row) => unknown, limitby?: [number, number]): Rows {
    let found = this.records.filter(f)
    if (limitby) found = found.slice(limitby[0], limitby[1])
    return new Rows(found, this.colnames, this.tables)
  }
  /** remove (from this Rows) and return the rows for which f is true */
  exclude(f: (r: Row) => unknown): Rows {
    const out: Row[] = [], keep: Row[] = []
    for (const r of this.records) (f(r) ? out : keep).push(r)
    const self = this as any
    for (let i = 0; i < this.records.length; i++) delete self[i]
    this.records.length = 0
    this.records.push(...keep)
    for (let i = 0; i < keep.length; i++) self[i] = keep[i]
    self.length = keep.length
    return new Rows(out, this.colnames, this.tables)
  }
  /** a new Rows sorted by the key f(row) */
  sort(f: (r: Row) => any, reverse = false): Rows {
    const sorted = [...this.records].sort((a, b) => {
      const ka = f(a), kb = f(b)
      return (ka < kb ? -1 : ka > kb ? 1 : 0) * (reverse ? -1 : 1)
    })
    return new Rows(sorted, this.colnames, this.tables)
  }
  /** Map from key (a field name or a function) to the Rows having it */
  group(key: string | ((r: Row) => unknown)): Map<unknown, Rows> {
    const f = typeof key === 'string' ? (r: Row) => r[key] : key
    const m = new Map<unknown, Row[]>()
    for (const r of this.records) {
      const k = f(r)
      const list = m.get(k)
      if (list) list.push(r)
      else m.set(k, [r])
    }
    return new Map([...m].map(([k, v]) => [k, new Rows(v, this.colnames, this.tables)]))
  }
  asList(): Record<string, unknown>[] { return this.records.map(plain) }
  /** { [row[key]]: row } */
  asDict(key = 'id'): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {}
    for (const r of this.records) out[String(r[key])] = plain(r)
    return out
  }
  toJSON(): Record<string, unknown>[] { return this.records.map(jsonPlain) }
  /**
   * Rows with each field's `represent(value, row)` applied (the value as
   * shown to people); render(i) gives one row.
   */
  render(i?: number): any {
    const one = (r: Row): Record<string, unknown> => {
      const out: Record<string, unknown> = {}
      const nested = this.tables.length > 1
      for (const t of this.tables) {
        const src = nested ? r[t._tablename] : r
        if (!src) continue
        const dst: Record<string, unknown> = nested ? ((out[t._tablename] = {}) as Record<string, unknown>) : out
        for (const k of Object.keys(src)) {
          const f = t._fieldMap.get(k)
          dst[k] = f?.represent ? f.represent(src[k], src) : src[k]
        }
      }
      return out
    }
    return i === undefined ? this.records.map(one) : one(this.records[i])
  }
  /** CSV text (header: table.field names), as web2py's export_to_csv_file; spreadsheetSafe for files meant for spreadsheets */
  exportToCsv(options: CsvExportOptions = {}): string { return rowsToCsv(this, options) }
}
