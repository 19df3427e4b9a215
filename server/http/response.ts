/**
 * The `response` object actions see (web2py's fields, camelCase) and the
 * function that sends a final body over node's ServerResponse.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http'
import fs from 'node:fs'
import { Readable } from 'node:stream'
import { serializeCookie, type CookieOptions } from './cookies'
import { toHtml, escapeHtml } from './escape'
import { Dict } from './dict'

export interface ResponseCookie { value: string; options: CookieOptions }

/** What `response.stream()` returns: the action returns (or the framework sends) it as a streamed body. */
export class StreamBody {
  constructor(readonly source: Readable | string, readonly contentType?: string, readonly filename?: string) {}
}

/** What `response.download` serves with: the forms room registers its upload server (http sits below forms). */
export type Downloader = (request: { args: ArrayLike<string> }, db?: unknown, opts?: { folder?: string; inline?: boolean }) => StreamBody
let downloader: Downloader | undefined
export function setDownloader(fn: Downloader): void { downloader = fn }

/** What renders views for `response.render`: the request lifecycle attaches one per request. */
export interface ViewRenderer {
  renderView(ctx: Record<string, unknown>, view?: string): Promise<string>
}

export class QuarkResponse {
  status = 200
  headers: Record<string, string> = new Dict()
  cookies: Record<string, ResponseCookie> = new Dict()
  /** the view to render, relative to views/ (default `<controller>/<function>.<extension>`) */
  view = ''
  title = ''
  subtitle = ''
  flash: unknown = ''
  meta: Record<string, string> = new Dict()
  /** extra CSS/JS files for the layout */
  files: string[] = []
  /** patterns of `controller/function.ext` allowed to use generic views (`*` wildcards) */
  genericPatterns: string[]
  /** the view's template delimiters for this response, e.g. `['[[', ']]']` (web2py's response.delimiters; default `{{` `}}`) */
  declare delimiters?: [string, string]
  /** chunks written with write() */
  body: string[] = []
  // a private field (not listed by Object.keys / BEAUTIFY): set per request, so no closure is made per request
  #renderer: ViewRenderer | undefined = undefined

  constructor(isLocal: boolean) {
    this.genericPatterns = isLocal ? ['*'] : []
  }

  /** Used by the request lifecycle: what `render` renders with. */
  attachRenderer(r: ViewRenderer): void { this.#renderer = r }

  /**
   * Render a view with a context through the app's template engine: `render(ctx)` renders this
   * request's view (`response.view`, else `<controller>/<function>.<ext>`), `render('c/f.html', ctx)` another.
   */
  render(view?: string | Record<string, unknown>, ctx?: Record<string, unknown>): Promise<string> {
    const r = this.#renderer
    if (r === undefined) return Promise.reject(new Error('response.render is not available here'))
    return typeof view === 'string' ? r.renderView(ctx ?? {}, view) : r.renderView(view ?? {})
  }

  /** Append to the body; escaped unless `escape` is false (helpers render themselves). */
  write(data: unknown, escape = true): void {
    this.body.push(escape ? toHtml(data) : String(data))
  }

  /** JSON of a value, setting the content type (as web2py's response.json). */
  json(value: unknown): string {
    this.headers['Content-Type'] = 'application/json; charset=utf-8'
    try {
      return JSON.stringify(value)
    } catch (e) {
      // a bigint (a DAL bigint field) has no JSON form: written as text, which keeps it exact; only
      // values holding one pay for the replacer
      if (!(e instanceof TypeError) || !/BigInt/i.test(e.message)) throw e
      return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
    }
  }

  /** Stream a file (by path) or a readable stream as the body. */
  stream(source: Readable | string, opts: { contentType?: string; filename?: string } = {}): StreamBody {
    return new StreamBody(source, opts.contentType, opts.filename)
  }

  /**
   * web2py's `response.download(request, db)`: serve the upload named by the last request arg
   * (`return response.download(request, db)` in a `download` action). With `db`, the name's
   * table.field must be an upload field of that db. Bad names → 400, missing files → 404.
   */
  download(request: { args: ArrayLike<string> }, db?: unknown, opts?: { folder?: string; inline?: boolean }): StreamBody {
    if (downloader === undefined) throw new Error('response.download: the forms room is not loaded')
    return downloader(request, db, opts)
  }

  setCookie(name: string, value: string, options: CookieOptions = {}): void {
    this.cookies[name] = { value, options: { path: '/', httpOnly: true, sameSite: 'Lax', ...options } }
  }
}

/** Write status, headers and cookies of `qr` plus `body` to node's response. */
export function sendResponse(res: ServerResponse, qr: QuarkResponse, body: string | Buffer | StreamBody | Readable | null): void {
  if (body === null || typeof body === 'string' || Buffer.isBuffer(body)) return sendWhole(res, qr, body)
  const headers = qr.headers
  for (const k in headers) res.setHeader(k, headers[k]!)
  const names = Object.keys(qr.cookies)
  if (names.length) {
    res.setHeader('Set-Cookie', names.map((n) => serializeCookie(n, qr.cookies[n]!.value, qr.cookies[n]!.options)))
  }
  res.statusCode = qr.status
  if (body === null) {
    res.setHeader('Content-Length', '0')
    res.end()
    return
  }
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    if (!res.hasHeader('Content-Type')) res.setHeader('Content-Type', 'text/html; charset=utf-8')
    res.setHeader('Content-Length', Buffer.byteLength(body))
    res.end(body)
    return
  }
  let stream: Readable
  if (body instanceof StreamBody) {
    if (body.contentType) res.setHeader('Content-Type', body.contentType)
    if (body.filename) res.setHeader('Content-Disposition', `attachment; filename="${body.filename.replace(/["\\\r\n]/g, '_')}"`)
    stream = typeof body.source === 'string' ? fs.createReadStream(body.source) : body.source
  } else stream = body
  if (!res.hasHeader('Content-Type')) res.setHeader('Content-Type', 'application/octet-stream')
  stream.on('error', () => res.destroy())
  res.on('close', () => stream.destroy())
  stream.pipe(res)
}

