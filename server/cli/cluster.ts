/**
 * `quark run --workers N`: one primary process and N workers (node:cluster)
 * sharing the listening port.
 *
 *   the primary   prepares what must exist once (welcome app, certificate, admin password),
 *                 forks the workers, restarts a crashed one with backoff (and logs the crash),
 *                 writes <folder>/quark.pid, and on
 *                   SIGTERM / SIGINT   drains every worker (in-flight requests finish) and exits
 *                   SIGHUP (`quark reload`)   replaces the workers one at a time: the new one
 *                                      listens before the old one stops taking connections, and
 *                                      the old one finishes what it holds
 *                 It serves no request and loads no app.
 *   a worker      is `quark run` with the same flags (QUARK_WORKER_SLOT=1..N in its environment):
 *                 slot 1 runs the in-process cron (the lock file or lease still guards it);
 *                 a file saved in the admin is forgotten by every worker's compile cache before
 *                 the save is answered (invalidate messages through the primary).
 *
 * Messages (worker ⇄ primary), all { quark: <kind>, ... }:
 *   listening {url}   the worker serves          stop          drain and exit (primary → worker)
 *   invalidate {prefix, id}  forget compiled files under prefix (both ways); invalidated {id} the answer
 *   followers {n}     this worker's live channels following a log; forward-logs {on} (primary → all)
 *   log {line}        a request log line for the other workers' live channels (only while forwarding)
 */
import cluster, { type Worker } from 'node:cluster'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { QK_CLI_NOT_RUNNING, QK_CLI_RELOAD_FAILED } from './errors'
import { isSea } from '../sea'

export const PID_FILE = 'quark.pid'
/** how long a worker may take to listen before it counts as failed */
export const START_TIMEOUT_MS = 60_000
/** a worker that lived this long before crashing restarts at once; quicker crashes back off */
const STABLE_MS = 10_000
const MAX_BACKOFF_MS = 10_000
/** after SIGTERM, in-flight requests get this long; then the workers are killed */
export const DRAIN_MS = 10_000
/** a worker being replaced keeps idle keep-alive connections this long (see Listening.close) */
export const IDLE_GRACE_MS = 1000

export interface PidRecord { pid: number; url: string; workers: number; reloads: number; started: string }

export interface ClusterMessage { quark: string; url?: string; prefix?: string; id?: number; ok?: boolean; n?: number; on?: boolean; line?: string }

/**
 * The admin's live log under workers: a worker sends its log lines to the primary only while
 * some worker's live channel follows a log (`forward`), and shows the lines of the others
 * through `publish` (set by the worker's start).
 */
export const clusterLog: { forward: boolean; publish: ((line: string) => void) | undefined } = { forward: false, publish: undefined }

/** A log line of this worker for the other workers' live channels (only while someone follows). */
export function forwardLogLine(line: string): void {
  if (clusterLog.forward) process.send?.({ quark: 'log', line })
}

/** This worker's number of live channels following a log changed: the primary decides who forwards. */
export function reportLogFollowers(count: number): void {
  process.send?.({ quark: 'followers', n: count })
}

/** The number of workers --workers asks for: 0 = one per core. */
export function workerCount(flag: unknown): number {
  const n = Number(flag)
  if (!Number.isInteger(n) || n < 0 || String(flag).trim() === '') throw new Error(`invalid --workers: ${String(flag)} (a whole number; 0 = one per core)`)
  return n === 0 ? os.availableParallelism() : n
}

/** This process's worker slot (1..N) under `--workers`, undefined in a single process or the primary. */
export function workerSlot(): number | undefined {
  const s = process.env.QUARK_WORKER_SLOT
  return cluster.isWorker && s ? Number(s) : undefined
}

/**
 * What cluster.fork() runs for a worker: this same command line. cluster forks
 * `execPath [...execArgv] exec [...args]`. From a checkout, exec is the script
 * (server/cli/quark.js, or npx's bin) and args the user's. Inside the single
 * binary there is no script: Node repeats the binary's path as argv[1] (so a
 * forked `exe exe run ...` would read the path as its command) and reads no node
 * options from the command line (an execArgv would reach main() as arguments).
 * The worker is then `exe run ...`, exactly as the user typed it: exec is the
 * first of the user's arguments, args the rest.
 */
