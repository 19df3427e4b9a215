/**
 * What every validator shares: the result shape, translation of messages
 * through `current.T` at validation time, Python-style `%` formatting of
 * web2py's message templates, and running validators in a chain.
 */
import { current } from '../current/index'

export type ValidationResult = [unknown, string | null]
export type MaybePromise<T> = T | Promise<T>

export interface Validator {
  validate(value: unknown, recordId?: unknown): MaybePromise<ValidationResult>
  formatter?(value: unknown): unknown
  options?(zero?: boolean): MaybePromise<Array<[string, string]>>
  multiple?: boolean | [number, number]
}

/** Thrown inside a validator's `check` to report a message; caught by `validate`. */
export class ValidationError extends Error {
  declare readonly userMessage: string
  constructor(userMessage: string) {
    // A validation failure is an expected outcome, not a bug: capturing a stack
    // trace made every invalid value ~20x slower than a valid one.
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    try { super(userMessage) } finally { Error.stackTraceLimit = limit }
    this.userMessage = userMessage
  }
}

/** Translate a message template now (the request's language), as a plain string. */
export function tr(text: string): string {
  return String(current.T(text))
}

/** The `fail` helpers every validator class shares. */
export abstract class ValidatorCore {
  /** Throw a message that is already translated and formatted. */
  protected failRaw(message: string): never {
    throw new ValidationError(message)
  }
  /** Throw the translated, formatted message. */
  protected fail(message: string, symbols?: unknown): never {
    throw new ValidationError(symbols === undefined ? tr(message) : pyFormat(tr(message), symbols))
  }
}

/**
 * Base class of synchronous validators: subclasses implement `check(value,
 * recordId)`, which returns the converted value or throws ValidationError.
 * `validate` turns that into web2py's `[value, error]` pair, with the original
 * value returned on failure.
 */
export abstract class BaseValidator extends ValidatorCore implements Validator {
  protected abstract check(value: unknown, recordId?: unknown): unknown
  validate(value: unknown, recordId?: unknown): ValidationResult {
    try {
      return [this.check(value, recordId), null]
    } catch (e) {
      return failure(value, e)
    }
  }
}

/** Base class of validators that query something (IS_IN_DB, IS_NOT_IN_DB): `validate` returns a Promise. */
export abstract class AsyncValidator extends ValidatorCore implements Validator {
  protected abstract check(value: unknown, recordId?: unknown): Promise<unknown>
  async validate(value: unknown, recordId?: unknown): Promise<ValidationResult> {
    try {
      return [await this.check(value, recordId), null]
    } catch (e) {
      return failure(value, e)
    }
  }
}

export function failure(value: unknown, e: unknown): ValidationResult {
  if (e instanceof ValidationError) return [value, e.userMessage]
  throw e
}

/**
 * Lets a class be used as web2py does, without `new`: `IS_NOT_EMPTY()`;
 * `x instanceof IS_NOT_EMPTY` still works because the prototypes are shared.
 */
export function factory<A extends unknown[], I>(cls: new (...args: A) => I): ((...args: A) => I) & { prototype: I } {
  const f = function (...args: A): I { return new cls(...args) }
  f.prototype = cls.prototype
  Object.defineProperty(f, 'name', { value: cls.name })
  return f as ((...args: A) => I) & { prototype: I }
}

/** Python's `%g`: 6 significant digits, trailing zeros dropped, exponent outside [-4, 6). */
export function formatG(n: number): string {
  if (Number.isNaN(n)) return 'nan'
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf'
  if (n === 0) return Object.is(n, -0) ? '-0' : '0'
  const [mant, expStr] = n.toExponential(5).split('e')
  const exp = Number(expStr)
  if (exp < -4 || exp >= 6) {
    const m = mant.replace(/\.?0+$/, '')
    const sign = exp < 0 ? '-' : '+'
    return `${m}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`
  }
  return n.toFixed(Math.max(0, 5 - exp)).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '')
}

function formatOne(spec: string, v: unknown): string {
  if (spec === 'g') return formatG(Number(v))
  if (spec === 'd' || spec === 'i') return String(Math.trunc(Number(v)))
  return pyStr(v)
}

