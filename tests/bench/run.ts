/**
 * `npm run bench`: the project's yardstick (issue 5). In order:
 *   1. the macro suite (servers in their own processes, autocannon, 3 rounds, medians)
 *   2. the micro-benchmarks (in their own process)
 *   3. CPU profiles of the Quark routes under load
 * then tests/bench/RESULTS.md and tests/bench/PROFILE.md are written and the table printed.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { runMacro, type MacroResult } from './macro'
import { JSON_MARK } from './micro/marker'
import type { MicroResult } from './micro/measure'
import { parseOptions, USAGE } from './options'
import { profilesMarkdown, runProfiles } from './profile'
import { drops, macroTable, microTable, parsePrevious, resultsMarkdown, targets } from './report'

const HERE = import.meta.dirname

/** The micro suite in a child process; its progress lines go to our stderr. */
function runMicroChild(): Promise<MicroResult[]> {
  return new Promise((resolve) => {
    // the framework's own .ts loader (server/cli/ts-hook.js), as `quark run` uses: tsx's keepNames makes
    // every closure of the server dearer and would measure a server no one runs
    // ... and the server's V8 settings (server/cli/v8flags.js)
    const child = spawn(process.execPath, ['-r', path.resolve(HERE, '../../server/cli/v8flags.js'), '-r', path.resolve(HERE, '../../server/cli/ts-hook.js'), path.join(HERE, 'micro/index.ts'), '--json'], { cwd: path.resolve(HERE, '../..'), stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (c: Buffer) => { out += c.toString() })
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(JSON_MARK))
      if (!line) return resolve([{ id: 'micro', name: 'micro-benchmarks', skipped: `the micro-benchmark process exited with code ${code} before giving results` }])
      try { resolve(JSON.parse(line.slice(JSON_MARK.length)) as MicroResult[]) } catch (e) {
        resolve([{ id: 'micro', name: 'micro-benchmarks', skipped: `unreadable results: ${(e as Error).message}` }])
      }
    })
  })
}

async function main(): Promise<number> {
  let o
  try { o = parseOptions(process.argv.slice(2)) } catch (e) { console.error((e as Error).message); return 2 }
  if (o.help) { console.log(USAGE); return 0 }
  const started = new Date()
  const t0 = Date.now()
  const loadBefore = os.loadavg()[0]
  const log = (l: string) => console.log(l)
  let macro: MacroResult | undefined
  let micro: MicroResult[] = []

  if (!o.skip.has('macro')) {
    log(`# macro: ${o.rounds} round(s) x ${o.seconds} s, ${o.connections} connections`)
    macro = await runMacro({ rounds: o.rounds, seconds: o.seconds, warmupSeconds: o.warmupSeconds, connections: o.connections, only: o.only, log })
  }
  if (!o.skip.has('micro')) {
    log('# micro-benchmarks')
    micro = await runMicroChild()
  }
  const wallSoFar = () => (Date.now() - t0) / 1000
  const info = { startedAt: started, wallSeconds: 0, rounds: o.rounds, seconds: o.seconds, warmupSeconds: o.warmupSeconds, connections: o.connections, loadBefore, loadAfter: 0 }
  if (!o.skip.has('profile')) {
    log('# profiles')
    const runs = await runProfiles({ seconds: o.profileSeconds, connections: o.connections, log })
    if (o.write) fs.writeFileSync(path.join(HERE, 'PROFILE.md'), profilesMarkdown(runs, started, o.profileSeconds))
  }
  info.wallSeconds = wallSoFar()
  info.loadAfter = os.loadavg()[0]
  const resultsFile = path.join(HERE, 'RESULTS.md')
  const prev = fs.existsSync(resultsFile) ? parsePrevious(fs.readFileSync(resultsFile, 'utf8')) : undefined
  const md = resultsMarkdown(info, macro, micro, prev)
  if (o.write) fs.writeFileSync(resultsFile, md)

  log('')
  if (macro) {
    log(macroTable(macro, prev))
    log('')
    for (const d of prev ? drops(macro, prev) : []) log(`DROP > 10% vs previous RESULTS.md: ${d}`)
    for (const t of targets(macro, micro)) log(`${t.ok === undefined ? 'NOT MEASURED' : t.ok ? 'PASS' : 'FAIL'}: ${t.what} — ${t.detail}`)
    log('')
  }
  if (micro.length) log(microTable(micro) + '\n')
  log(`wall-clock ${info.wallSeconds.toFixed(0)} s${o.write ? '; wrote tests/bench/RESULTS.md' + (o.skip.has('profile') ? '' : ' and PROFILE.md') : ' (partial run: nothing written; --write to force)'}`)
  return 0
}

main().then((code) => process.exit(code), (e) => { console.error(e); process.exit(1) })
