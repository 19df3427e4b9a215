/**
 * Profiles the Quark server under load, one route per server run:
 * `node --cpu-prof server/cli/quark.js run ...`, load, a clean stop (the
 * profile is written at exit),
 * then the top self-time functions of the busiest profile written.
 */
import fs from 'node:fs'
import path from 'node:path'
import { createBenchFolder } from './bench-app'
import { allContenders } from './contenders'
import { parseProfile, profileMarkdown, summarize, type ProfileSummary } from './cpuprofile-top'
import { runLoad } from './load'
import { get, stop, waitReady } from './proc'
import { QUARK_CLI, startQuark } from './servers'

export const PROFILED = ['quark-hello-http', 'quark-index-http', 'quark-rows-http', 'quark-static-http']

export interface ProfileRun { id: string; label: string; path: string; rps?: number; summary?: ProfileSummary; failed?: string; wholeRun?: boolean }

export async function runProfiles(o: { seconds: number; connections: number; log(l: string): void }): Promise<ProfileRun[]> {
  const contenders = allContenders().filter((c) => PROFILED.includes(c.id))
  const out: ProfileRun[] = []
  if (!fs.existsSync(QUARK_CLI)) return contenders.map((c) => ({ id: c.id, label: c.label, path: c.path, failed: 'server/cli/quark.js does not exist yet' }))
  const folder = createBenchFolder()
  try {
    for (const c of contenders) {
      const run: ProfileRun = { id: c.id, label: c.label, path: c.path }
      let window: { fromUs: number; toUs: number } | undefined
      out.push(run)
      const dir = fs.mkdtempSync(path.join(folder.root, 'prof-'))
      // node refuses --cpu-prof in NODE_OPTIONS: it goes on the command line (quark.js runs the server in-process)
      const p = await startQuark(folder.root, false, ['--cpu-prof', `--cpu-prof-dir=${dir}`])
      try {
        const why = await waitReady(p, 30000)
        if (why) { run.failed = why; continue }
        if (c.id.includes('rows')) await get(p.port, '/bench/default/seed', false, 15000)
        const bad = c.check(await get(p.port, c.path, false, 15000))
        if (bad) { run.failed = bad; continue }
        await runLoad({ port: p.port, path: c.path, secure: false, seconds: 1, connections: o.connections })
        const from = Number(process.hrtime.bigint() / 1000n)
        run.rps = (await runLoad({ port: p.port, path: c.path, secure: false, seconds: o.seconds, connections: o.connections })).rps
        window = { fromUs: from, toUs: Number(process.hrtime.bigint() / 1000n) }
      } catch (e) {
        run.failed = (e as Error).message
      } finally {
        await stop(p)
      }
      if (run.failed) { o.log(`  profile ${c.id} FAILED: ${run.failed}`); continue }
      // the server's profile is the biggest one (a launcher process writes a small one too)
      const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(dir, f))
      if (!files.length) { run.failed = 'no .cpuprofile written: the server did not exit cleanly on SIGTERM'; o.log(`  profile ${c.id} FAILED: ${run.failed}`); continue }
      files.sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)
      const profile = parseProfile(fs.readFileSync(files[0], 'utf8'))
      run.summary = summarize(profile, 15, window)
      // if the clocks did not line up, no sample falls in the window: show the whole run rather than nothing
      if (run.summary.totalMs < 100) { run.summary = summarize(profile, 15); run.wholeRun = true }
      const top = run.summary.functions.filter((f) => f.fn !== '(idle)').slice(0, 3).map((f) => `${f.fn} ${(f.share * 100).toFixed(0)}%`).join(', ')
      o.log(`  profile ${c.id}: ${run.rps?.toFixed(0)} req/s under the profiler; top: ${top}`)
    }
  } finally {
    folder.remove()
  }
  return out
}

export function profilesMarkdown(runs: ProfileRun[], date: Date, seconds: number): string {
  const lines = [
    '# Quark CPU profiles under load',
    '',
    `Written by \`npm run bench\` (tests/bench/profile.ts) on ${date.toISOString()}, Node ${process.version}.`,
    `Each route: a fresh \`quark run --no-https\` under \`node --cpu-prof\`, 1 s warm-up then ${seconds} s of autocannon load, profile written at exit.`,
    'Self time = time in the function itself (not its callees). A function of a .ts file is located by its name in the source (tsx output lines do not match); `(js)` marks a JavaScript position.',
    'The hotspots and the fix recommended for each: tests/bench/HOTSPOTS.md (hand-written from these profiles).',
    '',
  ]
  for (const r of runs) {
    lines.push(`## ${r.label} (\`${r.path}\`)`, '')
    if (r.failed || !r.summary) lines.push(`FAILED: ${r.failed ?? 'no profile'}`, '')
    else lines.push(`${r.rps?.toFixed(0)} req/s under the profiler; ${r.wholeRun ? 'WHOLE RUN (start-up included: the load window could not be located)' : 'samples of the measured load only (start-up and warm-up left out)'}.`, '', profileMarkdown(r.summary), '')
  }
  return lines.join('\n')
}
