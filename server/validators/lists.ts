/**
 * Lists typed as text or sent as arrays: IS_LIST_OF_INTS ("1,2 3" -> [1, 2, 3],
 * each in [minimum, maximum) as IS_INT_IN_RANGE counts) and IS_LIST_OF_STRINGS
 * ("a, b" -> ['a', 'b']). Their formatters join a list back into the text an
 * input shows, so a list:integer or list:string field round-trips through a
 * plain text input.
 */
import { BaseValidator, factory, pyFormat, safeString, tr, type MessageOption } from './base'
import { QK_VALIDATORS_BAD_ARGUMENT } from './errors'

type Splitter = string | RegExp

/** The separator: a RegExp, or a string read as a regular expression (`asRegex`, web2py's split_regex) or as literal text. */
function splitterOf(name: string, s: Splitter | undefined, fallback: RegExp, asRegex: boolean): RegExp | string {
  if (s === undefined) return fallback
  if (s instanceof RegExp) return s
  if (typeof s === 'string' && s !== '') {
    if (!asRegex) return s
    try { return new RegExp(s) } catch { /* reported below */ }
  }
  throw new QK_VALIDATORS_BAD_ARGUMENT(name, `the separator must be a non-empty ${asRegex ? 'regular expression' : 'string'} or a RegExp, got ${safeString(s)}`)
}

/** The items of a value: a string is split, an array taken as it is, null/'' is no items, anything else one item. */
function itemsOf(value: unknown, splitter: RegExp | string): unknown[] {
  // Stryker disable next-line ConditionalExpression,LogicalOperator: a null or undefined value read as one item is skipped by each check as a blank item (the same empty list)
  if (value === null || value === undefined) return []
  if (typeof value === 'string') {
    // Stryker disable next-line MethodExpression,ConditionalExpression,StringLiteral: each check trims its items and drops blank ones again (ints: the blank test and integer()'s trim; strings: trim and s !== '')
    return value.split(splitter).map((s) => s.trim()).filter((s) => s !== '')
  }
  if (Array.isArray(value)) return value
  return [value]
}

/** A list shown in a text input: 'a, b, c'. */
function joinList(value: unknown): unknown {
  if (value === null || value === undefined) return ''
  return Array.isArray(value) ? value.map((v) => (v === null || v === undefined ? '' : safeString(v))).join(', ') : value
}

type ListOptions = MessageOption & { splitRegex?: Splitter; split_regex?: Splitter }

export class IsListOfInts extends BaseValidator {
  private readonly minimum: number | null
  private readonly maximum: number | null
  private readonly message: string
  private readonly splitter: RegExp | string
  constructor(minimum?: number | string | null, maximum?: number | string | null, opts?: string | ListOptions) {
    super()
    const o: ListOptions = typeof opts === 'string' ? { errorMessage: opts } : opts ?? {}
    const bound = (b: number | string | null | undefined, which: string): number | null => {
      if (b === null || b === undefined) return null
      const n = Math.trunc(Number(b))
      if (!Number.isSafeInteger(n)) throw new QK_VALIDATORS_BAD_ARGUMENT('IS_LIST_OF_INTS', `the ${which} must be an integer, got ${safeString(b)}`)
      return n
    }
    this.minimum = bound(minimum, 'minimum')
    this.maximum = bound(maximum, 'maximum')
    // commas, semicolons and blanks separate the numbers: '1,2 3' and '1; 2' both read as a list
    this.splitter = splitterOf('IS_LIST_OF_INTS', o.splitRegex ?? o.split_regex, /[\s,;]+/, true)
    let m = o.errorMessage ?? o.error_message
    if (m === undefined) {
      m = 'Enter a list of integers'
      if (this.minimum !== null && this.maximum !== null) m += ' between %(min)g and %(max)g'
      else if (this.minimum !== null) m += ' greater than or equal to %(min)g'
      else if (this.maximum !== null) m += ' less than or equal to %(max)g'
    }
    this.message = m
  }
  /** One item as an integer in range, or undefined: numbers, bigints and ASCII digits only (no '1e3', no '٣'). */
  private integer(item: unknown): number | undefined {
    let n: number
    if (typeof item === 'number') n = item
    else if (typeof item === 'bigint') n = Number(item)
    else if (typeof item === 'string' && /^[+-]?\d{1,16}$/.test(item.trim())) n = Number(item.trim())
    else return undefined
    if (!Number.isSafeInteger(n)) return undefined
    if ((this.minimum !== null && n < this.minimum) || (this.maximum !== null && n >= this.maximum)) return undefined
    return n === 0 ? 0 : n // -0 is 0
  }
  protected check(value: unknown) {
    const out: number[] = []
    for (const item of itemsOf(value, this.splitter)) {
      // blank items of a list are dropped (an empty input of a list widget)
      if (item === null || item === undefined || (typeof item === 'string' && item.trim() === '')) continue
      const n = this.integer(item)
      if (n === undefined) this.failRaw(pyFormat(tr(this.message), { min: this.minimum, max: this.maximum === null ? null : this.maximum - 1 }))
      out.push(n)
    }
    return out
  }
  formatter(value: unknown) { return joinList(value) }
}

type StringsOptions = MessageOption & { splitter?: Splitter }

export class IsListOfStrings extends BaseValidator {
  private readonly message: string
  private readonly splitter: RegExp | string
  constructor(opts?: string | StringsOptions) {
    super()
    const o: StringsOptions = typeof opts === 'string' ? { errorMessage: opts } : opts ?? {}
    this.message = o.errorMessage ?? o.error_message ?? 'Enter a list of strings'
    // a comma separates the items, so an item may hold blanks: 'New York, Paris'
    this.splitter = splitterOf('IS_LIST_OF_STRINGS', o.splitter, /,/, false)
  }
  protected check(value: unknown) {
    const items = itemsOf(value, this.splitter)
    const out: string[] = []
    for (const item of items) {
      // blank items are dropped, as a list typed with a trailing comma means
      if (item === null || item === undefined) continue
      let s: string
      if (typeof item === 'string') s = item.trim()
      else if ((typeof item === 'number' && Number.isFinite(item)) || typeof item === 'bigint') s = String(item)
      else this.fail(this.message) // objects, nested lists, booleans, NaN: not text anyone typed
      if (s !== '') out.push(s)
    }
    return out
  }
  formatter(value: unknown) { return joinList(value) }
}

export const IS_LIST_OF_INTS = factory(IsListOfInts)
export const IS_LIST_OF_STRINGS = factory(IsListOfStrings)
