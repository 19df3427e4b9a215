/**
 * Membership in the database: IS_IN_DB (references, the options of a select)
 * and IS_NOT_IN_DB (uniqueness). Both are asynchronous and query through the
 * DAL's public API only (`db(query)`, `set.where(query)`, `count()`,
 * `isEmpty()`, `select(table, { orderby, distinct })`, `table.insert()`).
 * The first argument is a DAL, or a DAL set such as
 * `db(db.person.active.eq(true))`, which limits the allowed values and the
 * options to that set (web2py's `dbset`).
 */
import { AsyncValidator, factory, interpolateRow, safeString, unwrap, validateAll, type MessageOption, type ValidatorLike } from './base'
import { QK_VALIDATORS_BAD_ARGUMENT, QK_VALIDATORS_NO_DATABASE } from './errors'
import { countOk, messageOf2, type Multiple, type Pairs } from './sets'

/** What the validators need of a DAL set. */
export interface SetLike {
  where(query: unknown): SetLike
  select(...args: unknown[]): Promise<Iterable<Record<string, unknown>>>
  count(): Promise<number>
  isEmpty(): Promise<boolean>
  db?: unknown
}

/** What they need of a DAL: `db(query)` giving a set, and `db[table][field]`. */
export interface DbLike {
  (query: unknown): SetLike
  [table: string]: any
}

interface Source { db: DbLike; set?: SetLike }

function sourceOf(name: string, dbset: unknown): Source {
  if (typeof dbset === 'function') return { db: dbset as DbLike }
  const s = dbset as SetLike | null
  if (s && typeof s === 'object' && typeof s.where === 'function' && typeof s.db === 'function') return { db: s.db as DbLike, set: s }
  throw new QK_VALIDATORS_NO_DATABASE(name, 'the first argument is neither a DAL nor a DAL set')
}

/** `query` narrowed to the validator's set (or over the whole database). */
function within(src: Source, query: unknown): SetLike {
  return src.set ? src.set.where(query) : src.db(query)
}

function resolveField(name: string, db: DbLike, target: string): { table: any; field: any; fieldname: string } {
  const m = /^(\w+)(?:\.(\w+))?$/.exec(target)
  if (!m) throw new QK_VALIDATORS_BAD_ARGUMENT(name, `expected 'table.field', got ${JSON.stringify(target)}`)
  const [, tablename, fieldname = 'id'] = m
  const table = db[tablename]
  const field = table?.[fieldname]
  if (!table || !field || typeof field.eq !== 'function') throw new QK_VALIDATORS_NO_DATABASE(name, `${tablename}.${fieldname}`)
  return { table, field, fieldname }
}

/** 'table.field' for a string, a Field or a Table (a table means its id). */
function fieldTarget(f: unknown): string {
  if (typeof f === 'string') return f
  if (f && typeof f === 'object' && 'tablename' in f && 'name' in f) return `${(f as any).tablename}.${(f as any).name}`
  if (f && typeof f === 'object' && '_tablename' in f) return `${(f as any)._tablename}.id`
  return String(f)
}

/** Keys of these types are 32-bit integers in every dialect (SERIAL, INT AUTO_INCREMENT, INTEGER). */
function keyRange(type: string): [number, number] | null {
  if (type === 'id' || type === 'integer' || type.startsWith('reference ')) return [-(2 ** 31), 2 ** 31 - 1]
  if (type === 'bigint') return [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]
  return null
}

/** An integer key from a number or ASCII digits (web2py's `isdigit`); undefined when it is not one the column can hold. */
function integerKey(v: unknown, range: [number, number]): number | undefined {
  let n: number | undefined
  if (typeof v === 'number' && Number.isInteger(v)) n = v
  else if (typeof v === 'bigint') n = Number(v)
  else if (typeof v === 'string' && /^\d{1,16}$/.test(v)) n = Number(v)
  if (n === undefined || n < range[0] || n > range[1]) return undefined
  return n === 0 ? 0 : n // -0 is 0
}

/** A stored field of a table (not a virtual one, not a method, not a missing name). */
function isField(f: any): boolean {
  return !!f && typeof f === 'object' && typeof f.eq === 'function' && typeof f.type === 'string'
}

type Label = string | ((row: Record<string, unknown>) => unknown)

export interface InDbOptions extends MessageOption {
  orderby?: unknown
  distinct?: boolean
  /** passed to select, as web2py's `cache=(cache.ram, 60)` */
  cache?: unknown
  /** true, or [min, max) bounds on how many values */
  multiple?: Multiple
  /** with multiple: a string value is split on it ("1,2,3" from an autocomplete) */
  delimiter?: string
  /** a value that is not a key is looked up by the label's first field, and inserted when missing; its id is the result */
  autoAdd?: boolean
  auto_add?: boolean
  /** validators run on the value once it is known to be in the database */
  _and?: ValidatorLike | ValidatorLike[]
  zero?: string | null
  sort?: boolean
}

