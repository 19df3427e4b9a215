// Fuzzing (#17 item 5): property-based fuzzing with fast-check of the template parser, the body
// parsers (urlencoded, JSON, multipart, through the real server), the URL parser and static path
// resolution, the .w2t reader and the DAL query compiler (differential against JavaScript).
// Each target runs in its own process from its committed corpus (corpus/<target>.jsonl), for a
// fixed number of cases in the short form and for a minute in the full run. A failure (a crash,
// a wrong answer, or a hang: the process killed after a bound) is appended to the corpus as a
// regression line: commit it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import crypto from 'node:crypto'
import { spawn } from 'node:child_process'
import { FULL, figure } from './lib/figures'

const SHORT_RUNS: Record<string, number> = { template: 200, url: 1000, w2t: 300, dal: 200, bodies: 100 }
const FULL_SECONDS = Number(process.env.QUARK_FUZZ_SECONDS ?? 50)
const SEED = Number(process.env.QUARK_FUZZ_SEED ?? (FULL ? Date.now() % 2 ** 31 : 17))

interface Outcome { ok: boolean; runs: number; corpus?: number; failure?: { input: unknown; error: string }; knownFailures?: string[]; knownFixed?: string[] }

function runTarget(name: string, runs = FULL ? 1e9 : SHORT_RUNS[name]!): Promise<{ outcome?: Outcome; hang?: unknown; output: string }> {
  const current = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'quark-rel-fuzz-')), 'current.json')
  const seconds = FULL ? FULL_SECONDS : 90
  const bound = (seconds + 120) * 1000
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fuzz', 'worker.ts'), name, String(runs), String(seconds), String(SEED), current], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, QUARK_TESTING: '1' } })
    let out = ''
    child.stdout.on('data', (c: Buffer) => { out += c })
    child.stderr.on('data', (c: Buffer) => { out += c })
    let hung = false
    const timer = setTimeout(() => { hung = true; child.kill('SIGKILL') }, bound)
    child.on('exit', () => {
      clearTimeout(timer)
      const line = out.split('\n').find((l) => l.startsWith('FUZZ-RESULT '))
      let hang: unknown
      if (hung) { try { hang = JSON.parse(fs.readFileSync(current, 'utf8')) } catch { hang = null } }
      fs.rmSync(path.dirname(current), { recursive: true, force: true })
      resolve({ outcome: line ? JSON.parse(line.slice('FUZZ-RESULT '.length)) : undefined, hang: hung ? hang : undefined, output: out.slice(-3000) })
    })
  })
}

/** A failing input becomes a regression line of the target's corpus. */
function keep(name: string, input: unknown, why: string): string {
  const id = `found-${new Date().toISOString().slice(0, 10)}-${crypto.createHash('sha1').update(JSON.stringify(input)).digest('hex').slice(0, 8)}`
  const file = path.join(__dirname, 'corpus', `${name}.jsonl`)
  if (!fs.readFileSync(file, 'utf8').includes(`"id":"${id}"`)) fs.appendFileSync(file, JSON.stringify({ id, input, note: why.slice(0, 300) }) + '\n')
  return id
}

for (const name of Object.keys(SHORT_RUNS)) {
  test(`fuzz: ${name}`, { timeout: ((FULL ? FULL_SECONDS : 90) + 180) * 1000 }, async () => {
    const r = await runTarget(name)
    if (r.hang !== undefined) {
      const id = keep(name, r.hang, 'hang')
      assert.fail(`fuzz target ${name} hung; input kept as ${id} in corpus/${name}.jsonl: ${JSON.stringify(r.hang).slice(0, 300)}`)
    }
    assert.ok(r.outcome, `the fuzz worker gave no result:\n${r.output}`)
    const o = r.outcome!
    for (const k of o.knownFailures ?? []) console.log(`# known failure fuzz/${name} ${k}`)
    for (const k of o.knownFixed ?? []) console.log(`# fuzz/${name} ${k} passes now: remove the mark`)
    figure('fuzz', name, { cases: o.runs, corpus: o.corpus ?? 0, seed: SEED, failures: o.ok ? 0 : 1, known: (o.knownFailures ?? []).length })
    if (!o.ok) {
      const id = o.failure!.input === null ? '(harness)' : keep(name, o.failure!.input, o.failure!.error)
      assert.fail(`fuzz target ${name} failed on ${JSON.stringify(o.failure!.input).slice(0, 500)} (kept as ${id} in corpus/${name}.jsonl): ${o.failure!.error}`)
    }
  })
}

test('fuzz harness: a failing target is found and shrunk (the canary)', { timeout: 240_000 }, async () => {
  const r = await runTarget('canary', 1000)
  assert.equal(r.outcome?.ok, false, r.output)
  const found = String(r.outcome!.failure!.input)
  assert.ok(found.includes('zz') && found.length <= 4, `shrunk to a small failing input: ${found}`)
})
