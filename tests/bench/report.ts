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

export function macroTable(m: MacroResult): string {
  const base = rowById(m.rows, 'node-http')?.rps
  const baseTls = rowById(m.rows, 'node-https')?.rps
  const header = ['contender', 'proto', 'req/s', 'p50 ms', 'p99 ms', 'RSS MB', 'vs node:http', 'vs node same proto', 'non-2xx / errors']
  const body = m.rows.map((r) => {
    const c = r.contender
    const proto = c.secure ? 'https' : 'http'
    if (r.rps === undefined) return [c.label, proto, 'FAILED', '', '', '', '', '', r.failed ?? 'not measured']
    const sameBase = c.secure ? baseTls : base
    return [
      c.label, proto, fmtInt(r.rps), fmtNum(r.p50!), fmtNum(r.p99!),
      r.rss !== undefined ? (r.rss / 2 ** 20).toFixed(0) : '?',
      base ? fmtPct(r.rps / base) : '?',
      sameBase ? fmtPct(r.rps / sameBase) : '?',
      `${r.non2xx} / ${r.errors}${r.failed ? ` (then failed: ${r.failed})` : ''}`,
    ]
  })
  return markdownTable(header, body)
}

interface Target { what: string; ok: boolean | undefined; detail: string }

export function targets(m: MacroResult, micro: MicroResult[]): Target[] {
  const rps = (id: string) => rowById(m.rows, id)?.rps
  const base = rps('node-http')
  const out: Target[] = []
  const vsBase = (id: string, share: number, what: string) => {
    const v = rps(id)
    out.push({ what, ok: v !== undefined && base !== undefined ? v >= share * base : undefined,
      detail: v !== undefined && base !== undefined ? `${fmtInt(v)} req/s = ${fmtPct(v / base)} of ${fmtInt(base)}` : 'not measured' })
  }
  vsBase('quark-hello-http', 0.5, 'hello >= 50% of bare node:http')
  const hello = rps('quark-hello-http')
  const express = rps('express-http')
  out.push({ what: 'hello >= Express hello', ok: hello !== undefined && express !== undefined ? hello >= express : undefined,
    detail: hello !== undefined && express !== undefined ? `${fmtInt(hello)} vs ${fmtInt(express)} req/s` : 'not measured' })
  vsBase('quark-index-http', 0.25, 'index >= 25% of bare node:http')
  vsBase('quark-rows-http', 0.15, '10-row page >= 15% of bare node:http')
  const sel = micro.find((r) => r.id === 'dal-select-10')
  out.push({ what: 'DAL select 10 rows within 1.5x of better-sqlite3', ok: sel?.ratio !== undefined ? sel.ratio <= 1.5 : undefined,
    detail: sel?.ratio !== undefined ? `${sel.ratio.toFixed(2)}x` : 'not measured' })
  return out
}

export function microTable(micro: MicroResult[]): string {
  const body = micro.map((r) => r.skipped
    ? [r.name, 'SKIPPED', '', '', r.skipped]
    : [r.name, fmtNum(r.usPerOp!), fmtInt(r.opsPerSec!), r.ratio !== undefined ? `${r.ratio.toFixed(2)}x ${r.baseline ?? ''}` : '', r.note ?? ''])
  return markdownTable(['micro-benchmark', 'µs/op', 'ops/s', 'ratio to baseline', 'note'], body)
}

export function resultsMarkdown(info: RunInfo, m: MacroResult | undefined, micro: MicroResult[]): string {
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
    `- wall-clock time of the whole run: ${info.wallSeconds.toFixed(0)} s; 1-minute load average ${info.loadBefore.toFixed(2)} before, ${info.loadAfter.toFixed(2)} after (above ~0.5 before the run, other work shared the cores)`,
    '',
  ]
  if (m) {
    lines.push('## Requests per second', '', macroTable(m), '')
    if (m.tls) lines.push(`HTTPS: bare node:https uses the same certificate as Quark: ${m.tls.source}. Fastify and Express are not measured over HTTPS (run time).`, '')
    for (const n of m.notes) lines.push(`- ${n}`)
    if (m.notes.length) lines.push('')
    lines.push('## Targets (issue 5)', '')
    for (const t of targets(m, micro)) lines.push(`- ${t.ok === undefined ? 'NOT MEASURED' : t.ok ? 'PASS' : 'FAIL'}: ${t.what} — ${t.detail}`)
    lines.push('')
  }
  if (micro.length) lines.push('## Micro-benchmarks (in-process)', '', microTable(micro), '')
  return lines.join('\n')
}
