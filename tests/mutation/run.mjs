#!/usr/bin/env node
/**
 * `npm run mutation [-- <room>...] [-- --force] [-- --concurrency 2]`: StrykerJS
 * over each security-critical room (tests/mutation/rooms.mjs), one room at a
 * time, each room's mutants tested by that room's own test files only.
 *
 * Incremental: a room's last results (tests/mutation/incremental/<room>.json,
 * committed) are reused for mutants whose code did not change. The command
 * runner reports one test ("All tests"), so Stryker cannot see that a test
 * file changed: when the room's test files differ from the last run's, the
 * mutants that survived are dropped from the incremental file and tested
 * again. `--force` retests every mutant.
 *
 * `-- --report-only` rewrites the table from the last reports without running Stryker.
 * The scores go to the table in tests/reliability/MUTATION.md (between the
 * scores markers) and to the console.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ROOMS } from './rooms.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../..')
const stryker = path.join(root, 'node_modules/@stryker-mutator/core/bin/stryker.js')
const scoresFile = path.join(root, 'tests/reliability/MUTATION.md')

const args = process.argv.slice(2)
const names = args.filter((a) => ROOMS[a] !== undefined)
const unknown = args.filter((a) => !a.startsWith('-') && ROOMS[a] === undefined && !/^\d+$/.test(a))
if (unknown.length) {
  console.error(`unknown room(s): ${unknown.join(', ')}; rooms: ${Object.keys(ROOMS).join(', ')}`)
  process.exit(2)
}
// --report-only: no Stryker run, the scores of the rooms' last reports (tests/mutation/reports/) only
const reportOnly = args.includes('--report-only')
const passThrough = args.filter((a) => ROOMS[a] === undefined && a !== '--report-only')
const rooms = names.length ? names : Object.keys(ROOMS)

/** The tests a room's results depend on: its test files and its entry in rooms.mjs. */
function testsHash(name) {
  const h = createHash('sha256').update(JSON.stringify(ROOMS[name]))
  for (const t of ROOMS[name].tests) h.update(t).update(fs.existsSync(path.join(root, t)) ? fs.readFileSync(path.join(root, t)) : '')
  return h.digest('hex')
}

/**
 * The incremental file is committed: keep it small. Stryker stores each mutant's test output as its
 * statusReason (hundreds of KB per room), which it does not need to reuse a result.
 */
function compactIncremental(name) {
  const inc = path.join(here, 'incremental', `${name}.json`)
  if (!fs.existsSync(inc)) return
  const report = JSON.parse(fs.readFileSync(inc, 'utf8'))
  for (const file of Object.values(report.files)) for (const m of file.mutants) delete m.statusReason
  delete report.projectRoot
  fs.writeFileSync(inc, JSON.stringify(report))
}

/** Tests changed since the last run: forget the survivors, so they are tested again. */
function dropSurvivors(name) {
  const inc = path.join(here, 'incremental', `${name}.json`)
  const shaFile = path.join(here, 'incremental', `${name}.tests.sha256`)
  if (!fs.existsSync(inc)) return
  const sha = testsHash(name)
  if (fs.existsSync(shaFile) && fs.readFileSync(shaFile, 'utf8').trim() === sha) return
  const report = JSON.parse(fs.readFileSync(inc, 'utf8'))
  let dropped = 0
  for (const file of Object.values(report.files)) {
    const before = file.mutants.length
    file.mutants = file.mutants.filter((m) => m.status !== 'Survived' && m.status !== 'NoCoverage')
    dropped += before - file.mutants.length
  }
  fs.writeFileSync(inc, JSON.stringify(report))
  console.log(`# ${name}: test files changed since the last run; ${dropped} surviving mutant(s) will be tested again`)
}

const DETECTED = new Set(['Killed', 'Timeout'])
const UNDETECTED = new Set(['Survived', 'NoCoverage'])

