/**
 * Validator throughput (server/validators): each common validator on a valid
 * and an invalid value alternately, in µs per validate() call.
 */
import { importRoom, measure, result, skipped, type MicroResult } from './measure'

interface V { validate(v: unknown): unknown }

const CASES: Array<{ label: string; make: (m: Record<string, any>) => V; good: unknown; bad: unknown }> = [
  { label: 'IS_NOT_EMPTY', make: (m) => m.IS_NOT_EMPTY(), good: 'hello', bad: '  ' },
  { label: 'IS_INT_IN_RANGE(1, 100)', make: (m) => m.IS_INT_IN_RANGE(1, 100), good: '42', bad: '420' },
  { label: 'IS_LENGTH(32)', make: (m) => m.IS_LENGTH(32), good: 'short text', bad: 'x'.repeat(40) },
  { label: 'IS_EMAIL', make: (m) => m.IS_EMAIL(), good: 'someone@example.com', bad: 'someone@' },
  { label: 'IS_MATCH(^[a-z]+$)', make: (m) => m.IS_MATCH('^[a-z]+$'), good: 'abc', bad: 'ABC1' },
]

export async function validatorMicros(): Promise<MicroResult[]> {
  const { mod, why } = await importRoom('validators')
  if (!mod) return [skipped('validators', 'validators', why!)]
  const out: MicroResult[] = []
  for (const c of CASES) {
    const id = `validator-${c.label.replace(/\W+/g, '-').toLowerCase()}`
    const name = `validator ${c.label}.validate() (valid and invalid alternately)`
    let v: V
    try { v = c.make(mod) } catch (e) { out.push(skipped(id, name, `cannot build: ${(e as Error).message}`)); continue }
    const good = v.validate(c.good) as [unknown, string | null]
    const bad = v.validate(c.bad) as [unknown, string | null]
    if (!Array.isArray(good) || good[1] !== null || !Array.isArray(bad) || typeof bad[1] !== 'string') {
      out.push(skipped(id, name, `unexpected results ${JSON.stringify(good)} / ${JSON.stringify(bad)}`))
      continue
    }
    let i = 0
    const us = await measure(() => v.validate(i++ & 1 ? c.bad : c.good), { warmupMs: 200, runMs: 400 })
    out.push(result(id, name, us))
  }
  return out
}
