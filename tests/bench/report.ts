/** RESULTS.md: the machine, the macro table, the targets of issue 5, the micro-benchmarks. */
import os from 'node:os'
import type { MacroResult, MacroRow } from './macro'
import type { MicroResult } from './micro/measure'
import { fmtInt, fmtNum, fmtPct, markdownTable } from './stats'

export interface RunInfo {
  startedAt: Date
  wallSeconds: number
  rounds: number
  seconds: number
  warmupSeconds: number
  connections: number
  /** 1-minute load average before and after the run: other work on the machine skews the figures */
  loadBefore: number
  loadAfter: number
}

export function machineLine(): string {
  const cpus = os.cpus()
  return `${cpus.length} cores, ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}`
}

function rowById(rows: MacroRow[], id: string): MacroRow | undefined {
  return rows.find((r) => r.contender.id === id)
}

export interface Previous { rps: number; cpu?: number }

/**
 * The figures of the previous RESULTS.md (its macro table), keyed by
 * "label|proto", so a run can show what changed: issue 5 makes a drop of more
 * than 10% a defect.
 */
export function parsePrevious(md: string): Map<string, Previous> {
  const out = new Map<string, Previous>()
  const lines = md.split('\n')
  const start = lines.findIndex((l) => l.startsWith('| contender | proto | req/s'))
  if (start === -1) return out
  const header = lines[start].split('|').map((c) => c.trim())
  const iRps = header.indexOf('req/s')
  const iCpu = header.indexOf('server CPU µs/req')
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break
    const cells = line.split('|').map((c) => c.trim())
    const rps = Number(cells[iRps]?.replace(/,/g, ''))
    if (!Number.isFinite(rps) || rps <= 0) continue
    const cpu = iCpu > 0 ? Number(cells[iCpu]) : NaN
    out.set(`${cells[1]}|${cells[2]}`, { rps, cpu: Number.isFinite(cpu) && cpu > 0 ? cpu : undefined })
  }
  return out
}

function prevKey(r: MacroRow): string { return `${r.contender.label}|${r.contender.secure ? 'https' : 'http'}` }

/** Contenders whose req/s fell by more than `limit` against the previous results. */
export function drops(m: MacroResult, prev: Map<string, Previous>, limit = 0.1): string[] {
  const out: string[] = []
  for (const r of m.rows) {
    const p = prev.get(prevKey(r))
    if (!p || r.rps === undefined) continue
    if (r.rps < p.rps * (1 - limit)) out.push(`${r.contender.label} (${r.contender.secure ? 'https' : 'http'}): ${fmtInt(r.rps)} req/s, was ${fmtInt(p.rps)} (${fmtPct(r.rps / p.rps - 1)})`)
  }
  return out
}

export function macroTable(m: MacroResult, prev?: Map<string, Previous>): string {
  const base = rowById(m.rows, 'node-http')
  const baseTls = rowById(m.rows, 'node-https')
  const header = ['contender', 'proto', 'req/s', 'p50 ms', 'p99 ms', 'RSS MB', 'vs node:http', 'vs node same proto', 'server CPU µs/req', 'vs node:http by CPU', 'req/s vs previous', 'non-2xx / errors']
  const body = m.rows.map((r) => {
    const c = r.contender
    const proto = c.secure ? 'https' : 'http'
    if (r.rps === undefined) return [c.label, proto, 'FAILED', '', '', '', '', '', '', '', '', r.failed ?? 'not measured']
    const before = prev?.get(prevKey(r))
    const same = (c.secure ? baseTls : base)?.rps
    return [
      c.label, proto, fmtInt(r.rps), fmtNum(r.p50!), fmtNum(r.p99!),
      r.rss !== undefined ? (r.rss / 2 ** 20).toFixed(0) : '?',
      base?.rps ? fmtPct(r.rps / base.rps) : '?',
      same ? fmtPct(r.rps / same) : '?',
      r.cpu !== undefined ? fmtNum(r.cpu) : '?',
      r.cpu && base?.cpu ? fmtPct(base.cpu / r.cpu) : '?',
      before ? `${r.rps >= before.rps ? '+' : ''}${fmtPct(r.rps / before.rps - 1)}` : '',
      `${r.non2xx} / ${r.errors}${r.failed ? ` (then failed: ${r.failed})` : ''}`,
    ]
  })
  return markdownTable(header, body)
}

