/**
 * Numeric ranges: IS_INT_IN_RANGE (min <= v < max, Python's range), and the
 * inclusive IS_FLOAT_IN_RANGE / IS_DECIMAL_IN_RANGE. Decimals are kept as
 * exact decimal strings ('12.34'), since JavaScript has no Decimal type and a
 * float would lose the cents.
 */
import { BaseValidator, factory, formatG, messageOf, pyFormat, tr, type MessageOption } from './base'

type Bound = number | bigint | string | null | undefined

/** web2py's range message: "Enter <what>" + the bounds that exist; integer max shown as max-1. */
function rangeMessage(custom: string | undefined, what: string, min: number | null, max: number | null, intMax: boolean): string {
  let m = custom
  if (m === undefined) {
    m = `Enter ${what}`
    if (min !== null && max !== null) m += ' between %(min)g and %(max)g'
    else if (min !== null) m += ' greater than or equal to %(min)g'
    else if (max !== null) m += ' less than or equal to %(max)g'
  }
  return pyFormat(tr(m), { min, max: intMax && max !== null ? max - 1 : max })
}

const INT = /^[+-]?\d+$/
/** a bound as an exact integer (bigint fields reach 2^63: a float bound would round) */
function intBound(b: Bound): bigint | null {
  if (b == null) return null
  if (typeof b === 'bigint') return b
  if (typeof b === 'string' && INT.test(b.trim())) return BigInt(b.trim())
  return BigInt(Math.trunc(Number(b)))
}

export class IsIntInRange extends BaseValidator {
  private readonly minimum: bigint | null
  private readonly maximum: bigint | null
  private readonly message?: string
  constructor(minimum?: Bound, maximum?: Bound, opts?: string | MessageOption) {
    super()
    this.minimum = intBound(minimum)
    this.maximum = intBound(maximum)
    this.message = typeof opts === 'string' ? opts : opts?.errorMessage ?? opts?.error_message
  }
  /** the integer (a number, or a bigint beyond 2^53 so it stays exact), compared exactly */
  protected check(value: unknown) {
    if ((typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') && INT.test(String(value))) {
      const v = BigInt(String(value))
      if ((this.minimum === null || v >= this.minimum) && (this.maximum === null || v < this.maximum)) {
        return v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : v
      }
    }
    const num = (b: bigint | null) => (b === null ? null : Number(b))
    this.failRaw(rangeMessage(this.message, 'an integer', num(this.minimum), num(this.maximum), true))
  }
}
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i

/** "4" -> "4.00", "3.5" -> "3.50": at least two decimals, as web2py shows money-like numbers. */
export function str2dec(n: unknown): string {
  const s = String(n)
  if (!s.includes('.')) return s + '.00'
  const decimals = s.split('.')[1].length
  return s + '0'.repeat(Math.max(0, 2 - decimals))
}

export class IsFloatInRange extends BaseValidator {
  private readonly minimum: number | null
  private readonly maximum: number | null
  private readonly message?: string
  private readonly dot: string
  constructor(minimum?: Bound, maximum?: Bound, opts?: string | (MessageOption & { dot?: string })) {
    super()
    this.minimum = minimum == null ? null : Number(minimum)
    this.maximum = maximum == null ? null : Number(maximum)
    this.message = typeof opts === 'string' ? opts : opts?.errorMessage ?? opts?.error_message
    this.dot = (typeof opts === 'object' && opts.dot) || '.'
  }
  protected check(value: unknown) {
    let v: number | undefined
    if (typeof value === 'number') v = value
    else if (typeof value === 'string') {
      const s = value.trim().replace(this.dot, '.')
      if (FLOAT.test(s)) v = Number(s)
    }
    if (v !== undefined && Number.isFinite(v) && (this.minimum === null || v >= this.minimum) && (this.maximum === null || v <= this.maximum)) return v
    this.failRaw(rangeMessage(this.message, 'a number', this.minimum, this.maximum, false))
  }
  formatter(value: unknown) {
    if (value === null || value === undefined) return null
    return str2dec(value).replace('.', this.dot)
  }
}

/** An exact decimal as [digits as BigInt, scale]; null when the text is not a plain decimal. */
function parseDecimal(s: string): { int: bigint; scale: number; text: string } | null {
  // at most 4 exponent digits: '1e999999999' would otherwise build a billion-digit number
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d{1,4}))?$/i.exec(s.trim())
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null
  let digits = m[2] + (m[3] ?? '')
  let scale = (m[3] ?? '').length - Number(m[4] ?? 0)
  if (scale < 0) { digits += '0'.repeat(-scale); scale = 0 }
  const int = BigInt(m[1] + (digits || '0'))
  return { int, scale, text: decimalText(int, scale) }
}

function decimalText(int: bigint, scale: number): string {
  const neg = int < 0n
  let d = (neg ? -int : int).toString().padStart(scale + 1, '0')
  if (scale > 0) d = d.slice(0, d.length - scale) + '.' + d.slice(d.length - scale)
  return (neg ? '-' : '') + d
}

function compareDecimal(a: { int: bigint; scale: number }, b: { int: bigint; scale: number }): number {
  const s = Math.max(a.scale, b.scale)
  const x = a.int * 10n ** BigInt(s - a.scale)
  const y = b.int * 10n ** BigInt(s - b.scale)
  return x < y ? -1 : x > y ? 1 : 0
}

export class IsDecimalInRange extends BaseValidator {
  private readonly minimum: ReturnType<typeof parseDecimal>
  private readonly maximum: ReturnType<typeof parseDecimal>
  private readonly message?: string
  private readonly dot: string
  constructor(minimum?: Bound, maximum?: Bound, opts?: string | (MessageOption & { dot?: string })) {
    super()
    this.minimum = minimum == null ? null : parseDecimal(String(minimum))
    this.maximum = maximum == null ? null : parseDecimal(String(maximum))
    this.message = typeof opts === 'string' ? opts : opts?.errorMessage ?? opts?.error_message
    this.dot = (typeof opts === 'object' && opts.dot) || '.'
  }
  protected check(value: unknown) {
    const d = typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint'
      ? parseDecimal(String(value).replace(this.dot, '.')) : null
    if (d && (!this.minimum || compareDecimal(d, this.minimum) >= 0) && (!this.maximum || compareDecimal(d, this.maximum) <= 0)) return d.text
    const num = (x: ReturnType<typeof parseDecimal>) => (x ? Number(x.text) : null)
    this.failRaw(rangeMessage(this.message, 'a number', num(this.minimum), num(this.maximum), false))
  }
  formatter(value: unknown) {
    if (value === null || value === undefined) return null
    return str2dec(value).replace('.', this.dot)
  }
}

export const IS_INT_IN_RANGE = factory(IsIntInRange)
export const IS_FLOAT_IN_RANGE = factory(IsFloatInRange)
export const IS_DECIMAL_IN_RANGE = factory(IsDecimalInRange)
export { formatG }
