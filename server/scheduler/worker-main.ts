/**
 * Entry of one worker process (forked by `quark scheduler`, or by tests).
 * Its configuration comes in the QUARK_SCHEDULER_WORKER environment
 * variable (JSON of WorkerProcessConfig). SIGTERM/SIGINT: finish the
 * running task, then exit.
 */
import { Worker } from './worker'
import { appScheduler, schedulerFromModule, type TaskSource } from './source'
import { WORKER_READY, WORKER_MISCONFIGURED, EXIT_MISCONFIGURED, EXIT_TERMINATED, EXIT_KILLED } from './command'
import { QK_SCHED_NO_SCHEDULER } from './errors'

export interface WorkerProcessConfig {
  source: TaskSource
  name?: string
  groups?: string[]
  heartbeatMs?: number
  deadAfterMs?: number
  pollMs?: number
  quiet?: boolean
}

async function main(): Promise<number> {
  const raw = process.env.QUARK_SCHEDULER_WORKER
  if (!raw) throw new Error('QUARK_SCHEDULER_WORKER is not set: this file is started by `quark scheduler`')
  const cfg = JSON.parse(raw) as WorkerProcessConfig
  const scheduler = cfg.source.kind === 'module' ? schedulerFromModule(cfg.source.file) : await appScheduler(cfg.source.folder, cfg.source.app)
  const worker = new Worker(scheduler, { ...cfg, logger: cfg.quiet ? () => {} : undefined })
  // the app loaded and created its Scheduler, and its database answers: tell a supervising
  // `quark scheduler` (command.ts), which counts a worker that dies before this (or just after)
  // as one that cannot start. Asking the database first makes an unreachable one such a failure
  // for certain, not a race with the supervisor's grace period.
  if (process.send) {
    await scheduler.workers()
    process.send({ type: WORKER_READY })
  }
  const stop = () => worker.stop()
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  await worker.run()
  const { closeAllConnections } = require('../dal') as { closeAllConnections: () => Promise<void> }
  await closeAllConnections()
  // told to TERMINATE or KILL (scheduler.terminate()/kill()): a distinct exit code, so the supervisor does not start it again
  return worker.retiredBy === 'KILL' ? EXIT_KILLED : worker.retiredBy === 'TERMINATE' ? EXIT_TERMINATED : 0
}

main().then((code) => process.exit(code), (e) => {
  // an app with no Scheduler will not get one by restarting the worker: tell the supervisor,
  // which stops at once with this one line, not a stack trace per retry
  if (e instanceof QK_SCHED_NO_SCHEDULER && process.send) {
    process.send({ type: WORKER_MISCONFIGURED, message: e.message }, () => process.exit(EXIT_MISCONFIGURED))
    return
  }
  console.error(`[scheduler] worker failed: ${e instanceof Error ? e.stack : String(e)}`)
  process.exit(1)
})
