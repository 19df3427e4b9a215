/**
 * The issue 21 section of RESULTS.md: TechEmpower's test types as Quark /
 * Fastify ratios with PASS/FAIL against the issue's targets, and the memory
 * figures. It sits between two markers so that `--only te --write` replaces
 * this section alone and leaves the rest of the file (a full run's figures) as it is.
 */
import { geomean, tePairs, MEASURED_QUERIES, MEASURED_UPDATES, type TePair, type TeResult } from './techempower'
import { MEMORY_GROWTH_SLACK, MEMORY_TARGET_BYTES, mb, type MemoryResult } from './memory'
import { fmtInt, markdownTable } from './stats'

export const TE_BEGIN = '<!-- issue21:begin -->'
export const TE_END = '<!-- issue21:end -->'

export interface Verdict { what: string; ok: boolean | undefined; detail: string }

const LABEL: Record<string, string> = {
  plaintext: 'plaintext', json: 'JSON', db: 'single query', queries: `${MEASURED_QUERIES} queries`, updates: `${MEASURED_UPDATES} updates`, fortunes: 'fortunes',
}

const r2 = (x: number | undefined) => (x === undefined ? '?' : x.toFixed(2))

export function teVerdicts(te: TeResult | undefined, mem: MemoryResult | undefined): Verdict[] {
  const out: Verdict[] = []
  if (te) {
    const pairs = tePairs(te)
    const of = (db: string) => pairs.filter((p) => p.db === db)
    const ratio = (db: string, test: string) => of(db).find((p) => p.test === test)?.ratio
    const sqlite = of('sqlite')
    if (sqlite.length) {
      const all = sqlite.every((p) => p.ratio !== undefined) && sqlite.length === 6
      const g = all ? geomean(sqlite.map((p) => p.ratio!)) : undefined
      out.push({ what: 'SQLite: geometric mean of the six >= 0.75', ok: g === undefined ? undefined : g >= 0.75, detail: g === undefined ? 'not all six measured' : r2(g) })
      for (const [test, min] of [['db', 0.6], ['fortunes', 0.6]] as const) {
        const v = ratio('sqlite', test)
        out.push({ what: `SQLite: ${LABEL[test]} >= ${min}`, ok: v === undefined ? undefined : v >= min, detail: r2(v) })
      }
      const measured = sqlite.filter((p) => p.ratio !== undefined)
      const low = measured.filter((p) => p.ratio! < 0.5)
      out.push({ what: 'SQLite: no test below 0.50', ok: measured.length ? low.length === 0 : undefined,
        detail: low.length ? low.map((p) => `${LABEL[p.test]} ${r2(p.ratio)}`).join(', ') : `lowest ${r2(Math.min(...measured.map((p) => p.ratio!)))}` })
    }
    const pgPairs = of('pg')
    if (pgPairs.length) {
      const all = pgPairs.length === 4 && pgPairs.every((p) => p.ratio !== undefined)
      const g = all ? geomean(pgPairs.map((p) => p.ratio!)) : undefined
      out.push({ what: 'PostgreSQL: geometric mean of the four database tests >= 0.70', ok: g === undefined ? undefined : g >= 0.7, detail: g === undefined ? 'not all four measured' : r2(g) })
    }
  }
  if (mem) {
    const last = mem.afterLoadBytes.at(-1)
    const first = mem.afterLoadBytes[0]
    out.push({ what: 'memory: <= 100 MB RSS after the load', ok: mem.failed || last === undefined ? undefined : last <= MEMORY_TARGET_BYTES, detail: mem.failed ?? mb(last) })
    out.push({ what: 'memory: no growth across three loads', ok: mem.failed || mem.afterLoadBytes.length < 3 ? undefined : last! <= first * (1 + MEMORY_GROWTH_SLACK),
      detail: mem.failed ?? mem.afterLoadBytes.map(mb).join(' → ') })
  }
  return out
}

function pairRow(p: TePair, te: TeResult): string[] {
  const q = te.rows.find((r) => r.db === p.db && r.test === p.test && r.side === 'quark')
  const f = te.rows.find((r) => r.db === p.db && r.test === p.test && r.side === 'fastify')
  return [
    p.db === 'sqlite' ? 'SQLite' : 'PostgreSQL', LABEL[p.test],
    p.quark !== undefined ? fmtInt(p.quark) : 'FAILED', p.fastify !== undefined ? fmtInt(p.fastify) : 'FAILED',
    r2(p.ratio), r2(p.cpuRatio),
    `${(q?.non2xx ?? 0) + (f?.non2xx ?? 0)} / ${(q?.errors ?? 0) + (f?.errors ?? 0)}${p.why ? ` (${p.why})` : ''}`,
  ]
}

export function teMarkdown(te: TeResult | undefined, mem: MemoryResult | undefined, o: { rounds: number; seconds: number; connections: number; date: Date; load: number }): string {
  const lines = [TE_BEGIN, '## TechEmpower test types and memory (issue 21)', '',
    `- date: ${o.date.toISOString()}; 1-minute load average before: ${o.load.toFixed(2)} (the machine is shared: compare the ratios, measured in the same run)`,
    `- Quark (tests/bench/te-app.ts, \`quark run\`) against Fastify with the raw driver (tests/bench/servers/fastify-te.ts: better-sqlite3 prepared statements; pg named prepared statements), ` +
      `alternated within each round, ${o.rounds} rounds of ${o.seconds} s, ${o.connections} connections, medians; every answer verified first as TechEmpower's verifier does (tests/bench/te-verify.ts).`,
    '- ratio = Quark req/s / Fastify req/s; by CPU = Fastify\'s server CPU per request / Quark\'s.', '']
  if (te) {
    const pairs = tePairs(te)
    lines.push(markdownTable(['database', 'test', 'Quark req/s', 'Fastify req/s', 'ratio', 'ratio by CPU', 'non-2xx / errors'], pairs.map((p) => pairRow(p, te))), '')
    for (const n of te.notes) lines.push(`- ${n}`)
    if (te.notes.length) lines.push('')
  }
  if (mem) {
    lines.push(`Memory: RSS of one Quark process (and its children) serving the welcome app; each load is ${mem.secondsPerPath} s on each of ${mem.paths.join(', ')} at ${mem.connections} connections.`, '')
    lines.push(markdownTable(['idle', ...mem.afterLoadBytes.map((_b, i) => `after load ${i + 1}`)], [[mb(mem.idleBytes), ...mem.afterLoadBytes.map(mb)]]), '')
    if (mem.failed) lines.push(`- memory measurement failed: ${mem.failed}`, '')
  }
  lines.push('### Targets (issue 21)', '')
  for (const v of teVerdicts(te, mem)) lines.push(`- ${v.ok === undefined ? 'NOT MEASURED' : v.ok ? 'PASS' : 'FAIL'}: ${v.what} — ${v.detail}`)
  lines.push('', TE_END)
  return lines.join('\n')
}

/** `md` with its issue 21 section replaced by `section` (appended when it has none). */
export function spliceSection(md: string, section: string): string {
  const a = md.indexOf(TE_BEGIN)
  const b = md.indexOf(TE_END)
  if (a >= 0 && b > a) return md.slice(0, a) + section + md.slice(b + TE_END.length)
  return md.replace(/\n*$/, '\n\n') + section + '\n'
}

/** the issue 21 section of a previous RESULTS.md, to carry over when this run did not measure it */
export function previousSection(md: string): string | undefined {
  const a = md.indexOf(TE_BEGIN)
  const b = md.indexOf(TE_END)
  return a >= 0 && b > a ? md.slice(a, b + TE_END.length) : undefined
}
