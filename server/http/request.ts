/**
 * The `request` object actions see: web2py's fields, camelCase.
 * Built once per request from node's IncomingMessage; cheap getters for the
 * rarely used fields (uuid) so the hot path stays small.
 */
import type { IncomingMessage } from 'node:http'
import type { TLSSocket } from 'node:tls'
import { randomUUID } from 'node:crypto'
import { parseCookies } from './cookies'
import type { UploadedFile } from './body'
import { Dict } from './dict'
import { HTTPError, redirect } from './httpError'
import { isLocalAddress, forwardedOf, TRUST_PROXY } from './proxy'

export type Vars = Record<string, string | string[] | UploadedFile | UploadedFile[] | unknown>

/**
 * `request.args` is web2py's List: callable and indexable. `request.args[0]`,
 * `.length`, iteration and the read-only array methods (map, join, slice, ...)
 * work; `.list` is a real array. Called, as in web2py:
 *
 *   request.args(i)                     the i-th arg (negative i counts from the end) or undefined
 *   request.args(i, 'dflt')             ... or 'dflt' when missing
 *   request.args(i, { default, cast, otherwise })
 *     default     the value when the arg is missing (returned as is, not cast)
 *     cast        a function (Number, parseInt, a parser) applied to the arg; it fails when it
 *                 throws or gives NaN or undefined (also for a missing arg without default)
 *     otherwise   on such a failure: a URL string → redirect (303) there; a function → its
 *                 result is returned (it may redirect itself); absent → HTTP 404
 */
export interface ArgsOptions<D = never, C = never, O = never> {
  default?: D
  cast?: (value: string) => C
  otherwise?: string | { toString(): string } | (() => O)
}

export interface Args extends ReadonlyArray<string> {
  (i: number): string | undefined
  (i: number, dflt: string): string
  <C, O = never>(i: number, opts: ArgsOptions<never, C, O> & { cast: (value: string) => C; default?: undefined }): C | O
  <D, C, O = never>(i: number, opts: ArgsOptions<D, C, O> & { cast: (value: string) => C; default: D }): C | D | O
  <D>(i: number, opts: { default: D }): string | D
  (i: number, opts: ArgsOptions<unknown, unknown, unknown>): unknown
  readonly list: readonly string[]
}

// Array methods that only read work on any array-like, so they are shared by every Args.
const ArgsProto: object = Object.create(Function.prototype)
for (const m of ['map', 'join', 'slice', 'forEach', 'indexOf', 'includes', 'filter', 'some', 'every', 'find', 'findIndex', 'reduce', 'at', 'entries', 'keys', 'values'] as const) {
  Object.defineProperty(ArgsProto, m, { value: (Array.prototype as unknown as Record<string, unknown>)[m], writable: true, configurable: true })
}
Object.defineProperty(ArgsProto, Symbol.iterator, { value: Array.prototype[Symbol.iterator], configurable: true })
Object.defineProperty(ArgsProto, 'toJSON', { value(this: Args) { return this.list }, configurable: true })
Object.defineProperty(ArgsProto, 'toString', { value(this: Args) { return this.list.join('/') }, configurable: true })

/** web2py's List.__call__: the arg, its default, its cast, or what `otherwise` says. */
export function argAt(list: readonly string[], i: number, opts?: string | ArgsOptions<unknown, unknown, unknown>): unknown {
  const n = list.length
  const present = Number.isInteger(i) && i < n && i >= -n
  if (opts === undefined || typeof opts === 'string') return present ? list[i < 0 ? n + i : i] : opts
  if (!present && opts.default !== undefined) return opts.default
  const cast = opts.cast
  const value = present ? list[i < 0 ? n + i : i] : undefined
  if (cast === undefined) return value
  let out: unknown
  try { out = value === undefined ? undefined : cast(value) } catch { out = undefined }
  if (out !== undefined && !(typeof out === 'number' && Number.isNaN(out))) return out
  const otherwise = opts.otherwise
  if (typeof otherwise === 'function') return (otherwise as () => unknown)()
  if (otherwise !== undefined && otherwise !== null) redirect(otherwise)
  throw new HTTPError(404, 'Not Found')
}

export function makeArgs(list: string[]): Args {
  // one function object per request that reads args (made lazily by the request): it must be
  // callable and carry the indexes, so it closes over its list; everything else is on ArgsProto
  const f = function args(i: number, opts?: string | ArgsOptions<unknown, unknown, unknown>) { return argAt(list, i, opts) }
  Object.setPrototypeOf(f, ArgsProto)
  Object.defineProperty(f, 'length', { value: list.length })
  Object.defineProperty(f, 'list', { value: list })
  for (let i = 0; i < list.length; i++) Object.defineProperty(f, i, { value: list[i], enumerable: true })
  return f as unknown as Args
}

export interface QuarkRequest {
  application: string
  controller: string
  function: string
  extension: string
  args: Args
  vars: Vars
  getVars: Vars
  postVars: Vars
  cookies: Record<string, string>
  headers: IncomingMessage['headers']
  method: string
  /** path as received, without the query string */
  path: string
  /** path and query string */
  url: string
  client: string
  isLocal: boolean
  isHttps: boolean
  /** 'https' or 'http' */
  scheme: string
  /** the Host header (host[:port]) */
  host: string
  ajax: boolean
  now: Date
  readonly uuid: string
  /** raw body when it was neither urlencoded, JSON nor multipart */
  body: Buffer | undefined
  /** uploaded files (multipart) */
  files: UploadedFile[]
  /** node's request, for what the fields above do not cover */
  raw: IncomingMessage
  /** the client's TLS certificate, only when it verified against --client-ca (chain, dates, CRL); else undefined */
  readonly clientCertificate?: ClientCertificate
  /** why a certificate the client sent was refused (OpenSSL's code, e.g. CERT_HAS_EXPIRED, CERT_REVOKED); undefined when none was sent or it verified */
  readonly clientCertificateError?: string
  /** the language the URL named (routes with `languages`; web2py's request.uri_language), set only then */
  uriLanguage?: string
}

