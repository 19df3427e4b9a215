/**
 * Stack frames of an error, mapped back to the TypeScript (or template)
 * source through the source-map registry, with ±5 lines of source.
 */
import fs from 'node:fs'
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
