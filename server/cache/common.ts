/**
 * What the three stores share: argument checks, web2py's freshness rule
 * (an entry is fresh when younger than the caller's timeExpire; null means
 * forever), and value (de)serialisation for stores outside the process.
 */
import v8 from 'node:v8'
import { QK_CACHE_BAD_EXPIRE, QK_CACHE_BAD_KEY, QK_CACHE_NOT_STORABLE } from './errors'

export const DEFAULT_TIME_EXPIRE = 300

export function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key === '') throw new QK_CACHE_BAD_KEY(JSON.stringify(key) ?? String(key))
  return key
}

/** Seconds as given, the default (300) when undefined, Infinity for null. */
export function expireOf(t: number | null | undefined): number {
  if (t === undefined) return DEFAULT_TIME_EXPIRE
  if (t === null) return Infinity
  if (typeof t !== 'number' || Number.isNaN(t) || t < 0) throw new QK_CACHE_BAD_EXPIRE(String(t))
  return t
}

export function isFresh(storedAt: number, timeExpire: number, now = Date.now()): boolean {
  return timeExpire === Infinity || now - storedAt < timeExpire * 1000
}

export function serialise(store: string, entry: unknown): Buffer {
  try {
    return v8.serialize(entry)
  } catch (e) {
    throw new QK_CACHE_NOT_STORABLE(store, (e as Error).message, { cause: e })
  }
}

export function deserialise<T>(buf: Buffer): T {
  return v8.deserialize(buf) as T
}

export type Producer<R> = (() => R) | null

/** The API every store offers: `store(key, fn, timeExpire?)` plus helpers. */
export interface CacheStore {
  <R>(key: string, fn: Producer<R>, timeExpire?: number | null): R | Promise<Awaited<R>> | undefined
  /** remove every key (or those matching `regex`) */
  clear(regex?: RegExp | string): unknown
  /** add `value` to a numeric entry (created at 0) and return the new number */
  increment(key: string, value?: number): number | Promise<number>
}
