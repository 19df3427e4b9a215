/**
 * cache.ram: values kept in this process, per app, bounded by an LRU limit.
 * `ram(key, fn, timeExpire)` returns the cached value when it is younger than
 * timeExpire seconds, else calls fn and stores its result. An async fn is
 * awaited once: concurrent callers share the same pending Promise, and a
 * rejected Promise is not cached.
 */
import { checkKey, expireOf, isFresh, type Producer } from './common'

interface Entry { value: unknown; time: number; async: boolean; pending: boolean }

export class RamStore {
  private readonly entries = new Map<string, Entry>()
  constructor(public maxEntries = 10000) {}

  get size(): number { return this.entries.size }

  call<R>(key: string, fn: Producer<R>, timeExpire?: number | null): R | Promise<Awaited<R>> | undefined {
    checkKey(key)
    if (fn === null) { this.entries.delete(key); return undefined }
    const t = expireOf(timeExpire)
    const e = this.entries.get(key)
    if (e && (e.pending || isFresh(e.time, t))) {
      this.entries.delete(key) // move to the young end of the LRU order
      this.entries.set(key, e)
      return (e.async && !e.pending ? Promise.resolve(e.value) : e.value) as R
    }
    const value = fn()
    if (value instanceof Promise) {
      const entry: Entry = { value: null, time: Date.now(), async: true, pending: true }
      const p = value.then((v) => {
        if (this.entries.get(key) === entry) Object.assign(entry, { value: v, time: Date.now(), pending: false })
        return v
      }, (err) => {
        if (this.entries.get(key) === entry) this.entries.delete(key)
        throw err
      })
      entry.value = p
      this.set(key, entry)
      return p as Promise<Awaited<R>>
    }
    this.set(key, { value, time: Date.now(), async: false, pending: false })
    return value
  }

  private set(key: string, e: Entry): void {
    this.entries.delete(key)
    this.entries.set(key, e)
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string)
  }

  clear(regex?: RegExp | string): void {
    if (regex === undefined) { this.entries.clear(); return }
    const re = typeof regex === 'string' ? new RegExp(regex) : regex
    for (const k of [...this.entries.keys()]) if (re.test(k)) this.entries.delete(k)
  }

  increment(key: string, value = 1): number {
    checkKey(key)
    const e = this.entries.get(key)
    const n = (e && !e.pending && typeof e.value === 'number' ? e.value : 0) + value
    this.set(key, { value: n, time: Date.now(), async: false, pending: false })
    return n
  }

  has(key: string): boolean { return this.entries.has(key) }
}
