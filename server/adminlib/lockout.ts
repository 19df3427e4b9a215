/**
 * Login throttling: after `maxFailures` failed logins from one address within
 * `windowMs`, that address is locked out for `lockMs`. Kept in the server
 * process (not per request): it is the server's memory of who failed.
 */
export interface LockoutOptions { maxFailures?: number; windowMs?: number; lockMs?: number; now?: () => number }

interface Entry { failures: number; first: number; lockedUntil: number }

export class LoginLockout {
  readonly maxFailures: number
  readonly windowMs: number
  readonly lockMs: number
  private readonly now: () => number
  private readonly entries = new Map<string, Entry>()

  constructor(opts: LockoutOptions = {}) {
    this.maxFailures = opts.maxFailures ?? 5
    this.windowMs = opts.windowMs ?? 15 * 60_000
    this.lockMs = opts.lockMs ?? 10 * 60_000
    this.now = opts.now ?? Date.now
  }

  /** Milliseconds the address must still wait, 0 when it may try. */
  lockedFor(address: string): number {
    const e = this.entries.get(address)
    if (!e) return 0
    const left = e.lockedUntil - this.now()
    if (left > 0) return left
    if (e.lockedUntil) this.entries.delete(address) // the lock has run out: a fresh start
    return 0
  }

  /** Record a failed login; returns the lock duration now in force (0 if not locked). */
  fail(address: string): number {
    const t = this.now()
    let e = this.entries.get(address)
    if (!e || t - e.first > this.windowMs || (e.lockedUntil && e.lockedUntil <= t)) {
      e = { failures: 0, first: t, lockedUntil: 0 }
      this.entries.set(address, e)
    }
    e.failures++
    if (e.failures >= this.maxFailures) e.lockedUntil = t + this.lockMs
    this.prune(t)
    return this.lockedFor(address)
  }

  /** Failures left before the lock-out. */
  remaining(address: string): number {
    const e = this.entries.get(address)
    return e ? Math.max(0, this.maxFailures - e.failures) : this.maxFailures
  }

  succeed(address: string): void {
    this.entries.delete(address)
  }

  // Bounded memory: forget addresses whose window and lock are both over.
  private prune(t: number): void {
    if (this.entries.size < 10_000) return
    for (const [k, e] of this.entries) if (t - e.first > this.windowMs && e.lockedUntil <= t) this.entries.delete(k)
  }
}
