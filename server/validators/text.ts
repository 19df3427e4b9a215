/**
 * Validators over plain text: emptiness, regular expressions, length,
 * equality, case, slugs, JSON, clean-up, and the combinators that wrap other
 * validators (IS_EMPTY_OR, ANY_OF, IS_LIST_OF, IS_EXPR).
 */
import { statSync } from 'node:fs'
import {
  BaseValidator, ValidationError, ValidatorCore, factory, failure, isEmptyValue, messageOf, unwrap, validateAll, pyFormat, tr,
  type MaybePromise, type MessageOption, type ValidationResult, type Validator, type ValidatorLike,
} from './base'
import { QK_VALIDATORS_BAD_ARGUMENT } from './errors'

type Msg = string | MessageOption
const msgOf = (m: Msg | undefined, d: string) => (typeof m === 'string' ? m : messageOf(m, d))

/** A Python regular expression made usable by JavaScript: named groups `(?P<x>` become `(?<x>`. */
export function toRegExp(expr: string | RegExp, flags = ''): RegExp {
  if (expr instanceof RegExp) return expr
  return new RegExp(expr.replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>'), flags)
}

function asText(value: unknown): string {
  if (Buffer.isBuffer(value)) return value.toString('utf8')
  return value === null || value === undefined ? 'None' : String(value)
}

export class IsNotEmpty extends BaseValidator {
  private readonly message: string
  private readonly emptyRegex?: RegExp
  constructor(opts?: Msg & { emptyRegex?: string | RegExp } | string) {
    super()
    this.message = msgOf(opts as Msg, 'Enter a value')
    const er = typeof opts === 'object' ? opts.emptyRegex : undefined
    this.emptyRegex = er === undefined ? undefined : toRegExp(er)
  }
  protected check(value: unknown) {
    if (isEmptyValue(value, this.emptyRegex)) this.fail(this.message)
    return value
  }
}

export interface MatchOptions extends MessageOption { strict?: boolean; search?: boolean; extract?: boolean; isUnicode?: boolean }
export class IsMatch extends BaseValidator {
  private readonly regex: RegExp
  private readonly message: string
  private readonly extract: boolean
  constructor(expression: string | RegExp, opts?: MatchOptions | string) {
    super()
    const o: MatchOptions = typeof opts === 'string' ? { errorMessage: opts } : opts ?? {}
    let src = expression instanceof RegExp ? expression.source : toRegExp(expression).source
    // Python's patterns are unicode-aware; fall back to plain mode for escapes 'u' rejects (e.g. \-)
    let flags = expression instanceof RegExp ? expression.flags.replace(/[gy]/g, '') : 'u'
    if (flags === 'u') { try { new RegExp(src, 'u') } catch { flags = '' } }
    // web2py anchors at the start unless search=True, and at the end when strict
    if ((o.strict || !o.search) && !src.startsWith('^')) src = `^(${src})`
    if (o.strict && !src.endsWith('$')) src = `(${src})$`
    this.regex = new RegExp(src, flags)
    this.message = messageOf(o, 'Invalid expression')
    this.extract = !!o.extract
  }
  protected check(value: unknown) {
    const m = this.regex.exec(asText(value))
    if (!m) this.fail(this.message)
    return this.extract ? m[0] : value
  }
}

export class IsAlphanumeric extends IsMatch {
  constructor(opts?: Msg) { super(/^[\p{L}\p{N}\p{M}_]*$/u, { errorMessage: msgOf(opts, 'Enter only letters, numbers, and underscore') }) }
}

export class IsEqualTo extends BaseValidator {
  constructor(private readonly expression: unknown, private readonly message: string = 'No match') {
    super()
    if (typeof message === 'object') this.message = msgOf(message as MessageOption, 'No match')
  }
  protected check(value: unknown) {
    if (value !== this.expression) this.fail(this.message)
    return value
  }
}

/** web2py's IS_EXPR without eval: a function returning an error message (or nothing when valid). */
export class IsExpr extends BaseValidator {
  constructor(private readonly expression: (value: unknown) => string | null | undefined | false, private readonly message = 'Invalid expression') {
    super()
    if (typeof expression !== 'function') throw new QK_VALIDATORS_BAD_ARGUMENT('IS_EXPR', 'the expression must be a function (value) => errorMessage | null; strings are not evaluated')
  }
  protected check(value: unknown) {
    const r = this.expression(value)
    if (r) throw new ValidationError(tr(String(r)))
    return value
  }
}

/** Size of a text (characters, as Python counts code points), a Buffer, a list, or an uploaded file. */
function lengthOf(value: unknown): [number, unknown] {
  if (value === null || value === undefined) return [0, value]
  if (typeof value === 'string') return [[...value].length, value]
  if (Buffer.isBuffer(value) || Array.isArray(value)) return [value.length, value]
  if (typeof value === 'object' && ('data' in value || 'size' in value || 'path' in value)) {
    const f = value as { data?: Buffer; size?: number; path?: string }
    if (typeof f.size === 'number') return [f.size, value]
    if (f.data) return [f.data.length, value]
    try { return [statSync(String(f.path)).size, value] } catch { return [0, value] }
  }
  const s = String(value)
  return [[...s].length, s]
}

export class IsLength extends BaseValidator {
  constructor(private readonly maxsize = 255, private readonly minsize = 0, private readonly message: string = 'Enter from %(min)g to %(max)g characters') {
    super()
  }
  protected check(value: unknown) {
    const [n, v] = lengthOf(value)
    if (this.minsize <= n && n <= this.maxsize) return v
    this.fail(this.message, { min: this.minsize, max: this.maxsize })
  }
}

export class IsJson extends BaseValidator {
  private readonly message: string
  private readonly nativeJson: boolean
  constructor(opts?: Msg & { nativeJson?: boolean }) {
    super()
    this.message = msgOf(opts, 'Invalid json')
    this.nativeJson = typeof opts === 'object' && !!opts.nativeJson
  }
  protected check(value: unknown) {
    if (typeof value !== 'string' && !Buffer.isBuffer(value)) return value
    try {
      const parsed: unknown = JSON.parse(value.toString())
      return this.nativeJson ? value : parsed
    } catch {
      this.fail(this.message)
    }
  }
  /** JSON text of a value; null is written 'null' (JSON's own null, which the validator reads back as null). */
  formatter(value: unknown) {
    if (value === null || value === undefined) return 'null'
    if (this.nativeJson) return value
    // a BigInt has no JSON form; its digits are the number JSON would carry
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))
  }
}

