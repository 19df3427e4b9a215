/**
 * Where a worker finds the Scheduler (its database and task functions):
 *   { kind: 'app', folder, app }  - an app: its models are run (as for a
 *       request, without HTTP) and they create the Scheduler;
 *   { kind: 'module', file }      - a plain module exporting a Scheduler
 *       (Quark's scheduler used outside an app, and the tests).
 */
import path from 'node:path'
import { QK_SCHED_NO_SCHEDULER, QK_SCHED_NO_TASK } from './errors'
import type { Scheduler } from './scheduler'

export type TaskSource = { kind: 'app'; folder: string; app: string } | { kind: 'module'; file: string }

function isScheduler(v: unknown): v is Scheduler {
  return !!v && typeof v === 'object' && typeof (v as Scheduler).queueTask === 'function' && typeof (v as Scheduler).tasks === 'object'
}

/** The Scheduler a module exports (as `scheduler` or under any name). */
export function schedulerFromModule(file: string): Scheduler {
  const mod = require(path.resolve(file)) as Record<string, unknown>
  const found = isScheduler(mod.scheduler) ? mod.scheduler : Object.values(mod).find(isScheduler)
  if (!found) throw new QK_SCHED_NO_SCHEDULER(file)
  return found
}

type RunInApp = (folder: string, app: string, spec: { script: string; filename?: string }) => Promise<unknown>

function runInApp(): RunInApp {
  return (require('../environment') as { runInApp: RunInApp }).runInApp
}

const SCHEDULER_KEY = 'quark.scheduler'

/**
 * The app's Scheduler, found by running its models once (through
 * environment's runInApp). Its db is then used outside any request, where
 * the DAL autocommits each statement, which is what a worker wants.
 */
export async function appScheduler(folder: string, app: string): Promise<Scheduler> {
  const s = await runInApp()(folder, app, {
    script: `return current.state[${JSON.stringify(SCHEDULER_KEY)}]`,
    filename: path.join(folder, '.quark', 'scheduler-worker.ts'),
  })
  if (!isScheduler(s)) throw new QK_SCHED_NO_SCHEDULER(`the models of ${app}`)
  return s
}

/** Run a task function inside the app's environment: models loaded, one transaction, a ticket on error. */
function runInAppTask(folder: string, app: string, name: string, args: unknown[], vars: Record<string, unknown>): Promise<unknown> {
  const callArgs = Object.keys(vars).length ? [...args, vars] : args
  // wrapped in an async function: runInApp compiles scripts to CommonJS, which refuses top-level await
  const script = [
    `return (async () => {`,
    `const s = current.state[${JSON.stringify(SCHEDULER_KEY)}]`,
    `if (!s) throw new Error('the models of ${app} create no Scheduler')`,
    `const f = s.tasks[${JSON.stringify(name)}]`,
    `if (typeof f !== 'function') throw new Error('no task function named ' + ${JSON.stringify(JSON.stringify(name))})`,
    `return await f(...${JSON.stringify(callArgs)})`,
    `})()`,
  ].join('\n')
  return runInApp()(folder, app, { script, filename: path.join(folder, '.quark', 'scheduler-task.ts') })
}

/** Call task `name` with args (and vars when not empty), in its app's environment when the source is an app. */
export async function resolveTaskFunction(source: TaskSource, name: string, args: unknown[], vars: Record<string, unknown>): Promise<unknown> {
  const call = (s: Scheduler) => {
    const f = s.tasks[name]
    if (typeof f !== 'function') throw new QK_SCHED_NO_TASK(name)
    return Promise.resolve(Object.keys(vars).length ? f(...args, vars) : f(...args))
  }
  if (source.kind === 'module') return call(schedulerFromModule(source.file))
  return runInAppTask(source.folder, source.app, name, args, vars)
}
