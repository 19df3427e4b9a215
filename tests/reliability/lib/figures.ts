/**
 * Figures of a reliability run. The test files record what they measured
 * here; `npm run reliability` (tests/reliability/run.ts) points
 * QUARK_RELIABILITY_FIGURES at a folder, collects the lines and writes
 * RESULTS.md. In the short form inside `npm test` the variable is unset and
 * the figures only go to stdout (as `# ...` lines), so a short run never
 * overwrites the full run's RESULTS.md.
 */
import fs from 'node:fs'
import path from 'node:path'

/** true for `npm run reliability` (QUARK_RELIABILITY=full): minutes of load and fuzzing instead of seconds */
export const FULL = process.env.QUARK_RELIABILITY === 'full'

export function recordFigure(group: string, name: string, data: unknown): void {
  const dir = process.env.QUARK_RELIABILITY_FIGURES
  if (!dir) return
  fs.mkdirSync(dir, { recursive: true })
  fs.appendFileSync(path.join(dir, `${process.pid}.jsonl`), JSON.stringify({ group, name, data, at: new Date().toISOString() }) + '\n')
}

/** Print a figure line (both forms) and record it (full form). */
export function figure(group: string, name: string, data: Record<string, unknown>): void {
  console.log(`# ${group} ${name}: ${JSON.stringify(data)}`)
  recordFigure(group, name, data)
}
