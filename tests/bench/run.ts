/**
 * `npm run bench`: the project's yardstick (issue 5). In order:
 *   1. the macro suite (servers in their own processes, autocannon, 3 rounds, medians)
 *   2. the micro-benchmarks (in their own process)
 *   3. CPU profiles of the Quark routes under load
 *   4. issue 21: TechEmpower's six test types against Fastify + raw driver (techempower.ts), and memory (memory.ts)
 * then tests/bench/RESULTS.md and tests/bench/PROFILE.md are written and the table printed.
 * `--only te --write` rewrites only RESULTS.md's issue 21 section (te-report.ts).
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
import { runTechEmpower, type TeResult } from './techempower'
import { runMemory, type MemoryResult } from './memory'
import { previousSection, spliceSection, teMarkdown } from './te-report'
import { runWsBroadcast, wsBroadcastMarkdown, type WsBroadcastRow } from './ws-broadcast'

/** issue 21's rows are short (the whole of `npm run bench` stays under 8 minutes): 2 rounds of the run's seconds, 32 connections as the issue measured */
const TE_ROUNDS = 2
const TE_CONNECTIONS = 32
const MEMORY_CONNECTIONS = 64
const MEMORY_SECONDS = 4

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
  let te: TeResult | undefined
  let mem: MemoryResult | undefined
  const teRounds = Math.min(o.rounds, TE_ROUNDS)
  const teLoad = os.loadavg()[0]
  if (!o.skip.has('te')) {
    log(`# TechEmpower test types (issue 21): ${teRounds} round(s) x ${o.seconds} s, ${TE_CONNECTIONS} connections`)
    te = await runTechEmpower({ rounds: teRounds, seconds: o.seconds, warmupSeconds: Math.min(o.warmupSeconds, 1), connections: TE_CONNECTIONS, only: o.teOnly, log })
  }
  if (!o.skip.has('memory')) {
    log(`# memory (issue 21): three loads of ${MEMORY_SECONDS} s per page, ${MEMORY_CONNECTIONS} connections`)
    mem = await runMemory({ seconds: MEMORY_SECONDS, connections: MEMORY_CONNECTIONS, log })
  }
  let ws: WsBroadcastRow[] = []
  if (!o.skip.has('ws')) {
    log('# websocket broadcast (issue 23): 100 clients, one process and --workers 2 through Redis')
    ws = await runWsBroadcast({ log })
  }
  info.wallSeconds = wallSoFar()
  info.loadAfter = os.loadavg()[0]
  const resultsFile = path.join(HERE, 'RESULTS.md')
  const before = fs.existsSync(resultsFile) ? fs.readFileSync(resultsFile, 'utf8') : ''
  const prev = before ? parsePrevious(before) : undefined
  const section = te || mem ? teMarkdown(te, mem, { rounds: teRounds, seconds: o.seconds, connections: TE_CONNECTIONS, date: started, load: teLoad }) : previousSection(before)
  if (o.write) {
    // only issue 21's parts ran: the rest of the file keeps the figures of the run that measured them
    const onlyOurs = o.skip.has('macro') && o.skip.has('micro') && o.skip.has('profile')
    const md = onlyOurs && before ? spliceSection(before, section ?? '') : resultsMarkdown(info, macro, micro, prev) + (section ? `\n${section}\n` : '') + (ws.length ? `\n${wsBroadcastMarkdown(ws)}\n` : '')
    fs.writeFileSync(resultsFile, md)
  }

  log('')
  if (macro) {
    log(macroTable(macro, prev))
    log('')
    for (const d of prev ? drops(macro, prev) : []) log(`DROP > 10% vs previous RESULTS.md: ${d}`)
    for (const t of targets(macro, micro)) log(`${t.ok === undefined ? 'NOT MEASURED' : t.ok ? 'PASS' : 'FAIL'}: ${t.what} — ${t.detail}`)
    log('')
  }
  if (micro.length) log(microTable(micro) + '\n')
  if (te || mem) {
    log(teMarkdown(te, mem, { rounds: teRounds, seconds: o.seconds, connections: TE_CONNECTIONS, date: started, load: teLoad }).split('\n').filter((l) => !l.startsWith('<!--')).join('\n'))
    log('')
  }
  if (ws.length) log(wsBroadcastMarkdown(ws) + '\n')
  log(`wall-clock ${info.wallSeconds.toFixed(0)} s${o.write ? '; wrote tests/bench/RESULTS.md' + (o.skip.has('profile') ? '' : ' and PROFILE.md') : ' (partial run: nothing written; --write to force)'}`)
  return 0
}

main().then((code) => process.exit(code), (e) => { console.error(e); process.exit(1) })
