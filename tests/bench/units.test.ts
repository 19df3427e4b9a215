/** The benchmark's own parts that need no server: statistics, options, route checks, profile reading, the bench app. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { median, markdownTable, fmtPct } from './stats'
import { parseOptions } from './options'
import { allContenders, gist } from './contenders'
import { selectContenders } from './macro'
import { parseProfile, summarize, shortUrl, lineOfFunction, type CpuProfile } from './cpuprofile-top'
import { createBenchFolder, STATIC_BODY } from './bench-app'
import type { Probe } from './proc'

test('median of odd and even lists, and of nothing', () => {
  assert.equal(median([3, 1, 2]), 2)
  assert.equal(median([4, 1, 3, 2]), 2.5)
  assert.equal(median([7]), 7)
  assert.throws(() => median([]), /empty/)
})

test('markdown table escapes pipes and newlines so an error text cannot break it', () => {
  const t = markdownTable(['a', 'b'], [['x|y', 'line1\nline2']])
  assert.equal(t.split('\n').length, 3)
  assert.match(t, /x\\\|y/)
  assert.match(t, /line1 line2/)
  assert.equal(fmtPct(0.5), '50%')
  assert.equal(fmtPct(0.004), '0.4%')
})

test('options: defaults, quick, and clear errors for bad input', () => {
  const d = parseOptions([])
  assert.deepEqual([d.rounds, d.seconds, d.connections, d.write], [3, 3, 50, true])
  const q = parseOptions(['--quick'])
  assert.equal(q.rounds, 1)
  assert.equal(q.write, false, 'a partial run does not overwrite RESULTS.md')
  assert.equal(parseOptions(['--quick', '--write']).write, true)
  assert.deepEqual([...parseOptions(['--skip', 'micro,profile']).skip].sort(), ['micro', 'profile'])
  assert.throws(() => parseOptions(['--rounds', '0']), /--rounds needs an integer >= 1, got "0"/)
  assert.throws(() => parseOptions(['--rounds', '2.5']), /integer/)
  assert.throws(() => parseOptions(['--seconds']), /got nothing/)
  assert.throws(() => parseOptions(['--skip', 'macro,nope']), /unknown part "nope"/)
  assert.throws(() => parseOptions(['--frobnicate']), /unknown option "--frobnicate"/)
})

const probe = (status: number, body: string, type = 'text/html'): Probe => ({ status, body, headers: { 'content-type': type } })
const check = (id: string, p: Probe) => {
  const c = allContenders().find((x) => x.id === id)
  assert.ok(c, id)
  return c.check(p)
}

test('route checks accept the right answer and explain a wrong one', () => {
  assert.equal(check('node-http', probe(200, 'Hello World')), null)
  assert.match(check('quark-hello-http', probe(404, 'no such app'))!, /HTTP 404, expected 200: no such app/)
  assert.match(check('quark-hello-http', probe(200, 'Hi'))!, /unexpected body/)
  const rows = Array.from({ length: 10 }, (_, i) => `<tr><td>thing 00${i}</td></tr>`).join('')
  assert.equal(check('quark-rows-http', probe(200, rows)), null)
  assert.match(check('quark-rows-http', probe(200, rows.replace('thing 009', 'x')))!, /first 10 rows/)
  const json = JSON.stringify({ message: 'Hello World', nested: { text: 'a < b & c' } })
  assert.equal(check('quark-json-http', probe(200, json, 'application/json')), null)
  assert.match(check('quark-json-http', probe(200, json, 'text/html'))!, /expected JSON/)
  assert.match(check('quark-json-http', probe(200, '{', 'application/json'))!, /not JSON/)
  assert.equal(check('quark-static-http', probe(200, STATIC_BODY, 'text/css')), null)
  assert.match(check('quark-index-https', probe(200, 'partial'))!, /full HTML page/)
})

test('profile summary: self time from sample deltas, ranked, with file:line', () => {
  const url = `file://${path.resolve(import.meta.dirname, '../..')}/server/x.ts`
  const p: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1, columnNumber: -1 }, children: [2, 3] },
      { id: 2, callFrame: { functionName: 'slow', url, lineNumber: 9, columnNumber: 0 } },
      { id: 3, callFrame: { functionName: 'fast', url, lineNumber: 19, columnNumber: 0 } },
    ],
    // samples: slow, slow, fast, slow; each lasts until the next sample
    samples: [2, 2, 3, 2], timeDeltas: [0, 3000, 3000, 1000], startTime: 0, endTime: 7000,
  }
  const s = summarize(p, 5)
  assert.equal(s.totalMs, 7)
  assert.deepEqual(s.functions.map((f) => [f.fn, f.where, f.selfMs]), [['slow', 'server/x.ts:10:1 (js)', 6], ['fast', 'server/x.ts:20:1 (js)', 1]])
  assert.equal(s.files[0].fn, 'server/x.ts')
  // only the samples inside the load window count (timestamps 3000 and 6000 here)
  const w = summarize(p, 5, { fromUs: 1000, toUs: 6500 })
  assert.deepEqual(w.functions.map((f) => [f.fn, f.selfMs]), [['slow', 3], ['fast', 1]])
  assert.equal(shortUrl('node:internal/x'), 'node:internal/x')
  assert.throws(() => parseProfile('{'), /invalid JSON/)
  assert.throws(() => parseProfile('{"nodes":[]}'), /samples and timeDeltas are required/)
  assert.throws(() => summarize({ ...p, samples: [9], timeDeltas: [0] }), /missing node 9/)
})

test('bench folder holds the bench app and is removed cleanly', () => {
  const f = createBenchFolder()
  assert.ok(f.root.startsWith(os.tmpdir()))
  const app = path.join(f.root, 'applications', 'bench')
  for (const rel of ['models/db.ts', 'controllers/default.ts', 'views/default/rows.html', 'static/bench.css']) assert.ok(fs.existsSync(path.join(app, rel)), rel)
  assert.match(fs.readFileSync(path.join(app, 'controllers/default.ts'), 'utf8'), /limitby: \[0, 10\]/)
  f.remove()
  assert.equal(fs.existsSync(f.root), false)
})

test('--only: an exact id selects one contender, any other text selects by substring', () => {
  const all = allContenders()
  assert.deepEqual(selectContenders(all, ['node-http']).map((c) => c.id), ['node-http'])
  assert.deepEqual(selectContenders(all, ['node']).map((c) => c.id), ['node-http', 'node-https'])
  assert.equal(selectContenders(all, ['quark-rows']).length, 2)
  assert.equal(selectContenders(all, []).length, all.length)
})

test('gist: an error page is shown by its message, not its markup', () => {
  const page = '<!doctype html><html><head><meta charset="utf-8"><title>404 Not Found</title><style>body{}</style></head><body><h1>404 Not Found</h1><p>Invalid function: default.index</p></body></html>'
  assert.equal(gist(page), '404 Not Found Invalid function: default.index')
  assert.equal(gist('plain  text\n here'), 'plain text here')
  assert.equal(gist('x'.repeat(500)).length, 160)
})

test('a TypeScript function is located by name, since tsx output lines do not match the source', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-bench-src-'))
  try {
    const file = path.join(dir, 'x.ts')
    fs.writeFileSync(file, ['// x', 'export function alpha(a: number) {}', 'class K {', '  private async beta<T>(x: T) {}', '}', 'const gamma = (x: number) => x', 'const o = { delta: function () {} }'].join('\n'))
    assert.equal(lineOfFunction(file, 'alpha'), 2)
    assert.equal(lineOfFunction(file, 'beta'), 4)
    assert.equal(lineOfFunction(file, 'gamma'), 6)
    assert.equal(lineOfFunction(file, 'delta'), 7)
    assert.equal(lineOfFunction(file, 'missing'), undefined)
    assert.equal(lineOfFunction(file, '(anonymous)'), undefined)
    assert.equal(lineOfFunction(path.join(dir, 'nope.ts'), 'alpha'), undefined)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test("dal-micro.ts's figures become rows of the micro table; missing figures are named", async () => {
  const { adaptDalMicro } = await import('./micro/index')
  const rows = adaptDalMicro({ selectDalUs: 30, selectDirectUs: 20, selectPerRequestUs: 80, insertDalUs: 3000, insertDirectUs: 1000, define10TablesUs: 50 })
  assert.deepEqual(rows.map((r) => r.id), ['dal-select-10', 'dal-select-per-request', 'dal-insert-1000', 'dal-define-10'])
  assert.equal(rows[0].ratio, 1.5)
  assert.equal(rows[2].ratio, 3)
  const bad = adaptDalMicro({ selectDalUs: 30 })
  assert.equal(bad.length, 1)
  assert.match(bad[0].skipped!, /did not report selectDirectUs, insertDalUs, insertDirectUs, define10TablesUs/)
})

test('micro timing: CPU per op grows with the work done, and both ops of a pair are timed', async () => {
  const { measureMany, threadCpuUs } = await import('./micro/measure')
  const t0 = threadCpuUs()
  let x = 0
  for (let i = 0; i < 2e6; i++) x += i % 7
  assert.ok(threadCpuUs() > t0 && x > 0, 'the thread clock advances while computing')
  const small = () => { let s = 0; for (let i = 0; i < 100; i++) s += i; return s }
  const big = () => { let s = 0; for (let i = 0; i < 10000; i++) s += i % 3; return s }
  const [us1, us2] = await measureMany([small, big], { warmupMs: 50, runMs: 150 })
  assert.ok(us1 > 0 && us2 > 0)
  assert.ok(us2 > 5 * us1, `10,000 iterations (${us2} µs) cost more than 100 (${us1} µs)`)
})

test('the previous RESULTS.md is read back, and drops of more than 10% are listed', async () => {
  const { parsePrevious, drops, macroTable } = await import('./report')
  const c = allContenders().find((x) => x.id === 'quark-hello-http')!
  const n = allContenders().find((x) => x.id === 'node-http')!
  const row = (contender: typeof c, rps: number, cpu: number) => ({ contender, samples: [], rssBytes: [], cpuUs: [], rps, p50: 1, p99: 2, rss: 2 ** 20, cpu, non2xx: 0, errors: 0 })
  const before = { rows: [row(n, 10000, 50), row(c, 5000, 100)], notes: [] }
  const prev = parsePrevious(`# x\n\n${macroTable(before)}\n\nafter`)
  assert.deepEqual(prev.get('Quark /welcome/default/hello|http'), { rps: 5000, cpu: 100 })
  assert.equal(prev.size, 2)
  const now = { rows: [row(n, 9500, 50), row(c, 4000, 120)], notes: [] }
  const fell = drops(now, prev)
  assert.equal(fell.length, 1, 'node fell 5%: not listed; Quark fell 20%: listed')
  assert.match(fell[0], /Quark \/welcome\/default\/hello \(http\): 4,000 req\/s, was 5,000 \(-20%\)/)
  assert.match(macroTable(now, prev), /\| -20% \|/)
  assert.equal(parsePrevious('no table here').size, 0)
})
