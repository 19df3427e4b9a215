/**
 * The micro-benchmarks, run in their own process by tests/bench/run.ts (so a
 * room that throws at import cannot take the runner down). Each group is
 * skipped with a clear line when its room does not import yet.
 *
 *   node --import tsx tests/bench/micro/index.ts          prints a table
 *   node --import tsx tests/bench/micro/index.ts --json   one JSON line for the runner
 */
import fs from 'node:fs'
import path from 'node:path'
import { dalMicros } from './dal'
import { envMicros } from './environment'
import { helperMicros } from './helpers'
import { handlerMicros } from './handler'
import { ROOT, loadTs, result, skipped, type MicroResult } from './measure'
import { templateMicros } from './template'
import { validatorMicros } from './validators'
import { sqliteDriverMicros } from './sqlite-drivers'
import { JSON_MARK } from './marker'
import { sessionStoreMicros } from './session-stores'
import { microTable } from '../report'

type Group = { name: string; run: () => Promise<MicroResult[]> }

/** The DAL room's own micro-benchmark (tests/bench/dal-micro.ts, `runDalMicro`) when it exists; else the suite's. */
async function dalGroup(): Promise<MicroResult[]> {
  const theirs = path.join(ROOT, 'tests/bench/dal-micro.ts')
  if (!fs.existsSync(theirs)) return dalMicros()
  const mod = (await loadTs(theirs)) as { runDalMicro?: () => Promise<Record<string, number>> }
  if (typeof mod.runDalMicro !== 'function') return [skipped('dal-select-10', 'DAL', 'tests/bench/dal-micro.ts exports no runDalMicro()')]
  // its progress lines would mix with the runner's JSON on stdout: send them to stderr
  const log = console.log
  console.log = (...a: unknown[]) => { process.stderr.write(`    dal-micro: ${a.join(' ')}\n`) }
  try { return adaptDalMicro(await mod.runDalMicro()) } finally { console.log = log }
}

/** dal-micro.ts's figures (µs and ratios by name) as rows of the micro table. */
export function adaptDalMicro(r: Record<string, number>): MicroResult[] {
  const src = 'tests/bench/dal-micro.ts'
  const need = ['selectDalUs', 'selectDirectUs', 'insertDalUs', 'insertDirectUs', 'define10TablesUs']
  const missing = need.filter((k) => typeof r[k] !== 'number' || !Number.isFinite(r[k]))
  if (missing.length) return [skipped('dal-select-10', 'DAL', `${src} did not report ${missing.join(', ')}`)]
  const out: MicroResult[] = [
    result('dal-select-10', 'DAL select 10 rows by a query (dal-micro.ts)', r.selectDalUs,
      { ratio: r.selectDalUs / r.selectDirectUs, baseline: 'of better-sqlite3', note: `better-sqlite3 prepared: ${r.selectDirectUs.toFixed(1)} µs` }),
  ]
  if (typeof r.selectPerRequestUs === 'number') out.push(result('dal-select-per-request', 'DAL new DAL + define + select 10 rows (dal-micro.ts)', r.selectPerRequestUs))
  out.push(
    result('dal-insert-1000', 'DAL insert 1,000 rows in one transaction (dal-micro.ts)', r.insertDalUs,
      { ratio: r.insertDalUs / r.insertDirectUs, baseline: 'of better-sqlite3', note: `better-sqlite3: ${(r.insertDirectUs / 1000).toFixed(2)} ms` }),
  )
  if (typeof r.bulkInsertDalUs === 'number' && typeof r.bulkInsertDirectUs === 'number') {
    out.push(result('dal-bulk-insert-1000', 'DAL bulkInsert of 1,000 rows (dal-micro.ts)', r.bulkInsertDalUs,
      { ratio: r.bulkInsertDalUs / r.bulkInsertDirectUs, baseline: 'of better-sqlite3', note: `better-sqlite3: ${(r.bulkInsertDirectUs / 1000).toFixed(2)} ms` }))
  }
  out.push(
    result('dal-define-10', 'new DAL + define 10 tables (per-request model cost, dal-micro.ts)', r.define10TablesUs,
      { note: `${(r.define10TablesUs / 10).toFixed(2)} µs per table` }),
  )
  return out
}

const GROUPS: Group[] = [
  { name: 'environment', run: envMicros },
  { name: 'handler', run: handlerMicros },
  { name: 'template', run: templateMicros },
  { name: 'dal', run: dalGroup },
  { name: 'sqlite-drivers', run: sqliteDriverMicros },
  { name: 'validators', run: validatorMicros },
  { name: 'helpers', run: helperMicros },
  { name: 'session-stores', run: () => sessionStoreMicros() },
]

export async function runMicros(only: string[] = [], log: (l: string) => void = () => {}): Promise<MicroResult[]> {
  const out: MicroResult[] = []
  for (const g of GROUPS) {
    if (only.length && !only.some((o) => g.name.includes(o))) continue
    try {
      const rs = await g.run()
      for (const r of rs) log(r.skipped ? `  SKIPPED ${r.name}: ${r.skipped}` : `  ${r.name}: ${r.usPerOp!.toFixed(2)} µs/op${r.ratio !== undefined ? ` (${r.ratio.toFixed(2)}x ${r.baseline ?? ''})` : ''}`)
      out.push(...rs)
    } catch (e) {
      const r = skipped(g.name, g.name, `threw: ${String((e as Error).message).split('\n')[0].slice(0, 200)}`)
      log(`  SKIPPED ${g.name}: ${r.skipped}`)
      out.push(r)
    }
  }
  return out
}

if (require.main === module) {
  const json = process.argv.includes('--json')
  const only = process.argv.slice(2).filter((a) => !a.startsWith('--'))
  runMicros(only, json ? (l) => process.stderr.write(l + '\n') : (l) => console.log(l)).then((rs) => {
    if (json) process.stdout.write(JSON_MARK + JSON.stringify(rs) + '\n')
    else console.log('\n' + microTable(rs))
    // rooms may hold handles (database pools, watchers): the results are out, so end here
    process.exit(0)
  }, (e) => { console.error(e); process.exit(1) })
}