export class IsLower extends BaseValidator {
  protected check(value: unknown) {
    if (value === null || value === undefined) return value
    return Buffer.isBuffer(value) ? Buffer.from(value.toString('utf8').toLowerCase()) : String(value).toLowerCase()
  }
}

export class IsUpper extends BaseValidator {
  protected check(value: unknown) {
    if (value === null || value === undefined) return value
    return Buffer.isBuffer(value) ? Buffer.from(value.toString('utf8').toUpperCase()) : String(value).toUpperCase()
  }
}

/** Text to a URL-friendly slug: lower case, accents dropped, entities removed, runs of separators collapsed. */
export function urlify(value: string, maxlen = 80, keepUnderscores = false): string {
  let s = value.toLowerCase().normalize('NFKD').replace(/[^\x00-\x7f]/g, '')
  s = s.replace(/&\w+?;/g, '')
  if (keepUnderscores) s = s.replace(/\s+/g, '-').replace(/[^\w-]/g, '')
  else s = s.replace(/[\s_]+/g, '-').replace(/[^a-z0-9-]/g, '')
  s = s.replace(/[-_][-_]+/g, '-').replace(/^-+|-+$/g, '')
  return s.slice(0, maxlen)
}

export class IsSlug extends BaseValidator {
  private readonly maxlen: number
  private readonly checkOnly: boolean
  private readonly keepUnderscores: boolean
  private readonly message: string
  constructor(opts: MessageOption & { maxlen?: number; check?: boolean; keepUnderscores?: boolean } = {}) {
    super()
    this.maxlen = opts.maxlen ?? 80
    this.checkOnly = !!opts.check
    this.keepUnderscores = !!opts.keepUnderscores
    this.message = messageOf(opts, 'Must be slug')
  }
  static urlify = urlify
  protected check(value: unknown) {
    const s = asText(value)
    const slug = urlify(s, this.maxlen, this.keepUnderscores)
    if (this.checkOnly && s !== slug) this.fail(this.message)
    return slug
  }
}

export class Cleanup extends BaseValidator {
  private readonly regex: RegExp
  constructor(regex?: string | RegExp) {
    super()
    this.regex = regex === undefined ? /[^\x09\x0a\x0d\x20-\x7e]/g : new RegExp(toRegExp(regex).source, 'gu')
  }
  protected check(value: unknown) {
    return asText(value).trim().replace(this.regex, '')
  }
}

/** Passes when any one of the validators does; otherwise reports the last one's error. */
export class AnyOf implements Validator {
  constructor(private readonly subs: Validator[]) {}
  validate(value: unknown, recordId?: unknown): MaybePromise<ValidationResult> {
    let last: ValidationResult = [value, null]
    for (let i = 0; i < this.subs.length; i++) {
      const r = this.subs[i].validate(value, recordId)
      if (r instanceof Promise) return this.rest(r, i, value, recordId)
      if (r[1] === null) return r
      last = [value, r[1]]
    }
    return last
  }
  private async rest(first: Promise<ValidationResult>, i: number, value: unknown, recordId: unknown): Promise<ValidationResult> {
    let r = await first
    if (r[1] === null) return r
    for (let j = i + 1; j < this.subs.length; j++) {
      r = await this.subs[j].validate(value, recordId)
      if (r[1] === null) return r
    }
    return [value, r[1]]
  }
  formatter(value: unknown) {
    for (const v of this.subs) {
      const r = v.validate(value)
      if (v.formatter && !(r instanceof Promise) && r[1] === null) return v.formatter(value)
    }
    return value
  }
}

