/**
 * `quark scheduler <app> [-n N] [--group g[,g2]] [-f <folder>]`: start N
 * worker processes for an app (whose models create a Scheduler) and
 * supervise them: a worker that dies is restarted (its task was queued
 * again by the others' dead-worker recovery); SIGINT/SIGTERM stop them all
 * after their running task. A worker that cannot start (it dies before it
 * reports ready - app loaded, database reached - or within START_GRACE_MS
 * after) is retried, but more than MAX_FAILED_STARTS times in a row stops
 * the command with exit 1 and the worker's exit code and last stderr lines:
 * restarting a worker that cannot start, every second forever, helps no one.
 */
import { fork, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { QK_SCHED_BAD_ARGS } from './errors'
import { childEntry } from '../sea'
import { childExecArgv } from '../sea'
import type { WorkerProcessConfig } from './worker-main'
import type { TaskSource } from './source'

export const SCHEDULER_USAGE = `usage: quark scheduler <app> [-n <workers>] [--group <name>[,<name>...]] [-f <folder>]
  Start worker processes that run the tasks queued by the app's Scheduler.
  -n, --workers <N>    number of worker processes (default 1)
  -g, --group <names>  task groups to run (default main); repeatable or comma-separated
  -f, --folder <dir>   the site folder holding applications/ (default: the current folder)
  --module <file>      run the Scheduler exported by a plain module instead of an app
  -h, --help           this help`

export interface SchedulerArgs { app?: string; workers: number; groups: string[]; folder: string; module?: string; help: boolean }

export function parseSchedulerArgs(argv: readonly string[]): SchedulerArgs {
  const out: SchedulerArgs = { workers: 1, groups: [], folder: '.', help: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    const value = () => {
      const v = argv[++i]
      if (v === undefined || v.startsWith('-')) throw new QK_SCHED_BAD_ARGS(`${a} needs a value`)
      return v
    }
    if (a === '-n' || a === '--workers') {
      const v = value()
      if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 64) throw new QK_SCHED_BAD_ARGS(`${a} takes a number of workers from 1 to 64, not "${v}"`)
      out.workers = Number(v)
    } else if (a === '-g' || a === '--group') out.groups.push(...value().split(',').filter(Boolean))
    else if (a === '-f' || a === '--folder') out.folder = value()
    else if (a === '--module') out.module = value()
    else if (a === '-h' || a === '--help') out.help = true
    else if (a.startsWith('-')) throw new QK_SCHED_BAD_ARGS(`unknown argument "${a}"`)
    else if (out.app === undefined) out.app = a
    else throw new QK_SCHED_BAD_ARGS(`one app only ("${out.app}" and "${a}")`)
  }
  if (!out.help && !out.app && !out.module) throw new QK_SCHED_BAD_ARGS('name the app whose tasks to run')
  if (out.app !== undefined && !/^[A-Za-z0-9][\w-]*$/.test(out.app)) throw new QK_SCHED_BAD_ARGS(`invalid app name "${out.app}"`)
  return out
}

function taskSource(args: SchedulerArgs): TaskSource {
  if (args.module) return { kind: 'module', file: path.resolve(args.module) }
  const site = path.resolve(args.folder)
  const appsRoot = fs.existsSync(path.join(site, 'applications')) ? path.join(site, 'applications') : site
  const folder = path.join(appsRoot, args.app!)
  if (!fs.existsSync(folder)) throw new QK_SCHED_BAD_ARGS(`no app "${args.app}" in ${appsRoot}`)
  return { kind: 'app', folder, app: args.app! }
}

/** The IPC message a worker process (worker-main.ts) sends once its app is loaded and it begins. */
export const WORKER_READY = 'quark-scheduler-worker-ready'
/** The IPC message a worker sends when the app can never run one (no Scheduler in its models). */
export const WORKER_MISCONFIGURED = 'quark-scheduler-worker-misconfigured'
/** Exit codes of a worker that ended because the scheduler told it to (terminate(), kill()): not restarted. */
export const EXIT_TERMINATED = 79
export const EXIT_KILLED = 80
/** The exit code of a worker that sent WORKER_MISCONFIGURED (sysexits' EX_CONFIG). */
export const EXIT_MISCONFIGURED = 78
/** Failed starts in a row of one worker after which `quark scheduler` gives up. */
export const MAX_FAILED_STARTS = 3
/** A worker that dies this soon after reporting ready still counts as one that could not start. */
export const START_GRACE_MS = 5000
/** Wait before restarting a worker. */
const RESTART_DELAY_MS = 1000
/** stderr lines of a worker kept for the report when it cannot start. */
const STDERR_TAIL_LINES = 20

/**
 * Fork one worker process with this configuration. From a checkout the
 * worker is a .ts file: it gets the .ts loader (childExecArgv) unless the
 * caller gives its own execArgv. stderr 'pipe' lets a supervisor read it.
 */
export function forkWorker(cfg: WorkerProcessConfig, opts: { execArgv?: string[]; stderr?: 'inherit' | 'pipe' } = {}): ChildProcess {
  return fork(childEntry('scheduler-worker', path.join(__dirname, 'worker-main.ts')), [], {
    env: { ...process.env, QUARK_SCHEDULER_WORKER: JSON.stringify(cfg) },
    execArgv: opts.execArgv ?? childExecArgv(),
    stdio: ['inherit', 'inherit', opts.stderr ?? 'inherit', 'ipc'],
  })
}

