/**
 * URL → what to serve: `/<app>/<controller>/<function>[.<ext>]/<args>`,
 * `/<app>/static/<path>`, or a framework asset `/_quark/<name>`.
 * Names are checked with precompiled patterns; no regex is built per request.
 */
import { QK_DISPATCH_BAD_ARG, QK_DISPATCH_BAD_NAME } from './errors'

export const NAME = /^[A-Za-z0-9_]+$/
export const EXT = /^[A-Za-z0-9]+$/

export type Target =
  | { kind: 'action'; application: string; controller: string; function: string; extension: string; args: string[] }
  | { kind: 'static'; application: string; path: string }
  | { kind: 'asset'; name: string }

export interface Defaults {
  /** the default application, or a function giving it: called only for a URL that names no app */
  application: string | (() => string)
  controller: string
  function: string
  /** per-app defaults (an app's routes.json), looked up once the app is known */
  forApp?: (app: string) => { controller?: string; function?: string } | undefined
}

export function isValidAppName(name: string): boolean {
  return NAME.test(name) && !name.startsWith('_') && name.length <= 64
}

/*
 * Parsed paths that name their app, controller and function depend on nothing else, so they are
 * kept (a few thousand, then forgotten all at once) and the same URL costs one map look-up the
 * next time. The targets are frozen: they are shared by every request for that path.
 */
const parsed = new Map<string, Target>()
const PARSED_MAX = 4096

export function parsePath(pathname: string, defaults: Defaults): Target {
  const known = parsed.get(pathname)
  if (known !== undefined) return known
  const t = parseUncached(pathname, defaults)
  if (t.kind === 'action' && isFull(pathname)) {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: the bound only decides when the kept targets are forgotten (memory), never what a path means
    if (parsed.size >= PARSED_MAX) parsed.clear()
    Object.freeze(t.args)
    parsed.set(pathname, Object.freeze(t))
  }
  return t
}

/** `/<app>/<controller>/<function>...`: three non-empty segments, so no default was used */
function isFull(pathname: string): boolean {
  let slashes = 0
  for (let i = 0; i < pathname.length; i++) {
    if (pathname.charCodeAt(i) !== 47) continue
    if (i + 1 >= pathname.length || pathname.charCodeAt(i + 1) === 47) return false
    if (++slashes === 3) return true
  }
  return false
}

function parseUncached(pathname: string, defaults: Defaults): Target {
  const parts = pathname.split('/')
  // parts[0] is '' (the leading slash); trailing empty segments are ignored
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop()
  const app = parts[1] || (typeof defaults.application === 'string' ? defaults.application : defaults.application())
  if (app === '_quark') return { kind: 'asset', name: parts.slice(2).join('/') }
  if (!NAME.test(app)) throw new QK_DISPATCH_BAD_NAME(app)
  if (parts[2] === 'static') return { kind: 'static', application: app, path: parts.slice(3).join('/') }
  // Stryker disable next-line ConditionalExpression: skips the app's routes look-up when the URL names both; its answer would not be used
  const own = parts[2] && parts[3] ? undefined : defaults.forApp?.(app)
  const controller = parts[2] || own?.controller || defaults.controller
  if (!NAME.test(controller)) throw new QK_DISPATCH_BAD_NAME(controller)
  let fn = parts[3] || (parts[2] && parts[2] !== own?.controller ? undefined : own?.function) || defaults.function
  let extension = 'html'
  const dot = fn.indexOf('.')
  if (dot !== -1) {
    extension = fn.slice(dot + 1)
    fn = fn.slice(0, dot)
    if (!EXT.test(extension)) throw new QK_DISPATCH_BAD_NAME(extension)
  }
  if (!NAME.test(fn)) throw new QK_DISPATCH_BAD_NAME(fn)
  const args: string[] = []
  for (let i = 4; i < parts.length; i++) {
    const raw = parts[i]!
    let a: string
    // Stryker disable next-line StringLiteral,ConditionalExpression: decoding a segment without '%' gives it back unchanged; the test only saves the call
    try { a = raw.includes('%') ? decodeURIComponent(raw) : raw } catch { throw new QK_DISPATCH_BAD_ARG(raw) }
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x1f]/.test(a)) throw new QK_DISPATCH_BAD_ARG(raw)
    args.push(a)
  }
  return { kind: 'action', application: app, controller, function: fn, extension, args }
}