export function workerCommand(argv: readonly string[], sea: boolean): { exec: string; args: string[]; execArgv?: string[] } {
  if (!sea) return { exec: argv[1]!, args: argv.slice(2) }
  return { exec: argv[2]!, args: argv.slice(3), execArgv: [] }
}

export function pidFile(folder: string): string { return path.join(folder, PID_FILE) }

export function readPidRecord(folder: string): PidRecord | undefined {
  try {
    const r = JSON.parse(fs.readFileSync(pidFile(folder), 'utf8')) as PidRecord
    return Number.isInteger(r.pid) ? r : undefined
  } catch { return undefined }
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM' }
}

function writePidRecord(folder: string, r: PidRecord): void {
  const file = pidFile(folder)
  const tmp = `${file}.${process.pid}.tmp`
  fs.writeFileSync(tmp, JSON.stringify(r) + '\n')
  fs.renameSync(tmp, file)
}

export interface PrimaryOptions {
  folder: string
  workers: number
  /** lines for the operator (stdout) and for failures (stderr) */
  out(line: string): void
  err(line: string): void
  /** once all workers listen: print the URL lines (and open a browser) */
  onListening(url: string): void
}

interface Slot { worker: Worker; startedAt: number; pid: number }

/**
 * Run the primary until SIGTERM/SIGINT has drained every worker. Resolves with the exit code:
 * 0 after a drain, 1 when the workers could not start.
 */
