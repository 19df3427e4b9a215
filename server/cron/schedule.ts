/**
 * Cron schedules: the five standard fields (minute hour day-of-month month
 * day-of-week) with `*`, ranges `a-b`, steps `/n`, lists `a,b` and the names
 * of months (jan..dec) and days (sun..sat), plus the @keywords.
 *
 * Times are local wall-clock times, as in every cron. `nextRun` is the one
 * primitive the runners need: a line is due in (from, to] exactly when
 * `nextRun(schedule, from) <= to`, which is how every mode (hard, soft,
 * external) decides what to run, including runs missed while nothing was
 * checking (they run once, not once per missed minute).
 */
import { QK_CRON_BAD_SCHEDULE } from './errors'

export interface CronSchedule {
  /** the text as written (e.g. `*\/5 * * * *` or `@daily`) */
  source: string
  /** true for @reboot: runs once when a runner starts, never from the clock */
  reboot: boolean
  minutes: Set<number>
  hours: Set<number>
  daysOfMonth: Set<number>
  months: Set<number>
  /** 0 = Sunday (7 is accepted and stored as 0) */
  daysOfWeek: Set<number>
  /** a field written with a leading `*` is unrestricted: then the day fields combine with AND, otherwise with OR (Vixie cron) */
  domRestricted: boolean
  dowRestricted: boolean
}

const KEYWORDS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']

interface FieldSpec { name: string; min: number; max: number; names?: string[]; namesBase?: number }

const FIELDS: FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES, namesBase: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAY_NAMES, namesBase: 0 },
]

/** The keywords and field count a schedule may start with; used by the crontab parser to split a line. */
export function isKeyword(token: string): boolean {
  return token.toLowerCase() === '@reboot' || token.toLowerCase() in KEYWORDS
}

/** Parse `@keyword` or five fields; throws QK_CRON_BAD_SCHEDULE with the reason. */
export function parseSchedule(text: string): CronSchedule {
  const source = text.trim()
  const lower = source.toLowerCase()
  if (lower === '@reboot') {
    return { source, reboot: true, minutes: new Set(), hours: new Set(), daysOfMonth: new Set(), months: new Set(), daysOfWeek: new Set(), domRestricted: false, dowRestricted: false }
  }
  if (lower.startsWith('@') && !(lower in KEYWORDS)) throw new QK_CRON_BAD_SCHEDULE(source, `unknown keyword ${source}`)
  const expanded = lower in KEYWORDS ? KEYWORDS[lower]! : source
  const parts = expanded.split(/\s+/).filter(Boolean)
  if (parts.length !== 5) throw new QK_CRON_BAD_SCHEDULE(source, `expected 5 fields, found ${parts.length}`)
  const sets = parts.map((p, i) => parseField(p, FIELDS[i]!, source))
  const dow = new Set([...sets[4]!].map((d) => (d === 7 ? 0 : d)))
  return {
    source, reboot: false,
    minutes: sets[0]!, hours: sets[1]!, daysOfMonth: sets[2]!, months: sets[3]!, daysOfWeek: dow,
    domRestricted: !parts[2]!.startsWith('*'), dowRestricted: !parts[4]!.startsWith('*'),
  }
}

function parseField(text: string, spec: FieldSpec, source: string): Set<number> {
  const out = new Set<number>()
  const fail = (why: string): never => { throw new QK_CRON_BAD_SCHEDULE(source, `${spec.name} "${text}": ${why}`) }
  for (const item of text.split(',')) {
    if (item === '') fail('empty list item')
    const [rangePart, stepPart, extra] = item.split('/')
    if (extra !== undefined) fail('more than one "/"')
    let step = 1
    if (stepPart !== undefined) {
      if (!/^\d+$/.test(stepPart)) fail(`step "${stepPart}" is not a number`)
      step = Number(stepPart)
      if (step < 1) fail('step must be at least 1')
    }
    let lo: number
    let hi: number
    if (rangePart === '*') {
      lo = spec.min; hi = spec.max
    } else {
      const bounds = rangePart!.split('-')
      if (bounds.length > 2) fail(`bad range "${rangePart}"`)
      lo = value(bounds[0]!, spec, fail)
      // `a/n` means from a to the end of the field, stepping by n
      hi = bounds.length === 2 ? value(bounds[1]!, spec, fail) : stepPart !== undefined ? spec.max : lo
      if (lo > hi) fail(`range ${lo}-${hi} goes backwards`)
    }
    for (let v = lo; v <= hi; v += step) out.add(v)
  }
  return out
}

function value(token: string, spec: FieldSpec, fail: (why: string) => never): number {
  let n: number
  if (/^\d+$/.test(token)) n = Number(token)
  else {
    const idx = spec.names ? spec.names.indexOf(token.toLowerCase()) : -1
    if (idx < 0) return fail(`"${token}" is not a number${spec.names ? ' or a name' : ''}`)
    n = idx + spec.namesBase!
  }
  if (n < spec.min || n > spec.max) fail(`${n} is outside ${spec.min}-${spec.max}`)
  return n
}

/** Whether the schedule fires in the minute containing `date` (local time). */
export function matches(s: CronSchedule, date: Date): boolean {
  if (s.reboot) return false
  return s.minutes.has(date.getMinutes()) && s.hours.has(date.getHours()) && s.months.has(date.getMonth() + 1) && dayMatches(s, date)
}

function dayMatches(s: CronSchedule, date: Date): boolean {
  const dom = s.daysOfMonth.has(date.getDate())
  const dow = s.daysOfWeek.has(date.getDay())
  if (s.domRestricted && s.dowRestricted) return dom || dow
  return dom && dow
}

/**
 * The first minute strictly after `after` at which the schedule fires, or
 * null for @reboot and for schedules that never fire (e.g. 30 February).
 * Skips whole months, days and hours that cannot match, so it is fast.
 */
export function nextRun(s: CronSchedule, after: Date): Date | null {
  if (s.reboot) return null
  const t = new Date(after.getTime())
  t.setSeconds(0, 0)
  t.setMinutes(t.getMinutes() + 1)
  const limit = after.getTime() + 8 * 366 * 24 * 3600_000 // leap-day schedules fire at least every 8 years
  while (t.getTime() <= limit) {
    if (!s.months.has(t.getMonth() + 1)) {
      t.setMonth(t.getMonth() + 1, 1); t.setHours(0, 0, 0, 0); continue
    }
    if (!dayMatches(s, t)) {
      t.setDate(t.getDate() + 1); t.setHours(0, 0, 0, 0); continue
    }
    if (!s.hours.has(t.getHours())) {
      t.setHours(t.getHours() + 1, 0, 0, 0); continue
    }
    if (!s.minutes.has(t.getMinutes())) {
      t.setMinutes(t.getMinutes() + 1, 0, 0); continue
    }
    return t
  }
  return null
}

/** True when the schedule fired at least once in (from, to]. */
export function isDue(s: CronSchedule, from: Date, to: Date): boolean {
  const n = nextRun(s, from)
  return n !== null && n.getTime() <= to.getTime()
}