interface Target { what: string; ok: boolean | undefined; detail: string }

/**
 * Issue 5's targets, judged on requests per second as the issue states them,
 * and again on server CPU per request (the same ratio when the server is the
 * bottleneck, but not skewed by other work on the machine).
 */
export function targets(m: MacroResult, micro: MicroResult[]): Target[] {
  const row = (id: string) => rowById(m.rows, id)
  const base = row('node-http')
  const out: Target[] = []
  const vsBase = (id: string, share: number, what: string) => {
    const r = row(id)
    const v = r?.rps
    out.push({ what, ok: v !== undefined && base?.rps !== undefined ? v >= share * base.rps : undefined,
      detail: v !== undefined && base?.rps !== undefined ? `${fmtInt(v)} req/s = ${fmtPct(v / base.rps)} of ${fmtInt(base.rps)}` : 'not measured' })
    const c = r?.cpu
    out.push({ what: `${what} (by server CPU per request)`, ok: c !== undefined && base?.cpu !== undefined ? base.cpu / c >= share : undefined,
      detail: c !== undefined && base?.cpu !== undefined ? `${fmtNum(c)} µs vs ${fmtNum(base.cpu)} µs = ${fmtPct(base.cpu / c)}` : 'not measured' })
  }
  vsBase('quark-hello-http', 0.5, 'hello >= 50% of bare node:http')
  const hello = row('quark-hello-http')
  const express = row('express-http')
  out.push({ what: 'hello >= Express hello', ok: hello?.rps !== undefined && express?.rps !== undefined ? hello.rps >= express.rps : undefined,
    detail: hello?.rps !== undefined && express?.rps !== undefined ? `${fmtInt(hello.rps)} vs ${fmtInt(express.rps)} req/s` : 'not measured' })
  out.push({ what: 'hello >= Express hello (by server CPU per request)', ok: hello?.cpu !== undefined && express?.cpu !== undefined ? hello.cpu <= express.cpu : undefined,
    detail: hello?.cpu !== undefined && express?.cpu !== undefined ? `${fmtNum(hello.cpu)} vs ${fmtNum(express.cpu)} µs` : 'not measured' })
  const routedHello = row('quark-hello-routes-http')
  out.push({ what: 'routes (router + 20 routes_in) add <= 5% server CPU per request to hello (issue 24)',
    ok: routedHello?.cpu !== undefined && hello?.cpu !== undefined ? routedHello.cpu <= hello.cpu * 1.05 : undefined,
    detail: routedHello?.cpu !== undefined && hello?.cpu !== undefined ? `${fmtNum(routedHello.cpu)} vs ${fmtNum(hello.cpu)} µs = ${routedHello.cpu >= hello.cpu ? '+' : ''}${fmtPct(routedHello.cpu / hello.cpu - 1)}` : 'not measured' })
  vsBase('quark-index-http', 0.25, 'index >= 25% of bare node:http')
  vsBase('quark-rows-http', 0.15, '10-row page >= 15% of bare node:http')
  const sel = micro.find((r) => r.id === 'dal-select-10')
  out.push({ what: 'DAL select 10 rows within 1.5x of better-sqlite3', ok: sel?.ratio !== undefined ? sel.ratio <= 1.5 : undefined,
    detail: sel?.ratio !== undefined ? `${sel.ratio.toFixed(2)}x` : 'not measured' })
  // issue 21's tighter in-process targets
  for (const [id, max, what] of [['dal-select-10', 1.2, 'DAL select 10 rows <= 1.2x of better-sqlite3 (issue 21)'],
    ['dal-insert-1000', 1.5, 'DAL insert (1,000 awaited inserts in a transaction) <= 1.5x of better-sqlite3 (issue 21)'],
    ['dal-bulk-insert-1000', 1.5, 'DAL bulkInsert of 1,000 rows <= 1.5x of better-sqlite3 (issue 21)']] as const) {
    const r = micro.find((m) => m.id === id)
    out.push({ what, ok: r?.ratio !== undefined ? r.ratio <= max : undefined, detail: r?.ratio !== undefined ? `${r.ratio.toFixed(2)}x` : 'not measured' })
  }
  return out
}

