/**
 * IS_STRONG: password complexity rules with web2py's messages, joined by ', '
 * (or '|' with `es: true`), and its simple entropy estimate.
 */
import { BaseValidator, factory, pyFormat, tr, type MessageOption } from './base'

const LOWER = new Set(Buffer.from('abcdefghijklmnopqrstuvwxyz'))
const UPPER = new Set(Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZ'))
const NUMBER = new Set(Buffer.from('0123456789'))
const SYM1 = new Set(Buffer.from('!@#$%^&*() '))
const SYM2 = new Set(Buffer.from('~`-_=+[]{}\\|;:\'",.<>?/'))
const OTHER = { size: 256, has: () => true }
const SETS = [LOWER, UPPER, NUMBER, SYM1, SYM2, OTHER]

/** Bits of entropy as web2py estimates them: alphabet size grows with each class, repeat and switch. */
export function calcEntropy(text: string): number {
  const bytes = Buffer.from(text ?? '', 'utf8')
  let alphabet = 0
  const other = new Set<number>()
  const seen = new Set<object>()
  let last: object | null = null
  for (const c of bytes) {
    const set = SETS.find((s) => s.has(c))!
    if (!seen.has(set)) { seen.add(set); alphabet += set.size }
    else if (!other.has(c)) { alphabet += 1; other.add(c) }
    if (set !== last) { alphabet += 1; last = set }
  }
  const e = (bytes.length * Math.log(alphabet || 1)) / Math.LN2
  return Math.round(e * 100) / 100
}

/** Python prints floats with a decimal point: 14 -> '14.0'. */
const pyFloat = (n: number) => (Number.isInteger(n) ? n.toFixed(1) : String(n))

export interface StrongOptions extends MessageOption {
  min?: number | null; max?: number | null; upper?: number | null; lower?: number | null; number?: number | null
  entropy?: number | null; special?: number | null; specials?: string; invalid?: string; es?: boolean
}

export class IsStrong extends BaseValidator {
  private readonly o: Required<Pick<StrongOptions, 'specials' | 'invalid'>> & StrongOptions
  constructor(opts: StrongOptions = {}) {
    super()
    const defaults = opts.entropy == null ? { min: 8, upper: 1, lower: 1, number: 1, special: 1 } : {}
    const pick = (k: keyof typeof defaults) => (opts[k] == null ? (defaults as Record<string, number>)[k] ?? null : opts[k])
    this.o = {
      ...opts,
      min: pick('min'), upper: pick('upper'), lower: pick('lower'), number: pick('number'), special: pick('special'),
      specials: opts.specials ?? '~!@#$%^&*()_+-=?<>,.:;{}[]|',
      invalid: opts.invalid ?? ' "',
    }
  }
  protected check(input: unknown) {
    const value = input === null || input === undefined ? '' : String(input)
    // a form re-showing a stored password sends stars: accept them unchanged
    if (value && value.length > 4 && /^\*+$/.test(value)) return value
    const o = this.o
    const f: string[] = []
    const count = (re: RegExp) => (value.match(re) ?? []).length
    if (o.entropy != null) {
      const e = calcEntropy(value)
      if (e < o.entropy) f.push(pyFormat(tr('Password too simple (%(have)s/%(need)s)'), { have: pyFloat(e), need: o.entropy }))
    }
    if (o.min != null && o.min > 0 && value.length < o.min) f.push(pyFormat(tr('Minimum length is %s'), [o.min]))
    if (o.max != null && o.max > 0 && value.length > o.max) f.push(pyFormat(tr('Maximum length is %s'), [o.max]))
    if (o.special != null) {
      const n = [...o.specials].filter((ch) => value.includes(ch)).length
      if (o.special > 0 && n < o.special) f.push(pyFormat(tr('Must include at least %s of the following: %s'), [o.special, o.specials]))
      else if (o.special === 0 && n > 0) f.push(pyFormat(tr('May not contain any of the following: %s'), [o.specials]))
    }
    if (o.invalid && [...o.invalid].some((ch) => value.includes(ch))) f.push(pyFormat(tr('May not contain any of the following: %s'), [o.invalid]))
    if (o.upper != null) {
      const n = count(/[A-Z]/g)
      if (o.upper > 0 && n < o.upper) f.push(pyFormat(tr('Must include at least %s uppercase'), [o.upper]))
      else if (o.upper === 0 && n > 0) f.push(tr('May not include any uppercase letters'))
    }
    if (o.lower != null) {
      const n = count(/[a-z]/g)
      if (o.lower > 0 && n < o.lower) f.push(pyFormat(tr('Must include at least %s lowercase'), [o.lower]))
      else if (o.lower === 0 && n > 0) f.push(tr('May not include any lowercase letters'))
    }
    if (o.number != null) {
      const n = count(/[0-9]/g)
      if (o.number > 0 && n < o.number) f.push(pyFormat(tr('Must include at least %s %s'), [o.number, tr(o.number > 1 ? 'numbers' : 'number')]))
      else if (o.number === 0 && n > 0) f.push(tr('May not include any numbers'))
    }
    if (!f.length) return value
    const custom = o.errorMessage ?? o.error_message
    if (custom) this.fail(custom)
    this.failRaw(f.join(o.es ? '|' : ', '))
  }
}

export const IS_STRONG = factory(IsStrong)
