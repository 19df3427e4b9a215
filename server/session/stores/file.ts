/**
 * File sessions under <app>/sessions/<id>.json (the default store, no configuration).
 *
 * - ids are 32 hex characters (128 random bits); the format check is what keeps a cookie from naming a
 *   path outside sessions/ (`abc/../../x`), so nothing else in this file joins a client's text into a path;
 * - files are written 0o600, atomically (a temp file renamed over the old one); a full disk (ENOSPC, EDQUOT)
 *   is QK_SESSION_DISK_FULL (507), the old file kept whole and no temp file left;
 * - the lock is two-level: the in-process queue of lock.ts (requests of one process wait on a promise, no
 *   polling) and then an exclusive lock file `<id>.lock` (created with O_EXCL, holding pid, host and a random
 *   token), which serialises processes sharing the folder. Only the holder of the token removes it; a lock
 *   file whose process is dead (same host) or that is older than lockTtl is taken over, moved aside first
 *   so two processes that both judge it stale cannot both win.
 */
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { acquire } from '../lock'
import { retryUntil } from './wait'
import { QK_SESSION_DISK_FULL } from '../errors'
import type { SessionStore, Unlock } from './types'

const ID = /^[0-9a-f]{32}$/
const HOST = os.hostname()

export interface FileStoreOptions {
  lockTtl?: number
  lockWait?: number
}

export class FileStore implements SessionStore {
  readonly kind = 'file' as const
  readonly locks = true
  readonly dir: string
  private readonly lockTtl: number
  private readonly lockWait: number

  constructor(readonly appFolder: string, opts: FileStoreOptions = {}) {
    this.dir = path.join(appFolder, 'sessions')
    this.lockTtl = opts.lockTtl ?? 120_000
    this.lockWait = opts.lockWait ?? 30_000
  }

  accepts(cookieValue: string): boolean { return ID.test(cookieValue) }

  newId(): string { return randomBytes(16).toString('hex') }

  async lock(id: string): Promise<Unlock> {
    const releaseLocal = await acquire(`${this.appFolder}\0${id}`)
    const file = path.join(this.dir, `${id}.lock`)
    let token: string
    try {
      token = await retryUntil(() => this.tryLockFile(file), this.lockWait)
    } catch (e) {
      releaseLocal()
      throw e
    }
    let done = false
    return () => {
      if (done) return
      done = true
      try { if (readLock(file)?.token === token) fs.unlinkSync(file) } catch { /* taken over meanwhile */ }
      releaseLocal()
    }
  }

  /** One attempt (synchronous: a local create is microseconds, and an await would cost every session request). */
  private tryLockFile(file: string): string | undefined {
    const token = randomBytes(9).toString('hex')
    if (createLock(file, token)) return token
    const held = readLock(file)
    // unreadable: gone meanwhile, or being written by its creator (O_EXCL create, then the write): only
    // its age can make it stale, never the moment we happened to look
    if (held ? !this.isStale(file, held) : !this.isOld(file)) return undefined
    if (!takeStale(file, held)) return undefined
    return createLock(file, token) ? token : undefined
  }

  private isStale(file: string, held: LockContent): boolean {
    return (held.host === HOST && !pidAlive(held.pid)) || this.isOld(file)
  }

  private isOld(file: string): boolean {
    try { return Date.now() - fs.statSync(file).mtimeMs > this.lockTtl } catch { return false }
  }

  async load(id: string): Promise<Record<string, unknown> | undefined> {
    try {
      const text = await fsp.readFile(path.join(this.dir, `${id}.json`),
        // Stryker disable next-line StringLiteral: without an encoding readFile gives a Buffer, which JSON.parse reads as the same UTF-8 text
        'utf8')
      return JSON.parse(text) as Record<string, unknown>
    } catch {
      return undefined // missing or unreadable file: start afresh
    }
  }

  async save(id: string, json: string, renewedFrom: string | undefined): Promise<string | undefined> {
    const file = path.join(this.dir, `${id}.json`)
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`
    try {
      await fsp.mkdir(this.dir, { recursive: true })
      await fsp.writeFile(tmp, json, { mode: 0o600 })
      await fsp.rename(tmp, file)
    } catch (e) {
      // a full disk fails the write part-way: the old session stays whole, and the partial copy goes
      await fsp.rm(tmp, { force: true }).catch(() => undefined)
      throw diskFull(e)
    }
    // the renewed session's old file goes once the new one is written (a failed write keeps the old one)
    if (renewedFrom) await fsp.rm(path.join(this.dir, `${renewedFrom}.json`), { force: true })
    return undefined
  }

  async expire(id: string): Promise<void> {
    if (ID.test(id)) await fsp.rm(path.join(this.dir, `${id}.json`), { force: true })
  }

  /** Remove session files not written for `maxAge` seconds, stale temp files and abandoned lock files. */
  async cleanup(maxAge: number): Promise<number> {
    let names: string[]
    try { names = await fsp.readdir(this.dir) } catch { return 0 }
    const limit = Date.now() - maxAge * 1000
    let removed = 0
    for (const n of names) {
      if (!n.endsWith('.json') && !n.endsWith('.tmp') && !n.endsWith('.lock')) continue
      const f = path.join(this.dir, n)
      try {
        const st = await fsp.stat(f)
        // Stryker disable next-line EqualityOperator,ObjectLiteral,BooleanLiteral: the same millisecond as the limit cannot be aimed at; the file was just found (force only matters in a race, which the catch covers)
        if (st.mtimeMs < limit) { await fsp.rm(f, { force: true }); removed++ }
      } catch { /* removed meanwhile */ }
    }
    return removed
  }

  async close(): Promise<void> { /* nothing held */ }
}

interface LockContent { pid: number; host: string; token: string }

/** A full disk or quota (ENOSPC, EDQUOT) said as such (507, the old session kept); any other error as it is. */
function diskFull(e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException).code
  return code === 'ENOSPC' || code === 'EDQUOT' ? new QK_SESSION_DISK_FULL(code, { cause: e }) : e
}

function createLock(file: string, token: string): boolean {
  const content = `${process.pid} ${HOST} ${token}`
  for (let tries = 0; tries < 2; tries++) {
    try {
      fs.writeFileSync(file, content, { flag: 'wx', mode: 0o600 })
      return true
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code === 'EEXIST') return false
      if (code !== 'ENOENT' || tries > 0) throw e
      fs.mkdirSync(path.dirname(file), { recursive: true })
    }
  }
  return false
}

function readLock(file: string): LockContent | undefined {
  try {
    const [pid, host, token] = fs.readFileSync(file, 'utf8').split(' ')
    return token ? { pid: Number(pid), host: host!, token } : undefined
  } catch {
    return undefined
  }
}

/** Move a stale lock aside; when what was moved is not what was judged stale, put it back and give up. */
function takeStale(file: string, judged: LockContent | undefined): boolean {
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.stale`
  try { fs.renameSync(file, aside) } catch { return false }
  const moved = readLock(aside)
  if (moved?.token !== judged?.token) {
    // not the lock judged stale (a fresh one was created between our look and the rename): put it back
    try { fs.linkSync(aside, file) } catch { /* a newer lock exists */ }
    try { fs.unlinkSync(aside) } catch { /* ignore */ }
    return false
  }
  try { fs.unlinkSync(aside) } catch { /* ignore */ }
  return true
}

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM' }
}
