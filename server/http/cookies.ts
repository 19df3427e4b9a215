/** Cookie header parsing and Set-Cookie serialising, cheap and without regexes per call. */

import { Dict } from './dict'

export interface CookieOptions {
  path?: string
  domain?: string
  maxAge?: number
  expires?: Date
  httpOnly?: boolean
  secure?: boolean
  sameSite?: 'Lax' | 'Strict' | 'None'
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = new Dict()
  if (!header) return out
  let start = 0
  const len = header.length
  while (start < len) {
    let end = header.indexOf(';', start)
    if (end === -1) end = len
    const eq = header.indexOf('=', start)
    if (eq !== -1 && eq < end) {
      const name = header.slice(start, eq).trim()
      let value = header.slice(eq + 1, end).trim()
      if (value.length > 1 && value.charCodeAt(0) === 34 && value.charCodeAt(value.length - 1) === 34) value = value.slice(1, -1)
      if (name && !(name in out)) {
        try { out[name] = value.includes('%') ? decodeURIComponent(value) : value } catch { out[name] = value }
      }
    }
    start = end + 1
  }
  return out
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

export function serializeCookie(name: string, value: string, o: CookieOptions = {}): string {
  if (!TOKEN.test(name)) throw new TypeError(`invalid cookie name: ${name}`)
  let s = `${name}=${encodeURIComponent(value)}`
  if (o.maxAge !== undefined) s += `; Max-Age=${Math.floor(o.maxAge)}`
  if (o.expires) s += `; Expires=${o.expires.toUTCString()}`
  if (o.domain) s += `; Domain=${o.domain}`
  s += `; Path=${o.path ?? '/'}`
  if (o.httpOnly) s += '; HttpOnly'
  if (o.secure) s += '; Secure'
  if (o.sameSite) s += `; SameSite=${o.sameSite}`
  return s
}
