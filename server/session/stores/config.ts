/**
 * Which store an app's sessions live in: `<app>/private/session.json` (read once per process, on the
 * app's first request that carries or writes a session). No file, or `{ "store": "file" }`: files.
 *
 *   { "store": "database", "uri": "postgres://user@host/db" }        (or sqlite://..., mysql://...)
 *   { "store": "redis", "url": "redis://127.0.0.1:6379/0" }
 *   { "store": "cookie", "secrets": ["new secret", "previous secret"] }
 *
 * A string value "$NAME" is read from the environment variable NAME (keep secrets out of the folder).
 * The configuration is read before the models run (the session is loaded before them), which is why it
 * is a file and not a call in a model.
 */
import fs from 'node:fs'
import path from 'node:path'
import { FileStore } from './file'
import type { SessionConfig, SessionStore } from './types'
import { QK_SESSION_BAD_CONFIG } from '../errors'

const stores = new Map<string, SessionStore>()

export function storeFor(appFolder: string): SessionStore {
  let s = stores.get(appFolder)
  if (s === undefined) {
    s = makeStore(appFolder, readConfig(appFolder))
    stores.set(appFolder, s)
  }
  return s
}

/** Use `store` for the app's sessions from now on (tests, or code that builds its store itself). */
export function setSessionStore(appFolder: string, store: SessionStore): void {
  stores.set(appFolder, store)
}

/** Close every store's connections and forget them (shutdown, tests); the next request reads the configuration again. */
export async function closeSessionStores(): Promise<void> {
  const all = [...stores.values()]
  stores.clear()
  await Promise.all(all.map((s) => s.close().catch(() => {})))
}

export function configPath(appFolder: string): string {
  return path.join(appFolder, 'private', 'session.json')
}

export function readConfig(appFolder: string): SessionConfig {
  let text: string
  // Stryker disable next-line StringLiteral: read as a Buffer, JSON.parse reads the same UTF-8 text
  try { text = fs.readFileSync(configPath(appFolder), 'utf8') } catch { return {} }
  let raw: unknown
  try { raw = JSON.parse(text) } catch (e) { throw new QK_SESSION_BAD_CONFIG(configPath(appFolder), (e as Error).message) }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new QK_SESSION_BAD_CONFIG(configPath(appFolder), 'not a JSON object')
  return fromEnvironment(raw as Record<string, unknown>) as SessionConfig
}

function fromEnvironment(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(o)) {
    if (k === '__proto__') continue
    if (typeof v === 'string' && /^\$[A-Za-z_][A-Za-z0-9_]*$/.test(v)) out[k] = process.env[v.slice(1)] ?? ''
    else if (Array.isArray(v)) out[k] = v.map((x) => typeof x === 'string' && /^\$[A-Za-z_]\w*$/.test(x) ? process.env[x.slice(1)] ?? '' : x)
    else out[k] = v
  }
  return out
}

export function makeStore(appFolder: string, c: SessionConfig): SessionStore {
  const where = configPath(appFolder)
  const app = path.basename(appFolder)
  const store = c.store ?? 'file'
  switch (store) {
    case 'file':
      return new FileStore(appFolder, c)
    case 'database': {
      const uri = c.uri ?? c.url
      if (!uri) throw new QK_SESSION_BAD_CONFIG(where, 'the database store needs "uri"')
      const { DatabaseStore } = require('./database') as typeof import('./database')
      return new DatabaseStore({ ...c, uri, folder: path.join(appFolder, 'databases') })
    }
    case 'redis': {
      const url = c.url ?? c.uri
      if (!url) throw new QK_SESSION_BAD_CONFIG(where, 'the redis store needs "url"')
      const { RedisStore } = require('./redis') as typeof import('./redis')
      return new RedisStore({ ...c, url, prefix: c.prefix ?? `quark:session:${app}:` })
    }
    case 'cookie': {
      const secrets = c.secrets ?? (c.secret ? [c.secret] : [])
      if (!secrets.length || secrets.some((s) => typeof s !== 'string' || s.length < 16)) throw new QK_SESSION_BAD_CONFIG(where, 'the cookie store needs "secret" or "secrets" of at least 16 characters each')
      const { CookieStore } = require('./cookie') as typeof import('./cookie')
      return new CookieStore({ ...c, secrets, app })
    }
    default:
      throw new QK_SESSION_BAD_CONFIG(where, `unknown store ${JSON.stringify(store)} (file, database, redis or cookie)`)
  }
}
