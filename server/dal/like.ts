/**
 * LIKE patterns, dialect-neutral. Every pattern (a user's `like(p, { escape })`
 * or one built by contains/startsWith/endsWith) is parsed into tokens and
 * written back with one escape character, `!`, that every dialect is told
 * about (`ESCAPE '!'`): MySQL and PostgreSQL otherwise treat a backslash as an
 * escape and SQLite does not, so the same pattern meant different things.
 *
 * SQLite stops reading a LIKE/GLOB pattern (and the value) at a NUL and refuses
 * patterns over 50,000 bytes; a pattern `%\0zzzz` became `%` and matched every
 * row. Such patterns are matched here instead (`matchLike`, registered as an
 * SQLite function by the driver), which treats NUL as an ordinary character.
 */
import { QK_DAL_BAD_QUERY } from './errors'

/** `%`: any run of characters; `_`: exactly one character. */
export const ANY = 0
export const ONE = 1
/** a literal character (one code point) or a wildcard */
export type LikeToken = string | typeof ANY | typeof ONE

export interface LikePattern {
  tokens: LikeToken[]
  /** the pattern written with `!` as its escape character */
  sql: string
  /** contains a NUL character (SQLite would cut the pattern there) */
  hasNul: boolean
}

export interface LikeOptions {
  /** default true for like(), false for ilike() */
  caseSensitive?: boolean
  /** one character that makes the next `%`, `_` or itself literal (none by default) */
  escape?: string
}

/** Parse a LIKE pattern written with the given escape character (or none). */
export function parseLike(pattern: string, escape?: string): LikeToken[] {
  if (typeof pattern !== 'string') throw new QK_DAL_BAD_QUERY(`a LIKE pattern must be a string, got ${typeof pattern}`)
  if (escape !== undefined && (typeof escape !== 'string' || [...escape].length !== 1 || escape === '\u0000')) {
    throw new QK_DAL_BAD_QUERY(`the LIKE escape must be one character (not NUL), got ${JSON.stringify(escape)}`)
  }
  const out: LikeToken[] = []
  const chars = [...pattern]
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!
    if (escape !== undefined && c === escape) {
      const next = chars[++i]
      if (next === undefined) throw new QK_DAL_BAD_QUERY(`LIKE pattern ends with its escape character ${JSON.stringify(escape)}`)
      out.push(next)
    } else if (c === '%') out.push(ANY)
    else if (c === '_') out.push(ONE)
    else out.push(c)
  }
  return out
}

/** Tokens matching `s` literally. */
export function literalTokens(s: string): LikeToken[] {
  return [...s]
}

export function likePattern(tokens: LikeToken[]): LikePattern {
  let sql = ''
  let hasNul = false
  for (const t of tokens) {
    if (t === ANY) sql += '%'
    else if (t === ONE) sql += '_'
    else {
      if (t === '\u0000') hasNul = true
      sql += t === '%' || t === '_' || t === '!' ? '!' + t : t
    }
  }
  return { tokens, sql, hasNul }
}

/** The same pattern for SQLite's GLOB (case-sensitive): `*`, `?`, and `[c]` for a literal special character. */
export function globPattern(tokens: LikeToken[]): string {
  let out = ''
  for (const t of tokens) {
    if (t === ANY) out += '*'
    else if (t === ONE) out += '?'
    else out += t === '*' || t === '?' || t === '[' ? `[${t}]` : t
  }
  return out
}

/** SQLite's case folding for LIKE: ASCII letters only (as its LIKE and LOWER without ICU). */
const foldAscii = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase())

/**
 * Does `value` match the tokens? The pattern is cut at its `%` into segments (characters and `_`): the
 * first must match at the start, the last at the end, and each one between at its leftmost place after
 * the previous one (leftmost is never worse). No backtracking: a regular expression of many `.*` can
 * take exponential time on a hostile pattern; this takes at most value x pattern steps.
 */
export function matchTokens(value: string, tokens: LikeToken[], caseSensitive: boolean): boolean {
  const v = [...(caseSensitive ? value : foldAscii(value))]
  const segments: LikeToken[][] = [[]]
  for (const t of tokens) {
    if (t === ANY) segments.push([])
    else segments[segments.length - 1]!.push(typeof t === 'string' && !caseSensitive ? foldAscii(t) : t)
  }
  const first = segments[0]!
  if (segments.length === 1) return v.length === first.length && segmentAt(v, 0, first)
  const last = segments[segments.length - 1]!
  const end = v.length - last.length
  if (first.length > end || !segmentAt(v, 0, first) || !segmentAt(v, end, last)) return false
  let pos = first.length
  for (let i = 1; i < segments.length - 1; i++) {
    const seg = segments[i]!
    let at = pos
    while (at + seg.length <= end && !segmentAt(v, at, seg)) at++
    if (at + seg.length > end) return false
    pos = at + seg.length
  }
  return true
}

function segmentAt(v: string[], at: number, seg: LikeToken[]): boolean {
  for (let k = 0; k < seg.length; k++) if (seg[k] !== ONE && seg[k] !== v[at + k]) return false
  return true
}

const parsed = new Map<string, LikeToken[]>()

/** `quark_like(value, pattern, caseSensitive)` for SQLite: pattern in the `!`-escaped form of likePattern(). */
export function matchLike(value: unknown, pattern: unknown, caseSensitive: unknown): number | null {
  if (value === null || value === undefined || pattern === null || pattern === undefined) return null
  const p = String(pattern)
  let tokens = parsed.get(p)
  if (!tokens) {
    tokens = parseLike(p, '!')
    if (parsed.size > 500) parsed.clear()
    parsed.set(p, tokens)
  }
  const s = Buffer.isBuffer(value) ? value.toString() : String(value)
  return matchTokens(s, tokens, !!caseSensitive && caseSensitive !== 0) ? 1 : 0
}

const regexps = new Map<string, RegExp>()

/** `REGEXP` for SQLite (`x REGEXP p` calls regexp(p, x)): JavaScript syntax, Unicode mode when the pattern allows it. */
export function matchRegexp(pattern: unknown, value: unknown): number | null {
  if (value === null || value === undefined || pattern === null || pattern === undefined) return null
  const p = String(pattern)
  let re = regexps.get(p)
  if (!re) {
    try { re = new RegExp(p, 'u') } catch { re = new RegExp(p) }  // an invalid pattern throws: the statement fails (QK_DAL_QUERY)
    if (regexps.size > 500) regexps.clear()
    regexps.set(p, re)
  }
  return re.test(Buffer.isBuffer(value) ? value.toString() : String(value)) ? 1 : 0
}

/** `quark_length(x)` for SQLite: LENGTH as SQLite defines it (characters of text, bytes of a blob), NUL included. */
export function textLength(value: unknown): number | null {
  if (value === null || value === undefined) return null
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return value.length
  let n = 0
  for (const _ of String(value)) n++  // code points, as SQLite counts UTF-8 characters
  return n
}
