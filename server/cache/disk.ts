/**
 * cache.disk: values in files under <app>/cache/, one file per key (named by
 * the key's SHA-256, so any key is a safe file name), written atomically
 * (temp file + rename) so concurrent processes never read half an entry.
 * Values are stored with v8's structured clone: strings, numbers, plain
 * objects, arrays, Dates, Maps, Sets, Buffers.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { checkKey, deserialise, expireOf, isFresh, serialise, type Producer } from './common'

interface Stored { key: string; time: number; value: unknown }

export class DiskStore {
  constructor(readonly folder: string) {}

  private file(key: string): string {
    return path.join(this.folder, crypto.createHash('sha256').update(key).digest('hex') + '.cache')
  }

  /** The stored entry, or null when absent or unreadable (a corrupt file counts as a miss). */
  read(key: string): Stored | null {
    try {
      const s = deserialise<Stored>(fs.readFileSync(this.file(key)))
      return s && s.key === key ? s : null
    } catch {
      return null
    }
  }

  write(key: string, value: unknown): void {
    const buf = serialise('disk', { key, time: Date.now(), value })
    fs.mkdirSync(this.folder, { recursive: true })
    const target = this.file(key)
    const tmp = `${target}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`
    fs.writeFileSync(tmp, buf)
    fs.renameSync(tmp, target)
  }

  call<R>(key: string, fn: Producer<R>, timeExpire?: number | null): R | Promise<Awaited<R>> | undefined {
    checkKey(key)
    if (fn === null) { fs.rmSync(this.file(key), { force: true }); return undefined }
    const t = expireOf(timeExpire)
    const s = this.read(key)
    if (s && isFresh(s.time, t)) return s.value as R
    const value = fn()
    if (value instanceof Promise) {
      return value.then((v) => { this.write(key, v); return v }) as Promise<Awaited<R>>
    }
    this.write(key, value)
    return value
  }

  clear(regex?: RegExp | string): void {
    let names: string[]
    try { names = fs.readdirSync(this.folder) } catch { return }
    const re = regex === undefined ? null : typeof regex === 'string' ? new RegExp(regex) : regex
    for (const n of names) {
      if (!n.endsWith('.cache')) continue
      const full = path.join(this.folder, n)
      if (re) {
        let key: string | null = null
        try { key = deserialise<Stored>(fs.readFileSync(full)).key } catch { /* corrupt: remove it */ }
        if (key !== null && !re.test(key)) continue
      }
      fs.rmSync(full, { force: true })
    }
  }

  increment(key: string, value = 1): number {
    checkKey(key)
    const s = this.read(key)
    const n = (s && typeof s.value === 'number' ? s.value : 0) + value
    this.write(key, n)
    return n
  }
}
