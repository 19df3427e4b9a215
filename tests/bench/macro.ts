/**
 * The macro suite: every server in its own process, one load generator,
 * contenders alternated within each round (the starting point rotates each
 * round), three rounds, medians. A contender whose server does not start or
 * whose route answers wrongly is reported as failed with the reason; the run
 * goes on.
 */
import fs from 'node:fs'
import path from 'node:path'
import { createBenchFolder, BENCH_ROUTES, type BenchFolder } from './bench-app'
import { allContenders, type Contender } from './contenders'
import { runLoad, type LoadResult } from './load'
import { get, lastLines, stop, treeCpuMs, treeRss, waitReady, type ServerProcess } from './proc'
import { benchCertificate, buildPeers, QUARK_CLI, startPeer, startQuark, type TlsFiles } from './servers'
import { median } from './stats'

export interface MacroOptions {
  rounds: number
  seconds: number
  /** warm-up before the first measurement of a contender; later rounds use a quarter of it */
  warmupSeconds: number
  connections: number
  /** ids (or substrings of ids) to keep; empty = all */
  only: string[]
  log(line: string): void
}

export interface MacroRow {
  contender: Contender
  /** why it was not measured (or stopped being measured) */
  failed?: string
  samples: LoadResult[]
  rssBytes: number[]
  /** server CPU time per request (µs), one per round */
  cpuUs: number[]
  rps?: number
  cpu?: number
  p50?: number
  p99?: number
  rss?: number
  non2xx: number
  errors: number
}

export interface MacroResult { rows: MacroRow[]; tls?: TlsFiles; notes: string[] }

/** An entry of `only` that is exactly an id selects that one; otherwise it selects every id containing it. */
export function selectContenders(all: Contender[], only: string[]): Contender[] {
  if (only.length === 0) return all
  const ids = new Set(all.map((c) => c.id))
  return all.filter((c) => only.some((s) => (ids.has(s) ? c.id === s : c.id.includes(s))))
}

function serverKey(c: Contender): string {
  return `${c.server}-${c.secure ? 'https' : 'http'}`
}

