/**
 * Exact numbers: `bigint` fields are JS bigints in [-2^63, 2^63-1], and
 * `decimal(p,s)` values are decimal strings with exactly s fraction digits
 * ('12.3400'), as PostgreSQL and MySQL print them. No float on the way: a
 * decimal is held as an unscaled BigInt (value = unscaled / 10^s).
 *
 * SQLite has no exact decimal column (NUMERIC affinity keeps 15 significant
 * digits), so the SQLite dialect stores decimals as text in a fixed-width,
 * order-preserving form (sortableDecimal): comparisons, ORDER BY, MIN/MAX,
 * UNIQUE and indexes work on the text as they would on the numbers.
 */
import { QK_DAL_BAD_VALUE } from './errors'

export const INT64_MIN = -(2n ** 63n)
export const INT64_MAX = 2n ** 63n - 1n

const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/

/** A bigint field's value: a bigint, an integer number or integer text within 64 bits; else QK_DAL_BAD_VALUE. */
export function toInt64(type: string, value: unknown): bigint {
  if (typeof value === 'object' && value !== null && 'id' in value) value = (value as { id: unknown }).id
  let n: bigint | undefined
  if (typeof value === 'bigint') n = value
  else if (typeof value === 'number' && Number.isInteger(value)) n = BigInt(value)
  else if (typeof value === 'string' && INTEGER_TEXT.test(value)) n = BigInt(value.trim())
  if (n === undefined || n < INT64_MIN || n > INT64_MAX) throw new QK_DAL_BAD_VALUE(type, describe(value))
  return n
}

/** A driver's integer (number, bigint or text) as a bigint. */
export function readInt64(value: unknown): bigint {
  if (typeof value === 'bigint') return value
  if (typeof value === 'number') return BigInt(Math.trunc(value))
  return BigInt(String(value).trim())
}

const DECIMAL_TEXT = /^\s*([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?\s*$/

/** `value` as mantissa × 10^exponent, exactly; undefined when it is not a finite decimal number. */
function parse(value: unknown): { m: bigint; e: number } | undefined {
  if (typeof value === 'bigint') return { m: value, e: 0 }
  // a number's shortest round-trip text is its exact meaning for people: 0.1 is '0.1', not 0.1000000000000000055...
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : typeof value === 'string' ? value : ''
  const g = DECIMAL_TEXT.exec(text)
  if (!g || (!g[2] && !g[3])) return undefined
  const digits = (g[2] ?? '') + (g[3] ?? '')
  const m = BigInt(digits || '0')
  return { m: g[1] === '-' ? -m : m, e: Number(g[4] ?? 0) - (g[3] ?? '').length }
}

/**
 * The unscaled value of `value` for decimal(p,s): rounded half away from zero
 * to s fraction digits (as PostgreSQL and MySQL do), at most p digits; else QK_DAL_BAD_VALUE.
 */
export function toUnscaled(type: string, value: unknown, precision: [number, number]): bigint {
  const [p, s] = precision
  const v = parse(value)
  if (!v) throw new QK_DAL_BAD_VALUE(type, describe(value))
  let u: bigint
  const shift = v.e + s
  if (shift >= 0) {
    if (shift > p + 4) throw new QK_DAL_BAD_VALUE(type, `${describe(value)} (more than ${p} digits)`)
    u = v.m * 10n ** BigInt(shift)
  } else {
    if (-shift > 1000) u = 0n
    else {
      const d = 10n ** BigInt(-shift)
      const neg = v.m < 0n
      const a = neg ? -v.m : v.m
      let q = a / d
      if ((a % d) * 2n >= d) q += 1n
      u = neg ? -q : q
    }
  }
  if ((u < 0n ? -u : u) >= 10n ** BigInt(p)) throw new QK_DAL_BAD_VALUE(type, `${describe(value)} (more than ${p - s} digits before the point)`)
  return u
}

/** '-12.3400' from -123400n with scale 4 (no exponent, exactly s fraction digits). */
export function decimalText(u: bigint, s: number): string {
  const neg = u < 0n
  const digits = (neg ? -u : u).toString().padStart(s + 1, '0')
  const text = s ? `${digits.slice(0, -s)}.${digits.slice(-s)}` : digits
  return neg ? '-' + text : text
}

/** The precision of 'decimal(p,s)' (web2py's default (10,2) for a bare 'decimal'). */
export function decimalPrecision(type: string): [number, number] {
  const g = /^decimal\((\d+),\s*(\d+)\)$/.exec(type)
  return g ? [Number(g[1]), Number(g[2])] : [10, 2]
}

/** A decimal field's value as its exact canonical text ('12.34' for decimal(10,2)). */
export function toDecimalText(type: string, value: unknown): string {
  const prec = decimalPrecision(type)
  return decimalText(toUnscaled(type, value, prec), prec[1])
}

/** What a driver returned for a decimal column (text, a number from an aggregate, SQLite's sortable text) as canonical text. */
export function readDecimal(type: string, value: unknown): string {
  if (typeof value === 'string' && (value[0] === 'P' || value[0] === 'N')) return unsortableDecimal(value, decimalPrecision(type)[1])
  const prec = decimalPrecision(type)
  const v = parse(value)
  if (!v) return String(value)
  // a stored value is within the column's precision; an aggregate (SUM) may exceed it: keep every digit
  return decimalText(toUnscaled(type, value, [Math.max(prec[0], 1000), prec[1]]), prec[1])
}

// ---- SQLite's order-preserving text ----------------------------------------

/**
 * decimal(p,s) as fixed-width text that sorts as the numbers do: 'P' and the
 * p digits (a point before the last s) for a value ≥ 0, 'N' and the digits of
 * 10^p - 1 - |value| for a negative one ('N' < 'P', and a larger magnitude
 * gives a smaller complement). decimal(6,2): 12.34 → 'P0012.34', -12.34 → 'N9987.65'.
 * The letter keeps a column of NUMERIC affinity (tables made before) from turning it into a float.
 */
export function sortableDecimal(type: string, value: unknown): string {
  const [p, s] = decimalPrecision(type)
  const u = toUnscaled(type, value, [p, s])
  const n = u < 0n ? 10n ** BigInt(p) - 1n + u : u
  const digits = n.toString().padStart(p, '0')
  return (u < 0n ? 'N' : 'P') + (s ? `${digits.slice(0, p - s)}.${digits.slice(p - s)}` : digits)
}

function unsortableDecimal(text: string, s: number): string {
  const digits = text.slice(1).replace('.', '')
  const n = BigInt(digits)
  const u = text[0] === 'N' ? -(10n ** BigInt(digits.length) - 1n - n) : n
  return decimalText(u, s)
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 60) + '…' : value)
  if (typeof value === 'bigint') return `${value}n`
  if (value === null || value === undefined) return String(value)
  return typeof value === 'object' ? 'an object' : String(value)
}