/** Marks a value to look up (or insert) by its label field. */
const ADD = Symbol('auto add')
/** Values checked with one `belongs` query, below every dialect's limit on parameters. */
const CHUNK = 500

export class IsInDb extends AsyncValidator {
  readonly multiple?: Multiple
  private readonly message: string
  private readonly target: string
  private readonly byId: boolean
  private readonly src: Source
  private readonly autoAdd: boolean
  constructor(dbset: DbLike | SetLike, field: unknown, private readonly labelOption?: Label | { name: string } | null, private readonly opts: InDbOptions = {}) {
    super()
    this.src = sourceOf('IS_IN_DB', dbset)
    this.target = fieldTarget(field)
    this.byId = /^\w+(\.id)?$/.test(this.target)
    this.multiple = opts.multiple
    this.message = messageOf2(opts, 'Value not in database')
    this.autoAdd = !!(opts.autoAdd ?? opts.auto_add)
    resolveField('IS_IN_DB', this.src.db, this.target) // fail at definition time, not at the first request
    this.label()
    if (this.autoAdd) this.addField()
    if (opts._and && opts.multiple) throw new QK_VALIDATORS_BAD_ARGUMENT('IS_IN_DB', '_and cannot be combined with multiple (web2py does not implement it either)')
  }

  /** The label of an option: the given one ('%(name)s', 'table.field', a Field, a function), else the table's format when keyed by id, else the key. */
  private label(): Label {
    const { table, fieldname } = resolveField('IS_IN_DB', this.src.db, this.target)
    let l: unknown = this.labelOption
    if (l === null || l === undefined || l === '') {
      const format = table._format
      l = this.byId && (typeof format === 'string' || typeof format === 'function') ? format : `%(${fieldname})s`
    }
    if (typeof l === 'string') {
      const m = /^\w+\.(\w+)$/.exec(l)
      return m ? `%(${m[1]})s` : l
    }
    if (typeof l === 'function') return l as Label
    if (l && typeof l === 'object' && typeof (l as { name?: unknown }).name === 'string') return `%(${(l as { name: string }).name})s`
    throw new QK_VALIDATORS_BAD_ARGUMENT('IS_IN_DB', 'the label must be a template such as "%(name)s", "table.field", a Field or a function')
  }

  /** The field auto_add fills: the first field the label names, other than the key. */
  private addField(): string {
    const { table, fieldname } = resolveField('IS_IN_DB', this.src.db, this.target)
    const l = this.label()
    const names = typeof l === 'string' ? [...l.matchAll(/%\((\w+)\)/g)].map((m) => m[1]) : []
    const name = names.find((n) => n !== fieldname && isField(table[n]))
    if (!name) throw new QK_VALIDATORS_BAD_ARGUMENT('IS_IN_DB', 'auto_add needs a label (or table format) such as "%(name)s" naming the field to fill')
    return name
  }

  /** [value, label] rows for a select, ordered by `orderby` (or the label) with the zero option first. */
  async options(zero = true): Promise<Pairs> {
    const { table, fieldname } = resolveField('IS_IN_DB', this.src.db, this.target)
    const label = this.label()
    const sel: Record<string, unknown> = {}
    if (this.opts.orderby) sel.orderby = this.opts.orderby
    if (this.opts.distinct) sel.distinct = true
    if (this.opts.cache) sel.cache = this.opts.cache
    // only the fields the label shows and the key (so `distinct` means distinct options);
    // whole rows for a function label or one naming a virtual field
    const names = typeof label === 'string' ? [...new Set([...label.matchAll(/%\((\w+)\)/g)].map((m) => m[1]))].filter((n) => n !== fieldname) : []
    const columns = typeof label === 'function' || !names.every((n) => isField(table[n])) ? [table] : [...names.map((n) => table[n]), table[fieldname]]
    const rows = await (this.src.set ?? this.src.db(table)).select(...columns, sel)
    let items: Pairs = [...rows].map((r) => [String(r[fieldname]), String(typeof label === 'function' ? label(r) : interpolateRow(label, r))])
    if (this.opts.sort || !this.opts.orderby) items = items.sort((a, b) => (a[1].toUpperCase() > b[1].toUpperCase() ? 1 : a[1].toUpperCase() < b[1].toUpperCase() ? -1 : 0))
    const z = this.opts.zero === undefined ? '' : this.opts.zero
    if (zero && z !== null && !this.multiple) items.unshift(['', z])
    return items
  }

