/**
 * Login throttling: after `maxFailures` failed logins from one address within
 * `windowMs`, that address is locked out for `lockMs`. Kept in the server
 * process (not per request): it is the server's memory of who failed.
 *
 * Several processes serving one site (`quark run --workers N`, or two `quark run`
 * on one folder) must count together, or an attacker gets maxFailures tries per
 * process: `shareThrough(dir)` keeps the failures in files instead, one per address,
 * each failure one line appended (O_APPEND: concurrent appends from several
 * processes never tear or lose a line, so no lock is needed). The state of an
 * address is replayed from its lines with the same rules as the memory table.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

export interface LockoutOptions { maxFailures?: number; windowMs?: number; lockMs?: number; now?: () => number }

interface Entry { failures: number; first: number; lockedUntil: number }

/** Files untouched this long are forgotten by the shared store's sweep (window and lock both over). */
const SWEEP_EVERY_MS = 10 * 60_000

export class LoginLockout {
  readonly maxFailures: number
  readonly windowMs: number
  readonly lockMs: number
  private readonly now: () => number
  private readonly entries = new Map<string, Entry>()
  private dir: string | undefined
  private sweptAt = 0

  constructor(opts: LockoutOptions = {}) {
    this.maxFailures = opts.maxFailures ?? 5
    this.windowMs = opts.windowMs ?? 15 * 60_000
    this.lockMs = opts.lockMs ?? 10 * 60_000
    this.now = opts.now ?? Date.now
  }

  /** Count failures in files under `dir` (mode 0700, made at the first failure), shared with every process given the same folder. */
  shareThrough(dir: string): void {
    this.dir = dir
    this.entries.clear()
  }

  /** Milliseconds the address must still wait, 0 when it may try. */
  lockedFor(address: string): number {
    const e = this.entry(address)
    if (!e) return 0
    const left = e.lockedUntil - this.now()
    if (left > 0) return left
    if (e.lockedUntil) this.forget(address) // the lock has run out: a fresh start
    return 0
  }

  /** Record a failed login; returns the lock duration now in force (0 if not locked). */
  fail(address: string): number {
    const t = this.now()
    if (this.dir !== undefined) {
      this.appendFailure(this.dir, address, t)
      this.sweep(t)
      return this.lockedFor(address)
    }
    this.entries.set(address, step(this.entries.get(address), t, this))
    this.prune(t)
    return this.lockedFor(address)
  }

  /** Failures left before the lock-out. */
  remaining(address: string): number {
    const e = this.entry(address)
    if (!e || (!e.lockedUntil && this.now() - e.first > this.windowMs)) return this.maxFailures
    return Math.max(0, this.maxFailures - e.failures)
  }

  succeed(address: string): void {
    this.forget(address)
  }

  private entry(address: string): Entry | undefined {
    if (this.dir === undefined) return this.entries.get(address)
    let text: string
    try { text = fs.readFileSync(this.file(this.dir, address), 'utf8') } catch { return undefined }
    let e: Entry | undefined
    for (const line of text.split('\n')) {
      const t = Number(line)
      if (line && Number.isFinite(t)) e = step(e, t, this)
    }
    return e
  }

  private forget(address: string): void {
    this.entries.delete(address)
    if (this.dir !== undefined) fs.rmSync(this.file(this.dir, address), { force: true })
  }

  /** One file per address, named by a hash (an IPv6 address is no file name everywhere). */
  private file(dir: string, address: string): string {
    return path.join(dir, crypto.createHash('sha256').update(address).digest('hex').slice(0, 32))
  }

  private appendFailure(dir: string, address: string, t: number): void {
    const file = this.file(dir, address)
    try {
      fs.appendFileSync(file, `${t}\n`, { mode: 0o600 })
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
      // the first failure ever (or the folder was removed under a running server): make it
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
      fs.appendFileSync(file, `${t}\n`, { mode: 0o600 })
    }
  }

  // Bounded disk: at most every SWEEP_EVERY_MS, forget files whose window and lock are both over.
  private sweep(t: number): void {
    if (t - this.sweptAt < SWEEP_EVERY_MS || this.dir === undefined) return
    this.sweptAt = t
    const stale = t - Math.max(this.windowMs, this.lockMs)
    let names: string[]
    try { names = fs.readdirSync(this.dir) } catch { return }
    for (const name of names) {
      const f = path.join(this.dir, name)
      try { if (fs.statSync(f).mtimeMs < stale) fs.rmSync(f, { force: true }) } catch { /* another process swept it */ }
    }
  }

  // Bounded memory: forget addresses whose window and lock are both over.
  private prune(t: number): void {
    if (this.entries.size < 10_000) return
    for (const [k, e] of this.entries) if (t - e.first > this.windowMs && e.lockedUntil <= t) this.entries.delete(k)
  }
}

/** One more failure at time t: a new count when there was none, its window passed or its lock ran out. */
function step(e: Entry | undefined, t: number, l: { windowMs: number; lockMs: number; maxFailures: number }): Entry {
  const fresh = !e || t - e.first > l.windowMs || (e.lockedUntil !== 0 && e.lockedUntil <= t)
  const next: Entry = fresh ? { failures: 0, first: t, lockedUntil: 0 } : { ...e! }
  next.failures++
  if (next.failures >= l.maxFailures) next.lockedUntil = t + l.lockMs
  return next
}
