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
import { registerSourceMap, forgetSourceMap } from './sourcemaps'
import { QK_ENV_COMPILE } from './errors'

export const RECHECK_MS = Number(process.env.QUARK_RECHECK_MS ?? 500)
export const PARAMS = ['exports', 'module', 'require']

interface Entry { mtimeMs: number; size: number; checkedAt: number; script: ScopedScript | undefined }

const files = new Map<string, Entry>()

/** The compiled script of `file`, or undefined when it does not exist. Throws QK_ENV_COMPILE on a syntax error. */
export function compiledScript(file: string): ScopedScript | undefined {
  const now = Date.now()
  const e = files.get(file)
  if (e && now - e.checkedAt < RECHECK_MS) return e.script
  let st: fs.Stats | undefined
  try { st = fs.statSync(file) } catch { st = undefined }
  if (!st || !st.isFile()) {
    files.set(file, { mtimeMs: 0, size: -1, checkedAt: now, script: undefined })
    if (e?.script) forgetSourceMap(file)
    return undefined
  }
  if (e && e.script && e.mtimeMs === st.mtimeMs && e.size === st.size) {
    e.checkedAt = now
    return e.script
  }
  const script = compileFile(file)
  files.set(file, { mtimeMs: st.mtimeMs, size: st.size, checkedAt: now, script })
  return script
}

/** Forget cached compilations (all, or those under a folder). */
export function invalidate(prefix?: string): void {
  for (const k of [...files.keys()]) if (!prefix || k.startsWith(prefix)) files.delete(k)
  for (const k of [...dirs.keys()]) if (!prefix || k.startsWith(prefix)) dirs.delete(k)
}

function compileFile(file: string): ScopedScript {
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
  return compileScoped(out.code, { filename: file, params: PARAMS })
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
  try {
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      if (d.isDirectory()) sub.push(d.name)
      else if (d.name.endsWith('.ts') && !d.name.endsWith('.d.ts')) ts.push(path.join(dir, d.name))
    }
  } catch { /* missing folder: nothing to run */ }
  ts.sort()
  e = { checkedAt: now, ts, dirs: sub }
  dirs.set(dir, e)
  return e
}
