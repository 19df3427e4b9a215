/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and lists where the time went:
 * the top functions by self time with their file:line, and the same time
 * summed per file. Self time comes from the sample time deltas, so it does
 * not depend on the sampling interval.
 *
 *   node --import tsx tests/bench/cpuprofile-top.ts <file.cpuprofile> [count]
 */
import fs from 'node:fs'
import path from 'node:path'

interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
export interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export interface TopEntry { fn: string; where: string; selfMs: number; share: number }
export interface ProfileSummary { totalMs: number; functions: TopEntry[]; files: TopEntry[] }

const ROOT = path.resolve(import.meta.dirname, '../..')

/** file:///work/main/server/x.ts -> server/x.ts; node internals stay as node:... */
export function shortUrl(url: string): string {
  if (!url) return ''
  let u = url.startsWith('file://') ? decodeURIComponent(url.slice(7)) : url
  if (u.startsWith(ROOT + '/')) u = u.slice(ROOT.length + 1)
  return u.replace(/^node_modules\//, 'nm:')
}

const sourceCache = new Map<string, string[] | null>()

/**
 * tsx compiles a server file to JavaScript whose line numbers do not match
 * the TypeScript (often everything sits on line 2), so a function of a .ts
 * file is located by its name in the source: a declaration, a method, or a
 * `name =` / `name:` binding. Returns the 1-based line or undefined.
 */
export function lineOfFunction(file: string, fn: string): number | undefined {
  if (!/^[A-Za-z_$][\w$]*$/.test(fn)) return undefined
  let lines = sourceCache.get(file)
  if (lines === undefined) {
    try { lines = fs.readFileSync(path.isAbsolute(file) ? file : path.join(ROOT, file), 'utf8').split('\n') } catch { lines = null }
    sourceCache.set(file, lines)
  }
  if (!lines) return undefined
  const patterns = [
    new RegExp(`\\bfunction\\s*\\*?\\s*${fn}\\s*[<(]`),
    new RegExp(`^\\s*(?:(?:public|private|protected|static|async|readonly|override|get|set)\\s+)*\\*?${fn}\\s*(?:<[^>]*>)?\\(`),
    new RegExp(`\\b(?:const|let|var)\\s+${fn}\\s*[=:]`),
    new RegExp(`\\b${fn}\\s*[:=]\\s*(?:async\\s*)?(?:function\\b|\\()`),
  ]
  for (const re of patterns) {
    const i = lines.findIndex((l) => re.test(l))
    if (i !== -1) return i + 1
  }
  return undefined
}

export function parseProfile(text: string): CpuProfile {
  let p: CpuProfile
  try { p = JSON.parse(text) as CpuProfile } catch (e) { throw new Error(`not a .cpuprofile (invalid JSON): ${(e as Error).message}`) }
  if (!p || !Array.isArray(p.nodes) || !Array.isArray(p.samples) || !Array.isArray(p.timeDeltas)) throw new Error('not a .cpuprofile: nodes, samples and timeDeltas are required')
  if (p.samples.length !== p.timeDeltas.length) throw new Error(`malformed .cpuprofile: ${p.samples.length} samples but ${p.timeDeltas.length} time deltas`)
  return p
}

/**
 * `window` (µs, the profile's own clock: CLOCK_MONOTONIC, the same as
 * process.hrtime in another process on Linux) keeps only the samples taken
 * under load, leaving out start-up (module loading, compiling).
 */
export function summarize(p: CpuProfile, count = 15, window?: { fromUs: number; toUs: number }): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const selfUs = new Map<number, number>()
  // sample i lasted until sample i+1: its duration is the next delta (the last one counts 0)
  let total = 0
  let at = p.startTime
  for (let i = 0; i < p.samples.length; i++) {
    at += p.timeDeltas[i]
    if (window && (at < window.fromUs || at > window.toUs)) continue
    const next = i + 1 < p.timeDeltas.length ? p.timeDeltas[i + 1] : 0
    const d = Math.max(0, next)
    selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + d)
    total += d
  }
  const fns = new Map<string, TopEntry>()
  const files = new Map<string, TopEntry>()
  for (const [id, us] of selfUs) {
    const n = byId.get(id)
    if (!n) throw new Error(`malformed .cpuprofile: sample refers to missing node ${id}`)
    const cf = n.callFrame
    const file = shortUrl(cf.url)
    const fn = cf.functionName || (file ? '(anonymous)' : '(native)')
    const tsLine = file.endsWith('.ts') && !file.startsWith('/') ? lineOfFunction(file, fn) : undefined
    const where = !file ? '' : tsLine !== undefined ? `${file}:${tsLine}` : `${file}:${cf.lineNumber + 1}${file.endsWith('.ts') ? `:${cf.columnNumber + 1} (js)` : ''}`
    const key = `${fn}@${where}`
    const e = fns.get(key) ?? { fn, where, selfMs: 0, share: 0 }
    e.selfMs += us / 1000
    fns.set(key, e)
    const fileKey = file || fn
    const f = files.get(fileKey) ?? { fn: fileKey, where: '', selfMs: 0, share: 0 }
    f.selfMs += us / 1000
    files.set(fileKey, f)
  }
  const totalMs = total / 1000
  const rank = (m: Map<string, TopEntry>) => [...m.values()].map((e) => ({ ...e, share: totalMs ? e.selfMs / totalMs : 0 })).sort((a, b) => b.selfMs - a.selfMs).slice(0, count)
  return { totalMs, functions: rank(fns), files: rank(files) }
}

/** The profile as Markdown tables (functions, then files); idle time excluded from shares. */
export function profileMarkdown(s: ProfileSummary): string {
  const busy = s.totalMs - (s.functions.find((f) => f.fn === '(idle)')?.selfMs ?? 0)
  const line = (e: TopEntry, i: number) => `| ${i + 1} | ${e.selfMs.toFixed(0)} | ${e.fn === '(idle)' ? '-' : ((e.selfMs / busy) * 100).toFixed(1) + '%'} | \`${e.fn.replace(/\|/g, '\\|')}\` | ${e.where ? '`' + e.where + '`' : ''} |`
  return [
    `Profiled ${(s.totalMs / 1000).toFixed(1)} s, of which ${(busy / 1000).toFixed(1)} s busy (shares are of busy time).`,
    '',
    '| # | self ms | share | function | file:line |',
    '| --- | --- | --- | --- | --- |',
    ...s.functions.map(line),
    '',
    '| # | self ms | share | file |  |',
    '| --- | --- | --- | --- | --- |',
    ...s.files.slice(0, 10).map((e, i) => line({ ...e, where: '' }, i)),
  ].join('\n')
}

if (require.main === module) {
  const file = process.argv[2]
  if (!file) { console.error('usage: cpuprofile-top.ts <file.cpuprofile> [count]'); process.exit(2) }
  const count = Number(process.argv[3] ?? 15)
  console.log(profileMarkdown(summarize(parseProfile(fs.readFileSync(file, 'utf8')), count)))
}