/** A verified client certificate (quark run --client-ca). */
export interface ClientCertificate { subject: string; commonName: string; email: string; serial: string; fingerprint256: string; validTo: string }

/** The verified peer certificate of a TLS request, or why it was refused. Read only when asked (no per-request cost). */
function peerCertificate(raw: IncomingMessage): { cert?: ClientCertificate; error?: string } {
  const socket = raw.socket as TLSSocket
  if (typeof socket.getPeerCertificate !== 'function') return {}
  const c = socket.getPeerCertificate()
  if (!c || !c.raw) return {}
  if (!socket.authorized) return { error: String(socket.authorizationError ?? 'UNVERIFIED') }
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? ''
  const s = c.subject as unknown as Record<string, string | string[]>
  const alt = /email:([^,\s]+)/.exec(c.subjectaltname ?? '')
  return {
    cert: {
      subject: Object.entries(s ?? {}).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`).join(', '),
      commonName: one(s?.CN), email: (one(s?.emailAddress) || alt?.[1] || '').toLowerCase(),
      serial: c.serialNumber, fingerprint256: c.fingerprint256, validTo: c.valid_to,
    },
  }
}

export interface RouteParts { application: string; controller: string; function: string; extension: string; args: string[] }

export { isLocalAddress }

export function parseQuery(qs: string): Vars {
  const out: Vars = new Dict()
  if (!qs) return out
  for (const [k, v] of new URLSearchParams(qs)) addVar(out, k, v)
  return out
}

export function addVar(out: Vars, k: string, v: unknown): void {
  if (!(k in out)) out[k] = v
  else {
    const cur = out[k]
    if (Array.isArray(cur)) cur.push(v)
    else out[k] = [cur, v]
  }
}

export function buildRequest(raw: IncomingMessage, route: RouteParts, query: string, isHttps: boolean): QuarkRequest {
  return new RequestObject(raw, route, query, isHttps)
}

/**
 * One class for every request: its fields are plain data (one hidden class), and the
 * rarely used ones (args, uuid) are getters on the prototype, computed on first use,
 * so building a request makes no closures.
 */
// The fields are QuarkRequest's (declared once, there); the class adds the lazy getters and private state.
interface RequestObject extends Omit<QuarkRequest, 'args' | 'uuid' | 'clientCertificate' | 'clientCertificateError'> {}
class RequestObject implements QuarkRequest {
  body: Buffer | undefined = undefined
  files: UploadedFile[] = []
  // ES private fields: invisible to Object.keys / for-in (BEAUTIFY(request), generic views)
  #argList: string[]
  #argsMade: Args | undefined = undefined
  #uuidMade: string | undefined = undefined

  constructor(raw: IncomingMessage, route: RouteParts, query: string, isHttps: boolean) {
    // behind a trusted proxy (--trust-proxy), what it says of the client; from anyone else, nothing
    const fw = (raw as { [TRUST_PROXY]?: unknown })[TRUST_PROXY] === undefined ? undefined : forwardedOf(raw)
    const client = fw ? fw.client : raw.socket.remoteAddress ?? ''
    if (fw?.proto !== undefined) isHttps = fw.proto === 'https'
    const getVars = parseQuery(query)
    const headers = raw.headers
    const url = raw.url ?? '/'
    const q = url.indexOf('?')
    this.application = route.application
    this.controller = route.controller
    this.function = route.function
    this.extension = route.extension
    this.#argList = route.args
    this.vars = Object.assign(new Dict(), getVars)
    this.getVars = getVars
    this.postVars = new Dict()
    this.cookies = parseCookies(headers.cookie)
    this.headers = headers
    this.method = raw.method ?? 'GET'
    this.path = q === -1 ? url : url.slice(0, q)
    this.url = url
    this.client = client
    this.isLocal = isLocalAddress(client)
    this.isHttps = isHttps
    this.scheme = isHttps ? 'https' : 'http'
    this.host = fw?.host ?? headers.host ?? 'localhost'
    this.ajax = headers['x-requested-with'] === 'XMLHttpRequest' || headers['hx-request'] === 'true' || headers['quark-component'] !== undefined
    this.now = new Date()
    this.raw = raw
  }

  /** web2py's request.args (see Args), made on first use */
  get args(): Args { return (this.#argsMade ??= makeArgs(this.#argList)) }
  set args(a: Args) { this.#argsMade = a }

  get uuid(): string { return (this.#uuidMade ??= randomUUID()) }

  // from the TLS socket itself, never behind a proxy (its socket is the proxy's)
  get clientCertificate(): ClientCertificate | undefined { return this.#peer().cert }
  get clientCertificateError(): string | undefined { return this.#peer().error }
  #peerMade: { cert?: ClientCertificate; error?: string } | undefined = undefined
  #peer() { return (this.#peerMade ??= (this.raw as { [TRUST_PROXY]?: unknown })[TRUST_PROXY] === undefined ? peerCertificate(this.raw) : {}) }

  /** what JSON.stringify(request) shows: the public fields, without node's request */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(this)) if (k !== 'raw') out[k] = (this as unknown as Record<string, unknown>)[k]
    out.args = this.#argsMade ? this.#argsMade.list : this.#argList
    return out
  }
}