export function runPrimary(o: PrimaryOptions): Promise<number> {
  // the workers run this same command line: `quark run ...` (a checkout's quark.js, or the binary)
  cluster.setupPrimary(workerCommand(process.argv, isSea()))
  const slots = new Map<number, Slot>()
  const quickCrashes = new Map<number, number>()
  const retiring = new Set<Worker>()
  let stopping = false
  let url = ''
  let reloads = 0
  let reloading: Promise<void> | undefined
  let reloadAgain = false
  let nextId = 1
  // a worker's invalidation waits for every other worker's answer (at most a second)
  const pending = new Map<number, { left: Set<Worker>; from: Worker; askId: number | undefined; timer: NodeJS.Timeout }>()

  const started = new Date().toISOString()
  const record = () => writePidRecord(o.folder, { pid: process.pid, url, workers: o.workers, reloads, started })

  const answered = (id: number) => {
    const p = pending.get(id)
    if (!p) return
    clearTimeout(p.timer)
    pending.delete(id)
    if (p.from.isConnected()) p.from.send({ quark: 'invalidated', id: p.askId })
  }

  /** A worker's messages: its cache invalidations go to every other worker, and their answers back. */
  const onMessage = (w: Worker, m: ClusterMessage) => {
    if (!m || typeof m !== 'object') return
    if (m.quark === 'invalidate' && typeof m.prefix === 'string') {
      const id = nextId++
      const others = new Set([...slots.values()].map((s) => s.worker).filter((x) => x !== w && x.isConnected()))
      pending.set(id, { left: others, from: w, askId: m.id, timer: setTimeout(() => answered(id), 1000) })
      for (const x of others) x.send({ quark: 'invalidate', prefix: m.prefix, id })
      if (!others.size) answered(id)
    } else if (m.quark === 'invalidated' && typeof m.id === 'number') {
      const p = pending.get(m.id)
      if (p && p.left.delete(w) && !p.left.size) answered(m.id)
    } else if (m.quark === 'followers' && typeof m.n === 'number') {
      if (m.n > 0) followers.set(w, m.n); else followers.delete(w)
      announceForwarding()
    } else if (m.quark === 'log' && typeof m.line === 'string') {
      for (const x of followers.keys()) if (x !== w && x.isConnected()) x.send({ quark: 'log', line: m.line })
    }
  }

  // the live log: which workers have channels following a log; every worker forwards while any does
  const followers = new Map<Worker, number>()
  let forwarding = false
  const announceForwarding = () => {
    const on = followers.size > 0
    if (on === forwarding) return
    forwarding = on
    for (const s of slots.values()) if (s.worker.isConnected()) s.worker.send({ quark: 'forward-logs', on })
  }

  /** Fork the worker of `slot`; resolves when it listens, rejects when it exits or hangs first. */
  const fork = (slot: number): Promise<Worker> => new Promise((resolve, reject) => {
    const w = cluster.fork({ QUARK_WORKER_SLOT: String(slot) })
    const timer = setTimeout(() => { w.process.kill('SIGKILL'); reject(new Error(`worker ${slot} did not listen within ${START_TIMEOUT_MS / 1000} s`)) }, START_TIMEOUT_MS)
    w.on('message', (m: ClusterMessage) => {
      if (m?.quark === 'listening') {
        clearTimeout(timer)
        if (typeof m.url === 'string') url = m.url
        resolve(w)
        return
      }
      onMessage(w, m)
    })
    w.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`worker ${slot} (pid ${w.process.pid}) ${signal ? `was killed by ${signal}` : `exited with code ${code}`} before listening`))
      exited(slot, w, code, signal)
    })
  })

  /** A worker ended: expected (retired, stopping) or a crash, then restarted with backoff. */
  const exited = (slot: number, w: Worker, code: number | null, signal: string | null) => {
    for (const [id, p] of pending) if (p.left.delete(w) && !p.left.size) answered(id)
    if (followers.delete(w)) announceForwarding()
    if (retiring.delete(w)) return
    const s = slots.get(slot)
    if (!s || s.worker !== w) return
    slots.delete(slot)
    if (stopping) return
    const lived = Date.now() - s.startedAt
    const quick = lived < STABLE_MS ? (quickCrashes.get(slot) ?? 0) + 1 : 0
    quickCrashes.set(slot, quick)
    const delay = quick === 0 ? 0 : Math.min(MAX_BACKOFF_MS, 100 * 2 ** (quick - 1))
    o.err(`quark: worker ${slot} (pid ${s.pid}) ${signal ? `was killed by ${signal}` : `exited with code ${code}`} after ${(lived / 1000).toFixed(1)} s; restarting it${delay ? ` in ${delay} ms` : ''}`)
    setTimeout(() => { if (!stopping) start(slot).catch((e) => o.err(`quark: ${(e as Error).message}`)) }, delay)
  }

  const start = async (slot: number): Promise<Worker> => {
    const w = await fork(slot)
    slots.set(slot, { worker: w, startedAt: Date.now(), pid: w.process.pid ?? 0 })
    if (forwarding) w.send({ quark: 'forward-logs', on: true })
    return w
  }

  /** Ask a worker to drain and wait for its exit (killed after the drain time). */
  const retire = (w: Worker): Promise<void> => new Promise((resolve) => {
    if (w.isDead()) { resolve(); return }
    retiring.add(w)
    const kill = setTimeout(() => w.process.kill('SIGKILL'), DRAIN_MS + 5000)
    w.once('exit', () => { clearTimeout(kill); resolve() })
    if (w.isConnected()) w.send({ quark: 'stop' })
    else w.process.kill('SIGTERM')
  })

  /** SIGHUP: each slot in turn gets a new worker, which listens before the old one drains. */
  const reload = (): Promise<void> => {
    if (reloading) { reloadAgain = true; return reloading }
    reloading = (async () => {
      do {
        reloadAgain = false
        o.out(`quark: reload: replacing ${o.workers} worker${o.workers === 1 ? '' : 's'} one at a time`)
        let ok = true
        for (let slot = 1; slot <= o.workers && !stopping; slot++) {
          const old = slots.get(slot)
          let fresh: Worker
          try {
            fresh = await fork(slot)
          } catch (e) {
            o.err(`quark: reload stopped: ${(e as Error).message}; the running workers stay`)
            ok = false
            break
          }
          if (old) retiring.add(old.worker)
          slots.set(slot, { worker: fresh, startedAt: Date.now(), pid: fresh.process.pid ?? 0 })
          if (forwarding) fresh.send({ quark: 'forward-logs', on: true })
          quickCrashes.set(slot, 0)
          if (old) await retire(old.worker)
          o.out(`quark: reload: worker ${slot} replaced (pid ${old?.pid ?? '-'} → ${fresh.process.pid})`)
        }
        if (ok && !stopping) { reloads++; record(); o.out(`quark: reload done (${reloads})`) }
      } while (reloadAgain && !stopping)
    })().finally(() => { reloading = undefined })
    return reloading
  }

  return new Promise<number>((resolve) => {
    let finished = false
    const finish = (code: number) => {
      if (finished) return
      finished = true
      for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.removeAllListeners(sig)
      try { if (readPidRecord(o.folder)?.pid === process.pid) fs.rmSync(pidFile(o.folder)) } catch { /* gone */ }
      resolve(code)
    }
    const stop = (why: string, code = 0) => {
      if (stopping) return
      stopping = true
      o.out(`quark: ${why}, finishing in-flight requests`)
      const all = [...slots.values()].map((s) => s.worker).concat([...retiring])
      Promise.all(all.map(retire)).then(() => finish(code))
    }
    process.on('SIGTERM', () => stop('SIGTERM'))
    process.on('SIGINT', () => stop('SIGINT'))
    process.on('SIGHUP', () => { if (!stopping) void reload() })

    const firsts = Array.from({ length: o.workers }, (_, i) => start(i + 1))
    Promise.all(firsts).then(() => {
      record()
      o.onListening(url)
    }, (e) => {
      o.err(`quark run: the workers could not start: ${(e as Error).message}`)
      stop('start failed', 1)
    })
  })
}

