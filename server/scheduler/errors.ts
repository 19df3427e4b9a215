/** The errors the scheduler room raises on purpose. */
import { defineError } from '../errors/index'

export const QK_SCHED_NO_TASK = defineError('QK_SCHED_NO_TASK', 500, 'Scheduler has no task function named "%s"',
  'queueTask (or a worker) names a function that was not given in new Scheduler(db, { tasks }).')
export const QK_SCHED_BAD_OPTION = defineError('QK_SCHED_BAD_OPTION', 500, 'queueTask option %s: %s',
  'A queueTask option has a wrong type or an impossible value (negative period, stop before start, ...).')
export const QK_SCHED_DUPLICATE_UUID = defineError('QK_SCHED_DUPLICATE_UUID', 500, 'A task with uuid %s is already queued',
  'queueTask was given a uuid that an existing scheduler_task already has.')
export const QK_SCHED_BAD_ARGS = defineError('QK_SCHED_BAD_ARGS', 500, 'quark scheduler: %s',
  'The `quark scheduler` command was given arguments it does not understand.')
export const QK_SCHED_NO_SCHEDULER = defineError('QK_SCHED_NO_SCHEDULER', 500, 'No Scheduler found in %s',
  'A worker was started for an app (or module) whose models do not create a Scheduler.')
export const QK_SCHED_NOT_SERIALIZABLE = defineError('QK_SCHED_NOT_SERIALIZABLE', 500, 'Task %s: %s must be JSON-serialisable',
  'Task args, vars and results are stored as JSON in the database.')
