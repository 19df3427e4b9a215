/**
 * The changes of a task's state that decide who runs it, each a
 * compare-and-set made inside one transaction with its run record (the
 * Worker opens the transaction: see worker.ts for why each of its steps is
 * safe on SQLite, PostgreSQL and MySQL).
 *
 *   takeTask      QUEUED and due -> RUNNING, a scheduler_run opened, its id
 *                 stored in scheduler_task.run_id: the claim token
 *   recordRun     RUNNING with my run_id -> the next state, the run closed
 *                 with its outcome; nothing when the claim is gone
 *   releaseClaims the claims of a dead worker -> QUEUED, their runs FAILED
 *
 * A claim is what one worker knows of one task: the row as read right after
 * takeTask changed it, and the run it opened. Nobody else writes that row's
 * counters while the claim holds, and every write is conditional on it.
 */
import { toMs, type Db } from './tables'
import type { Outcome } from './executor'

export interface Claim { task: any; runId: number; started: number }

const MAX_STORED_OUTPUT = 1024 * 1024
const OPEN = ['ASSIGNED', 'RUNNING']

/** Due and free, as of `now`: the condition of the candidate search and of the claim's compare-and-set alike.
 * A task waiting on a parent that has not COMPLETED (scheduler_task_deps.can_visit false) is not due. */
export function dueQuery(db: Db, groups: string[], now: number): any {
  const t = db.scheduler_task
  const d = db.scheduler_task_deps
  return t.status.eq('QUEUED').and(t.enabled.eq(true)).and(t.group_name.belongs(groups)).and(t.next_run_time.le(now))
    .and(t.stop_time.eq(null).or(t.stop_time.gt(now)))
    .and(t.id.belongs(db(d.can_visit.eq(false)).nested(d.task_child)).not())
}

/** The SQL of the same dependency condition, for the PostgreSQL claim's raw SELECT ... FOR UPDATE SKIP LOCKED. */
export const WAITING_ON_PARENTS_SQL = 'id NOT IN (SELECT task_child FROM scheduler_task_deps WHERE NOT can_visit)'

/**
 * Make task `id` ours if it is still due and free, and open its run. The
 * whole due condition is in the UPDATE, not only the status: a candidate
 * read a moment earlier may have been run and queued again for later in the
 * meantime (QUEUED again, next_run_time ahead, times_run moved on); a claim
 * that checked the status alone took it a second time, early, with a stale
 * times_run, and the task got a run it was not owed. The first statement is
 * a write (SQLite takes its write lock at once), and the row is read back
 * after it, so the claim's view of the task is the committed one.
 */
export async function takeTask(db: Db, id: number, workerName: string, groups: string[], now: number): Promise<Claim | undefined> {
  const t = db.scheduler_task
  const n = await db(t.id.eq(id).and(dueQuery(db, groups, now))).update({ status: 'RUNNING', assigned_worker_name: workerName, last_run_time: now, run_id: null })
  if (n !== 1) return undefined
  const task = (await db(t.id.eq(id)).select())[0]
  const runId = Number(await db.scheduler_run.insert({ task_id: id, status: 'RUNNING', start_time: now, worker_name: workerName, run_output: '' }))
  await db(t.id.eq(id)).update({ run_id: runId })
  return { task, runId, started: now }
}

/** The task's state after this run, from the claim's view of it. */
export function nextState({ task, started }: Claim, o: Outcome, stopped: number, workerName: string): Record<string, unknown> {
  const repeats = Number(task.repeats)
  const period = Number(task.period) * 1000
  const stopTime = toMs(task.stop_time)
  let update: Record<string, unknown>
  if (o.status === 'COMPLETED') {
    const timesRun = Number(task.times_run) + 1
    const more = repeats === 0 || timesRun < repeats
    // preventDrift: the period counts from when this run was due, not from when it ended
    let next = task.prevent_drift ? (toMs(task.next_run_time) ?? started) + period : stopped + period
    if (task.prevent_drift) while (next <= started) next += period
    const expired = stopTime !== null && next > stopTime
    update = { times_run: timesRun, times_failed: 0, status: more && !expired ? 'QUEUED' : 'COMPLETED', next_run_time: more ? next : toMs(task.next_run_time) }
  } else {
    const timesFailed = Number(task.times_failed) + 1
    const retry = Number(task.retry_failed)
    const again = retry === -1 || timesFailed <= retry
    update = { times_failed: timesFailed, status: again ? 'QUEUED' : o.status, next_run_time: again ? stopped : toMs(task.next_run_time) }
  }
  update.assigned_worker_name = update.status === 'QUEUED' ? '' : workerName
  update.run_id = null
  return update
}

/** The task queued again without counting anything (its worker was killed, not the task). */
export function requeueState(stopped: number): Record<string, unknown> {
  return { status: 'QUEUED', assigned_worker_name: '', run_id: null, next_run_time: stopped }
}

/**
 * Close the run and move the task to `next`, if the claim still holds.
 * A task stopped by stopTask while it ran stays STOPPED; its run is closed as
 * it ended (and counted if it completed). false when the claim is gone (it
 * was released as a dead worker's: whoever released it closed the run).
 */
export async function recordRun(db: Db, claim: Claim, o: Outcome, stopped: number, next: Record<string, unknown>): Promise<boolean> {
  const t = db.scheduler_task
  const r = db.scheduler_run
  const run = { status: o.status, stop_time: stopped, run_output: o.output.slice(0, MAX_STORED_OUTPUT), run_result: o.result ?? null, traceback: o.traceback ?? null }
  const ours = t.id.eq(claim.task.id).and(t.run_id.eq(claim.runId))
  if (await db(ours.and(t.status.eq('RUNNING'))).update(next) === 1) {
    await db(r.id.eq(claim.runId)).update(run)
    // its last run completed: the tasks that depend on it may run (same transaction: never one without the other)
    if (next.status === 'COMPLETED') await releaseChildren(db, Number(claim.task.id))
    return true
  }
  const release: Record<string, unknown> = { run_id: null }
  if (o.status === 'COMPLETED') release.times_run = Number(claim.task.times_run) + 1
  if (await db(ours.and(t.status.eq('STOPPED'))).update(release) === 1) {
    await db(r.id.eq(claim.runId)).update(run)
    return true
  }
  return false
}

/**
 * Queue again each task claimed by worker `name`, compare-and-set on its
 * claim (one taken over meanwhile is left alone), and close its run as
 * FAILED with `reason`. Returns how many were released.
 */
export async function releaseClaims(db: Db, name: string, now: number, reason: string): Promise<number> {
  const t = db.scheduler_task
  const r = db.scheduler_run
  const held = await db(t.assigned_worker_name.eq(name).and(t.status.belongs(OPEN))).select(t.id, t.run_id)
  let n = 0
  for (const task of held) {
    const runId = task.run_id === null || task.run_id === undefined ? null : Number(task.run_id)
    const k = await db(t.id.eq(task.id).and(t.run_id.eq(runId)).and(t.status.belongs(OPEN)))
      .update({ status: 'QUEUED', assigned_worker_name: '', run_id: null, next_run_time: now })
    if (k !== 1) continue
    n++
    if (runId !== null) await db(r.id.eq(runId).and(r.status.eq('RUNNING'))).update({ status: 'FAILED', stop_time: now, traceback: reason })
  }
  return n
}

/** The dependants of a COMPLETED task become free to run (as far as this parent goes). */
export async function releaseChildren(db: Db, parentId: number): Promise<void> {
  const d = db.scheduler_task_deps
  await db(d.task_parent.eq(parentId).and(d.can_visit.eq(false))).update({ can_visit: true })
}
