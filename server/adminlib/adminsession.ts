/**
 * The admin's own session, separate from the apps' sessions: its cookie is
 * HttpOnly, SameSite=Strict (a link from another site never arrives logged
 * in), Secure under HTTPS, and scoped to /admin. The store lives in the
 * server's memory: a restart logs the admin out, which is the safe outcome.
 * Each session carries the CSRF token every changing action must send back.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { QK_ADMIN_CSRF } from './errors'

export const ADMIN_COOKIE = 'quark_admin'

export interface AdminSession {
  readonly id: string
  readonly csrf: string
  loggedIn: boolean
  created: number
  lastSeen: number
  /** a one-shot message shown on the next page */
  flash?: string
}

export interface AdminSessionOptions { idleMs?: number; maxSessions?: number; now?: () => number }

export class AdminSessions {
  private readonly store = new Map<string, AdminSession>()
  private readonly idleMs: number
  private readonly maxSessions: number
  private readonly now: () => number

  constructor(opts: AdminSessionOptions = {}) {
    this.idleMs = opts.idleMs ?? 2 * 3600_000
    this.maxSessions = opts.maxSessions ?? 1000
    this.now = opts.now ?? Date.now
  }

  private shared: SharedStore | undefined

  /**
   * Under `quark run --workers N` each request may reach another process: the sessions then live
   * as one file each in `dir` (mode 0600), so a login in one worker holds in all of them.
   */
  shareThrough(dir: string): void {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
    this.shared = new SharedStore(dir, this.idleMs, this.now)
  }

  /** The session named by the cookie value, if it exists and has not been idle too long. */
  get(id: unknown): AdminSession | undefined {
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined
    if (this.shared) return this.shared.get(id)
    const s = this.store.get(id)
    if (!s) return undefined
    const t = this.now()
    if (t - s.lastSeen > this.idleMs) { this.store.delete(id); return undefined }
    s.lastSeen = t
    return s
  }

  create(): AdminSession {
    if (this.shared) return this.shared.create()
    this.prune()
    const t = this.now()
    const s: AdminSession = { id: randomToken(), csrf: randomToken(), loggedIn: false, created: t, lastSeen: t }
    this.store.set(s.id, s)
    return s
  }

  /** A fresh id after login, so an id planted before login is worthless after it. */
  renew(old: AdminSession): AdminSession {
    this.store.delete(old.id)
    const s = this.create()
    s.loggedIn = old.loggedIn
    s.flash = old.flash
    return s
  }

  destroy(id: string): void {
    if (this.shared) this.shared.destroy(id)
    this.store.delete(id)
  }

  private prune(): void {
    const t = this.now()
    for (const [k, s] of this.store) if (t - s.lastSeen > this.idleMs) this.store.delete(k)
    // Under a flood of anonymous visits, drop the oldest anonymous sessions first.
    if (this.store.size >= this.maxSessions) {
      for (const [k, s] of this.store) { if (!s.loggedIn) this.store.delete(k); if (this.store.size < this.maxSessions / 2) break }
    }
  }
}

interface SessionRecord { id: string; csrf: string; loggedIn: boolean; created: number; lastSeen: number; flash?: string }

/** The file-backed store of shareThrough(): every change of loggedIn or flash is written at once (atomically). */
class SharedStore {
  private creates = 0
  constructor(private readonly dir: string, private readonly idleMs: number, private readonly now: () => number) {}

  private file(id: string): string { return path.join(this.dir, `${id}.json`) }

  write(r: SessionRecord): void {
    const tmp = `${this.file(r.id)}.${process.pid}.tmp`
    fs.writeFileSync(tmp, JSON.stringify(r), { mode: 0o600 })
    fs.renameSync(tmp, this.file(r.id))
  }

  get(id: string): AdminSession | undefined {
    let r: SessionRecord
    try { r = JSON.parse(fs.readFileSync(this.file(id), 'utf8')) as SessionRecord } catch { return undefined }
    const t = this.now()
    if (r.id !== id || t - r.lastSeen > this.idleMs) { this.destroy(id); return undefined }
    // lastSeen is written at most once a minute: enough for a two-hour idle limit
    if (t - r.lastSeen > 60_000) { r.lastSeen = t; this.write(r) }
    return this.wrap(r)
  }

  create(): AdminSession {
    if (this.creates++ % 100 === 0) this.prune()
    const t = this.now()
    const r: SessionRecord = { id: randomToken(), csrf: randomToken(), loggedIn: false, created: t, lastSeen: t }
    this.write(r)
    return this.wrap(r)
  }

  destroy(id: string): void {
    try { fs.rmSync(this.file(id), { force: true }) } catch { /* gone */ }
  }

  private wrap(r: SessionRecord): AdminSession {
    const store = this
    return {
      id: r.id, csrf: r.csrf, created: r.created, lastSeen: r.lastSeen,
      get loggedIn() { return r.loggedIn },
      set loggedIn(v: boolean) { if (r.loggedIn !== v) { r.loggedIn = v; store.write(r) } },
      get flash() { return r.flash },
      set flash(v: string | undefined) { if (r.flash !== v) { r.flash = v; store.write(r) } },
    }
  }

  private prune(): void {
    const t = this.now()
    let names: string[] = []
    try { names = fs.readdirSync(this.dir) } catch { return }
    for (const n of names) {
      const f = path.join(this.dir, n)
      try { if (t - fs.statSync(f).mtimeMs > this.idleMs + 60_000) fs.rmSync(f, { force: true }) } catch { /* raced */ }
    }
  }
}

export function randomToken(): string {
  return crypto.randomBytes(32).toString('base64url')
}

/** The Set-Cookie value for the admin session. */
export function adminCookie(id: string, secure: boolean, clear = false): string {
  const parts = [`${ADMIN_COOKIE}=${clear ? '' : id}`, 'Path=/admin', 'HttpOnly', 'SameSite=Strict']
  if (secure) parts.push('Secure')
  if (clear) parts.push('Max-Age=0')
  return parts.join('; ')
}

/** Read one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const i = part.indexOf('=')
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim()
  }
  return undefined
}

/** Constant-time comparison of the token sent with the session's token. */
export function csrfValid(session: AdminSession | undefined, token: unknown): boolean {
  if (!session || typeof token !== 'string') return false
  const a = Buffer.from(token)
  const b = Buffer.from(session.csrf)
  return a.length === b.length && crypto.timingSafeEqual(a, b)
}

export function requireCsrf(session: AdminSession | undefined, token: unknown): void {
  if (!csrfValid(session, token)) throw new QK_ADMIN_CSRF()
}
