/**
 * cache.action: a decorator for actions. It always sets the HTTP caching
 * headers (Cache-Control max-age, public or private, and Expires) on
 * current.response; with a cacheModel it also keeps the action's result,
 * keyed by the URL, and optionally the request vars, the language and the
 * session, so the next matching request skips the action.
 */
import crypto from 'node:crypto'
import { current } from '../current/index'
import { expireOf } from './common'

export interface ActionCacheOptions {
  /** seconds; default 300 */
  timeExpire?: number
  /** where results are kept; null (default) only sets the headers */
  cacheModel?: 'ram' | 'disk' | 'redis' | null
  /** Cache-Control public (default) or private */
  public?: boolean
  /** include request.vars in the key (default true) */
  vars?: boolean
  /** include the request's language in the key (default true) */
  lang?: boolean
  /** include the session id in the key (default false): per-user pages */
  session?: boolean
  /** a key prefix; default 'action:' */
  prefix?: string
}

type Store = <R>(key: string, fn: (() => R) | null, timeExpire?: number | null) => unknown

function stableVars(vars: unknown): string {
  if (!vars || typeof vars !== 'object') return ''
  const o = vars as Record<string, unknown>
  return JSON.stringify(Object.keys(o).sort().map((k) => [k, o[k]]))
}

/** The parts of the request that select a cached result. */
function actionKey(opts: ActionCacheOptions): string {
  const req = current.request ?? {}
  const state = current.state
  const url = String(req.path ?? req.url ?? req.env?.PATH_INFO ?? '').split('?')[0]
  const parts = [url]
  if (opts.vars !== false) parts.push(stableVars(req.vars ?? req.query))
  if (opts.lang !== false) {
    const T = state?.T as { language?: string } | undefined
    parts.push(String(T?.language ?? req.headers?.['accept-language'] ?? ''))
  }
  if (opts.session) parts.push(String(current.session?.id ?? current.session?.sessionId ?? ''))
  return (opts.prefix ?? 'action:') + crypto.createHash('sha256').update(JSON.stringify(parts)).digest('hex')
}

function setHeaders(seconds: number, isPublic: boolean): void {
  const headers = current.response?.headers
  if (!headers || typeof headers !== 'object') return
  const maxAge = Number.isFinite(seconds) ? Math.floor(seconds) : 31536000
  headers['Cache-Control'] = `max-age=${maxAge}, ${isPublic ? 'public' : 'private'}`
  headers['Expires'] = new Date(Date.now() + maxAge * 1000).toUTCString()
  delete headers['Pragma']
}

/** Only successful responses are kept (web2py's valid_statuses). */
function cacheable(): boolean {
  const status = current.response?.status
  return status === undefined || (status >= 200 && status < 300)
}

export function makeActionDecorator(stores: { ram: Store; disk: Store; redis: Store }) {
  return function action(opts: ActionCacheOptions = {}) {
    const seconds = expireOf(opts.timeExpire)
    const isPublic = opts.public !== false && !opts.session
    return function decorate<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => Promise<Awaited<R>> {
      return async function cachedAction(this: unknown, ...args: A): Promise<Awaited<R>> {
        setHeaders(seconds, isPublic)
        if (!opts.cacheModel) return await fn.apply(this, args)
        const store = stores[opts.cacheModel]
        const key = actionKey(opts)
        let produced = false
        const result = (await store(key, () => { produced = true; return fn.apply(this, args) }, seconds)) as Awaited<R>
        // an error page (status set by the action) must not be served to the next visitor
        if (produced && !cacheable()) await store(key, null)
        return result
      }
    }
  }
}
