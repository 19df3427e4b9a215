/**
 * One fuzz target in its own process (so that a hang can be killed):
 *   node --import tsx tests/reliability/fuzz/worker.ts <target> <runs> <seconds> <seed> <currentFile>
 * Runs the committed corpus (corpus/<target>.jsonl: seeds and regressions) first, then fast-check
 * for <runs> cases or <seconds>, whichever ends first. Before each case the input is written to
 * <currentFile>, so that the parent can name the input of a hang. Prints one JSON line:
 * { ok, runs, corpus, failure?: { input, error }, knownFailures: [...] }.
 */
import fs from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { TARGETS } from './targets'

const [name, runsArg, secondsArg, seedArg, current] = process.argv.slice(2)
const target = TARGETS[name!]
if (!target) { console.error(`no fuzz target ${name}`); process.exit(2) }

async function main(): Promise<void> {
  await target!.setup?.()
  const corpusFile = path.join(__dirname, '..', 'corpus', `${name}.jsonl`)
  const corpus = fs.existsSync(corpusFile) ? fs.readFileSync(corpusFile, 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#')).map((l) => JSON.parse(l) as { input: unknown; known?: string; id?: string }) : []
  const knownFailures: string[] = []
  const knownFixed: string[] = []
  for (const c of corpus) {
    fs.writeFileSync(current!, JSON.stringify(c.input))
    try { await target!.check(c.input) } catch (e) {
      if (c.known) { knownFailures.push(`${c.id ?? ''} (known:${c.known}): ${(e as Error).message.slice(0, 200)}`); continue }
      finish({ ok: false, runs: 0, corpus: corpus.length, failure: { input: c.input, error: (e as Error).message.slice(0, 2000), fromCorpus: c.id ?? true }, knownFailures })
      return
    }
    if (c.known) knownFixed.push(`${c.id ?? ''} (known:${c.known})`)
  }
  const knownInputs = new Set(corpus.filter((c) => c.known).map((c) => JSON.stringify(c.input)))
  let runs = 0
  const result = await fc.check(fc.asyncProperty(target!.arbitrary, async (input) => {
    runs++
    // a known failure found again is not a new one
    if (knownInputs.has(JSON.stringify(input))) return
    fs.writeFileSync(current!, JSON.stringify(input))
    await target!.check(input)
  // no endOnFailure: it stops at the first failure without shrinking, and the kept regression line
  // (and the canary) want the shrunk input; the time limit still bounds the run with its shrinking
  }), { numRuns: Number(runsArg), seed: Number(seedArg), interruptAfterTimeLimit: Number(secondsArg) * 1000 })
  if (result.failed && result.counterexample) {
    finish({ ok: false, runs, corpus: corpus.length, failure: { input: result.counterexample[0], error: String((result.errorInstance as Error)?.message ?? result.errorInstance).slice(0, 2000), seed: result.seed, path: result.counterexamplePath }, knownFailures, knownFixed })
    return
  }
  finish({ ok: true, runs, corpus: corpus.length, knownFailures, knownFixed })
}

function finish(o: unknown): void {
  process.stdout.write('FUZZ-RESULT ' + JSON.stringify(o) + '\n')
  Promise.resolve(target!.teardown?.()).finally(() => process.exit(0))
}

main().catch((e) => { process.stdout.write('FUZZ-RESULT ' + JSON.stringify({ ok: false, runs: 0, failure: { input: null, error: 'harness: ' + ((e as Error)?.stack ?? String(e)) } }) + '\n'); process.exit(1) })
