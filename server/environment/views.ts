/**
 * Turning an action's result into a body: a string is the body, null the
 * writes made with response.write (or nothing), a Buffer or stream is
 * streamed, an object is rendered by its view — views/<c>/<f>.<ext> through
 * the app's TemplateEngine — or by a generic view when allowed (localhost by
 * default, `response.genericPatterns` otherwise).
 */
import { Readable } from 'node:stream'
import { StreamBody, contentTypeOf, toHtml, escapeHtml, type QuarkRequest, type QuarkResponse } from '../http'
import { optionalRoom } from './names'
import { deriveShape, scopeShape } from './scope'
import type { AppRuntime } from './app'
import { QK_ENV_NO_VIEW } from './errors'

export type Body = string | Buffer | StreamBody | Readable | null

const patternCache = new Map<string, RegExp>()

/** Does `controller/function.ext` match one of the glob patterns (`*` = anything)? */
export function genericAllowed(patterns: readonly string[], target: string): boolean {
  for (const p of patterns) {
    if (p === '*') return true
    let re = patternCache.get(p)
    if (!re) {
      re = new RegExp('^' + p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$')
      if (patternCache.size < 1000) patternCache.set(p, re)
    }
    if (re.test(target)) return true
  }
  return false
}

/*
 * The shape of a view's scope: the environment's shape plus the keys of the action's result.
 * An action returns the same keys on every request, so the last few key lists seen per
 * environment shape are kept and compared key by key: no joined string and no hashing per request.
 */
const keyShapes = new Map<number, { keys: string[]; shape: number }[]>()
function shapeWithKeys(envShape: number, keys: string[]): number {
  let seen = keyShapes.get(envShape)
  if (seen === undefined) { seen = []; if (keyShapes.size < 1000) keyShapes.set(envShape, seen) }
  search: for (const s of seen) {
    if (s.keys.length !== keys.length) continue
    for (let i = 0; i < keys.length; i++) if (s.keys[i] !== keys[i]) continue search
    return s.shape
  }
  const shape = deriveShape(envShape, keys.join(','))
  if (seen.length >= 16) seen.shift()
  seen.push({ keys, shape })
  return shape
}

function setType(response: QuarkResponse, ext: string): void {
  if (!response.headers['Content-Type']) {
    let type = typesByExt.get(ext)
    if (type === undefined) { type = contentTypeOf(`x.${ext}`); if (typesByExt.size < 1000) typesByExt.set(ext, type) }
    response.headers['Content-Type'] = type
  }
}
const typesByExt = new Map<string, string>()

/** A body at once for strings, null, buffers and streams; a promise only when a view renders. */
export function renderResult(result: unknown, env: Record<string, unknown>, rt: AppRuntime, request: QuarkRequest, response: QuarkResponse): Body | Promise<Body> {
  const ext = request.extension
  if (typeof result === 'string') { setType(response, ext); return result }
  if (result === null || result === undefined) {
    if (response.body.length) { setType(response, ext); return response.body.join('') }
    return null
  }
  if (Buffer.isBuffer(result) || result instanceof StreamBody || result instanceof Readable) return result
  if (typeof result === 'number' || typeof result === 'boolean' || typeof result === 'bigint') { setType(response, ext); return String(result) }
  if (typeof (result as { xml?: unknown }).xml === 'function') { setType(response, ext); return toHtml(result) }
  return renderView(result as Record<string, unknown>, env, rt, request, response)
}

/** A view's body: a string at once when nothing awaits (errors thrown), else a promise. */
export function renderView(ctx: Record<string, unknown>, env: Record<string, unknown>, rt: AppRuntime, request: QuarkRequest, response: QuarkResponse, view?: string): string | Buffer | Promise<string> {
  const ext = request.extension
  const engine = rt.templates()
  const name = view ?? (response.view || `${request.controller}/${request.function}.${ext}`)
  setType(response, name.slice(name.lastIndexOf('.') + 1) || ext)
  // A copy of the environment's own names plus the result's, over the same prototype (the framework
  // names), rather than Object.create(env): a fresh object used as a prototype gets hidden classes of
  // its own, so every request's scope had a new shape and the view's name look-ups were megamorphic.
  const scope = Object.create(Object.getPrototypeOf(env)) as Record<string, unknown>
  const own = Object.keys(env)
  for (let i = 0; i < own.length; i++) scope[own[i]!] = env[own[i]!]
  const keys = Object.keys(ctx)
  for (let i = 0; i < keys.length; i++) scope[keys[i]!] = ctx[keys[i]!]
  const envShape = scopeShape(env)
  const shape = envShape === undefined ? undefined : shapeWithKeys(envShape, keys)
  // web2py's response.delimiters: the template language's delimiters for this render (template/ checks them)
  const delimiters = response.delimiters
  if (engine?.has(name)) return engine.renderNow(name, scope, shape, ctx, delimiters)
  if (!genericAllowed(response.genericPatterns, `${request.controller}/${request.function}.${ext}`)) throw new QK_ENV_NO_VIEW(name)
  const generic = `generic.${ext}`
  if ((ext === 'html' || ext === 'load') && engine?.has(generic)) return engine.renderNow(generic, scope, shape, ctx, delimiters)
  const services = optionalRoom('services', () => require('../services'))
  const renderGeneric = services?.renderGeneric as ((e: string, v: unknown, r: unknown) => { body: string | Buffer; contentType: string; headers?: Record<string, string> } | undefined) | undefined
  if (renderGeneric && ext !== 'html' && ext !== 'load') {
    const out = renderGeneric(ext, ctx, request)
    if (!out) throw new QK_ENV_NO_VIEW(name)
    response.headers['Content-Type'] = out.contentType
    if (out.headers) Object.assign(response.headers, out.headers) // jsonp's X-Content-Type-Options: nosniff
    return out.body // a Buffer for the generic .pdf
  }
  if (ext === 'json') {
    response.headers['Content-Type'] = 'application/json; charset=utf-8'
    return JSON.stringify(ctx)
  }
  if (ext === 'html' && !engine) return standIn(ctx, response)
  throw new QK_ENV_NO_VIEW(name)
}

/** Used only until template/ exists: the result's keys as a definition list. */
function standIn(ctx: Record<string, unknown>, response: QuarkResponse): string {
  const rows = Object.keys(ctx).map((k) => `<dt>${escapeHtml(k)}</dt><dd>${toHtml(ctx[k])}</dd>`).join('')
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(response.title)}</title></head><body><dl>${rows}</dl></body></html>`
}
