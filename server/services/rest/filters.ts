/**
 * The query string of a RestAPI list: `field.op=value` filters, `@order`,
 * `@limit`, `@offset`, `@count`, `@lookup`, `@model`. Every name is checked
 * against the fields the policy lets the client read, every value is parsed
 * to the field's type before it reaches the DAL (which binds it as a
 * parameter), and anything else is a 400 that lists what is allowed.
 */
import type { FieldClass as Field, Query, Expression } from '../../dal/index'
import { QK_REST_BAD_FILTER, QK_REST_BAD_LIMIT } from './errors'

export const OPERATORS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'contains', 'startswith', 'in'] as const
export type Operator = typeof OPERATORS[number]
const TEXT_ONLY: ReadonlySet<string> = new Set(['contains', 'startswith'])
export const SPECIAL = ['@order', '@limit', '@offset', '@count', '@lookup', '@model'] as const
/** at most this many values in one `.in` list */
const MAX_IN = 100
const MAX_VALUE_CHARS = 1000

export interface ListOptions {
  query: Query | null
  orderby: Expression[]
  limit: number
  offset: number
  count: boolean
  lookup: Field[]
  model: boolean
}

const isText = (f: Field) => f.type === 'string' || f.type === 'text' || f.type === 'citext'
const isInteger = (f: Field) => f.type === 'id' || f.type === 'integer' || f.type === 'bigint' || f.type.startsWith('reference ')

/** The value of `raw` for field `f`, or a 400 naming the expected type. */
export function parseValue(f: Field, raw: string, where: string): unknown {
  if (raw.length > MAX_VALUE_CHARS) throw new QK_REST_BAD_FILTER(where, `a value is at most ${MAX_VALUE_CHARS} characters`)
  const bad = (what: string): never => { throw new QK_REST_BAD_FILTER(where, `${JSON.stringify(raw.slice(0, 40))} is not ${what} (field ${f.name} is ${f.type})`) }
  if (isInteger(f)) {
    if (!/^-?\d{1,16}$/.test(raw) || !Number.isSafeInteger(Number(raw))) bad('an integer')
    return Number(raw)
  }
  if (f.type === 'double' || f.type.startsWith('decimal')) {
    if (!/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(raw) || !Number.isFinite(Number(raw))) bad('a number')
    return f.type === 'double' ? Number(raw) : raw
  }
  if (f.type === 'boolean') {
    if (raw === 'true' || raw === '1') return true
    if (raw === 'false' || raw === '0') return false
    bad('true or false')
  }
  if (f.type === 'date' || f.type === 'datetime' || f.type === 'time') {
    const re = f.type === 'date' ? /^\d{4}-\d{2}-\d{2}$/ : f.type === 'time' ? /^\d{2}:\d{2}(:\d{2})?$/ : /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/
    if (!re.test(raw)) bad(f.type === 'date' ? 'a date (YYYY-MM-DD)' : f.type === 'time' ? 'a time (HH:MM[:SS])' : 'an ISO date-time')
    if (f.type === 'time') return raw
    const d = new Date(f.type === 'date' ? raw + 'T00:00:00Z' : raw)
    if (Number.isNaN(d.getTime())) bad('a valid date')
    return f.type === 'date' ? raw : d
  }
  if (isText(f) || f.type.startsWith('list:')) return raw
  return bad('filterable')
}

function filterOf(f: Field, op: Operator, raw: string, key: string): Query {
  if (TEXT_ONLY.has(op) && !isText(f)) throw new QK_REST_BAD_FILTER(key, `.${op} works on text fields only (${f.name} is ${f.type}); allowed here: ${OPERATORS.filter((o) => !TEXT_ONLY.has(o)).join(', ')}`)
  switch (op) {
    case 'in': {
      const parts = raw.split(',')
      if (parts.length > MAX_IN) throw new QK_REST_BAD_FILTER(key, `.in takes at most ${MAX_IN} values`)
      return f.belongs(parts.map((p) => parseValue(f, p, key)))
    }
    case 'contains': return f.contains(raw)
    case 'startswith': return f.startsWith(raw)
    default: return (f[op] as (v: unknown) => Query).call(f, parseValue(f, raw, key))
  }
}

