/**
 * The scheduler: tasks queued in the database, run by worker processes.
 *
 * Public surface:
 *   Scheduler            - new Scheduler(db, { tasks }) in a model: queueTask, taskStatus, taskRuns, stopTask,
 *                          workers, disable/resume/terminate/kill
 *   Worker               - the worker loop (claims by compare-and-set, see claims.ts; child process per task with
 *                          timeout; heartbeats; dead-worker recovery, where a late heartbeat of a live process on
 *                          this machine is not death); usually started by `quark scheduler`
 *   schedulerCommand(argv) - `quark scheduler <app> [-n N] [--group g]`
 *   schedulerCli         - the same as an entry of the cli's COMMANDS table
 *   forkWorker(cfg)      - start one worker process (tests, supervisors)
 *   schedulerNames()     - the framework names this room adds to every model/controller/view: { Scheduler }
 *   TASK_STATUSES, RUN_STATUSES, WORKER_STATUSES, defineSchedulerTables
 */
import { Scheduler } from './scheduler'

export { Scheduler } from './scheduler'
export type { QueueOptions, TaskInfo, RunInfo, WorkerInfo, SchedulerOptions, TaskFunction } from './scheduler'
export { Worker } from './worker'
export type { WorkerOptions } from './worker'
export { ChildExecutor } from './executor'
export type { Outcome } from './executor'
export { schedulerCommand, forkWorker, parseSchedulerArgs, SCHEDULER_USAGE } from './command'
export { schedulerCli } from './cli'
export type { WorkerProcessConfig } from './worker-main'
export { schedulerFromModule, appScheduler } from './source'
export type { TaskSource } from './source'
export { defineSchedulerTables, TASK_STATUSES, RUN_STATUSES, WORKER_STATUSES } from './tables'
export type { TaskStatus, RunStatus, WorkerStatus } from './tables'
export * as schedulerErrors from './errors'

/** The names every model, controller and view sees (environment/names.ts calls this). */
export function schedulerNames(): Record<string, unknown> {
  return { Scheduler }
}