/** Empty input becomes `null` (or the given null value); anything else must pass `other`. */
export class IsEmptyOr implements Validator {
  readonly multiple?: boolean | [number, number]
  private readonly nullValue: unknown
  private readonly emptyRegex?: RegExp
  constructor(private readonly other: Validator | Validator[], opts: { null?: unknown; emptyRegex?: string | RegExp } = {}) {
    this.nullValue = opts.null ?? null
    this.emptyRegex = opts.emptyRegex === undefined ? undefined : toRegExp(opts.emptyRegex)
    if (!Array.isArray(other) && other.multiple !== undefined) this.multiple = other.multiple
    if (!Array.isArray(other) && other.options) {
      const inner = other
      this.options = (zero?: boolean) => {
        const add = (opts: Array<[string, string]>) => {
          if ((!opts.length || opts[0][0] !== '') && !this.multiple) opts.unshift(['', ''])
          return opts
        }
        const o = inner.options!(zero)
        return o instanceof Promise ? o.then(add) : add(o)
      }
    }
  }
  options?: (zero?: boolean) => MaybePromise<Array<[string, string]>>
  get validators(): Validator[] { return Array.isArray(this.other) ? this.other : [this.other] }
  validate(value: unknown, recordId?: unknown): MaybePromise<ValidationResult> {
    if (isEmptyValue(value, this.emptyRegex)) return [this.nullValue, null]
    const r = validateAll(this.other, value, recordId)
    // web2py reports the stripped text alongside the error
    const fix = (res: ValidationResult): ValidationResult => (res[1] !== null && typeof value === 'string' ? [value.trim(), res[1]] : res)
    return r instanceof Promise ? r.then(fix) : fix(r)
  }
  formatter(value: unknown) {
    const o = Array.isArray(this.other) ? this.other[0] : this.other
    return o?.formatter ? o.formatter(value) : value
  }
}

/** Each item of a list must pass `other`; blank items are dropped; optional length bounds. */
export class IsListOf extends ValidatorCore implements Validator {
  private readonly others: ValidatorLike[]
  constructor(other?: ValidatorLike | ValidatorLike[] | null, private readonly opts: MessageOption & { minimum?: number; maximum?: number } = {}) {
    super()
    this.others = other == null ? [] : Array.isArray(other) ? other : [other]
  }
  protected check(value: unknown, recordId?: unknown) {
    let items = Array.isArray(value) ? value : [value]
    items = items.filter((i) => String(i ?? '').trim() !== '')
    const { minimum, maximum } = this.opts
    const custom = this.opts.errorMessage ?? this.opts.error_message
    if (minimum != null && items.length < minimum) this.fail(custom ?? 'Minimum length is %(min)s', { min: minimum, max: maximum })
    if (maximum != null && items.length > maximum) this.fail(custom ?? 'Maximum length is %(max)s', { min: minimum, max: maximum })
    if (!this.others.length) return items
    const results = items.map((i) => unwrap(validateAll(this.others, i, recordId)))
    return results.some((r) => r instanceof Promise) ? Promise.all(results) : results
  }
  /** Synchronous unless one of the item validators is asynchronous. */
  validate(value: unknown, recordId?: unknown): MaybePromise<ValidationResult> {
    try {
      const out = this.check(value, recordId)
      return out instanceof Promise ? out.then((v) => [v, null] as ValidationResult, (e) => failure(value, e)) : [out, null]
    } catch (e) {
      return failure(value, e)
    }
  }
}

export const IS_NOT_EMPTY = factory(IsNotEmpty)
export const IS_MATCH = factory(IsMatch)
export const IS_ALPHANUMERIC = factory(IsAlphanumeric)
export const IS_EQUAL_TO = factory(IsEqualTo)
export const IS_EXPR = factory(IsExpr)
export const IS_LENGTH = factory(IsLength)
export const IS_JSON = factory(IsJson)
export const IS_LOWER = factory(IsLower)
export const IS_UPPER = factory(IsUpper)
export const IS_SLUG = factory(IsSlug)
export const CLEANUP = factory(Cleanup)
export const ANY_OF = factory(AnyOf)
export const IS_EMPTY_OR = factory(IsEmptyOr)
export const IS_NULL_OR = IS_EMPTY_OR
export const IS_LIST_OF = factory(IsListOf)
export { pyFormat }
