/**
 * `npm run reliability`: the full run of the reliability suite. Every
 * tests/reliability/*.test.ts, one file at a time (so that the load figures
 * are not shared with another file's work), with QUARK_RELIABILITY=full:
 * 60 s of load per combination plus three 15 s repeats, a minute of fuzzing
 * per target, the slow-client cases. The figures the files record are
 * collected into tests/reliability/RESULTS.md. The short form is the same
 * files inside `npm test`, which print their figures and write no file.
 *
 *   npm run reliability                 the full run, writes RESULTS.md
 *   npm run reliability -- load fuzz    only the files whose name contains one of the words (no RESULTS.md)
 *
 * Knobs (environment): QUARK_LOAD_SECONDS, QUARK_LOAD_REPEAT_SECONDS (load run and repeat lengths),
 * QUARK_LOAD_ALL=1 (all four load combinations in the short form), QUARK_FUZZ_SECONDS (per target,
 * full run, default 50), QUARK_FUZZ_SEED (default 17 in the short form, the clock in the full run).
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const here = __dirname
const root = path.resolve(here, '..', '..')
const only = process.argv.slice(2)
const files = fs.readdirSync(here).filter((f) => f.endsWith('.test.ts')).sort().filter((f) => !only.length || only.some((o) => f.includes(o))).map((f) => path.join(here, f))
const figuresDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-rel-figures-'))
const t0 = Date.now()
const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
  stdio: 'inherit', cwd: root,
  env: { ...process.env, QUARK_TESTING: '1', QUARK_RELIABILITY: 'full', QUARK_RELIABILITY_FIGURES: figuresDir },
})
const minutes = (Date.now() - t0) / 60000

interface Fig { group: string; name: string; data: any; at: string }
const figs: Fig[] = []
for (const f of fs.readdirSync(figuresDir)) for (const l of fs.readFileSync(path.join(figuresDir, f), 'utf8').split('\n')) if (l) figs.push(JSON.parse(l))
fs.rmSync(figuresDir, { recursive: true, force: true })
figs.sort((a, b) => a.at.localeCompare(b.at))

const git = (args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout.trim()
const of = (g: string) => figs.filter((f) => f.group === g)
const cell = (v: unknown): string => (v === undefined ? '' : v && typeof v === 'object' && !Array.isArray(v) ? Object.entries(v).map(([k, x]) => `${k}: ${typeof x === 'object' ? JSON.stringify(x) : String(x)}`).join('; ') : typeof v === 'object' ? JSON.stringify(v) : String(v)).replace(/\|/g, '\\|').replace(/\n/g, ' ')

const out: string[] = []
out.push('# Reliability suite: results of the full run', '')
out.push(`Written by \`npm run reliability\` (tests/reliability/run.ts) on ${new Date().toISOString()}, commit ${git(['rev-parse', '--short', 'HEAD'])}${git(['status', '--porcelain', '--', 'server']) ? ' (with uncommitted changes under server/)' : ''}.`)
out.push(`Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}, ${os.platform()} ${os.release()}. Duration ${minutes.toFixed(1)} min; test run ${res.status === 0 ? 'passed' : 'FAILED (exit ' + res.status + ')'}.`)
out.push('The short form (`npm test`) runs the same files with 10 s of load, no repeats, fixed fuzz case counts and no slow-body case; it prints its figures and writes no file.')
out.push('Mutation testing of the security-critical rooms (`npm run mutation`): scores per room in [MUTATION.md](MUTATION.md).', '')

out.push('## Load', '', '64 connections, each its own keep-alive connection and session, on a page that inserts a row, selects 10 and writes the session; the server in its own process (`quark run`). 60 s, then three repeats of 15 s on the same server.', '')
out.push('| run | requests | req/s | errors | non-2xx | acknowledged inserts present | session sum | p50 ms | p99 ms | RSS before MB | after MB | after 3 repeats MB | growth % |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
for (const f of of('load')) { const d = f.data; out.push(`| ${f.name} | ${d.requests} | ${d.reqPerSec} | ${d.errors} | ${d.non2xx} | ${d.acknowledgedInsertsPresent} | ${d.sessionSum} | ${d.p50ms} | ${d.p99ms} | ${d.rssBeforeMB} | ${d.rssAfterMB} | ${cell(d.rssAfter3RepeatsMB)} | ${cell(d.growthPct)} |`) }
out.push('')

out.push('## Faults', '', '| fault | figures |', '| --- | --- |')
for (const f of of('faults')) out.push(`| ${f.name} | ${cell(f.data)} |`)
out.push('')

out.push('## Hostile inputs', '', 'One case per line in tests/reliability/cases/*.jsonl, each with its expected answer.', '', '| category | cases | passed | known failures | unexpected failures |', '| --- | --- | --- | --- | --- |')
let total = 0
for (const f of of('hostile')) { const d = f.data; total += d.cases; out.push(`| ${f.name} | ${d.cases} | ${d.passed} | ${d.known.length} | ${d.failed.length} |`) }
out.push(`| total | ${total} | | | |`, '')

out.push('## Fuzzing', '', 'fast-check, each target in its own process from its corpus (tests/reliability/corpus/<target>.jsonl), for a fixed time.', '', '| target | cases run | corpus lines | seed | failures |', '| --- | --- | --- | --- | --- |')
for (const f of of('fuzz')) out.push(`| ${f.name} | ${f.data.cases} | ${f.data.corpus} | ${f.data.seed} | ${f.data.failures} |`)
out.push('')

const known = [...of('hostile').flatMap((f) => f.data.known.map((k: string) => `${f.name}/${k}`)), ...of('known').map((f) => `${f.name} (known:${f.data.known}): ${f.data.failure}`)]
const fixed = [...of('hostile').flatMap((f) => f.data.knownFixed.map((k: string) => `${f.name}/${k}`)), ...of('known-fixed').map((f) => `${f.name} (known:${f.data.known})`)]
const failed = of('hostile').flatMap((f) => f.data.failed.map((k: string) => `${f.name}/${k}`))
out.push('## Known failures (reported defects, marked `known:<id>` in the data)', '')
out.push(...(known.length ? known.map((k) => `- ${k}`) : ['none']), '')
if (fixed.length) out.push('## Marked known but passing now (remove the marks)', '', ...fixed.map((k) => `- ${k}`), '')
if (failed.length) out.push('## Unexpected failures', '', ...failed.map((k) => `- ${k}`), '')

if (!only.length) {
  fs.writeFileSync(path.join(here, 'RESULTS.md'), out.join('\n'))
  console.log(`# wrote tests/reliability/RESULTS.md (${minutes.toFixed(1)} min)`)
} else console.log(out.join('\n'))
process.exit(res.status ?? 1)
