/**
 * Dates and times with web2py's formats and messages. Python's naive
 * date/datetime become JavaScript Dates read in UTC (a date is midnight UTC),
 * so a value never shifts with the server's time zone; IS_TIME gives
 * 'HH:MM:SS' text, which is what SQL time columns hold. IS_DATETIME with a
 * `timezone` reads the input as that zone's clock and stores the instant
 * (in UTC); its formatter shows the instant on that zone's clock again.
 */
import { BaseValidator, factory, pyFormat, tr, type MessageOption } from './base'
import { fromWallClock, toWallClock, utcMs, zoneFormat } from './timezones'

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']

/** Build a parser for a strftime-style format: returns fields or null when the text does not fit. */
export function strptime(text: string, format: string): { y: number; m: number; d: number; H: number; M: number; S: number } | null {
  const keys: string[] = []
  let re = ''
  for (let i = 0; i < format.length; i++) {
    const c = format[i]
    if (c === '%' && i + 1 < format.length) {
      const k = format[++i]
      const pat: Record<string, string> = {
        Y: '(\\d{4})', y: '(\\d{2})', m: '(\\d{1,2})', d: '(\\d{1,2})', H: '(\\d{1,2})', I: '(\\d{1,2})',
        M: '(\\d{1,2})', S: '(\\d{1,2})', p: '(am|pm)', b: '([a-z]{3})', B: '([a-z]+)', j: '(\\d{1,3})',
      }
      if (k === '%') { re += '%'; continue }
      if (!pat[k]) return null
      keys.push(k)
      re += pat[k]
    } else if (/\s/.test(c)) re += '\\s+'
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  }
  const m = new RegExp(`^${re}$`, 'i').exec(text)
  if (!m) return null
  const f = { y: 1900, m: 1, d: 1, H: 0, M: 0, S: 0 }
  let pm: boolean | null = null
  let hour12: number | null = null
  for (let i = 0; i < keys.length; i++) {
    const v = m[i + 1]
    switch (keys[i]) {
      case 'Y': f.y = Number(v); break
      case 'y': f.y = Number(v) < 69 ? 2000 + Number(v) : 1900 + Number(v); break
      case 'm': f.m = Number(v); break
      case 'd': f.d = Number(v); break
      case 'H': f.H = Number(v); break
      case 'I': hour12 = Number(v); break
      case 'M': f.M = Number(v); break
      case 'S': f.S = Number(v); break
      case 'p': pm = v.toLowerCase() === 'pm'; break
      case 'b': { const i3 = MONTHS.findIndex((n) => n.slice(0, 3).toLowerCase() === v.toLowerCase()); if (i3 < 0) return null; f.m = i3 + 1; break }
      case 'B': { const i3 = MONTHS.findIndex((n) => n.toLowerCase() === v.toLowerCase()); if (i3 < 0) return null; f.m = i3 + 1; break }
    }
  }
  if (hour12 !== null) {
    if (hour12 < 1 || hour12 > 12) return null
    f.H = (hour12 % 12) + (pm ? 12 : 0)
  }
  // year 0 does not exist (Python's MINYEAR is 1)
  if (f.y < 1 || f.m < 1 || f.m > 12 || f.d < 1 || f.H > 23 || f.M > 59 || f.S > 61) return null
  const probe = new Date(utcMs(f.y, f.m, f.d))
  if (probe.getUTCDate() !== f.d) return null // 2023-02-30
  return f
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0')

/** strftime for the directives web2py formats use, reading the Date in UTC. */
export function strftime(d: Date, format: string): string {
  return format.replace(/%([YymdHIMSpbBj%])/g, (_m, k: string) => {
    switch (k) {
      case 'Y': return pad(d.getUTCFullYear(), 4)
      case 'y': return pad(d.getUTCFullYear() % 100)
      case 'm': return pad(d.getUTCMonth() + 1)
      case 'd': return pad(d.getUTCDate())
      case 'H': return pad(d.getUTCHours())
      case 'I': return pad(d.getUTCHours() % 12 || 12)
      case 'M': return pad(d.getUTCMinutes())
      case 'S': return pad(d.getUTCSeconds())
      case 'p': return d.getUTCHours() < 12 ? 'AM' : 'PM'
      case 'b': return MONTHS[d.getUTCMonth()].slice(0, 3)
      case 'B': return MONTHS[d.getUTCMonth()]
      case 'j': return pad(Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000) + 1, 3)
      default: return '%'
    }
  })
}