  /** The key a submitted item stands for, ADD when auto_add must find or insert it; fails on anything else. */
  private keyOf(item: unknown, type: string): unknown {
    const range = keyRange(type)
    if (range) {
      const n = integerKey(item, range)
      if (n !== undefined) return n
      if (this.autoAdd && typeof item === 'string' && item.trim() && !item.includes('\0')) return ADD
      this.fail(this.message)
    }
    // text keys: strings and numbers only; NUL cannot be stored in PostgreSQL text, so it is never in the database
    if (typeof item === 'number' && Number.isFinite(item)) return item
    if (typeof item === 'string' && !item.includes('\0')) return item
    this.fail(this.message)
  }

  /** auto_add: the id of the row whose label field holds `text`, inserted when there is none. */
  private async findOrAdd(text: string): Promise<number> {
    const { table } = resolveField('IS_IN_DB', this.src.db, this.target)
    const name = this.addField()
    const f = table[name]
    const value = text.trim()
    if (f.length && [...value].length > f.length) this.fail(this.message)
    const found = [...await this.src.db(f.eq(value)).select(table.id, { limitby: [0, 1] })][0]
    const id = found ? Number(found.id) : Number(await table.insert({ [name]: value }))
    // a row outside the validator's set is not allowed, even one just added
    if (this.src.set && (await within(this.src, table.id.eq(id)).count()) === 0) this.fail(this.message)
    return id
  }

  private itemsOf(value: unknown): unknown[] {
    if (Array.isArray(value)) return value
    if (value === null || value === undefined || value === '') return []
    const d = this.opts.delimiter
    if (typeof value === 'string' && d) return value.split(d).map((s) => s.trim()).filter((s) => s !== '')
    return [value]
  }

  protected async check(value: unknown, recordId?: unknown) {
    const { field } = resolveField('IS_IN_DB', this.src.db, this.target)
    const type = String(field.type)
    if (!this.multiple) {
      let v = this.keyOf(value, type)
      if (v === ADD) v = await this.findOrAdd(value as string)
      else if ((await within(this.src, field.eq(v)).count()) === 0) this.fail(this.message)
      return this.opts._and ? unwrap(await validateAll(this.opts._and, v, recordId)) : v
    }
    const items = this.itemsOf(value)
    // bounds first: nothing is added for a list that is refused anyway
    if (!countOk(this.multiple, items.length)) this.fail(this.message)
    const keys = items.map((i) => this.keyOf(i, type))
    const values: unknown[] = []
    for (let i = 0; i < keys.length; i++) values.push(keys[i] === ADD ? await this.findOrAdd(items[i] as string) : keys[i])
    await this.allExist(values.filter((_v, i) => keys[i] !== ADD), field)
    return values
  }

  /** Every distinct value has a row in the set, checked in chunks with one `belongs` each. */
  private async allExist(values: unknown[], field: any): Promise<void> {
    const distinct = [...new Set(values)]
    for (let i = 0; i < distinct.length; i += CHUNK) {
      const chunk = distinct.slice(i, i + CHUNK)
      const rows = [...await within(this.src, field.belongs(chunk)).select(field, { distinct: true })]
      if (rows.length < chunk.length) this.fail(this.message)
    }
  }
}

export class IsNotInDb extends AsyncValidator {
  private readonly message: string
  private readonly target: string
  private readonly allowedOverride: string[]
  private readonly src: Source
  constructor(dbset: DbLike | SetLike, field: unknown, opts: MessageOption & { allowedOverride?: string[]; allowed_override?: string[] } = {}) {
    super()
    this.src = sourceOf('IS_NOT_IN_DB', dbset)
    this.target = fieldTarget(field)
    this.message = messageOf2(opts, 'Value already in database or empty')
    this.allowedOverride = opts.allowedOverride ?? opts.allowed_override ?? []
    resolveField('IS_NOT_IN_DB', this.src.db, this.target)
  }
  protected async check(value: unknown, recordId?: unknown) {
    const text = value === null || value === undefined ? '' : safeString(value)
    // NUL cannot be stored in PostgreSQL text (the query itself would fail): refused like an empty value
    if (!text.trim() || text.includes('\0')) this.fail(this.message)
    if (this.allowedOverride.includes(text)) return text
    const { table, field } = resolveField('IS_NOT_IN_DB', this.src.db, this.target)
    let query = field.eq(text)
    // when updating a record, its own current value is not a duplicate
    if (recordId !== undefined && recordId !== null && recordId !== '') query = query.and(table.id.ne(recordId))
    if (!(await within(this.src, query).isEmpty())) this.fail(this.message)
    return text
  }
}

export const IS_IN_DB = factory(IsInDb)
export const IS_NOT_IN_DB = factory(IsNotInDb)
