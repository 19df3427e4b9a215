/**
 * The session object and its request cycle, over any store of stores/ (files by default).
 *
 * - an id sent by a client is used only if it has the format of the app's store (a file store's id is
 *   32 hex characters, which is also what stops a cookie naming a path) and the store holds data under it:
 *   an unknown id is never adopted (no session fixation), a new one is made if needed;
 * - the cookie `session_id_<app>` is HttpOnly, SameSite=Lax, Secure under HTTPS;
 * - a request without a session cookie costs no store access (and no await), and nothing is created
 *   for a session nobody wrote to;
 * - data is written only when the JSON changed;
 * - requests of one session are serialised by the store's lock (across processes for file, database and
 *   Redis; the cookie store cannot lock: the last response written wins);
 * - `forget()` skips saving; `renew(clear?)` moves the data to a fresh id (call it at login); expired
 *   sessions are removed by `cleanupSessions`.
 */
import { storeFor } from './stores/config'
import type { SessionStore, Unlock } from './stores/types'
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

interface Meta {
  id: string | undefined
  loadedJson: string
  forgotten: boolean
  renewedFrom: string | undefined
  release: Unlock | undefined
  /** an id drawn by renew() that the client was never sent */
  unsent: boolean
  /** the store the session came from; undefined for a session loaded without a cookie (found when needed) */
  store: SessionStore | undefined
  appFolder: string
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

// forget/renew live on a shared prototype (not per-request closures); the meta sits under a
// symbol, which JSON.stringify and Object.keys never see.
const SessionProto = {
  forget(this: Session): void { (this as unknown as Record<symbol, Meta>)[META]!.forgotten = true },
  renew(this: Session, clear = false): void {
    const meta = (this as unknown as Record<symbol, Meta>)[META]!
    if (clear) for (const k of Object.keys(this)) delete this[k]
    // a session that came without a stored id: its new id must be sent at save (else a first-time visitor
    // logging in would have the session written and never get its cookie)
    if (!meta.id) meta.unsent = true
    else if (!meta.renewedFrom) meta.renewedFrom = meta.id
    meta.store ??= storeFor(meta.appFolder)
    meta.id = meta.store.newId()
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
 * Without a cookie the app's store accepts there is nothing to read: the empty session comes back at once,
 * not as a promise, so a request without a session costs no await.
 */
export function loadSession(appFolder: string, cookieValue: string | undefined): Session | Promise<Session> {
  if (cookieValue) {
    const store = storeFor(appFolder)
    if (store.accepts(cookieValue)) return loadStored(store, appFolder, cookieValue)
  }
  // Stryker disable next-line ObjectLiteral,StringLiteral: a session without id that stored nothing is not saved by saveSession's own test (!meta.id && json === '{}'), whatever loadedJson says
  return makeSession(undefined, { id: undefined, loadedJson: '{}', forgotten: false, renewedFrom: undefined, release: undefined, unsent: false, store: undefined, appFolder })
}

async function loadStored(store: SessionStore, appFolder: string, cookieValue: string): Promise<Session> {
  // Stryker disable next-line ObjectLiteral,StringLiteral: as in loadSession (the fields are set below when the data is read)
  const meta: Meta = { id: undefined, loadedJson: '{}', forgotten: false, renewedFrom: undefined, release: undefined, unsent: false, store, appFolder }
  meta.release = await store.lock(cookieValue)
  let data: Record<string, unknown> | undefined
  try { data = await store.load(cookieValue) } catch (e) { releaseMeta(meta); throw e }
  if (data !== undefined && data !== null && typeof data === 'object') {
    meta.id = cookieValue
    meta.loadedJson = JSON.stringify(data)
    return makeSession(data, meta)
  }
  // nothing stored under that id: start afresh, under a new id when written
  releaseMeta(meta)
  return makeSession(undefined, meta)
}

export interface SaveResult {
  /** the cookie value to send, when it must be (new or renewed id, or a cookie session's new content) */
  setCookie?: string
}

const NOTHING: SaveResult = Object.freeze({})
// a shared default (a `= {}` default would be a fresh object on every request)
const NO_OPTIONS: { discard?: boolean } = Object.freeze({})

/**
 * Save if changed, release the lock, and say whether a cookie must be sent.
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
    // Stryker disable next-line ConditionalExpression,StringLiteral,BooleanLiteral: an id-less session starts with loadedJson '{}', so the first test already answers for '{}'; this one is kept should that change
    if (json === meta.loadedJson || (!meta.id && json === '{}' && !meta.renewedFrom)) { releaseMeta(meta); return NOTHING }
  } catch (e) {
    releaseMeta(meta)
    throw e
  }
  return writeSession(meta.store ?? storeFor(appFolder), meta, json)
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

async function writeSession(store: SessionStore, meta: Meta, json: string): Promise<SaveResult> {
  try {
    let sendCookie = false
    if (!meta.id) {
      meta.id = store.newId()
      sendCookie = true
    }
    if (meta.renewedFrom || meta.unsent) sendCookie = true
    const cookie = await store.save(meta.id, json, meta.renewedFrom)
    meta.loadedJson = json
    meta.unsent = false
    if (cookie !== undefined) return { setCookie: cookie }
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

/** Remove sessions of the app's store not written for `maxAge` seconds. Returns how many were removed. */
export function cleanupSessions(appFolder: string, maxAge: number): Promise<number> {
  return storeFor(appFolder).cleanup(maxAge)
}

const lastCleanup = new Map<string, number>()

/** Run cleanupSessions at most once every 10 minutes per app, in the background. */
export function maybeCleanup(appFolder: string, maxAge: number): void {
  const now = Date.now()
  // Stryker disable next-line EqualityOperator: the very millisecond ten minutes after the last run cannot be aimed at
  if (now - (lastCleanup.get(appFolder) ?? 0) < 600_000) return
  lastCleanup.set(appFolder, now)
  cleanupSessions(appFolder, maxAge).catch(() => {})
}