/**
 * The worker side: tell the primary it listens, drain on `stop` (or its own SIGTERM/SIGINT),
 * and apply other workers' cache invalidations. Resolves when the server has drained.
 */
export function serveAsWorker(server: { url: string; close(graceMs?: number, idleGraceMs?: number): Promise<void> }, invalidate: (prefix: string) => void): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false
    const stop = () => {
      if (stopping) return
      stopping = true
      server.close(DRAIN_MS, IDLE_GRACE_MS).then(resolve, resolve)
    }
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
    process.on('SIGHUP', () => { /* the primary's signal: it replaces this worker */ })
    process.on('message', (m: ClusterMessage) => {
      if (m?.quark === 'stop') stop()
      else if (m?.quark === 'invalidate' && typeof m.prefix === 'string') {
        try { invalidate(m.prefix) } finally { process.send?.({ quark: 'invalidated', id: m.id }) }
      } else if (m?.quark === 'invalidated' && typeof m.id === 'number') waiting.get(m.id)?.()
      else if (m?.quark === 'forward-logs') clusterLog.forward = m.on === true
      else if (m?.quark === 'log' && typeof m.line === 'string') clusterLog.publish?.(m.line)
    })
    // the primary gone (killed): this worker must not live on alone
    process.on('disconnect', stop)
    process.send?.({ quark: 'listening', url: server.url })
  })
}

const waiting = new Map<number, () => void>()
let askId = 1

/**
 * Tell every other worker to forget compiled files under `prefix`; resolves when they all did
 * (at most a second). Outside a cluster there is nobody to tell.
 */
export function broadcastInvalidate(prefix: string): Promise<void> | undefined {
  if (workerSlot() === undefined || !process.send) return undefined
  const id = askId++
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => { waiting.delete(id); resolve() }, 2000)
    waiting.set(id, () => { clearTimeout(timer); waiting.delete(id); resolve() })
    process.send!({ quark: 'invalidate', prefix, id })
  })
}

/** `quark reload`: SIGHUP to the primary named by <folder>/quark.pid; waits for the reload to finish. */
export async function signalReload(folder: string, waitMs: number, out: (line: string) => void): Promise<void> {
  const r = readPidRecord(folder)
  if (!r || !alive(r.pid)) throw new QK_CLI_NOT_RUNNING(pidFile(folder))
  process.kill(r.pid, 'SIGHUP')
  out(`quark reload: asked the server (pid ${r.pid}, ${r.workers} worker${r.workers === 1 ? '' : 's'}) to replace its workers one at a time`)
  if (waitMs <= 0) return
  const until = Date.now() + waitMs
  while (Date.now() < until) {
    await new Promise((res) => setTimeout(res, 100))
    const now = readPidRecord(folder)
    if (!now || now.pid !== r.pid) throw new QK_CLI_RELOAD_FAILED('the server stopped during the reload')
    if (now.reloads > r.reloads) { out(`quark reload: done: every worker was replaced`); return }
    if (!alive(r.pid)) throw new QK_CLI_RELOAD_FAILED('the server stopped during the reload')
  }
  throw new QK_CLI_RELOAD_FAILED(`not finished after ${Math.round(waitMs / 1000)} s (see the server's log)`)
}