/** Python's str() for the values messages show (None, True, floats print as Python would). */
export function pyStr(v: unknown): string {
  if (v === null || v === undefined) return 'None'
  if (v === true) return 'True'
  if (v === false) return 'False'
  return String(v)
}

/** String(v) that never throws: a null-prototype object or a throwing toString reads as '[object]'. */
export function safeString(v: unknown): string {
  if (typeof v === 'string') return v
  try { return String(v) } catch { return '[object]' }
}

/** Python `template % symbols` for `%s`, `%g`, `%d` and `%(name)s|g|d`; `%%` is a literal `%`. */
export function pyFormat(template: string, symbols: unknown): string {
  if (symbols !== null && typeof symbols === 'object' && !Array.isArray(symbols)) {
    const o = symbols as Record<string, unknown>
    return template.replace(/%(?:\((\w+)\)([sgdi])|%)/g, (m, k: string | undefined, spec: string) => (k === undefined ? '%' : formatOne(spec, o[k])))
  }
  const args = Array.isArray(symbols) ? symbols : [symbols]
  let i = 0
  return template.replace(/%([sgdi%])/g, (_m, spec: string) => (spec === '%' ? '%' : formatOne(spec, args[i++])))
}

/** web2py's notion of empty: null/undefined, '' or blank string, empty Buffer, []. */
export function isEmptyValue(value: unknown, emptyRegex?: RegExp): boolean {
  if (value === null || value === undefined) return true
  if (typeof value === 'string') {
    const s = value.trim()
    if (emptyRegex && new RegExp(`^(?:${emptyRegex.source})`, emptyRegex.flags.replace('g', '')).test(s)) return true
    return s === ''
  }
  if (Buffer.isBuffer(value)) return value.length === 0
  if (Array.isArray(value)) return value.length === 0
  return false
}

export type ValidatorLike = Validator | ((value: unknown) => MaybePromise<ValidationResult>)

function runOne(v: ValidatorLike, value: unknown, recordId: unknown): MaybePromise<ValidationResult> {
  return typeof v === 'function' ? v(value) : v.validate(value, recordId)
}

/**
 * Run validators in order, each receiving the previous one's converted value,
 * stopping at the first error. Synchronous when every validator is; returns a
 * Promise as soon as one of them does (IS_IN_DB, IS_NOT_IN_DB).
 */
export function validateAll(validators: ValidatorLike | ValidatorLike[] | null | undefined, value: unknown, recordId?: unknown): MaybePromise<ValidationResult> {
  const list = validators == null ? [] : Array.isArray(validators) ? validators : [validators]
  let cur = value
  for (let i = 0; i < list.length; i++) {
    const r = runOne(list[i], cur, recordId)
    if (r instanceof Promise) return r.then((res) => continueAsync(list, i + 1, res, recordId))
    if (r[1] !== null) return r
    cur = r[0]
  }
  return [cur, null]
}

async function continueAsync(list: ValidatorLike[], from: number, res: ValidationResult, recordId: unknown): Promise<ValidationResult> {
  if (res[1] !== null) return res
  let cur = res[0]
  for (let i = from; i < list.length; i++) {
    const r = await runOne(list[i], cur, recordId)
    if (r[1] !== null) return r
    cur = r[0]
  }
  return [cur, null]
}

/** Throws the chain's error as a ValidationError, for validators that compose others. */
export function unwrap(r: MaybePromise<ValidationResult>): unknown {
  if (r instanceof Promise) return r.then(unwrap)
  if (r[1] !== null) throw new ValidationError(r[1])
  return r[0]
}

/** Option names: camelCase, with web2py's snake_case `error_message` accepted too. */
export interface MessageOption { errorMessage?: string; error_message?: string }
export function messageOf(opts: MessageOption | undefined, fallback: string): string {
  return opts?.errorMessage ?? opts?.error_message ?? fallback
}

/** '%(name)s - %(id)s' filled from a row, as IS_IN_DB labels and table formats are. */
export function interpolateRow(label: string, row: Record<string, unknown>): string {
  return pyFormat(label, row)
}
