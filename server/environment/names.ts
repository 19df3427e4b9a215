/**
 * The framework names every model, controller and view sees without imports.
 *
 * Static names (shared by every request, never mutated per request) live in
 * one null-prototype object; each request's environment is
 * `Object.create(staticNames)` plus request, response, session, cache, T and
 * the models' exports.
 *
 * Rooms built by other engineers are wired in when present: a room that is
 * missing (or broken while it is being written) is skipped with a warning,
 * so the core keeps serving. A room contributes the result of its
 * `*Names()` listing function when it has one (html's `helperNames`),
 * otherwise its exports whose names start with an upper-case letter
 * (DAL, Field, IS_INT_IN_RANGE, SQLFORM, Auth, Service, ...).
 */
import { current } from '../current'
import { HTTP, redirect, escapeHtml } from '../http'

export interface NameSource { name: string; room: string }

// Literal require() calls so a bundler can follow them.
const ROOMS: [string, () => Record<string, unknown>][] = [
  ['html', () => require('../html')],
  ['validators', () => require('../validators')],
  ['dal', () => require('../dal')],
  ['forms', () => require('../forms')],
  ['auth', () => require('../auth')],
  ['services', () => require('../services')],
  ['realtime', () => require('../realtime')],
  ['scheduler', () => require('../scheduler')],
]

const loaded = new Map<string, Record<string, unknown> | undefined>()
// Not `require` itself: a bundler would pull every file under server/ into the bundle for `../${room}`.
const dynamicRequire: (id: string) => Record<string, unknown> = require

/** The exports of an optional room, or undefined when it is absent or fails to load. */
export function optionalRoom(room: string, load?: () => Record<string, unknown>): Record<string, unknown> | undefined {
  if (loaded.has(room)) return loaded.get(room)
  let mod: Record<string, unknown> | undefined
  try {
    mod = (load ?? ROOMS.find((r) => r[0] === room)?.[1] ?? (() => dynamicRequire(`../${room}`)))()
  } catch (e) {
    const err = e as { code?: string; message?: string }
    const missing = err.code === 'MODULE_NOT_FOUND' && String(err.message).includes(`/${room}`)
    if (!missing && process.env.QUARK_QUIET_ROOMS !== '1') process.stderr.write(`quark: room ${room}/ failed to load and is skipped: ${err.message}\n`)
    mod = undefined
  }
  loaded.set(room, mod)
  return mod
}

function roomNames(mod: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(mod)) {
    if (/^[a-z]\w*Names$/.test(k) && typeof mod[k] === 'function' && (mod[k] as () => unknown).length === 0) {
      const r = (mod[k] as () => unknown)()
      if (r && typeof r === 'object') return r as Record<string, unknown>
    }
  }
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(mod)) if (/^[A-Z]/.test(k) && !k.startsWith('QK_')) out[k] = mod[k]
  return out
}

/** URL() stand-in used only while html/ is absent: /app/controller/function[.ext]/args?vars */
function minimalURL(a?: string, b?: string, c?: string, o: { args?: unknown[]; vars?: Record<string, unknown>; extension?: string } = {}): string {
  const r = current.request as { application?: string; controller?: string } | undefined
  let app = r?.application ?? ''
  let ctl = r?.controller ?? 'default'
  let fn: string
  if (c !== undefined) { app = a!; ctl = b!; fn = c }
  else if (b !== undefined) { ctl = a!; fn = b }
  else fn = a ?? 'index'
  const ext = o.extension ? `.${o.extension}` : ''
  const args = (o.args ?? []).map((x) => '/' + encodeURIComponent(String(x))).join('')
  const q = o.vars ? new URLSearchParams(Object.entries(o.vars).map(([k, v]): [string, string] => [k, String(v)])).toString() : ''
  return `/${app}/${ctl}/${fn}${ext}${args}${q ? '?' + q : ''}`
}

let staticNames: Record<string, unknown> | undefined
const sources: NameSource[] = []

/** The shared static names (built once). */
export function getStaticNames(): Record<string, unknown> {
  if (staticNames) return staticNames
  const s: Record<string, unknown> = Object.create(null)
  const add = (room: string, names: Record<string, unknown>) => {
    for (const k of Object.keys(names)) {
      // never shadow a JavaScript global (Date, Map, Error, ...) by accident; URL is web2py's on purpose
      if (k in globalThis && k !== 'URL') continue
      s[k] = names[k]
      sources.push({ name: k, room })
    }
  }
  add('current', { current })
  add('http', { HTTP, redirect, escapeHtml })
  for (const [room] of ROOMS) {
    const mod = optionalRoom(room)
    if (mod) add(room, roomNames(mod))
  }
  if (!('URL' in s)) { s.URL = minimalURL; sources.push({ name: 'URL', room: 'environment/names' }) }
  if (!('XML' in s)) {
    s.XML = (text: unknown) => ({ xml: () => String(text), toString: () => String(text) })
    sources.push({ name: 'XML', room: 'environment/names' })
  }
  staticNames = Object.freeze(s) as Record<string, unknown>
  return staticNames
}

/** Where each static name comes from (the declaration-file generator types them from there). */
export function nameSources(): readonly NameSource[] {
  getStaticNames()
  return sources
}

/** The names a request adds on top of the static ones. */
export const PER_REQUEST_NAMES = ['request', 'response', 'session', 'cache', 'T'] as const