function score(mutants) {
  const c = { detected: 0, undetected: 0, ignored: 0, invalid: 0 }
  for (const m of mutants) {
    if (DETECTED.has(m.status)) c.detected++
    else if (UNDETECTED.has(m.status)) c.undetected++
    else if (m.status === 'Ignored') c.ignored++
    else c.invalid++
  }
  const total = c.detected + c.undetected
  return { ...c, score: total ? (100 * c.detected) / total : 100 }
}

function summarise(name) {
  const report = JSON.parse(fs.readFileSync(path.join(here, 'reports', `${name}.json`), 'utf8'))
  const rows = []
  const all = []
  for (const [file, f] of Object.entries(report.files).sort()) {
    rows.push({ room: name, file, ...score(f.mutants) })
    all.push(...f.mutants)
    for (const m of f.mutants) if (UNDETECTED.has(m.status)) console.log(`  survived ${file}:${m.location.start.line}:${m.location.start.column} ${m.mutatorName} -> ${JSON.stringify(m.replacement ?? '')}`)
  }
  return { total: { room: name, file: '(room)', ...score(all) }, rows }
}

const fmt = (r) => `| ${r.room} | ${r.file} | ${r.score.toFixed(1)}% | ${r.detected} | ${r.undetected} | ${r.ignored} |`

function writeScores(results) {
  if (!fs.existsSync(scoresFile)) return
  const text = fs.readFileSync(scoresFile, 'utf8')
  const begin = text.indexOf('<!-- scores:begin -->')
  const end = text.indexOf('<!-- scores:end -->')
  if (begin === -1 || end === -1) return
  // rooms not run this time keep their previous rows
  const old = text.slice(begin, end).split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| room') && !l.startsWith('| ---') && !results.some((r) => l.startsWith(`| ${r.total.room} |`)))
  const lines = [...old, ...results.flatMap((r) => [fmt(r.total), ...r.rows.map(fmt)])]
  const order = Object.keys(ROOMS)
  lines.sort((a, b) => order.indexOf(a.split(' | ')[0].slice(2)) - order.indexOf(b.split(' | ')[0].slice(2)) || (a.includes('(room)') ? -1 : b.includes('(room)') ? 1 : a.localeCompare(b)))
  const table = ['<!-- scores:begin -->', '| room | file | score | killed | survived | excluded (equivalent) |', '| --- | --- | --- | --- | --- | --- |', ...lines, ''].join('\n')
  fs.writeFileSync(scoresFile, text.slice(0, begin) + table + text.slice(end))
}

const results = []
let failed = false
for (const name of rooms) {
  if (reportOnly) {
    if (fs.existsSync(path.join(here, 'reports', `${name}.json`))) { compactIncremental(name); results.push(summarise(name)) }
    continue
  }
  console.log(`\n# mutation testing ${name}: ${ROOMS[name].mutate.join(' ')}`)
  dropSurvivors(name)
  const r = spawnSync(process.execPath, [stryker, 'run', path.join(here, 'stryker.config.mjs'), ...passThrough], {
    cwd: root, stdio: 'inherit', env: { ...process.env, QUARK_MUTATION_ROOM: name },
  })
  if (r.status !== 0) { console.error(`# ${name}: stryker exited with ${r.status}`); failed = true; continue }
  compactIncremental(name)
  fs.writeFileSync(path.join(here, 'incremental', `${name}.tests.sha256`), testsHash(name) + '\n')
  results.push(summarise(name))
  writeScores(results) // after each room, so a long run that is stopped keeps what it measured
}

console.log('\n| room | file | score | killed | survived | excluded |')
for (const r of results) for (const row of [r.total, ...r.rows]) console.log(fmt(row))
writeScores(results)
const below = results.filter((r) => r.total.score < 85)
if (below.length) console.log(`# below 85%: ${below.map((r) => `${r.total.room} ${r.total.score.toFixed(1)}%`).join(', ')}`)
process.exit(failed ? 1 : 0)
