/**
 * App files (models, controllers, modules) compiled once with esbuild and
 * cached by path + mtime + size. A throttled stat (at most once per
 * RECHECK_MS per file) notices edits, so no request reads a file, and an
 * edited file is recompiled on the next request after it changed.
 * Directory listings (models/, conditional model folders) use the same throttle.
 */
import fs from 'node:fs'
import path from 'node:path'
import { transformSync } from 'esbuild'
import { compileScoped, type ScopedScript } from './scope'
import { lowerExports } from './lowerExports'
import { registerSourceMap, forgetSourceMap } from './sourcemaps'
import { QK_ENV_COMPILE } from './errors'
import { compiledTwin } from '../compile/twin'

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
  const now = Date.now()
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

function compileFile(file: string, asModule: boolean): ScopedScript {
  const source = fs.readFileSync(file, 'utf8')
  let out: { code: string; map: string }
  try {
    out = transformSync(source, {
      loader: file.endsWith('.js') ? 'js' : 'ts',
      format: 'cjs',
      sourcemap: 'external',
      target: 'node20',
      sourcefile: file,
    })
  } catch (err) {
    const e = err as { errors?: { text: string; location?: { line: number; column: number } }[]; message: string }
    const first = e.errors?.[0]
    const where = first?.location ? `${file}:${first.location.line}:${first.location.column + 1}` : file
    throw new QK_ENV_COMPILE(where, first?.text ?? e.message, { cause: err })
  }
  registerSourceMap(file, file, out.map)
  if (asModule) return compileScoped(out.code, { filename: file, params: PARAMS })
  const lowered = lowerExports(out.code)
  return compileScoped(lowered.body, { filename: file, params: PARAMS, prelude: lowered.prelude, helpers: lowered.helpers })
}

interface DirEntry { checkedAt: number; ts: string[]; dirs: string[] }
const dirs = new Map<string, DirEntry>()

/** The .ts files (sorted, absolute) and subfolder names of `dir`, re-listed at most once per RECHECK_MS. */
export function listDir(dir: string): DirEntry {
  const now = Date.now()
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
