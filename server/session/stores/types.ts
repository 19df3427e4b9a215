/**
 * The session store seam: what the request lifecycle needs from wherever
 * sessions live (files, a database table, Redis, the cookie itself).
 *
 * One request of a session at a time: `lock(id)` resolves once no other
 * request, in this process or any other sharing the store, holds the
 * session; everything between load and save runs under it. A store that
 * cannot lock (the cookie) says so with `locks: false`.
 */
export type StoreKind = 'file' | 'database' | 'redis' | 'cookie'

/** Releases a session's lock; safe to call twice. Async work (a network call) finishes in the background. */
export type Unlock = () => void

export interface SessionStore {
  readonly kind: StoreKind
  /** false for the cookie store: concurrent requests of one session are not serialised (last response wins) */
  readonly locks: boolean
  /** whether a cookie value is one this store could have issued (format only, no I/O; ids of another store fail) */
  accepts(cookieValue: string): boolean
  /** a fresh session id */
  newId(): string
  /** wait for the session's lock (across processes for the locking stores) */
  lock(id: string): Promise<Unlock>
  /** the stored data, or undefined when there is none (never written, expired, tampered) */
  load(id: string): Promise<Record<string, unknown> | undefined>
  /**
   * Write `json` under `id` while holding the lock (the lock of `renewedFrom` when the id was renewed, whose
   * data is removed). Resolves with a cookie value to send when the store decides it (the cookie store), else undefined.
   */
  save(id: string, json: string, renewedFrom: string | undefined): Promise<string | undefined>
  /** remove one session now (logout everywhere, renew) */
  expire(id: string): Promise<void>
  /** remove sessions not written for maxAge seconds; how many were removed (a TTL store answers 0) */
  cleanup(maxAgeSeconds: number): Promise<number>
  /** close connections (tests, shutdown) */
  close(): Promise<void>
}

/** An app's `private/session.json`. */
export interface SessionConfig {
  store?: StoreKind
  /** database: the DAL URI (sqlite://, postgres://, mysql://); redis: redis://host:port/db */
  uri?: string
  url?: string
  /** database: table name (default qk_session) */
  table?: string
  /** redis: key prefix (default quark:session:<app>:) */
  prefix?: string
  /** cookie: the secret(s) the key is derived from; the first encrypts, every one decrypts (rotation) */
  secret?: string
  secrets?: string[]
  /** seconds a session lives after its last write (default 86400) */
  maxAge?: number
  /** milliseconds a lock is held at most before another process may take it (default 60000) */
  lockTtl?: number
  /** milliseconds a request waits for a session's lock before 503 (default 30000) */
  lockWait?: number
}
