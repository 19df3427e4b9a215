/**
 * `new Scheduler(db, { tasks: { name: fn } })`, written in a model: defines
 * the scheduler tables and is the client side of the queue (queueTask,
 * taskStatus, stopTask, and the commands to workers). Workers
 * (`quark scheduler <app>`) find this object by running the app's models.
 *
 * A task function is called as fn(...args) or, when vars is not empty,
 * fn(...args, vars); its return value must be JSON-serialisable and is
 * stored in scheduler_run.run_result.
 */
import crypto from 'node:crypto'
import { currentState } from '../current/index'
import { defineSchedulerTables, toDate, toMs, type Db, type RunStatus, type TaskStatus, type WorkerStatus } from './tables'
import { QK_SCHED_BAD_OPTION, QK_SCHED_DUPLICATE_UUID, QK_SCHED_NO_TASK, QK_SCHED_NOT_SERIALIZABLE } from './errors'

export type TaskFunction = (...args: any[]) => unknown

export interface SchedulerOptions {
  tasks?: Record<string, TaskFunction>
  /** the application name stored with each task (default: the app of the current request) */
  applicationName?: string
  /** the default group of queued tasks (default 'main') */
  groupName?: string
}

export interface QueueOptions {
  args?: unknown[]
  vars?: Record<string, unknown>
  /** not run before this time (default now) */
  startTime?: Date | number
  /** not started after this time; a queued task past it becomes EXPIRED */
  stopTime?: Date | number
  /** how many successful runs (default 1; 0 means forever) */
  repeats?: number
  /** seconds between runs of a repeating task (default 60) */
  period?: number
  /** measure the period from the scheduled start of a run rather than from its end */
  preventDrift?: boolean
  /** how many times a failed run is retried (default 0; -1 means forever) */
  retryFailed?: number
  /** seconds a run may take before it is killed and marked TIMEOUT (default 60) */
  timeout?: number
  /** queue for the next worker poll even if startTime is later (web2py's "immediate") */
  immediate?: boolean
  /** unique id; a second queueTask with the same uuid is refused */
  uuid?: string
  groupName?: string
  /** a label (default: the function name) */
  taskName?: string
  /** ids of tasks that must have COMPLETED before this one runs (web2py's scheduler_task_deps); a parent that
   * never completes (FAILED, STOPPED, EXPIRED) keeps its dependants waiting */
  dependsOn?: number[]
  /** a label stored with the dependencies (web2py's job_name) */
  jobName?: string
}

export interface RunInfo {
  id: number
  status: RunStatus
  startTime: Date | null
  stopTime: Date | null
  result: unknown
  output: string
  traceback: string | null
  workerName: string
}

export interface TaskInfo {
  id: number
  uuid: string
  taskName: string
  functionName: string
  groupName: string
  status: TaskStatus
  args: unknown[]
  vars: Record<string, unknown>
  enabled: boolean
  startTime: Date | null
  nextRunTime: Date | null
  stopTime: Date | null
  lastRunTime: Date | null
  repeats: number
  period: number
  retryFailed: number
  timeout: number
  timesRun: number
  timesFailed: number
  assignedWorkerName: string
  /** the most recent run, when any */
  run: RunInfo | null
}

export interface WorkerInfo {
  workerName: string
  status: WorkerStatus
  firstHeartbeat: Date | null
  lastHeartbeat: Date | null
  groupNames: string[]
  stats: Record<string, unknown>
}

export class Scheduler {
  readonly db: Db
  readonly tasks: Record<string, TaskFunction>
  readonly applicationName: string
  readonly groupName: string

  constructor(db: Db, opts: SchedulerOptions = {}) {
    this.db = db
    this.tasks = { ...(opts.tasks ?? {}) }
    for (const [k, f] of Object.entries(this.tasks)) if (typeof f !== 'function') throw new QK_SCHED_BAD_OPTION('tasks', `${k} is not a function`)
    const state = currentState()
    this.applicationName = opts.applicationName ?? state?.application ?? ''
    this.groupName = opts.groupName ?? 'main'
    defineSchedulerTables(db)
    // a worker running this app's models finds the scheduler here
    if (state) state['quark.scheduler'] = this
  }

