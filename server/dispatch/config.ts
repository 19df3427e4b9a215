/**
 * Reading a routes file: `routes.ts` (an exported object, compiled with esbuild) or `routes.json`,
 * at the site folder and in each app. A file is stat'ed at most once a second and re-read only when
 * its mtime changes; a file that cannot be read or is invalid is reported once (stderr and
 * `routesProblems()`, shown by the admin and `quark routes`) and the last good value stays in force.
 *
 * Keys may be written as web2py writes them (`default_application`, `routes_in`) or in camelCase
 * (`defaultApplication`, `routesIn`): both are normalised to web2py's names here.
 */
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { throttleNow } from '../current'
import { QK_ROUTES_BAD_CONFIG } from './errors'

export type RawRoutes = Record<string, unknown>

export interface LoadedRoutes {
  /** the normalised object, or undefined when there is no routes file */
  value: RawRoutes | undefined
  /** which file it came from */
  file: string | undefined
  /** changes whenever value changes (for the compiled tables' caches) */
  version: number
}

interface Entry extends LoadedRoutes { checkedAt: number; stamp: string; problem: string | undefined }

const entries = new Map<string, Entry>()
let versions = 0

const CHECK_MS = 1000

/** The routes of a folder (site or app), from routes.ts when present, else routes.json. */
export function loadRoutes(folder: string, validate?: (v: RawRoutes, file: string) => void): LoadedRoutes {
  let e = entries.get(folder)
  const now = throttleNow()
  // Stryker disable next-line ConditionalExpression,EqualityOperator: the check period is a cost choice
  if (e !== undefined && now - e.checkedAt < CHECK_MS) return e
  const ts = path.join(folder, 'routes.ts')
  const json = path.join(folder, 'routes.json')
  const stTs = fs.statSync(ts, { throwIfNoEntry: false })
  const stJson = stTs ? undefined : fs.statSync(json, { throwIfNoEntry: false })
  const file = stTs ? ts : stJson ? json : undefined
  const st = stTs ?? stJson
  const stamp = file ? `${file}:${st!.mtimeMs}:${st!.size}` : ''
  if (e !== undefined && e.stamp === stamp) { e.checkedAt = now; return e }
  if (e === undefined) {
    e = { value: undefined, file: undefined, version: ++versions, checkedAt: now, stamp, problem: undefined }
    if (entries.size < 10000) entries.set(folder, e)
  }
  e.checkedAt = now
  e.stamp = stamp
  if (!file) {
    e.value = undefined; e.file = undefined; e.problem = undefined; e.version = ++versions
    return e
  }
  try {
    const raw = file === ts ? readTs(ts) : JSON.parse(fs.readFileSync(json, 'utf8'))
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('the routes must be an object')
    const value = normalise(raw as RawRoutes)
    validate?.(value, file)
    e.value = value; e.file = file; e.problem = undefined; e.version = ++versions
  } catch (err) {
    const message = err instanceof QK_ROUTES_BAD_CONFIG ? (err as Error).message : new QK_ROUTES_BAD_CONFIG(file, (err as Error).message).message
    e.problem = message
    // the last good routes stay in force
    process.stderr.write(`quark: ${message}${e.value ? ' (the previous routes stay in force)' : ' (ignored)'}\n`)
  }
  return e
}

/** Problems of the routes files read so far (file → message), for the admin and `quark routes`. */
export function routesProblems(): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [folder, e] of entries) if (e.problem) out[folder] = e.problem
  return out
}

export function routesProblem(folder: string): string | undefined {
  return entries.get(folder)?.problem
}

/** routes.ts: `export default { ... }` or `export const routes = { ... }` (or web2py's separate names). */
function readTs(file: string): unknown {
  // esbuild is required here, not at the top: most sites have no routes.ts
  const esbuild = require('esbuild') as typeof import('esbuild')
  const code = esbuild.transformSync(fs.readFileSync(file, 'utf8'), { loader: 'ts', format: 'cjs', sourcefile: file }).code
  const mod: { exports: Record<string, unknown> } = { exports: {} }
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  new Function('module', 'exports', 'require', '__filename', '__dirname', code)(mod, mod.exports, createRequire(file), file, path.dirname(file))
  const ex = mod.exports
  if (ex.default && typeof ex.default === 'object') return ex.default
  if (ex.routes && typeof ex.routes === 'object') return ex.routes
  const named: Record<string, unknown> = {}
  for (const k of Object.keys(ex)) if (k !== '__esModule') named[k] = ex[k]
  return named
}

/** camelCase → web2py's snake_case, recursively for the router settings (not for app names or hosts). */
function snake(k: string): string {
  return k === 'BASE' ? k : k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())
}

const SETTINGS = new Set([
  'default_application', 'applications', 'default_controller', 'controllers', 'default_function', 'functions',
  'domains', 'exclusive_domain', 'default_language', 'languages', 'root_static', 'map_static', 'map_hyphen',
  'path_prefix', 'acfe_match', 'file_match', 'args_match',
])

function normaliseSettings(v: unknown): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v
  const out: Record<string, unknown> = {}
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const s = snake(k)
    out[SETTINGS.has(s) ? s : k] = x
  }
  return out
}

export function normalise(raw: RawRoutes): RawRoutes {
  const out: RawRoutes = {}
  for (const [k, v] of Object.entries(raw)) out[snake(k)] = v
  if (out.routers && typeof out.routers === 'object' && !Array.isArray(out.routers)) {
    const routers: Record<string, unknown> = {}
    for (const [app, s] of Object.entries(out.routers as Record<string, unknown>)) routers[app] = normaliseSettings(s)
    out.routers = routers
  }
  if (out.router !== undefined) out.router = normaliseSettings(out.router)
  return out
}
