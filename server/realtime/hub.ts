/**
 * Channels: broadcast(channel, data) reaches every subscriber of the app's
 * channel. In-process by default; when the app (`<app>/private/realtime.json`)
 * or the site (`applications/realtime.json`) names a Redis server
 * (`{ "redis": "redis://127.0.0.1:6379/0" }`), every message goes through
 * Redis pub/sub, so subscribers in every worker (`--workers N`) and on every
 * machine get it — the publishing process too, through its own subscription,
 * so a message is delivered once everywhere.
 *
 * The buses are process infrastructure (connections, subscriber sets), not
 * request state: what a request owns (its session, its user) stays with the
 * connection that subscribed.
 */
import fs from 'node:fs'
import path from 'node:path'
import type Redis from 'ioredis'
import { throttleNow } from '../current/index'
import { QK_REALTIME_BAD_CHANNEL, QK_REALTIME_BAD_CONFIG, QK_REALTIME_REDIS_DOWN } from './errors'

export type Listener = (message: string) => void

export interface RealtimeConfig { redis?: string; liveReload?: boolean }

interface Bus {
  publish(key: string, message: string): Promise<void>
  subscribe(key: string, fn: Listener): void
  unsubscribe(key: string, fn: Listener): void
  close(): Promise<void>
}

/** Subscribers of this process, by key (app + channel). */
class LocalSubscribers {
  readonly byKey = new Map<string, Set<Listener>>()
  add(key: string, fn: Listener): boolean {
    let set = this.byKey.get(key)
    const first = !set
    if (!set) this.byKey.set(key, (set = new Set()))
    set.add(fn)
    return first
  }
  remove(key: string, fn: Listener): boolean {
    const set = this.byKey.get(key)
    if (!set) return false
    set.delete(fn)
    if (set.size) return false
    this.byKey.delete(key)
    return true
  }
  deliver(key: string, message: string): void {
    const set = this.byKey.get(key)
    if (!set) return
    for (const fn of [...set]) {
      try { fn(message) } catch (e) { process.stderr.write(`quark realtime: a subscriber of ${key} failed: ${(e as Error).message}\n`) }
    }
  }
}

class ProcessBus implements Bus {
  private readonly subs = new LocalSubscribers()
  async publish(key: string, message: string): Promise<void> { this.subs.deliver(key, message) }
  subscribe(key: string, fn: Listener): void { this.subs.add(key, fn) }
  unsubscribe(key: string, fn: Listener): void { this.subs.remove(key, fn) }
  async close(): Promise<void> {}
}

class RedisBus implements Bus {
  private readonly subs = new LocalSubscribers()
  private pub?: Redis
  private sub?: Redis
  constructor(private readonly url: string) {}

  // ioredis is loaded by the first app that names a Redis server, not at every start
  private client(publisher: boolean): Redis {
    const Client = require('ioredis') as typeof import('ioredis').default
    // the subscriber retries for ever (it resubscribes when Redis is back); a broadcast fails
    // within seconds when Redis is down instead of holding its request
    const c = new Client(this.url, publisher ? { maxRetriesPerRequest: 1, connectTimeout: 3000, enableOfflineQueue: true } : { maxRetriesPerRequest: null })
    // one log line per outage, not one per reconnection attempt
    let down = ''
    c.on('error', (e: Error) => { if (down !== e.message) { down = e.message; process.stderr.write(`quark realtime: Redis ${this.safeUrl()}: ${e.message}\n`) } })
    c.on('ready', () => { down = '' })
    return c
  }

  /** the URL without its password, for logs and errors */
  safeUrl(): string { return this.url.replace(/\/\/[^@/]*@/, '//') }

  private subscriber(): Redis {
    if (!this.sub) {
      this.sub = this.client(false)
      this.sub.on('message', (key: string, message: string) => this.subs.deliver(key, message))
    }
    return this.sub
  }

  async publish(key: string, message: string): Promise<void> {
    if (!this.pub) {
      this.pub = this.client(true)
    }
    try {
      await this.pub.publish(key, message)
    } catch (e) {
      throw new QK_REALTIME_REDIS_DOWN(this.safeUrl(), (e as Error).message)
    }
  }

  subscribe(key: string, fn: Listener): void {
    if (this.subs.add(key, fn)) void this.subscriber().subscribe(key).catch(() => {})
  }

