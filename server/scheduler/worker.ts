/**
 * A scheduler worker: claims due tasks atomically, runs each in a child
 * process (ChildExecutor), records the run, heartbeats, and recovers the
 * tasks of workers that stopped heartbeating.
 *
 * Exactly once: a task is claimed with
 *   UPDATE scheduler_task SET status='ASSIGNED', assigned_worker_name=me
 *   WHERE id=? AND status='QUEUED'
 * and only the worker whose UPDATE changed one row runs it (SQLite
 * serialises writers; PostgreSQL re-checks the WHERE after a concurrent
 * writer commits, so the loser sees zero rows). On PostgreSQL the candidate
 * is first picked with SELECT ... FOR UPDATE SKIP LOCKED, so concurrent
 * workers take different tasks instead of waiting on the same row. Every later write about the
 * task is conditional on `assigned_worker_name=me`, so a worker wrongly
 * presumed dead cannot overwrite the state set by the one that recovered it.
 *
 * Every database step is its own short transaction (see step()). The
 * heartbeat runs on its own timer, never queued behind a task or a claim,
 * so a busy worker is not mistaken for a dead one.
 */
import os from 'node:os'
import { ChildExecutor, type Outcome, type RunHandle } from './executor'
import { toMs, type Db, type WorkerStatus } from './tables'
import { parseJson, type Scheduler } from './scheduler'
import type { TaskSource } from './source'

export interface WorkerOptions {
  source: TaskSource
  name?: string
  groups?: string[]
  /** how often the worker writes its heartbeat (default 1000 ms) */
  heartbeatMs?: number
  /** a worker silent for this long is dead and its tasks are queued again (default 5 heartbeats, at least 3 s) */
  deadAfterMs?: number
  /** idle wait between two looks for due tasks (default 200 ms) */
  pollMs?: number
  logger?: (message: string) => void
  /** the child entry; tests never need it */
  childFile?: string
}

const MAX_STORED_OUTPUT = 1024 * 1024

export class Worker {
  readonly name: string
  readonly groups: string[]
  private readonly db: Db
  private readonly executor: ChildExecutor
  private readonly heartbeatMs: number
  private readonly deadAfterMs: number
  private readonly pollMs: number
  private readonly log: (m: string) => void
  private readonly sqlite: boolean
  private readonly postgres: boolean
  private stopping = false
  private status: WorkerStatus = 'ACTIVE'
  private current: { taskId: number; handle: RunHandle } | undefined
  private heartbeatTimer: NodeJS.Timeout | undefined
  private wake: (() => void) | undefined
  /** true once the task process is up: shown in worker_stats */
  private ready = false
  readonly stats = { completed: 0, failed: 0, timeout: 0, stopped: 0, recovered: 0 }

  constructor(readonly scheduler: Scheduler, opts: WorkerOptions) {
    this.db = scheduler.db
    this.name = opts.name ?? `${os.hostname()}#${process.pid}`
    this.groups = opts.groups?.length ? opts.groups : [scheduler.groupName]
    this.heartbeatMs = opts.heartbeatMs ?? 1000
    this.deadAfterMs = opts.deadAfterMs ?? Math.max(this.heartbeatMs * 5, 3000)
    this.pollMs = opts.pollMs ?? 200
    this.log = opts.logger ?? ((m) => console.log(m))
    this.executor = new ChildExecutor(opts.source, { childFile: opts.childFile })
    this.sqlite = this.db._dbname === 'sqlite'
    this.postgres = this.db._dbname === 'postgres'
  }

  /**
   * One database step. On PostgreSQL and MySQL a step is one transaction
   * (on a connection of its own, so the heartbeat timer never shares one
   * with the loop; and one commit per step, which is what costs there). On
   * SQLite each statement autocommits, because a deferred transaction that
   * reads then writes can deadlock between processes, and SQLite commits
   * are cheap.
   */
  private step<R>(fn: () => Promise<R>): Promise<R> {
    return this.sqlite ? fn() : (this.db.transaction(fn) as Promise<R>)
  }

