/**
 * The admin's own session, separate from the apps' sessions: its cookie is
 * HttpOnly, SameSite=Strict (a link from another site never arrives logged
 * in), Secure under HTTPS, and scoped to /admin. The store lives in the
 * server's memory: a restart logs the admin out, which is the safe outcome.
 * Each session carries the CSRF token every changing action must send back.
 */
import crypto from 'node:crypto'
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

  /** The session named by the cookie value, if it exists and has not been idle too long. */
  get(id: unknown): AdminSession | undefined {
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined
    const s = this.store.get(id)
    if (!s) return undefined
    const t = this.now()
    if (t - s.lastSeen > this.idleMs) { this.store.delete(id); return undefined }
    s.lastSeen = t
    return s
  }

  create(): AdminSession {
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
