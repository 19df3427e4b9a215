/**
 * URL() as web2py builds it: `/<app>/<controller>/<function>[.<ext>]/<args>?<vars>#<anchor>`,
 * with the current request's app and controller filling what is not given,
 * args quoted like Python's quote (slashes kept), vars sorted and encoded like
 * urlencode (spaces as '+'), and optional HMAC signatures checked by URL.verify.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { current } from '../current/index'
import { QK_HTML_BAD_URL_PART, QK_HTML_NO_HMAC_KEY } from './errors'

export type UrlVars = Record<string, unknown>
export interface UrlOptions {
  args?: unknown[] | string | number
  vars?: UrlVars
  anchor?: string | number
  extension?: string
  /** true: the request's scheme; or 'http' / 'https' */
  scheme?: string | boolean
  /** true: the request's host; or a host[:port] */
  host?: string | boolean
  port?: number | string
  hmacKey?: string
  /** which vars the signature covers: true (all, default), false (none), or a list */
  hashVars?: boolean | string[]
  salt?: string
  /** quote '/' inside args too */
  encodeEmbeddedSlash?: boolean
  /** the language prefix to write (routes with `languages`); default: the request's */
  language?: string
}

/** The request fields URL() and URL.verify read (a subset of the core's request). */
export interface UrlRequest {
  application?: string
  controller?: string
  function?: string
  extension?: string
  args?: string[]
  vars?: Record<string, unknown>
  scheme?: string
  host?: string
  env?: Record<string, unknown>
}

const NAME = /^[\w.-]*$/
// Python's quote() leaves letters, digits and _.-~ untouched (and '/' by default).
const UNRESERVED = /^[\w.~-]*$/
function pyQuote(s: string, safeSlash: boolean): string {
  if (UNRESERVED.test(s)) return s
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%2F/g, safeSlash ? '/' : '%2F')
}
// urlencode uses quote_plus: spaces become '+', '/' is quoted.
function pyQuotePlus(s: string): string {
  return pyQuote(s, false).replace(/%20/g, '+')
}

function flattenVars(vars: UrlVars | undefined): Array<[string, string]> {
  const out: Array<[string, string]> = []
  if (!vars) return out
  let any = false
  for (const _ in vars) { any = true; break }
  if (!any) return out
  for (const k of Object.keys(vars).sort()) {
    const v = vars[k]
    if (v === undefined) continue
    for (const x of Array.isArray(v) ? v : [v]) out.push([k, x === null ? '' : String(x)])
  }
  return out
}

function encodeVars(pairs: Array<[string, string]>): string {
  return pairs.map(([k, v]) => pyQuotePlus(k) + '=' + pyQuotePlus(v)).join('&')
}

function sign(message: string, key: string, salt: string): string {
  return createHmac('sha256', key).update(salt + message).digest('hex')
}

function signedMessage(path: string, pairs: Array<[string, string]>, hashVars: boolean | string[] | undefined): string {
  const covered = hashVars === false ? [] : Array.isArray(hashVars) ? pairs.filter(([k]) => hashVars.includes(k)) : pairs
  return path + '?' + encodeVars(covered)
}

function currentRequest(): UrlRequest | undefined {
  try { return current.request as UrlRequest | undefined } catch { return undefined }
}

/**
 * What the site's routes put in the request state (`state.urlRouter`, set by the request lifecycle
 * from dispatch's SiteRoutes only when the site has routes): the full form in, the routed form out.
 */
export interface UrlRouter {
  outgoing(a: string, c: string, f: string, ext: string | undefined, args: readonly string[], full: string, req: UrlRequest | undefined, language: string | undefined): string
  outgoingStatic(a: string, file: string, full: string, req: UrlRequest | undefined, language?: string): string
  /** the site's path_prefix ('' without one) */
  pathPrefix?(): string
}

function currentState(): { request?: unknown; urlRouter?: unknown; uriLanguage?: unknown } | undefined {
  try { return current.state } catch { return undefined }
}

// Names and static paths already checked (a layout calls URL several times per page, with the same
// few values on every request): bounded, so hostile input cannot grow them.
const goodNames = new Set<string>()
function checkName(p: string): void {
  if (goodNames.has(p)) return
  if (!NAME.test(p)) throw new QK_HTML_BAD_URL_PART(JSON.stringify(p))
  if (goodNames.size < 10000) goodNames.add(p)
}
const staticUrls = new Map<string, string>()
const NO_ARGS: readonly unknown[] = Object.freeze([])

