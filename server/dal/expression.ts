/**
 * The query model: expressions (fields, aggregates, arithmetic, functions)
 * and queries (comparisons combined with and/or/not), compiled to SQL text
 * plus a parameter list. Values are always parameters.
 */
import SqlString from 'sqlstring'
import type { Dialect } from './dialects/base'
import { QK_DAL_BAD_QUERY } from './errors'
import { ANY, likePattern, literalTokens, parseLike, type LikeOptions, type LikeToken } from './like'
import { encodeList } from './dialects/base'

export interface CompileContext {
  d: Dialect
  params: unknown[]
}

/** A `db(q).nested(field)` subselect, usable in `belongs`. */
export interface SubSelect {
  readonly isSubSelect: true
  compile(ctx: CompileContext): string
}

type Operand = Expression | unknown

/** What contains() looks for: text (or a number) in a string field; an item (or items) of a list: field. */
export type ContainsValue = string | number | bigint | boolean | { id: number } | ReadonlyArray<string | number | bigint | boolean | { id: number }>

export interface ContainsOptions {
  /** default false, as web2py's contains (on list:string fields too: the item is compared ignoring case) */
  caseSensitive?: boolean
  /** an array given to a list: field: any of its items (false, web2py's default) or all of them */
  all?: boolean
}

export interface AffixOptions {
  /** default true, as like() */
  caseSensitive?: boolean
}

export class Expression {
  declare alias?: string
  constructor(
    readonly op: string,
    readonly left?: Operand,
    readonly right?: Operand,
    readonly type: string = 'string',
    readonly extra?: unknown,
  ) {}

  // comparisons → Query
  eq(v: Operand): Query { return new Query('eq', this, v) }
  ne(v: Operand): Query { return new Query('ne', this, v) }
  lt(v: Operand): Query { return new Query('lt', this, v) }
  le(v: Operand): Query { return new Query('le', this, v) }
  gt(v: Operand): Query { return new Query('gt', this, v) }
  ge(v: Operand): Query { return new Query('ge', this, v) }
  /**
   * SQL LIKE: `%` any run of characters, `_` one character. Case-sensitive unless `caseSensitive: false`
   * (on every dialect; SQLite folds ASCII letters only); `escape` names a character that makes the next
   * `%`, `_` or itself literal. NUL is an ordinary character (PostgreSQL text holds none: no match there).
   */
  like(pattern: string, options: LikeOptions = {}): Query {
    return new Query('like', this, parseLike(pattern, options.escape), 'boolean', options.caseSensitive ?? true)
  }
  /** like() ignoring case */
  ilike(pattern: string, options: Omit<LikeOptions, 'caseSensitive'> = {}): Query {
    return this.like(pattern, { ...options, caseSensitive: false })
  }
  /** matches a regular expression (SQLite: JavaScript syntax; PostgreSQL `~`; MySQL `REGEXP`), case-sensitive */
  regexp(pattern: string): Query {
    if (typeof pattern !== 'string') throw new QK_DAL_BAD_QUERY(`regexp() takes a string, got ${typeof pattern}`)
    return new Query('regexp', this, pattern)
  }
  belongs(values: unknown[] | SubSelect): Query {
    if (!Array.isArray(values) && !(values as SubSelect)?.isSubSelect) throw new QK_DAL_BAD_QUERY('belongs() takes an array or db(query).nested(field)')
    return new Query('belongs', this, values)
  }
  /** substring, or membership of an item (any of several, or all) for list: fields; case-insensitive unless asked */
  contains(v: ContainsValue, opts: ContainsOptions = {}): Query {
    if (this.type.startsWith('list:')) return listContains(this, v, opts.all ?? false, opts.caseSensitive ?? false)
    return affix(this, 'contains', v, opts.caseSensitive ?? false)
  }
  startsWith(v: string | number, opts: AffixOptions = {}): Query { return affix(this, 'startswith', v, opts.caseSensitive ?? true) }
  endsWith(v: string | number, opts: AffixOptions = {}): Query { return affix(this, 'endswith', v, opts.caseSensitive ?? true) }
  isNull(): Query { return new Query('eq', this, null) }
  isNotNull(): Query { return new Query('ne', this, null) }

