/**
 * The data-driven part of the reliability suite: hostile cases kept one per
 * line in tests/reliability/cases/*.jsonl (a new case is one new line), run
 * by the category's test file, each against its expected answer.
 *
 * A line is a JSON object with an `id` (unique in its file) and the fields
 * its category reads; `known: "<short id>"` marks a case that fails today
 * because of a defect already reported: it is reported as a known failure
 * (the run still passes) and, once it passes, as a mark to remove.
 * Blank lines and lines starting with `#` are comments.
 */
import fs from 'node:fs'
import path from 'node:path'
import assert from 'node:assert/strict'
import { recordFigure } from './figures'

export const CASES_DIR = path.join(__dirname, '..', 'cases')

export interface CaseLine {
  id: string
  known?: string
  note?: string
  [field: string]: unknown
}

export function readCases(file: string): CaseLine[] {
  const full = path.join(CASES_DIR, file)
  const out: CaseLine[] = []
  const ids = new Set<string>()
  fs.readFileSync(full, 'utf8').split('\n').forEach((line, i) => {
    const t = line.trim()
    if (!t || t.startsWith('#')) return
    let c: CaseLine
    try { c = JSON.parse(t) } catch (e) { throw new Error(`${file}:${i + 1}: not JSON: ${(e as Error).message}`) }
    if (typeof c.id !== 'string' || !c.id) throw new Error(`${file}:${i + 1}: no id`)
    if (ids.has(c.id)) throw new Error(`${file}:${i + 1}: id ${c.id} appears twice`)
    ids.add(c.id)
    out.push(c)
  })
  return out
}

export interface CaseOutcome { id: string; known?: string; failure?: string }

/** Check one case: return undefined when it got its expected answer, else what went wrong. */
export type CaseCheck = (c: CaseLine) => Promise<string | undefined>

/**
 * Run every case of a file (at most `parallel` at once), then fail the test
 * with the list of the unexpected failures. Known failures and known cases
 * that now pass are printed, not failed.
 */
export async function runCaseFile(file: string, check: CaseCheck, o: { parallel?: number; filter?: (c: CaseLine) => boolean; category?: string; knownField?: string } = {}): Promise<CaseOutcome[]> {
  // knownField: a run on another database reads its own marks (known_postgres: ...)
  const cases = readCases(file).filter(o.filter ?? (() => true)).map((c) => (o.knownField ? { ...c, known: c[o.knownField] as string | undefined } : c))
  const outcomes: CaseOutcome[] = new Array(cases.length)
  let next = 0
  const worker = async () => {
    while (next < cases.length) {
      const i = next++
      const c = cases[i]!
      let failure: string | undefined
      try { failure = await check(c) } catch (e) { failure = `threw ${(e as Error)?.stack ?? String(e)}` }
      outcomes[i] = { id: c.id, known: c.known, failure }
    }
  }
  await Promise.all(Array.from({ length: Math.min(o.parallel ?? 4, cases.length) }, worker))
  const unexpected = outcomes.filter((x) => x.failure && !x.known)
  const known = outcomes.filter((x) => x.failure && x.known)
  const fixed = outcomes.filter((x) => !x.failure && x.known)
  const category = o.category ?? file.replace(/\.jsonl$/, '')
  for (const k of known) console.log(`# known failure ${category}/${k.id} (known:${k.known}): ${oneLine(k.failure!)}`)
  for (const k of fixed) console.log(`# ${category}/${k.id} is marked known:${k.known} but passes now: remove the mark`)
  console.log(`# ${category}: ${cases.length} cases, ${cases.length - unexpected.length - known.length} passed, ${known.length} known failures, ${unexpected.length} unexpected failures`)
  recordFigure('hostile', category, { cases: cases.length, passed: cases.length - unexpected.length - known.length, known: known.map((k) => `${k.id} (known:${k.known})`), knownFixed: fixed.map((k) => `${k.id} (known:${k.known})`), failed: unexpected.map((u) => `${u.id}: ${oneLine(u.failure!)}`) })
  assert.equal(unexpected.length, 0, `${unexpected.length} unexpected failures in ${file}:\n` + unexpected.map((u) => `  ${u.id}: ${oneLine(u.failure!)}`).join('\n'))
  return outcomes
}

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ')
  return t.length > 400 ? t.slice(0, 400) + '…' : t
}

/** Expected statuses of a line: `status` as a number or a list. */
export function statusOk(c: CaseLine, got: number): string | undefined {
  const want = c.status
  if (want === undefined) return undefined
  const list = Array.isArray(want) ? want as number[] : [want as number]
  return list.includes(got) ? undefined : `status ${got}, expected ${list.join(' or ')}`
}

/** `has`: strings the body must contain; `not`: strings it must not contain (both case-sensitive). */
export function bodyOk(c: CaseLine, body: string): string | undefined {
  for (const s of (c.has as string[] | undefined) ?? []) if (!body.includes(s)) return `body lacks ${JSON.stringify(s)}: ${JSON.stringify(body.slice(0, 300))}`
  for (const s of (c.not as string[] | undefined) ?? []) if (body.includes(s)) return `body contains ${JSON.stringify(s)}: ${JSON.stringify(body.slice(0, 300))}`
  return undefined
}

/**
 * The same marking for a scenario test: `known` names the reported defect that makes `fn` fail
 * today. A failure is printed and recorded as known (the run passes); a pass says to remove the mark.
 */
export async function withKnown(category: string, id: string, known: string | undefined, fn: () => Promise<void> | void): Promise<void> {
  try { await fn() } catch (e) {
    if (!known) throw e
    const msg = oneLine((e as Error).message)
    console.log(`# known failure ${category}/${id} (known:${known}): ${msg}`)
    recordFigure('known', `${category}/${id}`, { known, failure: msg })
    return
  }
  if (known) {
    console.log(`# ${category}/${id} is marked known:${known} but passes now: remove the mark`)
    recordFigure('known-fixed', `${category}/${id}`, { known })
  }
}
