/**
 * Request bodies: urlencoded, JSON, multipart (files streamed to temp files
 * by busboy) and raw. Limits give a 413; malformed JSON a 400; an aborted
 * client rejects with QK_HTTP_ABORTED and leaves no temp file behind.
 */
import type { IncomingMessage } from 'node:http'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import busboy from 'busboy'
import { QK_HTTP_ABORTED, QK_HTTP_BAD_BODY, QK_HTTP_BAD_JSON, QK_HTTP_BODY_TOO_LARGE } from './errors'
import { addVar, parseQuery, type QuarkRequest } from './request'
import { Dict } from './dict'

export interface BodyLimits {
  /** bytes of a urlencoded / JSON / raw body (default 10 MB) */
  maxBodySize: number
  /** bytes of one uploaded file (default 100 MB) */
  maxFileSize: number
  /** folder for uploaded temp files (default os.tmpdir()/quark-uploads) */
  uploadTmp: string
}

export const defaultLimits: BodyLimits = {
  maxBodySize: 10 * 1024 * 1024,
  maxFileSize: 100 * 1024 * 1024,
  uploadTmp: path.join(os.tmpdir(), 'quark-uploads'),
}

/** A file received in a multipart body, stored in a temp file until the request ends. */
export interface UploadedFile {
  readonly field: string
  readonly filename: string
  readonly type: string
  readonly size: number
  /** temp file path; removed after the request unless moved away */
  readonly path: string
}

export function hasBody(req: IncomingMessage): boolean {
  const te = req.headers['transfer-encoding']
  const cl = req.headers['content-length']
  return te !== undefined || (cl !== undefined && cl !== '0')
}

/** Read the body into request.postVars / request.vars / request.body / request.files. */
export async function readBody(req: IncomingMessage, request: QuarkRequest, limits: BodyLimits): Promise<void> {
  const type = (req.headers['content-type'] ?? '').toLowerCase()
  const declared = Number(req.headers['content-length'] ?? NaN)
  if (type.startsWith('multipart/form-data')) return readMultipart(req, request, limits)
  if (declared > limits.maxBodySize) { req.resume(); throw new QK_HTTP_BODY_TOO_LARGE(limits.maxBodySize) }
  const buf = await collect(req, limits.maxBodySize)
  if (type.startsWith('application/x-www-form-urlencoded')) {
    request.postVars = parseQuery(buf.toString('utf8'))
  } else if (type.startsWith('application/json')) {
    let parsed: unknown
    try { parsed = buf.length ? JSON.parse(buf.toString('utf8')) : {} } catch (e) { throw new QK_HTTP_BAD_JSON((e as Error).message) }
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const pv = new Dict() as Record<string, unknown>
      for (const k of Object.keys(parsed)) pv[k] = (parsed as Record<string, unknown>)[k]
      request.postVars = pv
    } else {
      request.body = buf
      request.postVars = new Dict()
    }
  } else {
    request.body = buf
  }
  mergeVars(request)
}

function mergeVars(request: QuarkRequest): void {
  for (const k of Object.keys(request.postVars)) addVar(request.vars, k, request.postVars[k])
}

function collect(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    const fail = (e: Error) => { if (!done) { done = true; reject(e) } }
    req.on('data', (c: Buffer) => {
      if (done) return
      size += c.length
      if (size > limit) { fail(new QK_HTTP_BODY_TOO_LARGE(limit)); req.resume(); return }
      chunks.push(c)
    })
    req.on('end', () => { if (!done) { done = true; resolve(Buffer.concat(chunks, size)) } })
    req.on('aborted', () => fail(new QK_HTTP_ABORTED()))
    req.on('error', (e) => fail(new QK_HTTP_ABORTED({ cause: e })))
    req.on('close', () => { if (!req.complete) fail(new QK_HTTP_ABORTED()) })
  })
}

function readMultipart(req: IncomingMessage, request: QuarkRequest, limits: BodyLimits): Promise<void> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy
    try {
      bb = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { fileSize: limits.maxFileSize, fieldSize: limits.maxBodySize } })
    } catch (e) { reject(new QK_HTTP_BAD_BODY((e as Error).message)); return }
    fs.mkdirSync(limits.uploadTmp, { recursive: true })
    const files: UploadedFile[] = []
    const pending: Promise<void>[] = []
    const tempPaths: string[] = []
    const outs: fs.WriteStream[] = []
    let failed = false
    const fail = (e: Error) => {
      if (failed) return
      failed = true
      req.unpipe(bb)
      req.resume()
      // close the temp files being written (an aborted stream never ends by itself)
      for (const o of outs) o.destroy()
      // Remove every temp file written so far: an aborted or refused upload leaves nothing behind.
      Promise.allSettled(pending).then(() => { for (const p of tempPaths) fs.rm(p, { force: true }, () => {}) ; reject(e) })
    }
    const postVars = new Dict() as Record<string, unknown>
    bb.on('field', (name, value, info) => {
      if (info.valueTruncated) return fail(new QK_HTTP_BODY_TOO_LARGE(limits.maxBodySize))
      addVar(postVars, name, value)
    })
    bb.on('file', (field, stream, info) => {
      const tmp = path.join(limits.uploadTmp, `up-${randomBytes(12).toString('hex')}`)
      tempPaths.push(tmp)
      const out = fs.createWriteStream(tmp)
      outs.push(out)
      if (failed) { out.destroy(); stream.resume() }
      let size = 0
      stream.on('data', (c: Buffer) => { size += c.length })
      stream.on('limit', () => fail(new QK_HTTP_BODY_TOO_LARGE(limits.maxFileSize)))
      pending.push(new Promise<void>((res) => {
        out.on('close', () => res())
        out.on('error', (e) => { fail(e); res() })
        stream.on('error', () => { out.destroy(); res() })
      }).then(() => {
        if (failed) return
        const f: UploadedFile = { field, filename: path.basename(info.filename ?? ''), type: info.mimeType, size, path: tmp }
        files.push(f)
        addVar(postVars, field, f)
      }))
      stream.pipe(out)
    })
    bb.on('error', (e) => fail(new QK_HTTP_BAD_BODY((e as Error).message)))
    bb.on('close', () => {
      Promise.all(pending).then(() => {
        if (failed) return
        request.postVars = postVars
        request.files = files
        mergeVars(request)
        resolve()
      })
    })
    req.on('aborted', () => fail(new QK_HTTP_ABORTED()))
    req.on('close', () => { if (!req.complete) fail(new QK_HTTP_ABORTED()) })
    req.pipe(bb)
  })
}

/** Remove the temp files of a request's uploads (called when the request ends). */
export function removeUploads(request: QuarkRequest): void {
  for (const f of request.files) fs.rm(f.path, { force: true }, () => {})
}
