/**
 * The scheduler's three tables, defined through the DAL so they migrate like
 * any app table and show in the database administration.
 *
 * Times are stored as milliseconds since the epoch (bigint): exact to the
 * millisecond and free of time-zone conversions on every dialect, so start
 * and stop times and heartbeats compare the same on SQLite and PostgreSQL.
 * The public API gives them back as Date objects.
 *
 * scheduler_task.run_id is the claim: the id of the scheduler_run a worker
 * opened when it took the task (null while nobody holds it). Every write
 * about a running task is a compare-and-set on it, so a worker whose claim
 * was released (it was presumed dead) or stopped finds it gone and writes
 * nothing. scheduler_worker.host_name/pid let a worker on the same machine
 * tell a late heartbeat from a dead process.
 *
 * scheduler_task_deps (web2py's name and columns): task_child may run only
 * once task_parent has COMPLETED; can_visit turns true when it does, in the
 * transaction that records the parent's last run. A task with any row whose
 * can_visit is false is not due.
 */

export const TASK_STATUSES = ['QUEUED', 'ASSIGNED', 'RUNNING', 'COMPLETED', 'FAILED', 'TIMEOUT', 'STOPPED', 'EXPIRED'] as const
export type TaskStatus = (typeof TASK_STATUSES)[number]
export const RUN_STATUSES = ['RUNNING', 'COMPLETED', 'FAILED', 'TIMEOUT', 'STOPPED'] as const
export type RunStatus = (typeof RUN_STATUSES)[number]
export const WORKER_STATUSES = ['ACTIVE', 'DISABLED', 'TERMINATE', 'KILL'] as const
export type WorkerStatus = (typeof WORKER_STATUSES)[number]

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Db = any

export function defineSchedulerTables(db: Db): void {
  // required here, not imported at the top: environment/ loads this room while building names, before dal/ may be usable
  const { Field } = require('../dal') as { Field: (name: string, type: string, opts?: Record<string, unknown>) => unknown }
  if (!db.scheduler_task) {
    db.defineTable('scheduler_task',
      Field('application_name', 'string', { length: 128, default: '' }),
      Field('task_name', 'string', { length: 255, default: '' }),
      Field('group_name', 'string', { length: 128, default: 'main' }),
      Field('status', 'string', { length: 16, default: 'QUEUED' }),
      Field('function_name', 'string', { length: 255 }),
      Field('uuid', 'string', { length: 64, unique: true }),
      Field('args', 'text', { default: '[]' }),
      Field('vars', 'text', { default: '{}' }),
      Field('enabled', 'boolean', { default: true }),
      Field('start_time', 'bigint'),
      Field('next_run_time', 'bigint'),
      Field('stop_time', 'bigint'),
      Field('repeats', 'integer', { default: 1 }),
      Field('retry_failed', 'integer', { default: 0 }),
      Field('period', 'double', { default: 60 }),
      Field('prevent_drift', 'boolean', { default: false }),
      Field('timeout', 'double', { default: 60 }),
      Field('times_run', 'integer', { default: 0 }),
      Field('times_failed', 'integer', { default: 0 }),
      Field('last_run_time', 'bigint'),
      Field('assigned_worker_name', 'string', { length: 255, default: '' }),
      // not a reference: scheduler_run references this table, and a cycle would order the migrations badly
      Field('run_id', 'integer'))
  }
  if (!db.scheduler_run) {
    db.defineTable('scheduler_run',
      Field('task_id', 'reference scheduler_task'),
      Field('status', 'string', { length: 16 }),
      Field('start_time', 'bigint'),
      Field('stop_time', 'bigint'),
      Field('run_output', 'text'),
      Field('run_result', 'text'),
      Field('traceback', 'text'),
      Field('worker_name', 'string', { length: 255 }))
  }
  if (!db.scheduler_task_deps) {
    db.defineTable('scheduler_task_deps',
      Field('job_name', 'string', { length: 255, default: '' }),
      Field('task_parent', 'integer', { notnull: true }),
      Field('task_child', 'integer', { notnull: true }),
      Field('can_visit', 'boolean', { default: false }))
  }
  if (!db.scheduler_worker) {
    db.defineTable('scheduler_worker',
      Field('worker_name', 'string', { length: 255, unique: true }),
      Field('first_heartbeat', 'bigint'),
      Field('last_heartbeat', 'bigint'),
      Field('status', 'string', { length: 16, default: 'ACTIVE' }),
      Field('group_names', 'text', { default: '["main"]' }),
      Field('worker_stats', 'text', { default: '{}' }),
      Field('host_name', 'string', { length: 255, default: '' }),
      Field('pid', 'integer'))
  }
}

/** bigint columns may come back as strings (pg) or numbers. */
export function toMs(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null
  const n = typeof v === 'number' ? v : Number(v)
  return Number.isFinite(n) ? n : null
}

export function toDate(v: unknown): Date | null {
  const ms = toMs(v)
  return ms === null ? null : new Date(ms)
}