export async function runMacro(o: MacroOptions): Promise<MacroResult> {
  const contenders = selectContenders(allContenders(), o.only)
  const rows: MacroRow[] = contenders.map((c) => ({ contender: c, samples: [], rssBytes: [], cpuUs: [], non2xx: 0, errors: 0 }))
  const notes: string[] = []
  const folder = createBenchFolder()
  const work = path.join(folder.root, 'bench-work')
  fs.mkdirSync(work)
  const servers = new Map<string, ServerProcess>()
  const serverFailure = new Map<string, string>()
  let tls: TlsFiles | undefined
  let routed: BenchFolder | undefined
  try {
    const needed = new Set(contenders.map(serverKey))
    const bundles = await buildPeers(work)

    // Quark first and alone: its first boot copies the welcome app and makes the certificate.
    for (const secure of [false, true]) {
      const key = `quark-${secure ? 'https' : 'http'}`
      if (!needed.has(key)) continue
      if (!fs.existsSync(QUARK_CLI)) { serverFailure.set(key, `${path.relative(process.cwd(), QUARK_CLI)} does not exist yet`); continue }
      const p = await startQuark(folder.root, secure)
      const why = await waitReady(p, 30000)
      if (why) { serverFailure.set(key, `quark ${secure ? 'https' : 'http'} ${why}`); await stop(p); continue }
      servers.set(key, p)
    }
    // the routed hello (issue 24): a second Quark on its own folder with a routes file, same run
    if (needed.has('quark-routes-http') && fs.existsSync(QUARK_CLI)) {
      routed = createBenchFolder()
      fs.writeFileSync(path.join(routed.root, 'routes.json'), BENCH_ROUTES)
      const p = await startQuark(routed.root, false)
      const why = await waitReady(p, 30000)
      if (why) { serverFailure.set('quark-routes-http', `quark with routes ${why}`); await stop(p) } else servers.set('quark-routes-http', p)
    }
    // issue 20: `--workers 2` on the same folder (after the single process made the welcome app and the rows)
    if (needed.has('quark-workers-http') && fs.existsSync(QUARK_CLI)) {
      const p = await startQuark(folder.root, false, [], {}, ['--workers', '2'])
      const why = await waitReady(p, 60000)
      if (why) { serverFailure.set('quark-workers-http', `quark --workers 2 ${why}`); await stop(p) } else servers.set('quark-workers-http', p)
    }
    if ([...needed].some((k) => k.endsWith('-https'))) tls = await benchCertificate(folder.root, work)
    for (const key of needed) {
      if (key.startsWith('quark-')) continue
      const [kind, proto] = key.split('-') as ['node' | 'fastify' | 'express', string]
      const p = await startPeer(kind, bundles[kind], proto === 'https' ? tls : undefined)
      const why = await waitReady(p)
      if (why) { serverFailure.set(key, why); await stop(p); continue }
      servers.set(key, p)
    }

    // The 10-row page needs rows: the bench app's seed action inserts them once.
    const quarkAny = servers.get('quark-http') ?? servers.get('quark-https')
    if (quarkAny) {
      try {
        const seeded = await get(quarkAny.port, '/bench/default/seed', quarkAny.https, 15000)
        notes.push(`seed: HTTP ${seeded.status}, ${seeded.body.trim().slice(0, 80)}`)
      } catch (e) {
        notes.push(`seed failed: ${(e as Error).message}`)
      }
    }

    // Check every route once before any load.
    for (const row of rows) {
      const key = serverKey(row.contender)
      const p = servers.get(key)
      if (!p) { row.failed = serverFailure.get(key) ?? 'server not started'; continue }
      try {
        const why = row.contender.check(await get(p.port, row.contender.path, p.https, 15000))
        if (why) row.failed = why
      } catch (e) {
        row.failed = `request failed: ${(e as Error).message}`
      }
    }
    for (const row of rows) if (row.failed) o.log(`  FAILED ${row.contender.id}: ${row.failed}`)

    const live = rows.filter((r) => !r.failed)
    for (let round = 0; round < o.rounds; round++) {
      const order = live.map((_, i) => live[(i + round) % live.length])
      for (const row of order) {
        if (row.failed) continue
        const p = servers.get(serverKey(row.contender))!
        if (p.exited()) { row.failed = `server exited during the run: ${lastLines(p.output())}`; continue }
        const load = { port: p.port, path: row.contender.path, secure: p.https, connections: o.connections }
        try {
          const warm = round === 0 ? o.warmupSeconds : o.warmupSeconds / 4
          if (warm > 0) await runLoad({ ...load, seconds: warm })
          const pid = p.child.pid!
          const cpu0 = treeCpuMs(pid)
          const r = await runLoad({ ...load, seconds: o.seconds })
          const cpu1 = treeCpuMs(pid)
          if (cpu0 !== undefined && cpu1 !== undefined && r.total > 0) row.cpuUs.push(((cpu1 - cpu0) * 1000) / r.total)
          row.samples.push(r)
          row.non2xx += r.non2xx
          row.errors += r.errors
          const rss = treeRss(pid)
          if (rss !== undefined) row.rssBytes.push(rss)
          o.log(`  round ${round + 1} ${row.contender.id.padEnd(20)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  cpu ${row.cpuUs.at(-1)?.toFixed(0) ?? '?'} µs/req${r.non2xx || r.errors ? `  non-2xx ${r.non2xx} errors ${r.errors}` : ''}`)
        } catch (e) {
          row.failed = `load failed: ${(e as Error).message}`
        }
      }
    }
    for (const row of rows) {
      if (row.samples.length === 0) continue
      row.rps = median(row.samples.map((s) => s.rps))
      row.p50 = median(row.samples.map((s) => s.p50))
      row.p99 = median(row.samples.map((s) => s.p99))
      if (row.rssBytes.length) row.rss = median(row.rssBytes)
      if (row.cpuUs.length) row.cpu = median(row.cpuUs)
    }
  } finally {
    await Promise.all([...servers.values()].map(stop))
    folder.remove()
    routed?.remove()
  }
  return { rows, tls, notes }
}
