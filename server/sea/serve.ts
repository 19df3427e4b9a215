/** Serving Monaco's files to the IDE straight from the binary's memory. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import path from 'node:path'
import { monacoFile } from './index'

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.ttf': 'font/ttf',
  '.svg': 'image/svg+xml',
  '.html': 'text/html; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
}

/**
 * Answer a GET/HEAD for monaco-editor/min/vs/<rel>: 404 when there is no such
 * file (or the path is invalid), 304 on a matching If-None-Match, the stored
 * brotli bytes when the client accepts br, the plain bytes otherwise.
 * Cached for a day: the files only change with a new binary (new ETag).
 */
export function serveMonaco(req: IncomingMessage, res: ServerResponse, rel: string): void {
  let file
  try { file = monacoFile(rel) } catch { file = undefined }
  if (!file) {
    res.statusCode = 404
    res.setHeader('Content-Type', 'text/plain; charset=utf-8')
    res.end('Not found')
    return
  }
  const etag = `"${file.etag}"`
  res.setHeader('Content-Type', TYPES[path.extname(rel).toLowerCase()] ?? 'application/octet-stream')
  res.setHeader('ETag', etag)
  res.setHeader('Cache-Control', 'public, max-age=86400')
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('Vary', 'Accept-Encoding')
  const inm = req.headers['if-none-match']
  if (inm && inm.split(',').some((t) => t.trim() === etag || t.trim() === `W/${etag}`)) {
    res.statusCode = 304
    res.end()
    return
  }
  const accepts = /\bbr\b/.test(String(req.headers['accept-encoding'] ?? ''))
  let body: Buffer
  if (file.encoding === 'br' && accepts) {
    res.setHeader('Content-Encoding', 'br')
    body = file.data
  } else if (file.encoding === 'br') {
    body = file.raw()
  } else {
    body = file.data
  }
  res.setHeader('Content-Length', body.length)
  res.end(req.method === 'HEAD' ? undefined : body)
}