export function microTable(micro: MicroResult[]): string {
  const body = micro.map((r) => r.skipped
    ? [r.name, 'SKIPPED', '', '', r.skipped]
    : [r.name, fmtNum(r.usPerOp!), fmtInt(r.opsPerSec!), r.ratio !== undefined ? `${r.ratio.toFixed(2)}x ${r.baseline ?? ''}` : '', r.note ?? ''])
  return markdownTable(['micro-benchmark', 'µs/op', 'ops/s', 'ratio to baseline', 'note'], body)
}

export function resultsMarkdown(info: RunInfo, m: MacroResult | undefined, micro: MicroResult[], prev?: Map<string, Previous>): string {
  const lines = [
    '# Quark benchmark results',
    '',
    `Written by \`npm run bench\` (tests/bench/run.ts). Do not edit by hand: rerun it.`,
    '',
    `- date: ${info.startedAt.toISOString()}`,
    `- Node ${process.version}, ${process.platform}/${process.arch}`,
    `- machine: ${machineLine()}`,
    `- load generator: autocannon (programmatic, in the runner's process), ${info.connections} connections, no pipelining, ` +
      `${info.rounds} rounds of ${info.seconds} s per contender, contenders alternated within each round, medians shown; ` +
      `warm-up ${info.warmupSeconds} s before a contender's first round, ${info.warmupSeconds / 4} s before later rounds. ` +
      'Server and load generator share the 2 cores.',
    '- RSS: VmRSS after the load, summed over the server process and its children (e.g. esbuild\'s service), median of the rounds.',
    '- server CPU µs/req: user+system CPU time of the server process tree during the measurement (/proc/<pid>/stat) divided by the requests served. ' +
      'Unlike req/s it barely depends on other work on the machine; "vs node:http by CPU" = node\'s CPU per request / this one\'s.',
    `- wall-clock time of the whole run: ${info.wallSeconds.toFixed(0)} s; 1-minute load average ${info.loadBefore.toFixed(2)} before, ${info.loadAfter.toFixed(2)} after (above ~0.5 before the run, other work shared the cores)`,
    '',
  ]
  if (m) {
    lines.push('## Requests per second', '', macroTable(m, prev), '')
    const fell = prev ? drops(m, prev) : []
    if (fell.length) lines.push('Fell by more than 10% against the previous RESULTS.md (issue 5: a defect to fix, unless the machine was busier, see the load average):', '', ...fell.map((f) => `- ${f}`), '')
    if (m.tls) lines.push(`HTTPS: bare node:https uses the same certificate as Quark: ${m.tls.source}. Fastify and Express are not measured over HTTPS (run time).`, '')
    for (const n of m.notes) lines.push(`- ${n}`)
    if (m.notes.length) lines.push('')
    lines.push('## Targets (issue 5)', '')
    for (const t of targets(m, micro)) lines.push(`- ${t.ok === undefined ? 'NOT MEASURED' : t.ok ? 'PASS' : 'FAIL'}: ${t.what} — ${t.detail}`)
    lines.push('')
  }
  if (micro.length) lines.push('## Micro-benchmarks (in-process)', '', 'µs/op is CPU time of the benchmark\'s JavaScript thread per operation (Linux schedstat), median of ~20 ms batches after a warm-up; ops/s = 1e6 / µs/op (one core). dal-micro.ts rows are timed by that file itself.', '', microTable(micro), '')
  return lines.join('\n')
}
