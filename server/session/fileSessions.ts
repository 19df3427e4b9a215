/**
 * File sessions under <app>/sessions/<id>.json.
 *
 * - ids are 128 random bits (hex); an id sent by a client that has no file
 *   is never adopted (no session fixation): a new one is made if needed;
 * - the cookie `session_id_<app>` is HttpOnly, SameSite=Lax, Secure under HTTPS;
 * - a request without a session cookie costs no file access, and no file is
 *   created for a session nobody wrote to;
 * - the file is written only when the JSON changed, atomically (temp + rename);
 * - requests of one session are serialised by a per-session lock;
 * - `forget()` skips saving; `renew(clear?)` moves the data to a fresh id
 *   (call it at login); expired files are removed by `cleanupSessions`.
 */
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { acquire } from './lock'
import { QK_SESSION_NOT_SERIALIZABLE } from './errors'

export interface SessionOptions {
  /** seconds a session lives after its last write (default 24 h) */
  maxAge: number
  secure: boolean
}

export type Session = Record<string, unknown> & {
  forget(): void
  renew(clear?: boolean): void
}

const ID = /^[0-9a-f]{32}$/

interface Meta {
  id: string | undefined
  loadedJson: string
  forgotten: boolean
  renewedFrom: string | undefined
  release: (() => void) | undefined
}

const META = Symbol('quark.session')

export function cookieName(app: string): string {
  // asked on every request: one string per app (a fresh one would be hashed again at each look-up)
  let n = cookieNames.get(app)
  // Stryker disable next-line ConditionalExpression,EqualityOperator: a memo (and its bound) changes what is kept, never the name returned
  if (n === undefined) { n = `session_id_${app}`; if (cookieNames.size < 10000) cookieNames.set(app, n) }
  return n
}
const cookieNames = new Map<string, string>()

function newId(): string {
  return randomBytes(16).toString('hex')
}

// forget/renew live on a shared prototype (not per-request closures); the meta sits under a
// symbol, which JSON.stringify and Object.keys never see.
const SessionProto = {
  forget(this: Session): void { (this as unknown as Record<symbol, Meta>)[META]!.forgotten = true },
  renew(this: Session, clear = false): void {
    const meta = (this as unknown as Record<symbol, Meta>)[META]!
    if (clear) for (const k of Object.keys(this)) delete this[k]
    if (meta.id && !meta.renewedFrom) meta.renewedFrom = meta.id
    meta.id = newId()
    // Stryker disable next-line StringLiteral: any text that is no session's JSON forces the write
    meta.loadedJson = '' // force a write under the new id
  },
}
for (const k of ['forget', 'renew'] as const) Object.defineProperty(SessionProto, k, { enumerable: false })

function makeSession(data: Record<string, unknown> | undefined, meta: Meta): Session {
  const s = Object.create(SessionProto) as Session
  if (data) for (const k of Object.keys(data)) if (k !== '__proto__') s[k] = data[k]
  ;(s as unknown as Record<symbol, Meta>)[META] = meta
  return s
}

/**
 * Load the session named by the request's cookie (or an empty one). Holds the session lock until `saveSession`.
 * Without a (well-formed) cookie there is nothing to read: the empty session comes back at once, not as a
 * promise, so a request without a session costs no await.
 */
export function loadSession(appFolder: string, cookieValue: string | undefined): Session | Promise<Session> {
  if (cookieValue && ID.test(cookieValue)) return loadStored(appFolder, cookieValue)
  // Stryker disable next-line ObjectLiteral,StringLiteral: a session without id that stored nothing is not saved by saveSession's own test (!meta.id && json === '{}'), whatever loadedJson says
  return makeSession(undefined, { id: undefined, loadedJson: '{}', forgotten: false, renewedFrom: undefined, release: undefined })
}

async function loadStored(appFolder: string, cookieValue: string): Promise<Session> {
  // Stryker disable next-line ObjectLiteral,StringLiteral: as in loadSession (the fields are set below when the file is read)
  const meta: Meta = { id: undefined, loadedJson: '{}', forgotten: false, renewedFrom: undefined, release: undefined }
  meta.release = await acquire(`${appFolder}\0${cookieValue}`)
  try {
    const text = await fsp.readFile(path.join(appFolder, 'sessions', `${cookieValue}.json`),
      // Stryker disable next-line StringLiteral: without an encoding readFile gives a Buffer, which JSON.parse reads as the same UTF-8 text
      'utf8')
    const data = JSON.parse(text) as Record<string, unknown>
    meta.id = cookieValue
    meta.loadedJson = JSON.stringify(data)
    return makeSession(data, meta)
  } catch {
    // missing or unreadable file: start afresh, under a new id when written
    releaseMeta(meta)
  }
  return makeSession(undefined, meta)
}

