/**
 * Cookie sessions: the session is the cookie, no server state. The value is
 * `q1.<base64url(iv · ciphertext · tag)>`, AES-256-GCM with a key derived (HKDF-SHA256) from the app's
 * secret and the app's name, the cookie's name as additional data, so a cookie is authenticated (a flipped
 * bit is refused), unreadable, and valid only for the app that made it. The plaintext carries the time of
 * the write: a cookie older than maxAge is refused by the server, whatever the browser kept.
 *
 * Key rotation: `secrets: [new, old, ...]`: the first encrypts, each one decrypts, so cookies made under the
 * old secret keep working until they are next written (under the new one) or expire.
 *
 * What it cannot do, by design:
 * - lock: two concurrent requests of one session each read the cookie they were sent; the browser keeps
 *   the Set-Cookie of the response it received last (last write wins, per response);
 * - revoke: an old cookie replayed after a later write (or after logout) is accepted until its maxAge
 *   runs out; rotate the secret to void every cookie at once, and use a server store where logout must
 *   end a session everywhere.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { QK_SESSION_COOKIE_TOO_LARGE } from '../errors'
import type { SessionStore, Unlock } from './types'

const PREFIX = 'q1.'
/** what a browser keeps of one cookie, name and attributes included */
const COOKIE_LIMIT = 4096
/** room left for `session_id_<app>=`, Path, Max-Age, HttpOnly, SameSite, Secure */
const ATTRIBUTES = 160

export interface CookieStoreOptions {
  secrets: string[]
  app: string
  maxAge?: number
  /** a clock for tests (ms) */
  now?: () => number
}

const NO_LOCK: Unlock = () => {}

export class CookieStore implements SessionStore {
  readonly kind = 'cookie' as const
  readonly locks = false
  private readonly keys: Buffer[]
  private readonly aad: Buffer
  private readonly maxAgeMs: number
  private readonly now: () => number

  constructor(readonly opts: CookieStoreOptions) {
    this.keys = opts.secrets.map((s) => Buffer.from(hkdfSync('sha256', s, 'quark-session-cookie', `app:${opts.app}`, 32)))
    this.aad = Buffer.from(`session_id_${opts.app}`)
    this.maxAgeMs = (opts.maxAge ?? 86400) * 1000
    this.now = opts.now ?? Date.now
  }

  accepts(cookieValue: string): boolean { return cookieValue.startsWith(PREFIX) && cookieValue.length <= COOKIE_LIMIT }
  /** the id is the cookie itself once written; a new session's placeholder is never sent */
  newId(): string { return 'new' }
  async lock(): Promise<Unlock> { return NO_LOCK }

  async load(cookieValue: string): Promise<Record<string, unknown> | undefined> {
    const raw = Buffer.from(cookieValue.slice(PREFIX.length), 'base64url')
    // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator: a shortcut: a value too short for an iv and a tag fails the decipher below (caught) the same way
    if (raw.length < 12 + 16 + 1) return undefined
    const iv = raw.subarray(0, 12)
    const tag = raw.subarray(raw.length - 16)
    const body = raw.subarray(12, raw.length - 16)
    for (const key of this.keys) {
      let plain: string
      try {
        const d = createDecipheriv('aes-256-gcm', key, iv)
        d.setAAD(this.aad)
        d.setAuthTag(tag)
        plain = Buffer.concat([d.update(body), d.final()]).toString('utf8')
      } catch { continue } // not this key (or tampered): try the next
      let p: { t?: unknown; d?: unknown } | null
      try { p = JSON.parse(plain) } catch { return undefined }
      if (!p || typeof p.t !== 'number' || this.now() - p.t > this.maxAgeMs) return undefined
      return p.d && typeof p.d === 'object' && !Array.isArray(p.d) ? p.d as Record<string, unknown> : undefined
    }
    return undefined
  }

  async save(_id: string, json: string): Promise<string> {
    const iv = randomBytes(12)
    const c = createCipheriv('aes-256-gcm', this.keys[0]!, iv)
    c.setAAD(this.aad)
    const body = Buffer.concat([c.update(`{"t":${this.now()},"d":${json}}`, 'utf8'), c.final()])
    const value = PREFIX + Buffer.concat([iv, body, c.getAuthTag()]).toString('base64url')
    const size = value.length + this.aad.length + ATTRIBUTES
    if (size > COOKIE_LIMIT) throw new QK_SESSION_COOKIE_TOO_LARGE(String(size))
    return value
  }

  // Stryker disable next-line BlockStatement: the body is a comment
  async expire(): Promise<void> { /* nothing on the server: the browser drops the cookie at Max-Age */ }
  async cleanup(): Promise<number> { return 0 }
  async close(): Promise<void> {}
}