/** The last lines a stream wrote, passed through to `sink` as they come. */
function tailOf(stream: Readable | null, sink: NodeJS.WritableStream): () => string[] {
  const lines: string[] = []
  let partial = ''
  stream?.on('data', (chunk: Buffer) => {
    sink.write(chunk)
    const parts = (partial + chunk.toString('utf8')).split('\n')
    partial = parts.pop()!
    lines.push(...parts)
    if (lines.length > STDERR_TAIL_LINES) lines.splice(0, lines.length - STDERR_TAIL_LINES)
  })
  return () => (partial ? [...lines, partial] : [...lines]).slice(-STDERR_TAIL_LINES)
}

function whenClosed(stream: Readable | null): Promise<void> {
  return new Promise((resolve) => {
    if (!stream || stream.closed) resolve()
    else stream.once('close', () => resolve())
  })
}

export interface SchedulerCommandOptions {
  out?: (l: string) => void
  err?: (l: string) => void
}

/** Runs until the workers are stopped (exit 0) or one cannot start (exit 1); returns the exit code. */
export async function schedulerCommand(argv: readonly string[], opts: SchedulerCommandOptions = {}): Promise<number> {
  const out = opts.out ?? ((l: string) => console.log(l))
  const err = opts.err ?? ((l: string) => console.error(l))
  let args: SchedulerArgs
  let source: TaskSource
  try {
    args = parseSchedulerArgs(argv)
    if (args.help) { out(SCHEDULER_USAGE); return 0 }
    source = taskSource(args)
  } catch (e) {
    out((e as Error).message)
    out(SCHEDULER_USAGE)
    return 2
  }
  const what = args.app ?? args.module
  let stopping = false
  let exitCode = 0
  let finish!: () => void
  const finished = new Promise<void>((resolve) => { finish = resolve })
  const live = new Set<ChildProcess>()
  const failedStarts = new Array<number>(args.workers).fill(0)
  let report: Promise<void> = Promise.resolve()
  let retiredCount = 0

  const stopAll = () => {
    if (stopping) return
    stopping = true
    process.off('SIGINT', stopAll)
    process.off('SIGTERM', stopAll)
    for (const c of live) c.kill('SIGTERM')
    if (!live.size) finish()
  }

  const start = (i: number) => {
    const child = forkWorker({ source, groups: args.groups }, { stderr: 'pipe' })
    const stderrTail = tailOf(child.stderr, process.stderr)
    live.add(child)
    // undefined until the worker reports ready; then whether it has outlived START_GRACE_MS
    let started: boolean | undefined
    let grace: NodeJS.Timeout | undefined
    let misconfigured: string | undefined
    child.on('message', (m: { type?: string; message?: string }) => {
      if (m?.type === WORKER_MISCONFIGURED) { misconfigured = String(m.message); return }
      if (m?.type !== WORKER_READY || started !== undefined) return
      started = false
      grace = setTimeout(() => {
        started = true
        failedStarts[i] = 0
        out(`[scheduler] worker ${i} (pid ${child.pid}) is running`)
      }, START_GRACE_MS)
      grace.unref()
    })
    child.on('error', () => { /* reported through 'exit' (a fork that fails exits too) */ })
    // 'exit', not 'close': the worker's task process shares its stderr and may outlive it a while
    child.on('exit', (code, signal) => {
      clearTimeout(grace)
      live.delete(child)
      if (stopping) { if (!live.size) finish(); return }
      const retired = code === EXIT_TERMINATED ? 'TERMINATE' : code === EXIT_KILLED ? 'KILL' : undefined
      if (retired) {
        // scheduler.terminate()/kill(): obeyed, not undone by a restart; the command ends with its last worker
        out(`[scheduler] worker ${i} (pid ${child.pid}) ended: told to ${retired} by the scheduler; not restarted`)
        retiredCount++
        if (!live.size && retiredCount >= args.workers) { stopping = true; finish() }
        return
      }
      const how = signal ? `signal ${signal}` : `exit code ${code}`
      if (code === EXIT_MISCONFIGURED) {
        if (exitCode === 0) {
          exitCode = 1
          // 'close' comes after the IPC channel has delivered the worker's last message
          report = new Promise<void>((resolve) => child.once('close', () => resolve())).then(() => err(
            `[scheduler] ${what}: ${misconfigured ?? 'No Scheduler found'}. Create one in a model, e.g. models/scheduler.ts:\n` +
            `  export const scheduler = new Scheduler(db, { tasks: { myTask: (x: number) => x * 2 } })`))
        }
        stopAll()
        return
      }
      if (started) {
        out(`[scheduler] worker ${i} exited (${how}); restarting it in ${RESTART_DELAY_MS / 1000} s`)
      } else {
        failedStarts[i]!++
        if (failedStarts[i]! > MAX_FAILED_STARTS) {
          const when = started === undefined ? 'before it was ready (app loaded, database reached)' : 'just after starting'
          const times = failedStarts[i]
          exitCode = 1
          // its last lines may still be in the pipe: report once the pipe is drained
          report = whenClosed(child.stderr).then(() => {
            const tail = stderrTail()
            err(`[scheduler] worker ${i} for ${what} could not start: it died ${times} times in a row ${when} (last: ${how}); stopping.` +
              (tail.length ? `\n[scheduler] its last stderr lines:\n${tail.map((l) => `  ${l}`).join('\n')}` : ''))
          })
          stopAll()
          return
        }
        out(`[scheduler] worker ${i} could not start (${how}; ${failedStarts[i]} of ${MAX_FAILED_STARTS + 1} tries); restarting it in ${RESTART_DELAY_MS / 1000} s`)
      }
      setTimeout(() => { if (!stopping) start(i) }, RESTART_DELAY_MS)
    })
  }

  process.on('SIGINT', stopAll)
  process.on('SIGTERM', stopAll)
  for (let i = 0; i < args.workers; i++) start(i)
  out(`[scheduler] ${args.workers} worker(s) for ${what} (groups ${args.groups.join(',') || 'main'})`)
  await finished
  await report
  return exitCode
}
