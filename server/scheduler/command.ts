/**
 * `quark scheduler <app> [-n N] [--group g[,g2]] [-f <folder>]`: start N
 * worker processes for an app (whose models create a Scheduler) and
 * supervise them: a worker that dies is restarted (its task was queued
 * again by the others' dead-worker recovery); SIGINT/SIGTERM stop them all
 * after their running task.
 */
import { fork, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { QK_SCHED_BAD_ARGS } from './errors'
import { childEntry } from '../sea'
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

/** Fork one worker process with this configuration. */
export function forkWorker(cfg: WorkerProcessConfig, opts: { execArgv?: string[] } = {}): ChildProcess {
  return fork(childEntry('scheduler-worker', path.join(__dirname, 'worker-main.ts')), [], {
    env: { ...process.env, QUARK_SCHEDULER_WORKER: JSON.stringify(cfg) },
    ...(opts.execArgv ? { execArgv: opts.execArgv } : {}),
  })
}

/** Runs until the workers are stopped; returns the exit code. */
export async function schedulerCommand(argv: readonly string[], opts: { out?: (l: string) => void } = {}): Promise<number> {
  const out = opts.out ?? ((l: string) => console.log(l))
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
  let stopping = false
  const live = new Set<ChildProcess>()
  const start = (i: number) => {
    const child = forkWorker({ source, groups: args.groups })
    live.add(child)
    child.on('exit', (code, signal) => {
      live.delete(child)
      if (stopping) return
      out(`[scheduler] worker ${i} exited (${signal ?? code}); restarting it in 1 s`)
      setTimeout(() => { if (!stopping) start(i) }, 1000)
    })
  }
  for (let i = 0; i < args.workers; i++) start(i)
  out(`[scheduler] ${args.workers} worker(s) for ${args.app ?? args.module} (groups ${args.groups.join(',') || 'main'})`)
  await new Promise<void>((resolve) => {
    const stop = () => {
      stopping = true
      for (const c of live) c.kill('SIGTERM')
      const check = setInterval(() => { if (!live.size) { clearInterval(check); resolve() } }, 100)
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  return 0
}