function buildUrl(a: string | undefined, c: string | undefined, f: string | undefined, opts: UrlOptions): string {
  const st = currentState()
  const req = st?.request as UrlRequest | undefined
  const router = st?.urlRouter as UrlRouter | undefined
  a = a ?? req?.application ?? current.application
  c = c ?? req?.controller ?? 'default'
  f = f ?? req?.function ?? 'index'
  if (a === undefined) throw new QK_HTML_BAD_URL_PART('no application given and no current request')
  checkName(a)
  checkName(c)
  // URL('static', 'css/app.css'): a file path under static/, each segment quoted, never '..'.
  if (c === 'static') {
    if (router !== undefined && a) {
      if (f.split('/').some((seg) => seg === '..' || seg === '')) throw new QK_HTML_BAD_URL_PART(JSON.stringify(f))
      const file = f.split('/').map((seg) => pyQuote(seg, false)).join('/')
      return router.outgoingStatic(a, file, '/' + a + '/static/' + file, req, opts.language ?? st?.uriLanguage as string | undefined)
    }
    const key = a + '\0' + f
    const known = staticUrls.get(key)
    if (known !== undefined) return known
    if (f.split('/').some((seg) => seg === '..' || seg === '')) throw new QK_HTML_BAD_URL_PART(JSON.stringify(f))
    const url = '/' + a + '/static/' + f.split('/').map((seg) => pyQuote(seg, false)).join('/')
    if (staticUrls.size < 10000) staticUrls.set(key, url)
    return url
  }
  checkName(f)
  let ext = opts.extension
  if (f.includes('.')) { const i = f.lastIndexOf('.'); ext = ext ?? f.slice(i + 1); f = f.slice(0, i) }
  const fn = ext ? f + '.' + ext : f
  const args = opts.args === undefined || opts.args === null ? NO_ARGS : Array.isArray(opts.args) ? opts.args : [opts.args]
  const quoted = args.length ? args.map((x) => pyQuote(String(x), !opts.encodeEmbeddedSlash)) : NO_ARGS as string[]
  const other = args.length ? '/' + quoted.join('/') : ''
  const path = (a ? '/' + a : '') + '/' + c + '/' + fn + other
  const pairs = flattenVars(opts.vars)
  if (opts.hmacKey) {
    // .html is the default extension: signed without it, as URL.verify sees the request.
    const signedPath = ext === 'html' ? (a ? '/' + a : '') + '/' + c + '/' + f + other : path
    pairs.push(['_signature', sign(signedMessage(signedPath, pairs, opts.hashVars), opts.hmacKey, opts.salt ?? '')])
  }
  // the routes write the link; the signature above covers the full form, which URL.verify rebuilds
  const written = router !== undefined && a ? router.outgoing(a, c, f, ext, quoted, path, req, opts.language ?? st?.uriLanguage as string | undefined) : path
  let url = written + (pairs.length ? '?' + encodeVars(pairs) : '')
  if (opts.anchor !== undefined && opts.anchor !== '') url += '#' + pyQuote(String(opts.anchor), true)
  if ((opts.scheme || opts.host) && written.charCodeAt(0) === 47) {
    const scheme = typeof opts.scheme === 'string' ? opts.scheme : req?.scheme ?? (req?.env?.wsgi_url_scheme as string | undefined) ?? 'http'
    let host = typeof opts.host === 'string' ? opts.host : req?.host ?? (req?.env?.http_host as string | undefined) ?? 'localhost'
    if (opts.port !== undefined) host = host.replace(/:\d+$/, '') + ':' + opts.port
    url = scheme.replace(/:?\/*$/, '') + '://' + host + url
  }
  return url
}

/**
 * The path the site lives under (the router's path_prefix), '' when it has none or outside a request:
 * links Quark writes without URL() (the admin's, its cookie path) start with it.
 */
export function sitePathPrefix(): string {
  const router = currentState()?.urlRouter as UrlRouter | undefined
  return router?.pathPrefix?.() ?? ''
}

// Quark's own browser files (/_quark/<name>): a file name, or a folder and a file name; never '..'
const ASSET = /^[\w-][\w.-]*(\/[\w-][\w.-]*)*$/

export interface UrlFunction {
  (f?: string, opts?: UrlOptions): string
  (c: string, f: string, opts?: UrlOptions): string
  (a: string, c: string, f: string, opts?: UrlOptions): string
  /** a file Quark serves under /_quark/ (`URL.asset('bootstrap.min.css')`), under the site's path_prefix */
  asset(name: string): string
  /** true when the request's `_signature` var matches its path, args and vars */
  verify(request: UrlRequest, opts: { hmacKey: string; hashVars?: boolean | string[]; salt?: string }): boolean
}

const NO_OPTIONS: UrlOptions = Object.freeze({})

export const URL = function URL(...input: unknown[]): string {
  let n = input.length
  const last = input[n - 1]
  let opts = NO_OPTIONS
  if (last && typeof last === 'object') { opts = last as UrlOptions; n-- }
  // the given parts, undefined and null left out: (f) | (c, f) | (a, c, f)
  let p0: string | undefined, p1: string | undefined, p2: string | undefined, count = 0
  for (let i = 0; i < n && count < 3; i++) {
    const x = input[i]
    if (x === undefined || x === null) continue
    const v = String(x)
    if (count === 0) p0 = v
    else if (count === 1) p1 = v
    else p2 = v
    count++
  }
  if (count >= 3) return buildUrl(p0, p1, p2, opts)
  if (count === 2) return buildUrl(undefined, p0, p1, opts)
  if (count === 1) return buildUrl(undefined, undefined, p0, opts)
  return buildUrl(undefined, undefined, undefined, opts)
} as UrlFunction

URL.asset = function asset(name) {
  if (typeof name !== 'string' || !ASSET.test(name)) throw new QK_HTML_BAD_URL_PART(JSON.stringify(name))
  return sitePathPrefix() + '/_quark/' + name
}

URL.verify = function verify(request, opts) {
  if (!opts || !opts.hmacKey) throw new QK_HTML_NO_HMAC_KEY()
  const vars = { ...(request.vars ?? {}) }
  const given = vars._signature
  delete vars._signature
  if (typeof given !== 'string') return false
  const fn = request.extension && request.extension !== 'html' ? request.function + '.' + request.extension : request.function ?? ''
  const args = request.args ?? []
  const path = '/' + request.application + '/' + request.controller + '/' + fn + (args.length ? '/' + args.map((x) => pyQuote(String(x), true)).join('/') : '')
  const expected = sign(signedMessage(path, flattenVars(vars), opts.hashVars), opts.hmacKey, opts.salt ?? '')
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}
