/**
 * `current`: the request's objects, reachable from ordinary modules (and from
 * framework code such as URL(), T(), validators, the DAL) without passing
 * them around. Backed by AsyncLocalStorage, so per-request state never lives
 * in module globals.
 *
 * Public surface:
 *   current            - proxy-like accessor: current.request, current.response, ...
 *   runInContext(state, fn) - run fn with `state` as the current request state
 *   currentState()     - the raw state or undefined outside a request
 *   Transactional      - what a database handle registers so the request
 *                        lifecycle can commit / roll back / release it
 *   throttleNow()      - a coarse clock (≤ 20 ms old) for re-check throttles, never for stored times
 */
import { AsyncLocalStorage } from 'node:async_hooks'
export { throttleNow } from './clock'

/** A resource bound to one request: committed when the action returns, rolled back when it throws. */
export interface Transactional {
  commit(): Promise<void> | void
  rollback(): Promise<void> | void
  /** return pooled connections; called after commit or rollback */
  release(): Promise<void> | void
}

/**
 * The state of one request (or of one cron/scheduler/shell run, which has no
 * HTTP request). Rooms add fields they own; unknown fields are allowed so a
 * room never has to edit this file to store its per-request data.
 */
export interface CurrentState {
  /** absolute path of the app folder, e.g. /x/applications/welcome */
  appFolder: string
  /** app name, e.g. welcome */
  application: string
  request?: any
  response?: any
  session?: any
  T?: (text: string, symbols?: unknown) => string
  cache?: any
  /** databases opened during this request, committed or rolled back at its end (add through registerTransactional) */
  transactionals: Set<Transactional>
  /** anything else a room stores per request, keyed by the room's name */
  [key: string]: unknown
}

const storage = new AsyncLocalStorage<CurrentState>()

export function runInContext<R>(state: CurrentState, fn: () => R): R {
  return storage.run(state, fn)
}

export function currentState(): CurrentState | undefined {
  return storage.getStore()
}

/*
 * Most requests open no database: they all share one empty set, which nothing may add to, and
 * registerTransactional gives a state its own set on first use (a Set is ~150 bytes a request).
 */
class NoTransactionals extends Set<Transactional> {
  override add(): this { throw new Error('a request state joins a database through registerTransactional') }
}
const NONE: Set<Transactional> = new NoTransactionals()

export function newState(appFolder: string, application: string, extra?: Partial<CurrentState>): CurrentState {
  // every state starts with the same fields in the same order (one hidden class for all requests)
  const state: CurrentState = {
    appFolder, application, request: undefined, response: undefined, session: undefined, T: undefined, cache: undefined,
    transactionals: NONE,
  }
  if (extra !== undefined) for (const k in extra) state[k] = extra[k]
  return state
}

/** Register a database handle so the request lifecycle commits or rolls it back. No-op outside a request. */
export function registerTransactional(t: Transactional): void {
  const s = storage.getStore()
  if (s === undefined) return
  if (s.transactionals === NONE) s.transactionals = new Set()
  s.transactionals.add(t)
}

/**
 * `current.request`, `current.session`, ... read from the state of the
 * request being served; outside a request they are undefined.
 */
export const current: {
  readonly request: any
  readonly response: any
  readonly session: any
  readonly T: (text: string, symbols?: unknown) => string
  readonly cache: any
  readonly application: string | undefined
  readonly appFolder: string | undefined
  readonly state: CurrentState | undefined
  get(key: string): unknown
  set(key: string, value: unknown): void
} = {
  get request() { return storage.getStore()?.request },
  get response() { return storage.getStore()?.response },
  get session() { return storage.getStore()?.session },
  get T() { return storage.getStore()?.T ?? identityT },
  get cache() { return storage.getStore()?.cache },
  get application() { return storage.getStore()?.application },
  get appFolder() { return storage.getStore()?.appFolder },
  get state() { return storage.getStore() },
  get(key: string) { return storage.getStore()?.[key] },
  set(key: string, value: unknown) {
    const s = storage.getStore()
    if (!s) throw new Error('current.set() called outside a request')
    s[key] = value
  },
}

function identityT(text: string, symbols?: unknown): string {
  if (symbols === undefined || symbols === null) return text
  return interpolate(text, symbols)
}

/** `%s` / `%(name)s` interpolation as web2py's T does it; shared by i18n. */
export function interpolate(text: string, symbols: unknown): string {
  if (Array.isArray(symbols)) {
    let i = 0
    return text.replace(/%s/g, () => String(symbols[i++] ?? ''))
  }
  if (symbols && typeof symbols === 'object') {
    const o = symbols as Record<string, unknown>
    return text.replace(/%\((\w+)\)s/g, (_m, k: string) => String(o[k] ?? ''))
  }
  return text.replace('%s', String(symbols))
}