  /** Run until stopped, told to TERMINATE or KILL. */
  async run(): Promise<void> {
    // touch the three tables outside any transaction, so that their migration (if any) never runs
    // inside one of ours: a migration waiting for a lock held by another worker's open transaction
    // would wait forever on PostgreSQL
    for (const name of ['scheduler_task', 'scheduler_run', 'scheduler_worker']) {
      const table = this.db[name]
      await this.db(table.id.eq(0)).select(table.id)
    }
    await this.register()
    let beating = false
    this.heartbeatTimer = setInterval(() => {
      if (beating) return // a slow database: never pile heartbeats up
      beating = true
      this.heartbeat()
        .catch((e) => this.log(`[scheduler] ${this.name}: heartbeat failed: ${(e as Error).message}`))
        .finally(() => { beating = false })
    }, this.heartbeatMs)
    // start the task process (and load the app in it) before the first task is due
    await this.executor.warm()
    this.ready = true
    this.log(`[scheduler] worker ${this.name} started (groups ${this.groups.join(',')})`)
    try {
      while (!this.stopping) {
        if (this.status !== 'ACTIVE') { await this.sleep(this.pollMs); continue }
        const claimed = await this.claim()
        if (!claimed) { await this.sleep(this.pollMs); continue }
        await this.execute(claimed)
      }
    } finally {
      clearInterval(this.heartbeatTimer)
      this.executor.close()
      await this.step(async () => { await this.db(this.db.scheduler_worker.worker_name.eq(this.name)).delete() }).catch(() => undefined)
      this.log(`[scheduler] worker ${this.name} stopped`)
    }
  }

