/**
 * Monaco is served from the installed `monaco-editor` package (min/vs), never
 * from a CDN, by an admin action. Only files under that folder can be
 * reached: the path is checked as text and by realpath.
 */
import fs from 'node:fs'
import path from 'node:path'
import { checkRelativePath } from './paths'
import { isSea, projectFolder } from '../sea'
import { QK_ADMIN_NOT_FOUND, QK_ADMIN_OUTSIDE_APP } from './errors'

let monacoRoot: string | undefined

/** The real path of monaco-editor/min/vs (the package's CommonJS entry, min/vs/index.js, lives there). */
export function monacoFolder(): string {
  if (!monacoRoot) monacoRoot = fs.realpathSync(isSea() ? projectFolder('monaco-vs') : path.dirname(require.resolve('monaco-editor')))
  return monacoRoot
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.ttf': 'font/ttf',
  '.json': 'application/json; charset=utf-8', '.svg': 'image/svg+xml', '.map': 'application/json',
}

/** Absolute path and content type of a file under min/vs, e.g. `editor/editor.main.js`. */
export function monacoFile(rel: unknown): { file: string; contentType: string; size: number; mtimeMs: number } {
  const segments = checkRelativePath(rel)
  const root = monacoFolder()
  const joined = path.join(root, ...segments)
  let real: string
  try { real = fs.realpathSync(joined) } catch { throw new QK_ADMIN_NOT_FOUND(String(rel)) }
  if (!real.startsWith(root + path.sep)) throw new QK_ADMIN_OUTSIDE_APP(String(rel))
  const st = fs.statSync(real)
  if (!st.isFile()) throw new QK_ADMIN_NOT_FOUND(String(rel))
  return { file: real, contentType: TYPES[path.extname(real)] ?? 'application/octet-stream', size: st.size, mtimeMs: st.mtimeMs }
}
