/**
 * Static files: /<app>/static/<path> and the framework assets under /_quark/.
 * Every form of traversal is refused: `..` segments (also percent-encoded),
 * encoded slashes or backslashes, NUL bytes, absolute paths; the resolved
 * real path must stay inside the static folder, so symlinks leading out give
 * a 404. ETag / Last-Modified with 304, single Range requests, gzip for text.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { contentTypeOf, isCompressible } from './mime'

export type StaticOutcome = 'served' | 'bad' | 'missing'

/** Decode and check a static path (the part after static/). Returns the relative segments or undefined when unsafe. */
export function safeSegments(encoded: string): string[] | undefined {
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

interface GzipEntry { key: string; data: Buffer }
const gzipCache = new Map<string, GzipEntry>()
const GZIP_MAX = 2 * 1024 * 1024
const realRoots = new Map<string, string>()

function realRoot(root: string): string | undefined {
  let r = realRoots.get(root)
  if (r === undefined) {
    try { r = fs.realpathSync(root) } catch { return undefined }
    realRoots.set(root, r)
  }
  return r
}

/** Serve `<root>/<encodedPath>`; answers 400 / 404 itself and returns what happened. */
export function serveStatic(req: IncomingMessage, res: ServerResponse, root: string, encodedPath: string, cacheSeconds = 0): StaticOutcome {
  const segs = safeSegments(encodedPath)
  if (!segs) { plain(res, 400, 'Bad static path'); return 'bad' }
  const rootReal = realRoot(root)
  if (!rootReal) { plain(res, 404, 'Not found'); return 'missing' }
  let file: string
  let st: fs.Stats
  try {
    file = fs.realpathSync(path.join(rootReal, ...segs))
    if (!file.startsWith(rootReal + path.sep)) { plain(res, 404, 'Not found'); return 'missing' }
    st = fs.statSync(file)
    if (!st.isFile()) { plain(res, 404, 'Not found'); return 'missing' }
  } catch { plain(res, 404, 'Not found'); return 'missing' }
  sendFile(req, res, file, st, cacheSeconds)
  return 'served'
}

export function sendFile(req: IncomingMessage, res: ServerResponse, file: string, st: fs.Stats, cacheSeconds = 0): void {
  const type = contentTypeOf(file)
  const etag = `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`
  const lastModified = new Date(Math.floor(st.mtimeMs / 1000) * 1000)
  res.setHeader('Content-Type', type)
  res.setHeader('ETag', etag)
  res.setHeader('Last-Modified', lastModified.toUTCString())
  res.setHeader('Accept-Ranges', 'bytes')
  res.setHeader('Cache-Control', cacheSeconds > 0 ? `public, max-age=${cacheSeconds}` : 'no-cache')
  res.setHeader('X-Content-Type-Options', 'nosniff')
  const inm = req.headers['if-none-match']
  const ims = req.headers['if-modified-since']
  if ((inm && inm.split(',').some((t) => t.trim() === etag || t.trim() === '*')) ||
      (!inm && ims && !Number.isNaN(Date.parse(ims)) && lastModified.getTime() <= Date.parse(ims))) {
    res.statusCode = 304
    res.end()
    return
  }
  const range = req.headers.range
  if (range) {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim())
    let start = NaN
    let end = NaN
    if (m && (m[1] || m[2])) {
      if (m[1]) { start = Number(m[1]); end = m[2] ? Math.min(Number(m[2]), st.size - 1) : st.size - 1 }
      else { start = Math.max(0, st.size - Number(m[2])); end = st.size - 1 }
    }
    if (!(start >= 0 && start <= end && start < st.size)) {
      res.statusCode = 416
      res.setHeader('Content-Range', `bytes */${st.size}`)
      res.end()
      return
    }
    res.statusCode = 206
    res.setHeader('Content-Range', `bytes ${start}-${end}/${st.size}`)
    res.setHeader('Content-Length', end - start + 1)
    if (req.method === 'HEAD') { res.end(); return }
    pipeFile(res, fs.createReadStream(file, { start, end }))
    return
  }
  const ae = req.headers['accept-encoding']
  if (ae && ae.includes('gzip') && isCompressible(type) && st.size > 256 && st.size <= GZIP_MAX) {
    const key = `${st.size}-${st.mtimeMs}`
    let entry = gzipCache.get(file)
    if (!entry || entry.key !== key) {
      entry = { key, data: zlib.gzipSync(fs.readFileSync(file)) }
      if (gzipCache.size > 500) gzipCache.clear()
      gzipCache.set(file, entry)
    }
    res.setHeader('Content-Encoding', 'gzip')
    res.setHeader('Vary', 'Accept-Encoding')
    res.setHeader('Content-Length', entry.data.length)
    res.end(req.method === 'HEAD' ? undefined : entry.data)
    return
  }
  res.setHeader('Content-Length', st.size)
  if (req.method === 'HEAD') { res.end(); return }
  if (st.size <= SMALL_FILE_MAX) {
    // small files are kept in memory, keyed by size and mtime: no open/read/close per request
    const key = `${st.size}-${st.mtimeMs}`
    let entry = smallCache.get(file)
    if (!entry || entry.key !== key) {
      entry = { key, data: fs.readFileSync(file) }
      if (smallCache.size > 500) smallCache.clear()
      smallCache.set(file, entry)
    }
    res.end(entry.data)
    return
  }
  pipeFile(res, fs.createReadStream(file))
}

const SMALL_FILE_MAX = 64 * 1024
const smallCache = new Map<string, { key: string; data: Buffer }>()

function pipeFile(res: ServerResponse, s: fs.ReadStream): void {
  s.on('error', () => res.destroy())
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
  }
}

export function serveAsset(req: IncomingMessage, res: ServerResponse, table: Record<string, string>, name: string): void {
  const file = table[name]
  let st: fs.Stats | undefined
  try { if (file) st = fs.statSync(file) } catch { st = undefined }
  if (!file || !st || !st.isFile()) { plain(res, 404, 'Not found'); return }
  sendFile(req, res, file, st, 86400)
}