  /** Queue a run (or a repeating series) of task `name`. Returns its id and uuid. */
  async queueTask(name: string, opts: QueueOptions = {}): Promise<{ id: number; uuid: string }> {
    if (typeof name !== 'string' || !this.tasks[name]) throw new QK_SCHED_NO_TASK(String(name))
    const now = Date.now()
    const start = opts.startTime === undefined ? now : timeOption('startTime', opts.startTime)
    const stop = opts.stopTime === undefined ? null : timeOption('stopTime', opts.stopTime)
    if (stop !== null && stop <= start) throw new QK_SCHED_BAD_OPTION('stopTime', 'must be after startTime')
    const repeats = intOption('repeats', opts.repeats ?? 1, 0)
    const retryFailed = intOption('retryFailed', opts.retryFailed ?? 0, -1)
    const period = numOption('period', opts.period ?? 60, 0)
    const timeout = numOption('timeout', opts.timeout ?? 60, 0.001)
    const args = opts.args ?? []
    if (!Array.isArray(args)) throw new QK_SCHED_BAD_OPTION('args', 'must be an array')
    const vars = opts.vars ?? {}
    if (typeof vars !== 'object' || vars === null || Array.isArray(vars)) throw new QK_SCHED_BAD_OPTION('vars', 'must be an object')
    const uuid = opts.uuid ?? crypto.randomUUID()
    if (typeof uuid !== 'string' || !uuid || uuid.length > 64) throw new QK_SCHED_BAD_OPTION('uuid', 'must be a non-empty string of at most 64 characters')
    const dependsOn = opts.dependsOn ?? []
    if (!Array.isArray(dependsOn) || !dependsOn.every((x) => Number.isInteger(x) && x > 0)) throw new QK_SCHED_BAD_OPTION('dependsOn', 'must be an array of task ids')
    const t = this.db.scheduler_task
    // the task and its dependencies in one transaction: no worker may see it queued without them
    // The insert comes first, before any read, even the uuid's (the unique column refuses a
    // duplicate; the check below names it): on SQLite a transaction that reads and then writes may
    // find its read snapshot stale when it asks for the write lock (SQLITE_BUSY at once, no busy
    // wait), and queueTask is usually called inside a transaction already (a request's, or a
    // caller's batch), where a read here would open that snapshot. One that writes first waits for
    // the lock. A missing parent then rolls the insert back.
    const row = {
      application_name: this.applicationName,
      task_name: opts.taskName ?? name,
      group_name: opts.groupName ?? this.groupName,
      status: 'QUEUED',
      function_name: name,
      uuid,
      args: json(name, 'args', args),
      vars: json(name, 'vars', vars),
      enabled: true,
      start_time: start,
      next_run_time: opts.immediate ? Math.min(start, now) : start,
      stop_time: stop,
      repeats,
      retry_failed: retryFailed,
      period,
      prevent_drift: Boolean(opts.preventDrift),
      timeout,
      times_run: 0,
      times_failed: 0,
      assigned_worker_name: '',
    }
    try {
      return { id: await this.insertTask(row, dependsOn, opts.jobName ?? ''), uuid }
    } catch (e) {
      // the insert rolled back (its savepoint, or its own transaction): a duplicate uuid is named as such
      if (!(e instanceof QK_SCHED_BAD_OPTION) && !(await this.db(t.uuid.eq(uuid)).isEmpty())) throw new QK_SCHED_DUPLICATE_UUID(uuid)
      throw e
    }
  }

  /** The task row, then its dependencies on `dependsOn` (each must exist), in one transaction. */
  private insertTask(row: Record<string, unknown>, dependsOn: number[], jobName: string): Promise<number> {
    const t = this.db.scheduler_task
    return this.db.transaction(async () => {
      const id = await t.insert(row)
      const parents: any[] = dependsOn.length ? [...await this.db(t.id.belongs(dependsOn)).select(t.id, t.status)] : []
      for (const p of dependsOn) if (!parents.some((r) => Number(r.id) === p)) throw new QK_SCHED_BAD_OPTION('dependsOn', `no task with id ${p}`)
      for (const p of parents) {
        await this.db.scheduler_task_deps.insert({ job_name: jobName, task_parent: Number(p.id), task_child: Number(id), can_visit: p.status === 'COMPLETED' })
      }
      return Number(id)
    })
  }

  /** The ids of the tasks task `id` waits for and whether each has completed. */
  async dependencies(id: number): Promise<Array<{ parent: number; completed: boolean }>> {
    const d = this.db.scheduler_task_deps
    const rows = await this.db(d.task_child.eq(id)).select({ orderby: d.task_parent })
    return [...rows].map((r: any) => ({ parent: Number(r.task_parent), completed: Boolean(r.can_visit) }))
  }

  /** A task by id or uuid, with its latest run (output included). null when there is none. */
  async taskStatus(ref: number | string): Promise<TaskInfo | null> {
    const t = this.db.scheduler_task
    const rows = await this.db(typeof ref === 'number' ? t.id.eq(ref) : t.uuid.eq(ref)).select()
    const row = rows[0]
    if (!row) return null
    const r = this.db.scheduler_run
    const runs = await this.db(r.task_id.eq(row.id)).select({ orderby: r.id.desc(), limitby: [0, 1] })
    return taskInfo(row, runs[0] ? runInfo(runs[0]) : null)
  }