  /** Ask the loop to end after the current task. */
  stop(): void {
    this.stopping = true
    this.wake?.()
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.wake = undefined; resolve() }, ms)
      this.wake = () => { clearTimeout(t); this.wake = undefined; resolve() }
    })
  }

  private register(): Promise<void> {
    return this.step(async () => {
      const w = this.db.scheduler_worker
      const now = Date.now()
      await this.db(w.worker_name.eq(this.name)).delete()
      await w.insert({ worker_name: this.name, first_heartbeat: now, last_heartbeat: now, status: 'ACTIVE', group_names: JSON.stringify(this.groups), worker_stats: '{}' })
    })
  }

  /** Heartbeat, obey the status set by the scheduler's commands, stop running tasks that were stopped, recover dead workers. */
  async heartbeat(): Promise<void> {
    // a stopping worker still heartbeats while it finishes its task, or others would think it dead and run the task again
    if (this.stopping && !this.current) return
    const now = Date.now()
    const w = this.db.scheduler_worker
    const t = this.db.scheduler_task
    const current = this.current
    const { status, taskStopped } = await this.step(async () => {
      const n = await this.db(w.worker_name.eq(this.name)).update({ last_heartbeat: now, worker_stats: JSON.stringify({ ...this.stats, ready: this.ready }) })
      if (n === 0) {
        // we were presumed dead and removed: come back (our running task, if any, was queued again elsewhere)
        await w.insert({ worker_name: this.name, first_heartbeat: now, last_heartbeat: now, status: 'ACTIVE', group_names: JSON.stringify(this.groups), worker_stats: '{}' })
      }
      const row = (await this.db(w.worker_name.eq(this.name)).select(w.status))[0]
      let taskStopped = false
      if (current) {
        const tr = (await this.db(t.id.eq(current.taskId)).select(t.status, t.assigned_worker_name))[0]
        taskStopped = !tr || tr.status === 'STOPPED' || tr.assigned_worker_name !== this.name
      }
      return { status: (row?.status ?? 'ACTIVE') as WorkerStatus, taskStopped }
    })
    this.status = status
    if (current && taskStopped) current.handle.kill('STOPPED', 'stopped by stopTask (or given to another worker while this one was presumed dead)')
    if (status === 'TERMINATE') this.stop()
    if (status === 'KILL') {
      current?.handle.kill('FAILED', `worker ${this.name} was killed`)
      this.stop()
    }
    await this.housekeeping(now)
  }

  /** Queue again the tasks of workers silent for deadAfterMs; expire queued tasks past their stop time. */
  private housekeeping(now: number): Promise<void> {
    return this.step(async () => {
      const w = this.db.scheduler_worker
      const t = this.db.scheduler_task
      const r = this.db.scheduler_run
      const limit = now - this.deadAfterMs
      const dead = await this.db(w.last_heartbeat.lt(limit)).select(w.worker_name)
      for (const { worker_name: name } of dead) {
        await this.db(r.worker_name.eq(name).and(r.status.eq('RUNNING'))).update({ status: 'FAILED', stop_time: now, traceback: `worker ${name} stopped sending heartbeats; the task was queued again` })
        const n = await this.db(t.assigned_worker_name.eq(name).and(t.status.belongs(['ASSIGNED', 'RUNNING']))).update({ status: 'QUEUED', assigned_worker_name: '', next_run_time: now })
        await this.db(w.worker_name.eq(name).and(w.last_heartbeat.lt(limit))).delete()
        if (n) { this.stats.recovered += n; this.log(`[scheduler] ${this.name}: worker ${name} is dead; ${n} task(s) queued again`) }
      }
      await this.db(t.status.eq('QUEUED').and(t.stop_time.ne(null)).and(t.stop_time.lt(now))).update({ status: 'EXPIRED' })
    })
  }

  /**
   * Claim one due task atomically and open its run; undefined when none is
   * due (or other workers won them all).
   */
  private claim(): Promise<{ task: any; runId: number; started: number } | undefined> {
    return this.step(async () => {
      const t = this.db.scheduler_task
      const r = this.db.scheduler_run
      const now = Date.now()
      const due = t.status.eq('QUEUED').and(t.enabled.eq(true)).and(t.group_name.belongs(this.groups)).and(t.next_run_time.le(now))
        .and(t.stop_time.eq(null).or(t.stop_time.gt(now)))
      let candidates: any[]
      if (this.postgres) {
        // the row is locked by this transaction and skipped by the others': workers never queue up on one task
        const ids = await this.db.executesql(
          'SELECT id FROM scheduler_task WHERE status = $1 AND enabled AND group_name = ANY($2) AND next_run_time <= $3 ' +
          'AND (stop_time IS NULL OR stop_time > $3) ORDER BY next_run_time, id LIMIT 1 FOR UPDATE SKIP LOCKED', ['QUEUED', this.groups, now])
        candidates = ids.length ? [...await this.db(t.id.eq(ids[0][0])).select()] : []
      } else {
        // a few candidates, so that workers racing for the first one find another
        candidates = [...await this.db(due).select({ orderby: [t.next_run_time, t.id], limitby: [0, 5] })]
      }
      for (const task of candidates) {
        const n = await this.db(t.id.eq(task.id).and(t.status.eq('QUEUED'))).update({ status: 'RUNNING', assigned_worker_name: this.name, last_run_time: now })
        if (n !== 1) continue
        const c = task
        const runId = Number(await r.insert({ task_id: c.id, status: 'RUNNING', start_time: now, worker_name: this.name, run_output: '' }))
        return { task, runId, started: now }
      }
      return undefined
    })
  }

  private async execute({ task, runId, started }: { task: any; runId: number; started: number }): Promise<void> {
    const handle = this.executor.run({
      functionName: task.function_name,
      args: parseJson(task.args, []) as unknown[],
      vars: parseJson(task.vars, {}) as Record<string, unknown>,
      timeoutMs: Number(task.timeout) * 1000,
    })
    this.current = { taskId: Number(task.id), handle }
    const outcome = await handle.promise
    this.current = undefined
    await this.record(task, runId, started, outcome)
  }

  /** Store the run and move the task to its next state. */
  private record(task: any, runId: number, started: number, o: Outcome): Promise<void> {
    const t = this.db.scheduler_task
    const r = this.db.scheduler_run
    const stopped = Date.now()
    const key = o.status.toLowerCase() as keyof Worker['stats']
    this.stats[key]++
    return this.step(async () => {
      await this.db(r.id.eq(runId)).update({
        status: o.status, stop_time: stopped, run_output: o.output.slice(0, MAX_STORED_OUTPUT),
        run_result: o.result ?? null, traceback: o.traceback ?? null,
      })
      if (o.status === 'STOPPED') return
      if (this.status === 'KILL') {
        // the worker was killed, not the task: queue it again without counting a failure
        await this.db(t.id.eq(task.id).and(t.assigned_worker_name.eq(this.name)).and(t.status.eq('RUNNING'))).update({ status: 'QUEUED', assigned_worker_name: '', next_run_time: stopped })
        return
      }
      const mine = t.id.eq(task.id).and(t.assigned_worker_name.eq(this.name)).and(t.status.eq('RUNNING'))
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
      update.assigned_worker_name = update.status === 'QUEUED' ? '' : this.name
      await this.db(mine).update(update)
    })
  }
}