/** The format shown to users: '%Y-%m-%d' reads '1963-08-28', as web2py says it. */
export function niceFormat(format: string): string {
  const code: Array<[string, string]> = [['%Y', '1963'], ['%y', '63'], ['%d', '28'], ['%m', '08'], ['%b', 'Aug'], ['%B', 'August'],
    ['%H', '14'], ['%I', '02'], ['%p', 'PM'], ['%M', '30'], ['%S', '59']]
  for (const [a, b] of code) format = format.split(a).join(b)
  return format
}

function toDate(value: unknown): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value
  return null
}

export class IsDate extends BaseValidator {
  protected readonly format: string
  protected readonly message: string
  constructor(opts: (MessageOption & { format?: string }) | string = {}) {
    super()
    const o = typeof opts === 'string' ? { format: opts } : opts
    this.format = o.format ?? '%Y-%m-%d'
    this.message = o.errorMessage ?? o.error_message ?? 'Enter date as %(format)s'
  }
  protected parse(value: unknown): Date {
    const d = toDate(value)
    if (d) return d
    const f = typeof value === 'string' ? strptime(value, tr(this.format)) : null
    if (!f) this.failRaw(pyFormat(tr(this.message), this.symbols()))
    return new Date(utcMs(f.y, f.m, f.d))
  }
  protected symbols(): Record<string, unknown> { return { format: niceFormat(tr(this.format)) } }
  protected check(value: unknown): unknown { return this.parse(value) }
  formatter(value: unknown): unknown {
    if (value === null || value === undefined || value === '') return null
    const d = toDate(value) ?? (typeof value === 'string' ? new Date(value) : null)
    if (!d || Number.isNaN(d.getTime())) return value
    return strftime(this.shown(d), tr(this.format))
  }
  /** The Date whose UTC fields are what the user sees (IS_DATETIME with a timezone shifts it). */
  protected shown(d: Date): Date { return d }
}

export interface DatetimeOptions extends MessageOption {
  format?: string
  /** an IANA zone ('Europe/Rome'): input is read on its clock, the result is the instant in UTC */
  timezone?: string
}

export class IsDatetime extends IsDate {
  private readonly zone?: Intl.DateTimeFormat
  constructor(opts: DatetimeOptions | string = {}) {
    const o = typeof opts === 'string' ? { format: opts } : opts
    super({ format: o.format ?? '%Y-%m-%d %H:%M:%S', errorMessage: o.errorMessage ?? o.error_message ?? 'Enter date and time as %(format)s' })
    if (o.timezone !== undefined && o.timezone !== null) this.zone = zoneFormat(String(o.timezone), 'IS_DATETIME')
  }
  protected shown(d: Date): Date {
    return this.zone ? toWallClock(d, this.zone) : d
  }
  protected parse(value: unknown): Date {
    const d = toDate(value)
    if (d) return d
    let text = value
    // the ISO format also takes an HTML datetime-local value: 'T' separator, no seconds
    if (typeof text === 'string' && this.format === '%Y-%m-%d %H:%M:%S') {
      text = text.replace('T', ' ')
      if ((text as string).length === 16) text += ':00'
    }
    const f = typeof text === 'string' ? strptime(text, tr(this.format)) : null
    if (!f) this.failRaw(pyFormat(tr(this.message), this.symbols()))
    const wall = utcMs(f.y, f.m, f.d, f.H, f.M, f.S)
    return new Date(this.zone ? fromWallClock(wall, this.zone) : wall)
  }
}

