/**
 * Membership: IS_IN_SET (a fixed list, the options of a select), and the
 * database-backed IS_IN_DB / IS_NOT_IN_DB, which are asynchronous because they
 * query through the DAL's public API (`db(field.eq(v)).count()`, `isEmpty()`,
 * `select({ orderby })`).
 */
import { AsyncValidator, BaseValidator, factory, interpolateRow, pyFormat, type MessageOption } from './base'
import { QK_VALIDATORS_BAD_ARGUMENT, QK_VALIDATORS_NO_DATABASE } from './errors'

type Multiple = boolean | [number, number]
type Pairs = Array<[string, string]>
type TheSet = unknown[] | Record<string, unknown> | (() => unknown[] | Record<string, unknown>)

export interface InSetOptions extends MessageOption {
  labels?: unknown[]
  multiple?: Multiple
  /** label of the empty first option of a select; null for none */
  zero?: string | null
  sort?: boolean
}

function listOf(value: unknown, multiple: Multiple | undefined): unknown[] {
  if (!multiple) return [value]
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && !value.length)) return []
  return Array.isArray(value) ? value : [value]
}

function countOk(multiple: Multiple | undefined, n: number): boolean {
  return !Array.isArray(multiple) || (multiple[0] <= n && n < multiple[1])
}

export class IsInSet extends BaseValidator {
  readonly multiple?: Multiple
  private readonly message: string
  constructor(private readonly theset: TheSet, private readonly opts: InSetOptions = {}) {
    super()
    this.multiple = opts.multiple
    this.message = messageOf2(opts, 'Value not allowed')
  }
  /** [value, label] pairs for a select; with the zero option first unless `zero` is false or multiple. */
  options(zero = true): Pairs {
    const raw = typeof this.theset === 'function' ? this.theset() : this.theset
    let items: Pairs
    if (Array.isArray(raw)) {
      if (raw.length && Array.isArray(raw[0]) && (raw[0] as unknown[]).length === 2) items = (raw as unknown[][]).map(([k, l]) => [String(k), String(l)])
      else items = raw.map((k, i) => [String(k), String(this.opts.labels ? this.opts.labels[i] : k)])
    } else {
      items = Object.entries(raw).map(([k, l]) => [k, String(l)])
    }
    if (this.opts.sort) items.sort((a, b) => (a[1].toUpperCase() > b[1].toUpperCase() ? 1 : -1))
    const z = this.opts.zero === undefined ? '' : this.opts.zero
    if (zero && z !== null && !this.multiple) items.unshift(['', z])
    return items
  }
  protected check(value: unknown) {
    const keys = new Set(this.options(false).map(([k]) => k))
    const values = listOf(value, this.multiple)
    if (!countOk(this.multiple, values.length)) this.fail(this.message)
    if (keys.size && values.some((v) => !keys.has(String(v)))) this.fail(this.message)
    return this.multiple ? values : value
  }
}

function messageOf2(opts: MessageOption | undefined, d: string): string {
  return opts?.errorMessage ?? opts?.error_message ?? d
}

/** What IS_IN_DB / IS_NOT_IN_DB need from a DAL: `db(query)` returning a Set, and `db[table][field]`. */
export interface DbLike {
  (query: unknown): { select(opts?: Record<string, unknown>): Promise<Iterable<Record<string, unknown>>>; count(): Promise<number>; isEmpty(): Promise<boolean> }
  [table: string]: any
}

function resolveField(name: string, db: DbLike, target: string): { table: any; field: any; tablename: string; fieldname: string } {
  if (typeof db !== 'function') throw new QK_VALIDATORS_NO_DATABASE(name, 'the first argument is not a DAL')
  const m = /^(\w+)(?:\.(\w+))?$/.exec(target)
  if (!m) throw new QK_VALIDATORS_BAD_ARGUMENT(name, `expected 'table.field', got ${JSON.stringify(target)}`)
  const [, tablename, fieldname = 'id'] = m
  const table = db[tablename]
  const field = table?.[fieldname]
  if (!table || !field || typeof field.eq !== 'function') throw new QK_VALIDATORS_NO_DATABASE(name, `${tablename}.${fieldname}`)
  return { table, field, tablename, fieldname }
}