/** The common case, a body in memory: every header in one writeHead, then end. */
function sendWhole(res: ServerResponse, qr: QuarkResponse, body: string | Buffer | null): void {
  const out: OutgoingHttpHeaders = {}
  let hasType = false
  const headers = qr.headers
  for (const k in headers) {
    out[k] = headers[k]!
    if (!hasType && k.length === 12 && k.toLowerCase() === 'content-type') hasType = true
  }
  const cookies = qr.cookies
  let setCookie: string[] | undefined
  for (const n in cookies) (setCookie ??= []).push(serializeCookie(n, cookies[n]!.value, cookies[n]!.options))
  if (setCookie) out['Set-Cookie'] = setCookie
  if (body === null) {
    out['Content-Length'] = '0'
    res.writeHead(qr.status, out)
    res.end()
    return
  }
  if (!hasType && !res.hasHeader('Content-Type')) out['Content-Type'] = 'text/html; charset=utf-8'
  out['Content-Length'] = typeof body === 'string' ? Buffer.byteLength(body) : body.length
  res.writeHead(qr.status, out)
  res.end(body)
}

/**
 * A small HTML page for errors the framework answers itself (404, 400, 500 with a ticket id),
 * styled inline (it must show even when static files are what broke); `link` adds one link
 * (the ticket in the admin, offered to a local client).
 */
export function errorPage(status: number, title: string, detail = '', link?: { href: string; text: string }): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${status} ${escapeHtml(title)}</title><style>${ERROR_PAGE_CSS}</style></head>` +
    `<body><main class="qk-error"><h1><span class="qk-status">${status}</span>${escapeHtml(title)}</h1>${detail ? `<p>${escapeHtml(detail)}</p>` : ''}` +
    `${link ? `<a class="qk-ticket" href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a>` : ''}</main></body></html>`
}

/** The error page's own style: a constant, so that hostile-input checks can tell it from injected markup. */
export const ERROR_PAGE_CSS = 'body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#212529;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}' +
    '.qk-error{background:#fff;border:1px solid #dee2e6;border-top:4px solid #dc3545;border-radius:.5rem;box-shadow:0 .25rem 1rem rgba(0,0,0,.06);padding:2rem 2.5rem;max-width:36rem;margin:1rem}' +
    '.qk-error h1{font-size:1.5rem;margin:0 0 .75rem}.qk-error .qk-status{color:#dc3545;font-weight:700;margin-right:.4em}.qk-error p{margin:.5rem 0;line-height:1.5;word-break:break-word}' +
    '.qk-error a{display:inline-block;margin-top:.75rem;color:#fff;background:#0d6efd;border-radius:.3rem;padding:.4rem .9rem;text-decoration:none}'
