/**
 * CSV, RSS 2.0, Atom 1.0 and iCalendar out of an action's result.
 */
import { isRowsLike, toPlain, xmlText } from './serialize'
import { QK_SERVICES_BAD_FEED } from './errors'
import { csvCell as dalCsvCell } from '../dal/index'

function isTable(v: unknown): boolean {
  return isRowsLike(v) || (Array.isArray(v) && v.every((r) => r !== null && typeof r === 'object'))
}

/** The rows to export: the value itself, or the first rows-like / list-of-objects inside a result object. */
export function findTable(v: unknown): { colnames?: string[]; rows: unknown[] } | undefined {
  if (isRowsLike(v)) return { colnames: v.colnames, rows: v.asList() }
  if (Array.isArray(v)) return isTable(v) ? { rows: v } : undefined
  if (v && typeof v === 'object') for (const x of Object.values(v)) if (isTable(x)) return findTable(x)
  return undefined
}

// A .csv view or service is opened in spreadsheets: cells that would start a
// formula (= + - @ tab CR, not plain numbers) get OWASP's leading quote.
function csvCell(v: unknown): string {
  if (v === null || v === undefined) return ''
  const s = typeof v === 'object' ? (v instanceof Date ? v.toISOString() : JSON.stringify(toPlain(v))) : String(v)
  return dalCsvCell(s, true)
}

/** RFC 4180 CSV with a header line; nested objects (joined rows) are flattened as table.field. */
export function toCsv(v: unknown): string {
  const t = findTable(v)
  if (!t) throw new QK_SERVICES_BAD_FEED('csv', 'expected rows or a list of objects')
  const flat = t.rows.map((r) => flattenRow(toPlain(r) as Record<string, unknown>))
  const cols = t.colnames?.length && flat.every((r) => t.colnames!.every((c) => c in r || c.split('.').pop()! in r))
    ? t.colnames
    : [...new Set(flat.flatMap((r) => Object.keys(r)))]
  const lines = [cols.map(csvCell).join(',')]
  for (const r of flat) lines.push(cols.map((c) => csvCell(c in r ? r[c] : r[c.split('.').pop()!])).join(','))
  return lines.join('\r\n') + '\r\n'
}

/** A row with nested objects (joined rows) flattened as table.field. */
export function flattenRow(o: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(o ?? {})) {
    if (v && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flattenRow(v as Record<string, unknown>, prefix + k + '.'))
    else out[prefix + k] = v
  }
  return out
}

interface FeedEntry { title?: unknown; link?: unknown; description?: unknown; created_on?: unknown; createdOn?: unknown; updated?: unknown; id?: unknown }
interface Feed { title?: unknown; link?: unknown; description?: unknown; entries?: FeedEntry[]; items?: FeedEntry[] }

function feedOf(v: unknown, kind: string): Feed & { entries: FeedEntry[] } {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new QK_SERVICES_BAD_FEED(kind, 'expected { title, link, description, entries }')
  const f = v as Feed
  const entries = f.entries ?? f.items
  if (f.title === undefined || !Array.isArray(entries)) throw new QK_SERVICES_BAD_FEED(kind, 'expected { title, link, description, entries }')
  return { ...f, entries }
}

function dateOf(v: unknown): Date | undefined {
  if (v === null || v === undefined || v === '') return undefined
  const d = v instanceof Date ? v : new Date(String(v))
  return Number.isNaN(d.getTime()) ? undefined : d
}

export function toRss(v: unknown): string {
  const f = feedOf(v, 'rss')
  let s = '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
  s += '<title>' + xmlText(f.title) + '</title><link>' + xmlText(f.link ?? '') + '</link><description>' + xmlText(f.description ?? '') + '</description>'
  for (const e of f.entries) {
    s += '<item><title>' + xmlText(e.title ?? '') + '</title>'
    if (e.link) s += '<link>' + xmlText(e.link) + '</link><guid>' + xmlText(e.id ?? e.link) + '</guid>'
    s += '<description>' + xmlText(e.description ?? '') + '</description>'
    const d = dateOf(e.created_on ?? e.createdOn)
    if (d) s += '<pubDate>' + d.toUTCString() + '</pubDate>'
    s += '</item>'
  }
  return s + '</channel></rss>\n'
}

