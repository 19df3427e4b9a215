/**
 * The checks TechEmpower's verifier makes before a test type is measured
 * (their toolset's verifications.py, the parts that apply here): Server and
 * Date headers, content types, exact bodies, JSON shapes with integer
 * id/randomNumber in 1..10000, row counts of queries=N after clamping,
 * updates persisted in the database, fortunes as 13 rows sorted by message
 * with every message HTML-escaped. Each check answers null or why not.
 */
import he from 'he'
import type { Probe } from './proc'
import { ADDED_FORTUNE, FORTUNES, WORLD_ROWS } from './te-app'

export type TeTest = 'plaintext' | 'json' | 'db' | 'queries' | 'updates' | 'fortunes'
export const TE_TESTS: readonly TeTest[] = ['plaintext', 'json', 'db', 'queries', 'updates', 'fortunes']

/** queries=N values the verifier tries, with the row count TechEmpower requires for each */
export const QUERY_CASES: ReadonlyArray<[string, number]> = [['', 1], ['0', 1], ['foo', 1], ['1', 1], ['20', 20], ['501', 500]]

export function commonHeaders(p: Probe): string | null {
  if (p.status !== 200) return `HTTP ${p.status}: ${p.body.slice(0, 160)}`
  if (!p.headers.server) return 'no Server header'
  if (!p.headers.date) return 'no Date header'
  return null
}

function contentType(p: Probe, want: RegExp): string | null {
  const ct = String(p.headers['content-type'] ?? '')
  return want.test(ct) ? null : `content-type ${JSON.stringify(ct)}, expected ${want}`
}

export function checkPlaintext(p: Probe): string | null {
  return commonHeaders(p) ?? contentType(p, /^text\/plain\b/i) ?? (p.body === 'Hello, World!' ? null : `body ${JSON.stringify(p.body.slice(0, 80))}, expected "Hello, World!"`)
}

function parseJson(p: Probe): { value?: unknown; why?: string } {
  const bad = commonHeaders(p) ?? contentType(p, /^application\/json\b/i)
  if (bad) return { why: bad }
  try { return { value: JSON.parse(p.body) } } catch { return { why: `not JSON: ${p.body.slice(0, 120)}` } }
}

export function checkJson(p: Probe): string | null {
  const { value, why } = parseJson(p)
  if (why) return why
  const keys = value && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : []
  return keys.length === 1 && (value as { message?: unknown }).message === 'Hello, World!' ? null : `expected {"message":"Hello, World!"}, got ${p.body.slice(0, 120)}`
}

/** a world object as TechEmpower accepts it: integer id and randomNumber, both in 1..10000 */
function worldProblem(w: unknown): string | null {
  if (!w || typeof w !== 'object' || Array.isArray(w)) return `not a world object: ${JSON.stringify(w)}`
  const o = w as Record<string, unknown>
  for (const k of ['id', 'randomNumber']) {
    const v = o[k]
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > WORLD_ROWS) return `${k} ${JSON.stringify(v)} is not an integer in 1..${WORLD_ROWS}`
  }
  return null
}

export function checkDb(p: Probe): string | null {
  const { value, why } = parseJson(p)
  return why ?? worldProblem(value)
}

/** the answer of queries?queries=<raw> (and of updates): an array of `rows` worlds */
export function checkWorldList(p: Probe, rows: number): string | null {
  const { value, why } = parseJson(p)
  if (why) return why
  if (!Array.isArray(value)) return `expected a JSON array, got ${p.body.slice(0, 120)}`
  if (value.length !== rows) return `${value.length} worlds, expected ${rows}`
  for (const w of value) { const bad = worldProblem(w); if (bad) return bad }
  return null
}

/** The worlds an updates answer returned, to compare with the database afterwards. */
export function worldsOf(p: Probe): Array<{ id: number; randomNumber: number }> {
  return JSON.parse(p.body) as Array<{ id: number; randomNumber: number }>
}

/**
 * After an updates answer: every id it returned holds, in the database, the randomNumber it answered
 * (`read` reads the current numbers). An id answered twice keeps the last number written, which is
 * the one answered last for that id in id order (both apps sort before writing).
 */
export async function checkPersisted(worlds: Array<{ id: number; randomNumber: number }>, read: (ids: number[]) => Promise<Map<number, number>>): Promise<string | null> {
  const expected = new Map<number, number>()
  for (const w of worlds) expected.set(w.id, w.randomNumber)  // the later of two for one id wins in both apps' stable sort
  const actual = await read([...expected.keys()])
  for (const [id, n] of expected) if (actual.get(id) !== n) return `world ${id}: answered randomNumber ${n}, the database holds ${actual.get(id)}`
  return null
}

export function expectedFortunes(): string[] {
  return [...FORTUNES, ADDED_FORTUNE].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

export function checkFortunes(p: Probe): string | null {
  const bad = commonHeaders(p) ?? contentType(p, /^text\/html;\s*charset=utf-8$/i)
  if (bad) return bad
  if (/<script>/i.test(p.body)) return 'the <script> fortune is not escaped'
  const cells = [...p.body.matchAll(/<tr><td>([^<]*)<\/td><td>([^<]*)<\/td><\/tr>/g)]
  const want = expectedFortunes()
  if (cells.length !== want.length) return `${cells.length} fortune rows, expected ${want.length}`
  for (let i = 0; i < want.length; i++) {
    const message = he.decode(cells[i][2])
    if (message !== want[i]) return `row ${i + 1}: ${JSON.stringify(message)}, expected ${JSON.stringify(want[i])} (sorted by message, escaped)`
    const id = Number(cells[i][1])
    const wantId = want[i] === ADDED_FORTUNE ? 0 : FORTUNES.indexOf(want[i]) + 1
    if (id !== wantId) return `row ${i + 1}: id ${cells[i][1]}, expected ${wantId}`
  }
  return null
}
