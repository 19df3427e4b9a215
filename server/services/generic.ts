/**
 * renderGeneric(ext, value, request): what the lifecycle calls for an action
 * without a specific view and an extension other than html/load.
 * Returns undefined for an extension it does not know (→ 404).
 */
import { toJson, toXml } from './serialize'
import { toAtom, toCsv, toIcs, toRss } from './feeds'
import { QK_SERVICES_BAD_CALLBACK } from './errors'
import { toPdf, toRtf } from './documents'

/** body (a Buffer for .pdf), its type, and headers the answer must carry (jsonp's nosniff) */
export interface GenericResult { body: string | Buffer; contentType: string; headers?: Record<string, string> }

// A dotted path of identifiers: enough for every JSONP library, never a script.
const CALLBACK = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*){0,4}$/

/** The request's JSONP callback name (vars.callback, default `callback`); QK_SERVICES_BAD_CALLBACK (400) when it is not an identifier path. */
export function callbackOf(request: unknown): string {
  const vars = (request as { vars?: Record<string, unknown>; getVars?: Record<string, unknown> } | undefined)
  const raw = vars?.vars?.callback ?? vars?.getVars?.callback ?? 'callback'
  const cb = Array.isArray(raw) ? raw[0] : raw
  if (typeof cb !== 'string' || cb.length > 100 || !CALLBACK.test(cb)) throw new QK_SERVICES_BAD_CALLBACK(JSON.stringify(String(cb).slice(0, 40)))
  return cb
}

// The JSONP body: an empty comment, cb(json); U+2028/2029 escaped (older engines end a string literal there).
export function jsonpBody(callback: string, value: unknown): string {
  return '/**/' + callback + '(' + toJson(value).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029') + ');'
}

export const GENERIC_EXTENSIONS = ['json', 'jsonp', 'xml', 'csv', 'rss', 'atom', 'ics', 'pdf', 'rtf'] as const

// A script answer must never be sniffed as something else (a JSONP body shown as HTML).
const NOSNIFF = { 'X-Content-Type-Options': 'nosniff' }

export function renderGeneric(ext: string, value: unknown, request?: unknown): GenericResult | undefined {
  switch (ext) {
    case 'json': return { body: toJson(value), contentType: 'application/json; charset=utf-8' }
    // The /**/ prefix defeats the Rosetta-Flash family of JSONP attacks.
    case 'jsonp': return { body: jsonpBody(callbackOf(request), value), contentType: 'application/javascript; charset=utf-8', headers: NOSNIFF }
    case 'xml': return { body: toXml(value), contentType: 'application/xml; charset=utf-8' }
    case 'csv': return { body: toCsv(value), contentType: 'text/csv; charset=utf-8' }
    case 'rss': return { body: toRss(value), contentType: 'application/rss+xml; charset=utf-8' }
    case 'atom': return { body: toAtom(value), contentType: 'application/atom+xml; charset=utf-8' }
    case 'ics': return { body: toIcs(value), contentType: 'text/calendar; charset=utf-8' }
    case 'pdf': return { body: toPdf(value), contentType: 'application/pdf' }
    case 'rtf': return { body: toRtf(value), contentType: 'application/rtf' }
    default: return undefined
  }
}
