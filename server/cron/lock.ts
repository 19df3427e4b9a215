/**
 * A lock file held by one process: in cluster mode exactly one process runs
 * cron, and two `quark cron` started by a system crontab never run the same
 * app's jobs at once.
 *
 * The file holds the owner's pid, host and a random token. The owner
 * refreshes its mtime on every check; another process may take the lock when
 * the owner is gone (same host and its pid no longer exists) or when the file
 * has not been refreshed for `staleMs` (a hung owner, or another host on a
 * shared disk). Taking a stale lock renames it aside first, so two processes
 * that both find it stale cannot both win.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import crypto from 'node:crypto'

interface LockContent { pid: number; host: string; token: string; since: string }

export class LockFile {
  readonly file: string
  readonly staleMs: number
  private token: string | undefined

  constructor(file: string, opts: { staleMs?: number } = {}) {
    this.file = file
    this.staleMs = opts.staleMs ?? 120_000
  }

  get held(): boolean { return this.token !== undefined }

  /** Take the lock, or keep (and refresh) it if already ours. Never blocks. */
  tryAcquire(): boolean {
    if (this.token) {
      const content = this.read()
      if (content?.token === this.token) {
        const now = new Date()
        try { fs.utimesSync(this.file, now, now) } catch { /* vanished: re-taken below */ }
        return true
      }
      // someone judged us stale and took over: we are no longer the runner
      this.token = undefined
      return false
    }
    if (this.create()) return true
    const content = this.read()
    if (content && !this.isStale(content)) return false
    if (!this.removeStale(content)) return false
    return this.create()
  }

  release(): void {
    if (!this.token) return
    if (this.read()?.token === this.token) {
      try { fs.unlinkSync(this.file) } catch { /* already gone */ }
    }
    this.token = undefined
  }

  /** The current owner, for messages and tests. */
  owner(): LockContent | undefined { return this.read() }

  private create(): boolean {
    const token = crypto.randomBytes(12).toString('hex')
    const content: LockContent = { pid: process.pid, host: os.hostname(), token, since: new Date().toISOString() }
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true })
      fs.writeFileSync(this.file, JSON.stringify(content), { flag: 'wx' })
      this.token = token
      return true
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw e
    }
  }

  private read(): LockContent | undefined {
    try {
      const c = JSON.parse(fs.readFileSync(this.file, 'utf8')) as LockContent
      return typeof c.pid === 'number' && typeof c.token === 'string' ? c : undefined
    } catch {
      return undefined
    }
  }

  private isStale(c: LockContent): boolean {
    if (c.host === os.hostname() && !pidAlive(c.pid)) return true
    try {
      return Date.now() - fs.statSync(this.file).mtimeMs > this.staleMs
    } catch {
      return true
    }
  }

  /** Move the stale file aside; if what we moved is not what we judged stale, put it back and give up. */
  private removeStale(judged: LockContent | undefined): boolean {
    const aside = `${this.file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.stale`
    try { fs.renameSync(this.file, aside) } catch { return false }
    let moved: LockContent | undefined
    try { moved = JSON.parse(fs.readFileSync(aside, 'utf8')) as LockContent } catch { moved = undefined }
    if (judged && moved && moved.token !== judged.token) {
      // a fresh lock was created between our read and our rename: restore it unless yet another exists
      try { fs.linkSync(aside, this.file) } catch { /* a newer lock exists; ours is moot */ }
      try { fs.unlinkSync(aside) } catch { /* ignore */ }
      return false
    }
    try { fs.unlinkSync(aside) } catch { /* ignore */ }
    return true
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: the process exists but belongs to someone else
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}