function integerVar(name: string, raw: unknown, dflt: number, max: number): number {
  if (raw === undefined) return dflt
  if (typeof raw !== 'string' || !/^\d{1,9}$/.test(raw)) throw new QK_REST_BAD_LIMIT(name, `${JSON.stringify(String(raw).slice(0, 40))} is not a non-negative integer`)
  const n = Number(raw)
  if (n > max) throw new QK_REST_BAD_LIMIT(name, `${n} is above the bound ${max}`)
  return n
}

const flag = (v: unknown) => v !== undefined && v !== 'false' && v !== '0'

/**
 * The list options of `vars` (the query string). `readable` are the fields the client may see and
 * filter on; `lookupable` says whether a reference field may be inlined.
 */
export function parseList(vars: Record<string, unknown>, readable: Field[], bounds: { defaultLimit: number; maxLimit: number }, lookupable: (f: Field) => boolean): ListOptions {
  const byName = new Map(readable.map((f) => [f.name, f]))
  const allowedFields = () => readable.map((f) => f.name).join(', ')
  let query: Query | null = null
  for (const key of Object.keys(vars)) {
    if (key.startsWith('@')) {
      if (!(SPECIAL as readonly string[]).includes(key)) throw new QK_REST_BAD_FILTER(key, `unknown option; allowed: ${SPECIAL.join(', ')}`)
      continue
    }
    const dot = key.lastIndexOf('.')
    const name = dot < 0 ? key : key.slice(0, dot)
    const op = (dot < 0 ? 'eq' : key.slice(dot + 1)) as Operator
    const f = byName.get(name)
    if (!f) throw new QK_REST_BAD_FILTER(key, `unknown field ${JSON.stringify(name.slice(0, 64))}; allowed fields: ${allowedFields()}`)
    if (!(OPERATORS as readonly string[]).includes(op)) throw new QK_REST_BAD_FILTER(key, `unknown operator ${JSON.stringify(op.slice(0, 32))}; allowed operators: ${OPERATORS.join(', ')}`)
    const values = vars[key]
    for (const raw of Array.isArray(values) ? values : [values]) {
      if (typeof raw !== 'string') throw new QK_REST_BAD_FILTER(key, 'a filter value is text')
      const q = filterOf(f, op, raw, key)
      query = query ? query.and(q) : q
    }
  }
  const orderby: Expression[] = []
  const order = vars['@order']
  if (order !== undefined) {
    if (typeof order !== 'string') throw new QK_REST_BAD_FILTER('@order', 'give it once: @order=-field,field')
    for (const part of order.split(',')) {
      const desc = part.startsWith('-')
      const f = byName.get(desc ? part.slice(1) : part)
      if (!f) throw new QK_REST_BAD_FILTER('@order', `unknown field ${JSON.stringify(part.slice(0, 64))}; allowed fields: ${allowedFields()}`)
      orderby.push(desc ? f.desc() : f)
    }
  }
  const lookup: Field[] = []
  const lk = vars['@lookup']
  if (lk !== undefined) {
    if (typeof lk !== 'string') throw new QK_REST_BAD_FILTER('@lookup', 'give it once: @lookup=field,field')
    for (const name of lk.split(',')) {
      const f = byName.get(name)
      if (!f || !f.referenced || f.type.startsWith('list:') || !lookupable(f)) {
        const allowed = readable.filter((x) => x.referenced && !x.type.startsWith('list:') && lookupable(x)).map((x) => x.name)
        throw new QK_REST_BAD_FILTER('@lookup', `${JSON.stringify(name.slice(0, 64))} is not a reference field this API serves; allowed: ${allowed.join(', ') || '(none)'}`)
      }
      lookup.push(f)
    }
  }
  return {
    query, orderby, lookup,
    limit: integerVar('@limit', vars['@limit'], bounds.defaultLimit, bounds.maxLimit),
    offset: integerVar('@offset', vars['@offset'], 0, 1e9),
    count: flag(vars['@count']),
    model: flag(vars['@model']),
  }
}
