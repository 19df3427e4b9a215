/**
 * App files (models, controllers, modules) compiled once with esbuild and
 * cached by path + mtime + size. A throttled stat (at most once per
 * RECHECK_MS per file) notices edits, so no request reads a file, and an
 * edited file is recompiled on the next request after it changed.
 * Directory listings (models/, conditional model folders) use the same throttle.
 *
 * esbuild's output is also kept on disk, in <app>/.quark/esbuild/ (one file per
 * source file, keyed by the sha256 of the source, the compiler options, the
 * esbuild and Quark versions): a new process whose app files did not change
 * since they were last compiled runs them without esbuild (whose service costs
 * ~100 ms to start). An unreadable, stale or foreign entry is only a miss; an
 * unwritable folder only means no disk cache.
 */
import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'
import { transformSync, type TransformOptions } from 'esbuild'
import { compileScoped, type ScopedScript } from './scope'
import { lowerExports } from './lowerExports'
import { registerSourceMap, forgetSourceMap } from './sourcemaps'
import { QK_ENV_COMPILE } from './errors'
import { compiledTwin, COMPILED_DIR, MARKER } from '../compile/twin'
import { esbuildVersion } from '../sea'
import { throttleNow } from '../current'

export const RECHECK_MS = Number(process.env.QUARK_RECHECK_MS ?? 500)
export const PARAMS = ['exports', 'module', 'require']

interface Entry { mtimeMs: number; size: number; checkedAt: number; script: ScopedScript | undefined }

const files = new Map<string, Entry>()

/**
 * The compiled script of `file`, or undefined when it does not exist. Throws QK_ENV_COMPILE on a syntax error.
 * `asModule`: compile for ModuleLoader (run once per app, exports stay live getters so import
 * cycles see them); otherwise (models, controllers, run per request) exports are lowered to
 * plain assignments at the end of the file (see lowerExports.ts).
 */
export function compiledScript(file: string, asModule = false): ScopedScript | undefined {
  const now = throttleNow()
  const key = asModule ? `${file}\0module` : file
  const e = files.get(key)
  if (e && now - e.checkedAt < RECHECK_MS) return e.script
  let st: fs.Stats | undefined
  const src = compiledTwin(file) ?? file  // a compiled app runs <app>/compiled/ (server/compile)
  try { st = fs.statSync(src) } catch { st = undefined }
  if (!st || !st.isFile()) {
    files.set(key, { mtimeMs: 0, size: -1, checkedAt: now, script: undefined })
    if (e?.script) forgetSourceMap(file)
    return undefined
  }
  if (e && e.script && e.mtimeMs === st.mtimeMs && e.size === st.size) {
    e.checkedAt = now
    return e.script
  }
  const script = compileFile(src, asModule)
  files.set(key, { mtimeMs: st.mtimeMs, size: st.size, checkedAt: now, script })
  return script
}

/** Forget cached compilations (all, or those under a folder). */
export function invalidate(prefix?: string): void {
  for (const k of [...files.keys()]) if (!prefix || k.startsWith(prefix)) files.delete(k)
  for (const k of [...dirs.keys()]) if (!prefix || k.startsWith(prefix)) dirs.delete(k)
}

/** Bumped by every compile: the app runtime re-reads the live schema after models changed (schema.ts). */
let compiles = 0
export function compileGeneration(): number { return compiles }

function compileFile(file: string, asModule: boolean): ScopedScript {
  compiles++
  const source = fs.readFileSync(file, 'utf8')
  const options: TransformOptions = {
    loader: file.endsWith('.js') ? 'js' : 'ts',
    format: 'cjs',
    sourcemap: 'external',
    target: 'node20',
    sourcefile: file,
    // esbuild renames a function expression whose name is already bound (two `service.json(function add ...)`
    // become add and add2); Service registers functions by .name, so keep the names when that can happen.
    // Only then: keepNames adds a __name() call per function to every run.
    ...(reusesFunctionName(source) ? { keepNames: true } : {}),
  }
  const disk = diskCacheEntry(file, source, options)
  let out: { code: string; map: string } | undefined = disk && readDiskCache(disk)
  try {
    if (!out) {
      out = transformSync(source, options)
      if (disk) writeDiskCache(disk, out)
    }
  } catch (err) {
    const e = err as { errors?: { text: string; location?: { line: number; column: number } }[]; message: string }
    const first = e.errors?.[0]
    const where = first?.location ? `${file}:${first.location.line}:${first.location.column + 1}` : file
    const error = new QK_ENV_COMPILE(where, first?.text ?? e.message, { cause: err })
    // the place for the ticket (source lines, a link to the editor at the line): the stack is esbuild's
    if (first?.location) Object.defineProperty(error, 'location', { value: { file, line: first.location.line, column: first.location.column + 1 }, enumerable: false })
    throw error
  }
  registerSourceMap(file, file, out.map)
  if (asModule) return compileScoped(out.code, { filename: file, params: PARAMS })
  const lowered = lowerExports(out.code)
  return compileScoped(lowered.body, { filename: file, params: PARAMS, prelude: lowered.prelude, helpers: lowered.helpers, exportNames: lowered.exportNames, exportValues: lowered.exportValues, bodyWithoutExports: lowered.bodyWithoutExports })
}