export function toAtom(v: unknown): string {
  const f = feedOf(v, 'atom')
  const dates = f.entries.map((e) => dateOf(e.updated ?? e.created_on ?? e.createdOn)).filter((d): d is Date => !!d)
  const updated = dates.length ? new Date(Math.max(...dates.map((d) => d.getTime()))) : new Date(0)
  let s = '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
  s += '<title>' + xmlText(f.title) + '</title><id>' + xmlText(f.link ?? f.title) + '</id><updated>' + updated.toISOString() + '</updated>'
  if (f.link) s += '<link href="' + xmlText(f.link) + '"/>'
  if (f.description) s += '<subtitle>' + xmlText(f.description) + '</subtitle>'
  for (const e of f.entries) {
    const d = dateOf(e.updated ?? e.created_on ?? e.createdOn) ?? updated
    s += '<entry><title>' + xmlText(e.title ?? '') + '</title><id>' + xmlText(e.id ?? e.link ?? e.title ?? '') + '</id><updated>' + d.toISOString() + '</updated>'
    if (e.link) s += '<link href="' + xmlText(e.link) + '"/>'
    s += '<summary>' + xmlText(e.description ?? '') + '</summary></entry>'
  }
  return s + '</feed>\n'
}

interface Event { title?: unknown; summary?: unknown; start?: unknown; stop?: unknown; end?: unknown; description?: unknown; location?: unknown; id?: unknown; url?: unknown }

function icsDate(d: Date): string { return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '') }
// RFC 5545 text: escape \ ; , and newlines, fold lines at 75 octets.
function icsText(v: unknown): string { return String(v ?? '').replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n') }
function fold(line: string): string {
  const parts: string[] = []
  let cur = ''
  for (const ch of line) {
    if (Buffer.byteLength(cur + ch) > (parts.length ? 74 : 75)) { parts.push(cur); cur = '' }
    cur += ch
  }
  parts.push(cur)
  return parts.join('\r\n ')
}

/** iCalendar from { title, events: [{ title, start, stop|end, description, location, id }] } or a list of events. */
export function toIcs(v: unknown, now = new Date()): string {
  const events = (Array.isArray(v) ? v : (v as { events?: unknown })?.events) as Event[] | undefined
  if (!Array.isArray(events)) throw new QK_SERVICES_BAD_FEED('ics', 'expected a list of events or { events }')
  const name = !Array.isArray(v) ? (v as { title?: unknown }).title : undefined
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Quark//generic.ics//EN', 'CALSCALE:GREGORIAN']
  if (name) lines.push('X-WR-CALNAME:' + icsText(name))
  events.forEach((e, i) => {
    const start = dateOf(e.start)
    if (!start) throw new QK_SERVICES_BAD_FEED('ics', `event ${i} has no valid start`)
    const end = dateOf(e.stop ?? e.end)
    lines.push('BEGIN:VEVENT', 'UID:' + icsText(e.id ?? `${i}-${start.getTime()}@quark`), 'DTSTAMP:' + icsDate(now), 'DTSTART:' + icsDate(start))
    if (end) lines.push('DTEND:' + icsDate(end))
    lines.push('SUMMARY:' + icsText(e.title ?? e.summary ?? ''))
    if (e.description) lines.push('DESCRIPTION:' + icsText(e.description))
    if (e.location) lines.push('LOCATION:' + icsText(e.location))
    if (e.url) lines.push('URL:' + icsText(e.url))
    lines.push('END:VEVENT')
  })
  lines.push('END:VCALENDAR')
  return lines.map(fold).join('\r\n') + '\r\n'
}
