/**
 * Wall-clock time in an IANA time zone ('Europe/Rome') and back, with the
 * zone rules Node carries (Intl); no extra package. A wall time is handled as
 * a Date whose UTC fields are the zone's clock reading.
 */
import { QK_VALIDATORS_BAD_ARGUMENT } from './errors'

const formats = new Map<string, Intl.DateTimeFormat>()

/** The formatter that reads an instant in `zone`; throws QK_VALIDATORS_BAD_ARGUMENT for an unknown zone. */
export function zoneFormat(zone: string, who: string): Intl.DateTimeFormat {
  let f = formats.get(zone)
  if (f) return f
  try {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', era: 'short',
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    })
  } catch {
    throw new QK_VALIDATORS_BAD_ARGUMENT(who, `unknown time zone ${JSON.stringify(zone)} (an IANA name such as "Europe/Rome" is expected)`)
  }
  formats.set(zone, f)
  return f
}

/** Milliseconds since the epoch for a UTC clock reading; years 1-99 stay years 1-99 (Date.UTC would make them 19xx). */
export function utcMs(y: number, m: number, d: number, H = 0, M = 0, S = 0): number {
  const date = new Date(Date.UTC(2000, m - 1, d, H, M, S))
  date.setUTCFullYear(y, m - 1, d)
  return date.getTime()
}

/** How far the zone's clock is ahead of UTC at the instant `ms`. */
function offsetAt(f: Intl.DateTimeFormat, ms: number): number {
  const p: Record<string, string> = {}
  for (const part of f.formatToParts(ms)) p[part.type] = part.value
  const year = p.era === 'BC' || p.era === 'B' ? 1 - Number(p.year) : Number(p.year)
  const whole = ms - (((ms % 1000) + 1000) % 1000)
  return utcMs(year, Number(p.month), Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) - whole
}

/** The zone's wall clock at an instant, as a Date whose UTC fields read that clock. */
export function toWallClock(instant: Date, f: Intl.DateTimeFormat): Date {
  return new Date(instant.getTime() + offsetAt(f, instant.getTime()))
}

/**
 * The instant a wall-clock reading in the zone stands for. A reading that
 * happens twice (clocks going back) or never (clocks going forward) takes
 * the zone's smaller offset, its standard time: what web2py's pytz
 * `localize(is_dst=False)` gives.
 */
export function fromWallClock(wall: number, f: Intl.DateTimeFormat): number {
  const day = 86_400_000
  // no zone changes its offset twice within two days, so these two are the only candidates
  const offsets = [...new Set([offsetAt(f, wall - day), offsetAt(f, wall + day)])]
  const valid = offsets.filter((o) => offsetAt(f, wall - o) === o)
  const pick = valid.length ? valid : offsets
  return wall - Math.min(...pick)
}
