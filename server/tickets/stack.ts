/**
 * Stack frames of an error, mapped back to the TypeScript (or template)
 * source through the source-map registry, with ±5 lines of source.
 */
import fs from 'node:fs'
import path from 'node:path'
import { originalPosition } from '../environment/sourcemaps'

export interface SourceLine { line: number; text: string }
export interface Frame {
  function: string
  file: string
  line: number
  column: number
  /** true when the position was mapped from compiled code to the source */
  mapped: boolean
  /** the surrounding source lines, for frames inside app files */
  source?: SourceLine[]
}

const FRAME = /^\s*at (?:(.*?) \()?(.*?):(\d+):(\d+)\)?$/

export function parseStack(stack: string | undefined, appFolder?: string): Frame[] {
  if (!stack) return []
  const frames: Frame[] = []
  for (const text of stack.split('\n')) {
    const m = FRAME.exec(text)
    if (!m) continue
    let file = m[2]!
    let line = Number(m[3])
    let column = Number(m[4])
    let mapped = false
    const pos = originalPosition(file, line, column)
    if (pos) { file = pos.source; line = pos.line; column = pos.column; mapped = true }
    const frame: Frame = { function: m[1] ?? '<anonymous>', file, line, column, mapped }
    if (mapped || (appFolder && file.startsWith(appFolder))) frame.source = sourceAround(file, line)
    frames.push(frame)
    if (frames.length >= 50) break
  }
  return frames
}

/**
 * Where a compile or syntax error points, as a first frame with its source lines: an error the
 * stack cannot place (esbuild's and the template parser's stacks are their own, not the app's).
 * `error.location` ({ file, line, column }, set by the environment's compiler) or, for a template
 * error, the "in <file>:<line>" of its message (a view path, relative to the app's views/).
 */
export function errorLocationFrame(error: unknown, appFolder: string): Frame | undefined {
  const e = error as { location?: { file?: unknown; line?: unknown; column?: unknown }; code?: unknown; message?: unknown } | null
  if (!e || typeof e !== 'object') return undefined
  let file: string | undefined, line = 0, column = 0
  if (e.location && typeof e.location.file === 'string' && typeof e.location.line === 'number') {
    file = e.location.file; line = e.location.line; column = typeof e.location.column === 'number' ? e.location.column : 1
  } else if ((e.code === 'QK_TEMPLATE_SYNTAX' || e.code === 'QK_TEMPLATE_COMPILE') && typeof e.message === 'string') {
    const m = /error in (.+?):(\d+): /.exec(e.message)
    if (m) { file = viewFile(m[1]!, appFolder); line = Number(m[2]) }
  }
  if (!file || !(line > 0)) return undefined
  return { function: e.code === 'QK_ENV_COMPILE' ? 'compile error' : 'syntax error', file, line, column, mapped: true, source: sourceAround(file, line) }
}

/** a template's path as the parser names it (absolute, or relative to views/ or compiled/views/) → its file */
function viewFile(name: string, appFolder: string): string {
  if (path.isAbsolute(name)) return name
  for (const dir of [path.join(appFolder, 'views'), path.join(appFolder, 'compiled', 'views')]) {
    const f = path.join(dir, name)
    if (f.startsWith(dir + path.sep) && fs.existsSync(f)) return f
  }
  return path.join(appFolder, 'views', name)
}

export function sourceAround(file: string, line: number, radius = 5): SourceLine[] | undefined {
  try {
    const lines = fs.readFileSync(file, 'utf8').split('\n')
    const from = Math.max(1, line - radius)
    const to = Math.min(lines.length, line + radius)
    const out: SourceLine[] = []
    for (let i = from; i <= to; i++) out.push({ line: i, text: lines[i - 1]! })
    return out
  } catch {
    return undefined
  }
}
