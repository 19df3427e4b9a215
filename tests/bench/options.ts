/** Command-line options of `npm run bench`, checked strictly: a typo is an error, not a silent default. */

export interface BenchOptions {
  rounds: number
  seconds: number
  warmupSeconds: number
  connections: number
  /** macro contender ids (substrings) to run; empty = all */
  only: string[]
  /** issue 21's TechEmpower rows to run (te = all of them) */
  teOnly: string[]
  skip: Set<'macro' | 'micro' | 'profile' | 'te' | 'memory' | 'ws'>
  profileSeconds: number
  /** write RESULTS.md / PROFILE.md (off for partial runs unless asked) */
  write: boolean
  help: boolean
}

export const USAGE = `npm run bench -- [options]
  --rounds N          rounds of the macro suite (default 3)
  --seconds S         seconds per measurement (default 3)
  --warmup S          warm-up before a contender's first round (default 1.5; later rounds a quarter)
  --connections N     autocannon connections (default 50)
  --only a,b          only these macro contenders: an exact id, or else every id containing it (e.g. node-http,quark-hello);
                      te (or te-sqlite, te-pg-fortunes, ...) and memory select issue 21's parts: given alone,
                      they run without the macro, micro and profile parts
  --skip a,b          skip parts: macro, micro, profile, te, memory, ws (websocket broadcast, issue 23)
  --profile-seconds S load time of each profiled route (default 3)
  --quick             1 round of 2 s, 1 s warm-up, 3 s profiles (a smoke run; results not written)
  --write / --no-write  write tests/bench/RESULTS.md and PROFILE.md (default: only for full runs)
  --help`

const PARTS = ['macro', 'micro', 'profile', 'te', 'memory', 'ws'] as const

function num(flag: string, v: string | undefined, min: number, integer: boolean): number {
  const n = Number(v)
  if (v === undefined || v === '' || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw new Error(`${flag} needs ${integer ? 'an integer' : 'a number'} >= ${min}, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`)
  }
  return n
}

export function parseOptions(argv: string[]): BenchOptions {
  const o: BenchOptions = { rounds: 3, seconds: 3, warmupSeconds: 1.5, connections: 50, only: [], teOnly: [], skip: new Set(), profileSeconds: 3, write: true, help: false }
  let partial = false
  let write: boolean | undefined
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const next = () => argv[++i]
    switch (a) {
      case '--rounds': o.rounds = num(a, next(), 1, true); partial = true; break
      case '--seconds': o.seconds = num(a, next(), 0.5, false); partial = true; break
      case '--warmup': o.warmupSeconds = num(a, next(), 0, false); break
      case '--connections': o.connections = num(a, next(), 1, true); break
      case '--profile-seconds': o.profileSeconds = num(a, next(), 1, false); break
      case '--only': {
        const v = next()
        if (!v) throw new Error('--only needs a comma-separated list of contender ids')
        o.only = v.split(',').map((s) => s.trim()).filter(Boolean)
        partial = true
        break
      }
      case '--skip': {
        const v = next()
        if (!v) throw new Error(`--skip needs a comma-separated list of: ${PARTS.join(', ')}`)
        for (const p of v.split(',').map((s) => s.trim())) {
          if (!(PARTS as readonly string[]).includes(p)) throw new Error(`--skip: unknown part ${JSON.stringify(p)} (parts: ${PARTS.join(', ')})`)
          o.skip.add(p as (typeof PARTS)[number])
        }
        partial = true
        break
      }
      case '--quick': o.rounds = 1; o.seconds = 2; o.warmupSeconds = 1; o.profileSeconds = 3; partial = true; break
      case '--write': write = true; break
      case '--no-write': write = false; break
      case '--help': case '-h': o.help = true; break
      default: throw new Error(`unknown option ${JSON.stringify(a)}\n${USAGE}`)
    }
  }
  o.write = write ?? !partial
  // the websocket broadcast row (issue 23) runs in full runs only
  if (o.only.length) o.skip.add('ws')
  // issue 21's parts named alone in --only (`--only te`): nothing else runs
  const own = (s: string) => s === 'te' || s.startsWith('te-') || s === 'memory'
  if (o.only.length && o.only.every(own)) {
    for (const p of ['macro', 'micro', 'profile'] as const) o.skip.add(p)
    if (!o.only.includes('memory')) o.skip.add('memory')
    if (!o.only.some((s) => s !== 'memory')) o.skip.add('te')
  } else if (o.only.length) {
    // macro ids only: issue 21's parts are not among them
    if (!o.only.some((s) => s === 'te' || s.startsWith('te-'))) o.skip.add('te')
    if (!o.only.includes('memory')) o.skip.add('memory')
  }
  o.teOnly = o.only.filter((s) => s === 'te' || s.startsWith('te-'))
  o.only = o.only.filter((s) => !own(s))
  return o
}