/** True when a `function name` of the source is bound more than once (by another function, const, let, var or class). */
function reusesFunctionName(source: string): boolean {
  const seen = new Set<string>()
  for (const m of source.matchAll(/\bfunction\b\s*\*?\s*([A-Za-z_$][\w$]*)/g)) {
    if (seen.has(m[1]!)) return true
    seen.add(m[1]!)
  }
  if (!seen.size) return false
  for (const m of source.matchAll(/\b(?:const|let|var|class)\s+([A-Za-z_$][\w$]*)/g)) if (seen.has(m[1]!)) return true
  return false
}

// ---- the on-disk cache of esbuild's output ----

/** Bumped when the stored format changes. */
const DISK_FORMAT = 1
const DISK_CACHE_DIR = path.join('.quark', 'esbuild')
const KINDS = new Set(['models', 'controllers', 'modules'])
let versions: string | undefined

interface DiskEntry { file: string; key: string }
interface DiskRecord { key: string; code: string; map: string }

/**
 * The app folder `file` belongs to: from the right, the first models/,
 * controllers/ or modules/ whose parent holds models/ or controllers/
 * (<app>/compiled/<kind>/x.js, a compiled app's twin, belongs to <app>).
 */
function appFolderOf(file: string): string | undefined {
  const parts = file.split(path.sep)
  for (let i = parts.length - 2; i > 0; i--) {
    if (!KINDS.has(parts[i]!)) continue
    let app = parts.slice(0, i).join(path.sep)
    if (path.basename(app) === COMPILED_DIR && fs.existsSync(path.join(app, MARKER))) app = path.dirname(app)
    if (fs.existsSync(path.join(app, 'controllers')) || fs.existsSync(path.join(app, 'models'))) return app
  }
  return undefined
}

/** Where `file`'s compiled form is kept and the key it must carry; undefined when the file is in no app. */
function diskCacheEntry(file: string, source: string, options: TransformOptions): DiskEntry | undefined {
  if (process.env.QUARK_NO_COMPILE_CACHE === '1') return undefined
  const abs = path.resolve(file)
  const app = appFolderOf(abs)
  if (!app) return undefined
  versions ??= JSON.stringify([DISK_FORMAT, quarkVersion(), safeEsbuildVersion()])
  const key = crypto.createHash('sha256').update(versions).update('\0').update(JSON.stringify(options)).update('\0').update(source).digest('hex')
  const id = crypto.createHash('sha256').update(abs).digest('hex').slice(0, 16)
  return { file: path.join(app, DISK_CACHE_DIR, `${path.basename(abs).replace(/[^\w.-]/g, '_')}.${id}.json`), key }
}

function readDiskCache(e: DiskEntry): { code: string; map: string } | undefined {
  try {
    const r = JSON.parse(fs.readFileSync(e.file, 'utf8')) as DiskRecord
    if (r.key === e.key && typeof r.code === 'string' && typeof r.map === 'string') return { code: r.code, map: r.map }
  } catch { /* missing or damaged: a miss */ }
  return undefined
}

function writeDiskCache(e: DiskEntry, out: { code: string; map: string }): void {
  const tmp = `${e.file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`
  try {
    fs.mkdirSync(path.dirname(e.file), { recursive: true })
    fs.writeFileSync(tmp, JSON.stringify({ key: e.key, code: out.code, map: out.map } satisfies DiskRecord))
    fs.renameSync(tmp, e.file)
  } catch {
    // a read-only app folder: compile every time, as before
    try { fs.rmSync(tmp, { force: true }) } catch { /* nothing written */ }
  }
}

function quarkVersion(): string {
  try { return (require('../../package.json') as { version: string }).version } catch { return 'unknown' }
}

function safeEsbuildVersion(): string {
  try { return esbuildVersion() } catch { return 'unknown' }
}

interface DirEntry { checkedAt: number; ts: string[]; dirs: string[] }
const dirs = new Map<string, DirEntry>()

/** The .ts files (sorted, absolute) and subfolder names of `dir`, re-listed at most once per RECHECK_MS. */
export function listDir(dir: string): DirEntry {
  const now = throttleNow()
  let e = dirs.get(dir)
  if (e && now - e.checkedAt < RECHECK_MS) return e
  const ts: string[] = []
  const sub: string[] = []
  const twin = compiledTwin(dir)  // a compiled app lists compiled/<kind>/*.js under their source names
  try {
    for (const d of fs.readdirSync(twin ?? dir, { withFileTypes: true })) {
      if (d.isDirectory()) sub.push(d.name)
      else if (twin ? d.name.endsWith('.js') : d.name.endsWith('.ts') && !d.name.endsWith('.d.ts')) ts.push(path.join(dir, twin ? d.name.slice(0, -3) + '.ts' : d.name))
    }
  } catch { /* missing folder: nothing to run */ }
  ts.sort()
  e = { checkedAt: now, ts, dirs: sub }
  dirs.set(dir, e)
  return e
}
