/**
 * The binaries' SQLite (node:sqlite on the Node LTS they embed) against the
 * checkout's (better-sqlite3 on this Node), through the DAL: select 10 rows,
 * insert 1,000, the benchmark's 10-row page (#18 item 2). The two drivers
 * live on different Node versions, so each runs build/measure-sqlite.ts in a
 * child: this node with QUARK_SQLITE_DRIVER=better-sqlite3, the pinned Node
 * (build/targets.ts, from the build cache) with node:sqlite. Wall time,
 * medians of 5 rounds. QUARK_BENCH_SQLITE_QUICK=1: 1 round of 50 (a smoke run).
 */
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { ROOT, result, skipped, type MicroResult } from './measure'

interface Figures { node: string; driver: string; insert1000Ms: number; select10Us: number; page10Us: number }

function measureOn(node: string, driver: string): Figures {
  const quick = process.env.QUARK_BENCH_SQLITE_QUICK === '1' ? ['--rounds', '1', '--n', '50'] : []
  const r = spawnSync(node, ['--import', 'tsx', path.join(ROOT, 'build', 'measure-sqlite.ts'), '--json', ...quick], {
    cwd: ROOT, encoding: 'utf8', timeout: 600_000, env: { ...process.env, QUARK_SQLITE_DRIVER: driver },
  })
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? ''
  if (r.status !== 0 || !line.startsWith('{')) throw new Error(`${driver} on ${path.basename(node)}: exit ${r.status}: ${(r.stderr || r.stdout || '').trim().split('\n').pop()}`)
  const f = JSON.parse(line) as Figures
  if (f.driver !== driver) throw new Error(`asked for ${driver}, the DAL used ${f.driver}`)
  return f
}

/** The pinned Node's path, fetched into the build cache when missing (npm pack, the npm registry only). */
function pinnedNode(): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'build', 'targets.ts'), 'node'], { cwd: ROOT, encoding: 'utf8', timeout: 600_000 })
  if (r.status !== 0) throw new Error(`the pinned Node is not available: ${(r.stderr || '').trim().split('\n').pop()}`)
  return r.stdout.trim().split('\n').pop()!
}

export async function sqliteDriverMicros(): Promise<MicroResult[]> {
  let lts: Figures
  let here: Figures
  try {
    here = measureOn(process.execPath, 'better-sqlite3')
    lts = measureOn(pinnedNode(), 'node:sqlite')
  } catch (e) {
    return [skipped('sqlite-node-select-10', 'node:sqlite vs better-sqlite3 (the binaries\' SQLite)', String((e as Error).message).slice(0, 200))]
  }
  const on = `node:sqlite on Node ${lts.node.slice(1)}, better-sqlite3 on Node ${here.node.slice(1)}`
  const vs = (x: number) => ({ baseline: 'of better-sqlite3', ratio: x })
  return [
    result('sqlite-node-select-10', 'node:sqlite: DAL select 10 rows (where, orderby, limitby)', lts.select10Us,
      { ...vs(lts.select10Us / here.select10Us), note: `better-sqlite3: ${here.select10Us.toFixed(1)} µs; ${on}; wall, median of rounds` }),
    result('sqlite-node-insert-1000', 'node:sqlite: DAL insert 1,000 rows, each committed', lts.insert1000Ms * 1000,
      { ...vs(lts.insert1000Ms / here.insert1000Ms), note: `better-sqlite3: ${here.insert1000Ms.toFixed(1)} ms; ${on}` }),
    result('sqlite-node-page-10', 'node:sqlite: the 10-row page\'s queries (count, 10 rows, commit)', lts.page10Us,
      { ...vs(lts.page10Us / here.page10Us), note: `better-sqlite3: ${here.page10Us.toFixed(1)} µs; ${on}` }),
  ]
}