function fieldTarget(f: unknown): string {
  if (typeof f === 'string') return f
  if (f && typeof f === 'object' && 'tablename' in f && 'name' in f) return `${(f as any).tablename}.${(f as any).name}`
  if (f && typeof f === 'object' && '_tablename' in f) return `${(f as any)._tablename}.id`
  return String(f)
}

export interface InDbOptions extends MessageOption {
  orderby?: unknown
  multiple?: Multiple
  zero?: string | null
  sort?: boolean
}

type Label = string | ((row: Record<string, unknown>) => unknown)

export class IsInDb extends AsyncValidator {
  readonly multiple?: Multiple
  private readonly message: string
  private readonly target: string
  constructor(private readonly db: DbLike, field: unknown, private readonly label?: Label | null, private readonly opts: InDbOptions = {}) {
    super()
    this.target = fieldTarget(field)
    this.multiple = opts.multiple
    this.message = messageOf2(opts, 'Value not in database')
    resolveField('IS_IN_DB', db, this.target) // fail at definition time, not at the first request
  }
  /** [value, label] rows for a select, ordered by `orderby` (or the label) with the zero option first. */
  async options(zero = true): Promise<Pairs> {
    const { table, field, fieldname } = resolveField('IS_IN_DB', this.db, this.target)
    const rows = await this.db(table).select(this.opts.orderby ? { orderby: this.opts.orderby } : {})
    const label = this.label ?? (typeof table._format === 'string' || typeof table._format === 'function' ? table._format : `%(${fieldname})s`)
    void field
    let items: Pairs = [...rows].map((r) => [String(r[fieldname]), String(typeof label === 'function' ? label(r) : interpolateRow(label, r))])
    if (this.opts.sort || !this.opts.orderby) items = items.sort((a, b) => (a[1].toUpperCase() > b[1].toUpperCase() ? 1 : a[1].toUpperCase() < b[1].toUpperCase() ? -1 : 0))
    const z = this.opts.zero === undefined ? '' : this.opts.zero
    if (zero && z !== null && !this.multiple) items.unshift(['', z])
    return items
  }
  protected async check(value: unknown) {
    const { field } = resolveField('IS_IN_DB', this.db, this.target)
    const numeric = field.type === 'id' || field.type === 'integer' || field.type === 'bigint'
    const conv = (v: unknown): unknown => {
      if (!numeric) return v
      if (typeof v === 'number' && Number.isInteger(v)) return v
      if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v)
      this.fail(this.message)
    }
    if (this.multiple) {
      const values = listOf(value, this.multiple).map(conv)
      if (!countOk(this.multiple, values.length)) this.fail(this.message)
      const distinct = [...new Set(values.map(String))]
      if (distinct.length && (await this.db(field.belongs(values)).count()) < distinct.length) this.fail(this.message)
      return values
    }
    const v = conv(value)
    if ((await this.db(field.eq(v)).count()) > 0) return v
    this.fail(this.message)
  }
}

export class IsNotInDb extends AsyncValidator {
  private readonly message: string
  private readonly target: string
  private readonly allowedOverride: string[]
  constructor(private readonly db: DbLike, field: unknown, opts: MessageOption & { allowedOverride?: string[] } = {}) {
    super()
    this.target = fieldTarget(field)
    this.message = messageOf2(opts, 'Value already in database or empty')
    this.allowedOverride = opts.allowedOverride ?? []
    resolveField('IS_NOT_IN_DB', db, this.target)
  }
  protected async check(value: unknown, recordId?: unknown) {
    const text = value === null || value === undefined ? '' : String(value)
    if (!text.trim()) this.fail(this.message)
    if (this.allowedOverride.includes(text)) return text
    const { table, field } = resolveField('IS_NOT_IN_DB', this.db, this.target)
    let query = field.eq(text)
    // when updating a record, its own current value is not a duplicate
    if (recordId !== undefined && recordId !== null && recordId !== '') query = query.and(table.id.ne(recordId))
    if (!(await this.db(query).isEmpty())) this.fail(this.message)
    return text
  }
}

export const IS_IN_SET = factory(IsInSet)
export const IS_IN_DB = factory(IsInDb)
export const IS_NOT_IN_DB = factory(IsNotInDb)
export { pyFormat }
