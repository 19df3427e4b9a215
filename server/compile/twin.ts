/**
 * Where the core finds an app's compiled form. `quark compile` writes
 * <app>/compiled/ with MANIFEST (the marker) and, for each source
 * models/x.ts, controllers/y.ts or modules/z.ts, models/x.js, controllers/y.js
 * or modules/z.js (ES module syntax, minified; a module's .json is copied).
 * While the marker exists the core runs these instead of the sources (which
 * may be deleted), and renders views from compiled/views, whose precompiled
 * modules the template engine loads.
 * Only node built-ins here: environment/ imports this file.
 */
import fs from 'node:fs'
import path from 'node:path'
import { throttleNow } from '../current'

export const COMPILED_DIR = 'compiled'
export const MARKER = 'MANIFEST.json'
const KINDS = new Set(['models', 'controllers', 'modules'])
const RECHECK_MS = Number(process.env.QUARK_RECHECK_MS ?? 500)

// marker existence per app folder, re-checked at most every RECHECK_MS (process-wide, like the compile cache)
const markers = new Map<string, { at: number; yes: boolean }>()
function hasMarker(app: string): boolean {
  const now = throttleNow()
  const m = markers.get(app)
  if (m && now - m.at < RECHECK_MS) return m.yes
  const yes = fs.existsSync(path.join(app, COMPILED_DIR, MARKER))
  markers.set(app, { at: now, yes })
  return yes
}
/** Forget what is known about an app's compiled state (after compile / remove). */
export function forgetMarker(app: string): void { markers.delete(path.resolve(app)) }

/** The app folder and kind of an app path (.../<app>/models/..., controllers/... or modules/...) when that app is compiled. */
function compiledRoot(p: string): { app: string; rel: string } | undefined {
  const parts = p.split(path.sep)
  // from the right: models/<c>/<f>/x.ts belongs to the app above the leftmost matching kind that has the marker
  for (let i = parts.length - 1; i > 0; i--) {
    if (!KINDS.has(parts[i]!)) continue
    const app = parts.slice(0, i).join(path.sep)
    if (hasMarker(app)) return { app, rel: parts.slice(i).join(path.sep) }
  }
  return undefined
}

/** The compiled twin of an app file (models/x.ts → compiled/models/x.js, modules/y.json → compiled/modules/y.json) or folder, when the app is compiled. */
export function compiledTwin(p: string): string | undefined {
  const r = compiledRoot(p)
  if (!r) return undefined
  return path.join(r.app, COMPILED_DIR, r.rel.replace(/\.ts$/, '.js'))
}

/** The views folder the app's templates come from: compiled/views when compiled, else views. */
export function viewsFolderOf(appFolder: string): string {
  let f = viewFolders.get(appFolder)
  if (f === undefined) {
    f = { resolved: path.resolve(appFolder), compiled: path.join(appFolder, COMPILED_DIR, 'views'), source: path.join(appFolder, 'views') }
    if (viewFolders.size < 10000) viewFolders.set(appFolder, f)
  }
  return hasMarker(f.resolved) ? f.compiled : f.source
}
// per app folder, its two possible views folders, joined once (asked on every rendered request)
const viewFolders = new Map<string, { resolved: string; compiled: string; source: string }>()

export function isCompiled(appFolder: string): boolean {
  return fs.existsSync(path.join(appFolder, COMPILED_DIR, MARKER))
}
