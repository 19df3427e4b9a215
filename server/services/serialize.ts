/**
 * Plain data out of what actions return: DAL rows (anything with asList()),
 * helpers (their HTML), Dates, Maps, BigInts. Used by every generic renderer.
 */
import { isRenderable } from '../html/index'

export interface RowsLike { colnames?: string[]; asList(): unknown[] }

export function isRowsLike(v: unknown): v is RowsLike {
  return v !== null && typeof v === 'object' && typeof (v as RowsLike).asList === 'function'
}

/** A JSON-ready copy of `v` (cycles are cut with null, functions dropped). */
export function toPlain(v: unknown, seen = new Set<unknown>()): unknown {
  if (v === null || v === undefined) return null
  if (typeof v === 'bigint') return v.toString()
  if (typeof v === 'function' || typeof v === 'symbol') return undefined
  if (typeof v !== 'object') return v
  if (v instanceof Date) return v.toISOString()
  if (seen.has(v)) return null
  if (isRenderable(v)) return v.xml()
  seen.add(v)
  try {
    if (isRowsLike(v)) return toPlain(v.asList(), seen)
    if (Array.isArray(v) || v instanceof Set) return [...v].map((x) => toPlain(x, seen) ?? null)
    if (v instanceof Map) return toPlain(Object.fromEntries(v), seen)
    if (Buffer.isBuffer(v)) return v.toString('base64')
    const proto = Object.getPrototypeOf(v)
    if (proto !== Object.prototype && proto !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function') return toPlain((v as { toJSON(): unknown }).toJSON(), seen)
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) {
      const p = toPlain(x, seen)
      if (p !== undefined) out[k] = p
    }
    return out
  } finally {
    seen.delete(v)
  }
}

export function toJson(v: unknown): string {
  return JSON.stringify(toPlain(v) ?? null)
}

// XML 1.0 forbids most control characters even escaped; drop them.
const XML_BAD = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g
export function xmlText(s: unknown): string {
  return String(s).replace(XML_BAD, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;')
}

/** A key made into a valid XML element name. */
export function xmlName(k: string): string {
  let n = k.replace(/[^\w.-]/g, '_')
  if (!/^[A-Za-z_]/.test(n)) n = '_' + n
  return n
}

/** web2py's serializers.xml: objects become <key>value</key>, lists <item>…</item>. */
export function toXml(v: unknown, root = 'document'): string {
  const body = (x: unknown): string => {
    if (x === null || x === undefined) return ''
    if (Array.isArray(x)) return x.map((i) => '<item>' + body(i) + '</item>').join('')
    if (typeof x === 'object') return Object.entries(x as object).map(([k, i]) => '<' + xmlName(k) + '>' + body(i) + '</' + xmlName(k) + '>').join('')
    return xmlText(x)
  }
  return '<?xml version="1.0" encoding="UTF-8"?><' + root + '>' + body(toPlain(v)) + '</' + root + '>'
}