  // aggregates and functions
  count(distinct = false): Expression { return new Expression('count', this, undefined, 'integer', distinct) }
  sum(): Expression { return new Expression('sum', this, undefined, this.type) }
  min(): Expression { return new Expression('min', this, undefined, this.type) }
  max(): Expression { return new Expression('max', this, undefined, this.type) }
  avg(): Expression { return new Expression('avg', this, undefined, 'double') }
  lower(): Expression { return new Expression('lower', this, undefined, 'string') }
  upper(): Expression { return new Expression('upper', this, undefined, 'string') }
  len(): Expression { return new Expression('len', this, undefined, 'integer') }
  /** absolute value */
  abs(): Expression { return new Expression('abs', this, undefined, this.type === 'id' || this.type.startsWith('reference') ? 'integer' : this.type) }
  /** seconds since 1970-01-01 00:00:00 UTC of a date or datetime (whole seconds) */
  epoch(): Expression { return new Expression('epoch', this, undefined, 'integer') }
  coalesce(...others: Operand[]): Expression { return new Expression('coalesce', this, others, this.type) }
  add(v: Operand): Expression { return new Expression('add', this, v, this.type) }
  sub(v: Operand): Expression { return new Expression('sub', this, v, this.type) }
  mul(v: Operand): Expression { return new Expression('mul', this, v, this.type) }
  div(v: Operand): Expression { return new Expression('div', this, v, this.type) }
  mod(v: Operand): Expression { return new Expression('mod', this, v, this.type) }
  year(): Expression { return new Expression('extract', this, undefined, 'integer', 'year') }
  month(): Expression { return new Expression('extract', this, undefined, 'integer', 'month') }
  day(): Expression { return new Expression('extract', this, undefined, 'integer', 'day') }
  hour(): Expression { return new Expression('extract', this, undefined, 'integer', 'hour') }
  minute(): Expression { return new Expression('extract', this, undefined, 'integer', 'minute') }
  second(): Expression { return new Expression('extract', this, undefined, 'integer', 'second') }
  /** descending order in orderby */
  desc(): Expression { return new Expression('desc', this, undefined, this.type) }
  /** name under which the value appears in rows */
  withAlias(alias: string): Expression {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(alias)) throw new QK_DAL_BAD_QUERY(`bad alias ${JSON.stringify(alias)}`)
    const e = new Expression(this.op, this.left, this.right, this.type, this.extra)
    Object.setPrototypeOf(e, Object.getPrototypeOf(this))
    Object.assign(e, this)
    e.alias = alias
    return e
  }

  /** SQL of this expression (values appended to ctx.params) */
  compile(ctx: CompileContext): string { return compileNode(this, ctx) }

  /** readable SQL with values inlined: the key of unaliased expressions in rows */
  toString(): string {
    const ctx = { d: displayDialect, params: [] as unknown[] }
    return inlineParams(this.compile(ctx), ctx.params, displayDialect)
  }
}

export class Query extends Expression {
  constructor(op: string, first?: Operand, second?: Operand, type = 'boolean', extra?: unknown) {
    super(op, first, second, type, extra)
  }
  and(q: Query): Query { return new Query('and', this, q) }
  or(q: Query): Query { return new Query('or', this, q) }
  not(): Query { return new Query('not', this) }
}

function isExpr(x: unknown): x is Expression { return x instanceof Expression }

/** A value on the right of an operator: an expression, or a parameter encoded for the left side's type. */
function operand(left: Expression, v: unknown, ctx: CompileContext, type = left.type): string {
  if (isExpr(v)) return v.compile(ctx)
  return bind(ctx, ctx.d.encode(type === 'id' ? 'integer' : type, v))
}

export function bind(ctx: CompileContext, value: unknown): string {
  ctx.params.push(value)
  return ctx.d.param(ctx.params.length)
}

const CMP: Record<string, string> = { eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=' }
const ARITH: Record<string, string> = { add: '+', sub: '-', mul: '*', div: '/', mod: '%' }

function compileNode(e: Expression, ctx: CompileContext): string {
  const a = e.left as Expression
  switch (e.op) {
    case 'eq': case 'ne':
      if (e.right === null || e.right === undefined) return `(${a.compile(ctx)} IS ${e.op === 'eq' ? '' : 'NOT '}NULL)`
      return `(${a.compile(ctx)} ${CMP[e.op]} ${operand(a, e.right, ctx)})`
    case 'lt': case 'le': case 'gt': case 'ge':
      if (e.right === null || e.right === undefined) throw new QK_DAL_BAD_QUERY(`${e.op}(null)`)
      return `(${a.compile(ctx)} ${CMP[e.op]} ${operand(a, e.right, ctx)})`
    case 'like': case 'contains': case 'startswith': case 'endswith':
      return `(${ctx.d.like(a.compile(ctx), likePattern(e.right as LikeToken[]), e.extra === true, (v) => bind(ctx, v))})`
    case 'regexp':
      return `(${ctx.d.regexp(a.compile(ctx), e.right as string, (v) => bind(ctx, v))})`
    case 'belongs': {
      if (Array.isArray(e.right)) {
        if (!e.right.length) return '(1=0)'
        return `(${a.compile(ctx)} IN (${e.right.map((v) => operand(a, v, ctx)).join(',')}))`
      }
      return `(${a.compile(ctx)} IN (${(e.right as SubSelect).compile(ctx)}))`
    }
    case 'and': case 'or':
      return `(${a.compile(ctx)} ${e.op.toUpperCase()} ${(e.right as Expression).compile(ctx)})`
    case 'not':
      return `(NOT ${a.compile(ctx)})`
    case 'count':
      return e.extra ? `COUNT(DISTINCT ${a.compile(ctx)})` : `COUNT(${a.compile(ctx)})`
    case 'countall':
      return 'COUNT(*)'
    case 'sum': case 'avg':
      return `${e.op.toUpperCase()}(${ctx.d.numeric ? ctx.d.numeric(a.compile(ctx), a.type) : a.compile(ctx)})`
    case 'min': case 'max': case 'lower': case 'upper':
      return `${e.op.toUpperCase()}(${a.compile(ctx)})`
    case 'len':
      return ctx.d.length(a.compile(ctx))
    case 'abs':
      return `ABS(${a.compile(ctx)})`
    case 'epoch':
      return ctx.d.epoch(a.compile(ctx))
    case 'coalesce':
      return `COALESCE(${[a.compile(ctx), ...(e.right as unknown[]).map((v) => operand(a, v, ctx))].join(', ')})`
    case 'add': case 'sub': case 'mul': case 'div': case 'mod':
      return `(${a.compile(ctx)} ${ARITH[e.op]} ${operand(a, e.right, ctx, a.type === 'id' || a.type.startsWith('reference') ? 'integer' : a.type)})`
    case 'extract':
      return ctx.d.extract(String(e.extra), a.compile(ctx))
    case 'desc':
      return `${a.compile(ctx)} DESC`
    case 'random':
      return ctx.d.random
    default:
      throw new QK_DAL_BAD_QUERY(`unknown operator ${e.op}`)
  }
}

function affixText(op: string, v: unknown): string {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v)
  throw new QK_DAL_BAD_QUERY(`${op}() takes a string or a number, got ${describe(v)}`)
}

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (v instanceof Expression) return 'an expression (a field operand is not supported)'
  return typeof v
}