  /** Resolves once Redis confirmed the subscription of `key` (a test or a caller that must not miss the next message waits on it). */
  ready(key: string): Promise<unknown> { return this.subscriber().subscribe(key) }

  unsubscribe(key: string, fn: Listener): void {
    if (this.subs.remove(key, fn)) void this.sub?.unsubscribe(key).catch(() => {})
  }

  async close(): Promise<void> {
    // quit() waits for Redis to answer: a client that is not connected is just dropped
    const end = (c: Redis | undefined) => (c?.status === 'ready' ? c.quit().catch(() => { c.disconnect() }) : c?.disconnect())
    await Promise.all([end(this.pub), end(this.sub)])
  }
}

const processBus = new ProcessBus()
const redisBuses = new Map<string, RedisBus>()

const configs = new Map<string, { checked: number; config: RealtimeConfig }>()

function readJson(file: string): RealtimeConfig | undefined {
  let text: string
  try { text = fs.readFileSync(file, 'utf8') } catch { return undefined }
  let v: unknown
  try { v = JSON.parse(text) } catch (e) { throw new QK_REALTIME_BAD_CONFIG(file, (e as Error).message) }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new QK_REALTIME_BAD_CONFIG(file, 'not an object')
  const c = v as Record<string, unknown>
  if (c.redis !== undefined && (typeof c.redis !== 'string' || !/^rediss?:\/\//.test(c.redis))) throw new QK_REALTIME_BAD_CONFIG(file, '"redis" must be a redis:// URL')
  if (c.liveReload !== undefined && typeof c.liveReload !== 'boolean') throw new QK_REALTIME_BAD_CONFIG(file, '"liveReload" must be true or false')
  return { redis: c.redis as string | undefined, liveReload: c.liveReload as boolean | undefined }
}

/** The app's realtime settings: its private/realtime.json over the site's applications/realtime.json (re-read at most once a second). */
export function realtimeConfig(appFolder: string): RealtimeConfig {
  const now = throttleNow()
  const hit = configs.get(appFolder)
  if (hit && now - hit.checked < 1000) return hit.config
  const site = readJson(path.join(path.dirname(appFolder), 'realtime.json')) ?? {}
  const own = readJson(path.join(appFolder, 'private', 'realtime.json')) ?? {}
  const config = { ...site, ...own }
  configs.set(appFolder, { checked: now, config })
  return config
}

function busFor(appFolder: string): Bus {
  const url = realtimeConfig(appFolder).redis
  if (!url) return processBus
  let bus = redisBuses.get(url)
  if (!bus) redisBuses.set(url, (bus = new RedisBus(url)))
  return bus
}

export function checkChannel(channel: unknown): string {
  if (typeof channel !== 'string' || !channel.length || channel.length > 200 || /[\u0000-\u001f\u007f]/.test(channel)) {
    throw new QK_REALTIME_BAD_CHANNEL(JSON.stringify(String(channel).slice(0, 40)))
  }
  return channel
}

/** What subscribers receive: a string as is, anything else as JSON. */
export function encodeMessage(data: unknown): string {
  if (typeof data === 'string') return data
  return JSON.stringify(data, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null'
}

// An app's channels never meet another app's of the same name (on one Redis, several sites' apps too).
const keyOf = (app: string, channel: string) => `quark:rt:${app}:${channel}`

export interface AppChannels {
  publish(channel: string, data: unknown): Promise<void>
  subscribe(channel: string, fn: Listener): () => void
  /** resolves when a subscription made now is in place everywhere (Redis confirmed it) */
  ready(channel: string): Promise<void>
}

/** The channels of one app (its folder picks the bus). */
export function channelsOf(app: string, appFolder: string): AppChannels {
  return {
    async publish(channel, data) {
      await busFor(appFolder).publish(keyOf(app, checkChannel(channel)), encodeMessage(data))
    },
    subscribe(channel, fn) {
      const key = keyOf(app, checkChannel(channel))
      const bus = busFor(appFolder)
      bus.subscribe(key, fn)
      return () => bus.unsubscribe(key, fn)
    },
    async ready(channel) {
      const bus = busFor(appFolder)
      if (bus instanceof RedisBus) await bus.ready(keyOf(app, checkChannel(channel)))
    },
  }
}

/** Close every Redis connection of the buses (graceful shutdown, tests). */
export async function closeRealtimeBuses(): Promise<void> {
  const all = [...redisBuses.values()]
  redisBuses.clear()
  await Promise.all(all.map((b) => b.close()))
}
