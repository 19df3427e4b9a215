/**
 * Routes, the parametric part: `<folder>/routes.json` may name the default
 * application (`{ "defaultApplication": "shop" }`), and `<app>/routes.json`
 * the app's default controller and function
 * (`{ "defaultController": "pages", "defaultFunction": "home" }`).
 * Files are re-read at most once a second; bad files are reported once and ignored.
 */
import fs from 'node:fs'
import path from 'node:path'
import { isValidAppName, NAME } from './parse'

interface Cached<T> { at: number; mtime: number; value: T | undefined }
const cache = new Map<string, Cached<Record<string, unknown>>>()

function readJson(file: string): Record<string, unknown> | undefined {
  const now = Date.now()
  const c = cache.get(file)
  // Stryker disable next-line EqualityOperator: the very millisecond the cache period ends cannot be aimed at
  if (c && now - c.at < 1000) return c.value
  let mtime = -1
  try { mtime = fs.statSync(file).mtimeMs } catch { /* no routes file */ }
  if (c && c.mtime === mtime) { c.at = now; return c.value }
  let value: Record<string, unknown> | undefined
  if (mtime !== -1) {
    try {
      // Stryker disable next-line StringLiteral: without an encoding readFileSync gives a Buffer, which JSON.parse reads as the same UTF-8 text
      const v = JSON.parse(fs.readFileSync(file, 'utf8'))
      value = v && typeof v === 'object' ? v : undefined
    } catch (e) {
      process.stderr.write(`quark: ignoring ${file}: ${(e as Error).message}\n`)
    }
  }
  cache.set(file, { at: now, mtime, value })
  return value
}

// folder → its routes.json path, so the per-request lookups do not join paths
const routeFiles = new Map<string, string>()
function routesFile(folder: string): string {
  let f = routeFiles.get(folder)
  // Stryker disable next-line ConditionalExpression,EqualityOperator: a memo (and its bound) changes what is kept, never the path returned
  if (f === undefined) { f = path.join(folder, 'routes.json'); if (routeFiles.size < 10000) routeFiles.set(folder, f) }
  return f
}

/** The site's default application (routes.json), or undefined. */
export function siteDefaultApp(folder: string): string | undefined {
  const v = readJson(routesFile(folder))?.defaultApplication
  return typeof v === 'string' && isValidAppName(v) ? v : undefined
}

/** An app's own default controller / function (its routes.json). */
export function appDefaults(appFolder: string): { controller?: string; function?: string } | undefined {
  const v = readJson(routesFile(appFolder))
  if (!v) return undefined
  const c = v.defaultController
  const f = v.defaultFunction
  return {
    controller: typeof c === 'string' && NAME.test(c) ? c : undefined,
    function: typeof f === 'string' && NAME.test(f) ? f : undefined,
  }
}