/** contains / startsWith / endsWith of a string field: a LIKE of the text with % around it, nothing in it special */
function affix(left: Expression, op: 'contains' | 'startswith' | 'endswith', v: unknown, caseSensitive: boolean): Query {
  const tokens: LikeToken[] = literalTokens(affixText(op, v))
  if (op !== 'startswith') tokens.unshift(ANY)
  if (op !== 'endswith') tokens.push(ANY)
  return new Query(op, left, tokens, 'boolean', caseSensitive)
}

/** one list item as the list: field stores it (list:integer and list:reference items are integers; a row stands for its id) */
function listItem(field: Expression, v: unknown): string {
  if (field.type === 'list:string') {
    if (typeof v === 'string') return v
    if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v)
    throw new QK_DAL_BAD_QUERY(`contains() on ${field.type} takes a string or a number, got ${describe(v)}`)
  }
  const raw = typeof v === 'object' && v !== null && !Array.isArray(v) && 'id' in v ? (v as { id: unknown }).id : v
  const n = typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : typeof raw === 'bigint' ? Number(raw) : raw
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new QK_DAL_BAD_QUERY(`contains() on ${field.type} takes an integer (or a row), got ${describe(v)}`)
  return String(n)
}

/**
 * Membership in a list: field, stored as `|a|b|` with `|` doubled inside items: a LIKE of `%|item|%`
 * (web2py's way; an item holding `|` can also match a neighbour, as in web2py). Integers have no case.
 */
function listContains(field: Expression, v: unknown, all: boolean, caseSensitive: boolean): Query {
  const values = Array.isArray(v) ? v : [v]
  if (!values.length) throw new QK_DAL_BAD_QUERY('contains() on a list: field takes at least one item')
  let q: Query | undefined
  for (const item of values) {
    const stored = encodeList([listItem(field, item)])  // '|item|' with its pipes doubled
    const one = new Query('contains', field, [ANY, ...literalTokens(stored), ANY], 'boolean', caseSensitive || field.type !== 'list:string')
    q = q ? (all ? q.and(one) : q.or(one)) : one
  }
  return q!
}

/** COUNT(*) */
export function countAll(): Expression { return new Expression('countall', undefined, undefined, 'integer') }

/** Used only to print expressions (row keys, _select text): values inlined with sqlstring. */
export const displayDialect: Dialect = {
  name: 'sqlite',
  caps: { returning: false, transactionalDDL: true, alterColumnType: false, dropColumn: false, nulInText: true },
  quote: (id) => id,
  param: () => '?',
  columnType: () => '',
  idColumn: () => '',
  tableConstraints: () => [],
  createSuffix: '',
  encode: (_t, v) => v,
  decode: (_t, v) => v,
  extract: (part, sql) => `${part.toUpperCase()}(${sql})`,
  length: (sql) => `LENGTH(${sql})`,
  random: 'RANDOM()',
  like: (l, p, cs, bind) => `${l} ${cs ? 'LIKE' : 'ILIKE'} ${bind(p.sql)} ESCAPE '!'`,
  regexp: (l, p, bind) => `${l} REGEXP ${bind(p)}`,
  epoch: (sql) => `EPOCH(${sql})`,
  alterColumn: () => [],
  plainTypes: new Set([]),
  insertDefaults: () => '',
}

/** Replace placeholders by literal values, for SQL shown to people (never executed). */
export function inlineParams(sql: string, params: unknown[], d: Dialect): string {
  const lit = (v: unknown) => (typeof v === 'bigint' ? String(v) : SqlString.escape(v instanceof Buffer ? v.toString('hex') : v as string))
  if (d.name === 'postgres') return sql.replace(/\$(\d+)/g, (_m, n: string) => lit(params[Number(n) - 1]))
  let i = 0
  return sql.replace(/\?/g, () => lit(params[i++]))
}