interface RangeOptions extends MessageOption { minimum?: Date | null; maximum?: Date | null; format?: string; timezone?: string }

function rangeMessage(o: RangeOptions, what: string): string {
  if (o.errorMessage ?? o.error_message) return (o.errorMessage ?? o.error_message)!
  if (o.minimum == null) return `Enter ${what} on or before %(max)s`
  if (o.maximum == null) return `Enter ${what} on or after %(min)s`
  return `Enter ${what} in range %(min)s %(max)s`
}

export class IsDateInRange extends IsDate {
  private readonly range: RangeOptions
  constructor(opts: RangeOptions = {}) {
    super({ format: opts.format, errorMessage: rangeMessage(opts, 'date') })
    this.range = opts
  }
  protected symbols() {
    return { ...super.symbols(), min: this.formatter(this.range.minimum), max: this.formatter(this.range.maximum) }
  }
  protected check(value: unknown) {
    const d = this.parse(value)
    const { minimum, maximum } = this.range
    if ((minimum && minimum > d) || (maximum && d > maximum)) this.failRaw(pyFormat(tr(this.message), this.symbols()))
    return d
  }
}

export class IsDatetimeInRange extends IsDatetime {
  private readonly range: RangeOptions
  constructor(opts: RangeOptions = {}) {
    super({ format: opts.format, timezone: opts.timezone, errorMessage: rangeMessage(opts, 'date and time') })
    this.range = opts
  }
  protected symbols() {
    return { ...super.symbols(), min: this.formatter(this.range.minimum), max: this.formatter(this.range.maximum) }
  }
  protected check(value: unknown) {
    const d = this.parse(value)
    const { minimum, maximum } = this.range
    if ((minimum && minimum > d) || (maximum && d > maximum)) this.failRaw(pyFormat(tr(this.message), this.symbols()))
    return d
  }
}

const TIME = /^(?<h>[0-9]+)([^0-9 ]+(?<m>[0-9 ]+))?([^0-9ap ]+(?<s>[0-9]*))?(?<d>[ap]m)?/

/** Python's int() on text: surrounding blanks allowed, digits only. */
function pyInt(s: string): number {
  const t = s.trim()
  if (!/^\d+$/.test(t)) throw new Error('not an int')
  return Number(t)
}

/** hh:mm:ss, hh:mm or hh, any non-digit separator, optional am/pm: '5:30 pm' -> '17:30:00'. */
export class IsTime extends BaseValidator {
  private readonly message: string
  constructor(opts?: string | MessageOption) {
    super()
    this.message = typeof opts === 'string' ? opts : opts?.errorMessage ?? opts?.error_message ?? 'Enter time as hh:mm:ss (seconds, am, pm optional)'
  }
  protected check(value: unknown) {
    try {
      if (typeof value !== 'string') throw new Error('not text')
      const g = TIME.exec(value.toLowerCase())!.groups!
      let h = pyInt(g.h)
      const m = g.m === undefined ? 0 : pyInt(g.m)
      const s = g.s === undefined ? 0 : pyInt(g.s)
      if (g.d === 'pm' && h > 0 && h < 12) h += 12
      if (g.d === 'am' && h === 12) h = 0
      if (h > 23 || m > 59 || s > 59) throw new Error('range')
      return `${pad(h)}:${pad(m)}:${pad(s)}`
    } catch {
      this.fail(this.message)
    }
  }
}

export const IS_DATE = factory(IsDate)
export const IS_DATETIME = factory(IsDatetime)
export const IS_DATE_IN_RANGE = factory(IsDateInRange)
export const IS_DATETIME_IN_RANGE = factory(IsDatetimeInRange)
export const IS_TIME = factory(IsTime)