export interface SaveResult {
  /** the cookie value to send, when it must be (new or renewed id) */
  setCookie?: string
}

const NOTHING: SaveResult = Object.freeze({})
// a shared default (a `= {}` default would be a fresh object on every request)
const NO_OPTIONS: { discard?: boolean } = Object.freeze({})

/**
 * Save if changed (atomically), release the lock, and say whether a cookie must be sent.
 * An unchanged (or forgotten) session answers at once, not as a promise: nothing to write.
 */
export function saveSession(appFolder: string, session: Session, opts: { discard?: boolean } = NO_OPTIONS): SaveResult | Promise<SaveResult> {
  const meta = (session as unknown as Record<symbol, Meta>)[META]!
  let json: string
  try {
    if (meta.forgotten || opts.discard) { releaseMeta(meta); return NOTHING }
    // the common case, a visitor without a session who stored nothing: no JSON to make
    // Stryker disable next-line ConditionalExpression,BooleanLiteral,BlockStatement: a shortcut; without it the JSON test below answers the same
    if (!meta.id && !meta.renewedFrom && !hasOwnEnumerable(session)) { releaseMeta(meta); return NOTHING }
    try { json = JSON.stringify(session) } catch (e) { throw new QK_SESSION_NOT_SERIALIZABLE((e as Error).message) }
    if (json === meta.loadedJson || (!meta.id && json === '{}' && !meta.renewedFrom)) { releaseMeta(meta); return NOTHING }
  } catch (e) {
    releaseMeta(meta)
    throw e
  }
  return writeSession(appFolder, meta, json)
}

// Stryker disable all: only the shortcut above uses it (equivalent when wrong); the session's prototype has no enumerable keys
function hasOwnEnumerable(o: object): boolean {
  for (const k in o) if (Object.hasOwn(o, k)) return true
  return false
}
// Stryker restore all

function releaseMeta(meta: Meta): void {
  meta.release?.()
  meta.release = undefined
}

async function writeSession(appFolder: string, meta: Meta, json: string): Promise<SaveResult> {
  try {
    const dir = path.join(appFolder, 'sessions')
    let sendCookie = false
    if (!meta.id) {
      meta.id = newId()
      sendCookie = true
    }
    if (meta.renewedFrom) {
      sendCookie = true
      await fsp.rm(path.join(dir, `${meta.renewedFrom}.json`), { force: true })
    }
    await fsp.mkdir(dir, { recursive: true })
    const file = path.join(dir, `${meta.id}.json`)
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`
    await fsp.writeFile(tmp, json, { mode: 0o600 })
    await fsp.rename(tmp, file)
    meta.loadedJson = json
    return sendCookie ? { setCookie: meta.id } : {}
  } finally {
    meta.release?.()
    meta.release = undefined
  }
}

/** Release a session's lock without saving (used when the request failed). */
export function releaseSession(session: Session): void {
  const meta = (session as unknown as Record<symbol, Meta>)[META]
  meta?.release?.()
  if (meta) meta.release = undefined
}

export function sessionId(session: Session): string | undefined {
  return (session as unknown as Record<symbol, Meta>)[META]?.id
}

/** Remove session files not written for `maxAge` seconds, and stale temp files. Returns how many were removed. */
export async function cleanupSessions(appFolder: string, maxAge: number): Promise<number> {
  const dir = path.join(appFolder, 'sessions')
  let names: string[]
  try { names = await fsp.readdir(dir) } catch { return 0 }
  const limit = Date.now() - maxAge * 1000
  let removed = 0
  for (const n of names) {
    if (!n.endsWith('.json') && !n.endsWith('.tmp')) continue
    const f = path.join(dir, n)
    try {
      const st = await fsp.stat(f)
      // Stryker disable next-line EqualityOperator,ObjectLiteral,BooleanLiteral: the same millisecond as the limit cannot be aimed at; the file was just found (force only matters in a race, which the catch covers)
      if (st.mtimeMs < limit) { await fsp.rm(f, { force: true }); removed++ }
    } catch { /* removed meanwhile */ }
  }
  return removed
}

const lastCleanup = new Map<string, number>()

/** Run cleanupSessions at most once every 10 minutes per app, in the background. */
export function maybeCleanup(appFolder: string, maxAge: number): void {
  const now = Date.now()
  // Stryker disable next-line EqualityOperator: the very millisecond ten minutes after the last run cannot be aimed at
  if (now - (lastCleanup.get(appFolder) ?? 0) < 600_000) return
  lastCleanup.set(appFolder, now)
  // Stryker disable next-line ConditionalExpression,StringLiteral: a shortcut; cleanupSessions answers 0 for a missing folder
  if (!fs.existsSync(path.join(appFolder, 'sessions'))) return
  cleanupSessions(appFolder, maxAge).catch(() => {})
}