  /** Every run of a task, oldest first. */
  async taskRuns(id: number): Promise<RunInfo[]> {
    const r = this.db.scheduler_run
    const rows = await this.db(r.task_id.eq(id)).select({ orderby: r.id })
    return [...rows].map(runInfo)
  }

  /**
   * Stop a task: a queued one never runs; a running one is killed by its
   * worker within a heartbeat. Returns false if it had already finished.
   */
  async stopTask(ref: number | string): Promise<boolean> {
    const t = this.db.scheduler_task
    const which = typeof ref === 'number' ? t.id.eq(ref) : t.uuid.eq(ref)
    const n = await this.db(which.and(t.status.belongs(['QUEUED', 'ASSIGNED', 'RUNNING']))).update({ status: 'STOPPED', enabled: false })
    return n > 0
  }

  async workers(): Promise<WorkerInfo[]> {
    const w = this.db.scheduler_worker
    const rows = await this.db(w.id.gt(0)).select({ orderby: w.worker_name })
    return [...rows].map((row: any) => ({
      workerName: row.worker_name,
      status: row.status,
      firstHeartbeat: toDate(row.first_heartbeat),
      lastHeartbeat: toDate(row.last_heartbeat),
      groupNames: parseJson(row.group_names, ['main']) as string[],
      stats: parseJson(row.worker_stats, {}) as Record<string, unknown>,
    }))
  }

  /** Workers stop picking tasks (the running one finishes). All workers when none is named. */
  disable(workerName?: string): Promise<number> { return this.setWorkers('DISABLED', workerName) }
  /** Disabled workers pick tasks again. */
  resume(workerName?: string): Promise<number> { return this.setWorkers('ACTIVE', workerName) }
  /** Workers exit after the task they are running. */
  terminate(workerName?: string): Promise<number> { return this.setWorkers('TERMINATE', workerName) }
  /** Workers exit now, killing the task they run (it is queued again). */
  kill(workerName?: string): Promise<number> { return this.setWorkers('KILL', workerName) }

  private async setWorkers(status: WorkerStatus, workerName?: string): Promise<number> {
    const w = this.db.scheduler_worker
    return this.db(workerName ? w.worker_name.eq(workerName) : w.id.gt(0)).update({ status })
  }
}

function timeOption(name: string, v: Date | number): number {
  const ms = v instanceof Date ? v.getTime() : v
  if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new QK_SCHED_BAD_OPTION(name, 'must be a Date or milliseconds since the epoch')
  return ms
}

function intOption(name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new QK_SCHED_BAD_OPTION(name, `must be an integer >= ${min}`)
  return v
}

function numOption(name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new QK_SCHED_BAD_OPTION(name, `must be a number >= ${min}`)
  return v
}

function json(task: string, what: string, v: unknown): string {
  try {
    const s = JSON.stringify(v)
    if (s === undefined) throw new Error('undefined')
    return s
  } catch {
    throw new QK_SCHED_NOT_SERIALIZABLE(task, what)
  }
}

export function parseJson(s: unknown, fallback: unknown): unknown {
  if (typeof s !== 'string' || s === '') return fallback
  try { return JSON.parse(s) } catch { return fallback }
}

export function runInfo(row: any): RunInfo {
  return {
    id: Number(row.id),
    status: row.status,
    startTime: toDate(row.start_time),
    stopTime: toDate(row.stop_time),
    result: parseJson(row.run_result, null),
    output: row.run_output ?? '',
    traceback: row.traceback || null,
    workerName: row.worker_name ?? '',
  }
}

function taskInfo(row: any, run: RunInfo | null): TaskInfo {
  return {
    id: Number(row.id),
    uuid: row.uuid,
    taskName: row.task_name,
    functionName: row.function_name,
    groupName: row.group_name,
    status: row.status,
    args: parseJson(row.args, []) as unknown[],
    vars: parseJson(row.vars, {}) as Record<string, unknown>,
    enabled: Boolean(row.enabled),
    startTime: toDate(row.start_time),
    nextRunTime: toDate(row.next_run_time),
    stopTime: toDate(row.stop_time),
    lastRunTime: toDate(row.last_run_time),
    repeats: Number(row.repeats),
    period: Number(row.period),
    retryFailed: Number(row.retry_failed),
    timeout: Number(row.timeout),
    timesRun: Number(row.times_run),
    timesFailed: Number(row.times_failed),
    assignedWorkerName: row.assigned_worker_name ?? '',
    run,
  }
}

export { toMs }
