/**
 * A scheduler worker: claims due tasks, runs each in a child process
 * (ChildExecutor), records the run, heartbeats, and recovers the tasks of
 * workers that stopped heartbeating.
 *
 * Exactly once. A task gets only the runs it is owed because every change
 * of its state is a compare-and-set, in one transaction with its run record:
 *  - claim: UPDATE scheduler_task SET status='RUNNING', assigned_worker_name=me
 *    WHERE id=? AND status='QUEUED' AND enabled AND next_run_time<=now AND
 *    (stop_time IS NULL OR stop_time>now), then (same transaction) the
 *    scheduler_run insert and run_id=<that run>. The whole due condition is in
 *    the UPDATE, not only the status: a candidate read a moment earlier may
 *    have been run and queued again for later meanwhile (status QUEUED again,
 *    next_run_time in the future, times_run moved on), and a claim checking
 *    the status alone took it a second time with a stale times_run: one run
 *    too many (issue 16, defect 9). The task row is read back after the
 *    UPDATE, inside the transaction, so what the worker knows of it is fresh.
 *  - record: UPDATE ... WHERE id=? AND run_id=<my run> AND status='RUNNING';
 *    the run record is written only when that changed one row. A worker whose
 *    claim was released or stopped meanwhile finds it gone and writes nothing.
 *  - recovery of a dead worker: its scheduler_worker row is deleted only if
 *    its heartbeat is still stale (so a late heartbeat wins), and in the same
 *    transaction each of its claims is released by compare-and-set on run_id
 *    and that run closed as FAILED.
 * A late heartbeat is not death: a worker on this machine whose process is
 * alive keeps its claims however late its heartbeat is (a loaded machine,
 * a long GC or a busy SQLite lock delays it), up to hungAfterMs; only a
 * worker of another machine, or a process gone, is presumed dead after
 * deadAfterMs. When a live worker was presumed dead all the same, its next
 * heartbeat finds its claim gone and kills the run, and its result is never
 * written (the run was closed as FAILED by the recoverer).
 *
 * On PostgreSQL the candidate is picked with SELECT ... FOR UPDATE SKIP
 * LOCKED inside the claim's transaction, so concurrent workers take
 * different tasks instead of waiting on the same row. On SQLite each step's
 * first statement is a write, so its transaction takes the write lock at
 * once (busy_timeout applies); a deferred transaction that read first and
 * wrote later could fail with SQLITE_BUSY between processes. Reads that
 * choose what to try (candidates, silent workers) run outside transactions.
 *
 * The heartbeat runs on its own timer, never queued behind a task or a
 * claim, so a busy worker is not mistaken for a dead one.
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
  /** a worker silent for this long is dead and its tasks are queued again (default 5 heartbeats, at least 3 s);
   * a worker of this machine whose process is alive is not, until hungAfterMs */
  deadAfterMs?: number
  /** a worker of this machine whose process is alive but silent for this long is dead all the same
   * (hung, or its pid reused by another process; default 10 × deadAfterMs, at least 60 s) */
  hungAfterMs?: number
  /** idle wait between two looks for due tasks (default 200 ms) */
  pollMs?: number
  logger?: (message: string) => void
  /** the child entry; tests never need it */
  childFile?: string
}

/** A task this worker holds: the row as read right after the claim, and its run (the claim token). */
interface Claim { task: any; runId: number; started: number }

const MAX_STORED_OUTPUT = 1024 * 1024
const HOST = os.hostname()
const OPEN = ['ASSIGNED', 'RUNNING']

/** Is process `pid` of this machine alive? (EPERM: alive, owned by another user) */
function processAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM' }
}

export class Worker {
  readonly name: string
  readonly groups: string[]
  private readonly db: Db
  private readonly executor: ChildExecutor
  private readonly heartbeatMs: number
  private readonly deadAfterMs: number
  private readonly hungAfterMs: number
  private readonly pollMs: number
  private readonly log: (m: string) => void
  private readonly postgres: boolean
  private stopping = false
  private status: WorkerStatus = 'ACTIVE'
  /** the run in progress; killedByCommand when the worker (not the task) was killed */
  private current: { claim: Claim; handle: RunHandle; killedByCommand: boolean } | undefined
  private heartbeatTimer: NodeJS.Timeout | undefined
  private wake: (() => void) | undefined
  /** true once the task process is up: shown in worker_stats */
  private ready = false
  readonly stats = { completed: 0, failed: 0, timeout: 0, stopped: 0, recovered: 0 }

  constructor(readonly scheduler: Scheduler, opts: WorkerOptions) {
    this.db = scheduler.db
    this.name = opts.name ?? `${HOST}#${process.pid}`
    this.groups = opts.groups?.length ? opts.groups : [scheduler.groupName]
    this.heartbeatMs = opts.heartbeatMs ?? 1000
    this.deadAfterMs = opts.deadAfterMs ?? Math.max(this.heartbeatMs * 5, 3000)
    this.hungAfterMs = opts.hungAfterMs ?? Math.max(this.deadAfterMs * 10, 60_000)
    this.pollMs = opts.pollMs ?? 200
    this.log = opts.logger ?? ((m) => console.log(m))
    this.executor = new ChildExecutor(opts.source, { childFile: opts.childFile })
    this.postgres = this.db._dbname === 'postgres'
  }

  /**
   * One database step: one short transaction (on PostgreSQL and MySQL on a
   * connection of its own, so the heartbeat timer never shares one with the
   * loop). On SQLite the DAL's mutex keeps the heartbeat's statements out of
   * the loop's transaction, and fn's first statement must be a write (see
   * the header).
   */
  private step<R>(fn: () => Promise<R>): Promise<R> {
    return this.db.transaction(fn) as Promise<R>
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
        let claimed: Claim | undefined
        try {
          claimed = await this.claim()
        } catch (e) {
          // rolled back: nothing was taken; try again after a pause (a busy or unreachable database)
          this.log(`[scheduler] ${this.name}: claim failed: ${(e as Error).message}`)
          await this.sleep(Math.max(this.pollMs, 500))
          continue
        }
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

  private workerRow(now: number): Record<string, unknown> {
    return { worker_name: this.name, first_heartbeat: now, last_heartbeat: now, status: 'ACTIVE', group_names: JSON.stringify(this.groups),
      worker_stats: '{}', host_name: HOST, pid: process.pid }
  }

  /**
   * Take this worker's row. Tasks still claimed under this name belong to an
   * earlier process of the same name (this one holds none yet): they are
   * released as a dead worker's would be.
   */
  private async register(): Promise<void> {
    const w = this.db.scheduler_worker
    const now = Date.now()
    const n = await this.step(async () => {
      await this.db(w.worker_name.eq(this.name)).delete()
      await w.insert(this.workerRow(now))
      return this.releaseClaims(this.name, now, `worker ${this.name} was restarted; the task was queued again`)
    })
    if (n) this.log(`[scheduler] ${this.name}: ${n} task(s) of an earlier worker of this name queued again`)
  }

  /** Heartbeat, obey the status set by the scheduler's commands, stop a run whose claim is gone, recover dead workers. */
  async heartbeat(): Promise<void> {
    // a stopping worker still heartbeats while it finishes its task, or others would think it dead and run the task again
    if (this.stopping && !this.current) return
    const now = Date.now()
    const w = this.db.scheduler_worker
    const t = this.db.scheduler_task
    const current = this.current
    const { status, claimGone } = await this.step(async () => {
      const n = await this.db(w.worker_name.eq(this.name)).update({ last_heartbeat: now, worker_stats: JSON.stringify({ ...this.stats, ready: this.ready }) })
      // we were presumed dead and removed: come back (our claim, if any, was released, and is found gone below)
      if (n === 0) await w.insert(this.workerRow(now))
      const row = (await this.db(w.worker_name.eq(this.name)).select(w.status))[0]
      let claimGone = false
      if (current) {
        const tr = (await this.db(t.id.eq(current.claim.task.id)).select(t.status, t.run_id))[0]
        claimGone = !tr || tr.status === 'STOPPED' || Number(tr.run_id) !== current.claim.runId
      }
      return { status: (row?.status ?? 'ACTIVE') as WorkerStatus, claimGone }
    })
    this.status = status
    if (current && claimGone) current.handle.kill('STOPPED', 'stopped by stopTask (or its claim was released while this worker was presumed dead)')
    if (status === 'TERMINATE') this.stop()
    if (status === 'KILL') {
      if (current) {
        current.killedByCommand = true
        current.handle.kill('FAILED', `worker ${this.name} was killed`)
      }
      this.stop()
    }
    await this.housekeeping(now)
  }

  /** A silent worker that is still alive: of this machine, its process running, and not silent for hungAfterMs. */
  private stillAlive(row: any, now: number): boolean {
    const pid = Number(row.pid)
    if (row.host_name !== HOST || !Number.isInteger(pid) || pid <= 0) return false
    if ((toMs(row.last_heartbeat) ?? 0) < now - this.hungAfterMs) return false
    return processAlive(pid)
  }

  /** Queue again the tasks of workers silent for deadAfterMs (and not alive); expire queued tasks past their stop time. */
  private async housekeeping(now: number): Promise<void> {
    const w = this.db.scheduler_worker
    const t = this.db.scheduler_task
    const limit = now - this.deadAfterMs
    const silent = await this.db(w.last_heartbeat.lt(limit)).select()
    for (const row of silent) {
      if (this.stillAlive(row, now)) continue
      const name = row.worker_name as string
      const n = await this.step(async () => {
        // the death and the release in one transaction, and only while its heartbeat is still stale: a late one wins
        const gone = await this.db(w.id.eq(row.id).and(w.last_heartbeat.lt(limit))).delete()
        return gone ? this.releaseClaims(name, now, `worker ${name} stopped sending heartbeats; the task was queued again`) : 0
      })
      if (n) { this.stats.recovered += n; this.log(`[scheduler] ${this.name}: worker ${name} is dead; ${n} task(s) queued again`) }
    }
    await this.db(t.status.eq('QUEUED').and(t.stop_time.ne(null)).and(t.stop_time.lt(now))).update({ status: 'EXPIRED' })
  }

  /** Inside a step: queue again each task claimed by worker `name`, compare-and-set on its claim, and close its run as FAILED. */
  private async releaseClaims(name: string, now: number, reason: string): Promise<number> {
    const t = this.db.scheduler_task
    const r = this.db.scheduler_run
    const held = await this.db(t.assigned_worker_name.eq(name).and(t.status.belongs(OPEN))).select(t.id, t.run_id)
    let n = 0
    for (const task of held) {
      const claim = task.run_id === null || task.run_id === undefined ? t.run_id.eq(null) : t.run_id.eq(task.run_id)
      const k = await this.db(t.id.eq(task.id).and(claim).and(t.status.belongs(OPEN)))
        .update({ status: 'QUEUED', assigned_worker_name: '', run_id: null, next_run_time: now })
      if (k !== 1) continue
      n++
      if (task.run_id !== null && task.run_id !== undefined) {
        await this.db(r.id.eq(task.run_id).and(r.status.eq('RUNNING'))).update({ status: 'FAILED', stop_time: now, traceback: reason })
      }
    }
    return n
  }

  /** Due and free, as of `now`: the condition of both the candidate search and the claim's compare-and-set. */
  private due(now: number): any {
    const t = this.db.scheduler_task
    return t.status.eq('QUEUED').and(t.enabled.eq(true)).and(t.group_name.belongs(this.groups)).and(t.next_run_time.le(now))
      .and(t.stop_time.eq(null).or(t.stop_time.gt(now)))
  }

  /** Claim one due task and open its run; undefined when none is due (or other workers won them all). */
  private async claim(): Promise<Claim | undefined> {
    const now = Date.now()
    if (this.postgres) {
      return this.step(async () => {
        // the row is locked by this transaction and skipped by the others': workers never queue up on one task
        const ids = await this.db.executesql(
          'SELECT id FROM scheduler_task WHERE status = $1 AND enabled AND group_name = ANY($2) AND next_run_time <= $3 ' +
          'AND (stop_time IS NULL OR stop_time > $3) ORDER BY next_run_time, id LIMIT 1 FOR UPDATE SKIP LOCKED', ['QUEUED', this.groups, now])
        return ids.length ? this.take(Number(ids[0][0]), now) : undefined
      })
    }
    // a few candidates, so that workers racing for the first one find another
    const t = this.db.scheduler_task
    const candidates = await this.db(this.due(now)).select(t.id, { orderby: [t.next_run_time, t.id], limitby: [0, 5] })
    for (const c of candidates) {
      const claim = await this.step(() => this.take(Number(c.id), now))
      if (claim) return claim
    }
    return undefined
  }

  /** Inside a step: the compare-and-set that makes task `id` ours (the first statement: a write), then its run. */
  private async take(id: number, now: number): Promise<Claim | undefined> {
    const t = this.db.scheduler_task
    const r = this.db.scheduler_run
    const n = await this.db(t.id.eq(id).and(this.due(now))).update({ status: 'RUNNING', assigned_worker_name: this.name, last_run_time: now, run_id: null })
    if (n !== 1) return undefined
    const task = (await this.db(t.id.eq(id)).select())[0]
    const runId = Number(await r.insert({ task_id: id, status: 'RUNNING', start_time: now, worker_name: this.name, run_output: '' }))
    await this.db(t.id.eq(id)).update({ run_id: runId })
    return { task, runId, started: now }
  }

  private async execute(claim: Claim): Promise<void> {
    const { task } = claim
    let outcome: Outcome
    try {
      const handle = this.executor.run({
        functionName: task.function_name,
        args: parseJson(task.args, []) as unknown[],
        vars: parseJson(task.vars, {}) as Record<string, unknown>,
        timeoutMs: Number(task.timeout) * 1000,
      })
      const current = { claim, handle, killedByCommand: false }
      this.current = current
      outcome = await handle.promise
      this.current = undefined
      if (current.killedByCommand && outcome.status !== 'COMPLETED') return await this.record(claim, outcome, 'requeue')
    } catch (e) {
      // the task process could not be reached: the claim still ends with a run record
      this.current = undefined
      outcome = { status: 'FAILED', output: '', traceback: `the task process could not be started: ${(e as Error).message}` }
    }
    await this.record(claim, outcome, 'count')
  }

  /**
   * Store the run and move the task to its next state, if this worker's
   * claim still holds. A failed write (the database busy or away) is retried
   * until it commits or the claim is found gone: the heartbeat goes on
   * meanwhile, so the claim is not taken for dead, and the result is not lost.
   */
  private async record(claim: Claim, o: Outcome, mode: 'count' | 'requeue'): Promise<void> {
    const stopped = Date.now()
    const key = o.status.toLowerCase() as keyof Worker['stats']
    this.stats[key]++
    const next = mode === 'requeue'
      // the worker was killed, not the task: queue it again without counting a failure
      ? { status: 'QUEUED', assigned_worker_name: '', run_id: null, next_run_time: stopped }
      : this.nextState(claim, o, stopped)
    const run = { status: o.status, stop_time: stopped, run_output: o.output.slice(0, MAX_STORED_OUTPUT), run_result: o.result ?? null, traceback: o.traceback ?? null }
    for (let attempt = 1; ; attempt++) {
      try {
        const written = await this.step(() => this.writeRecord(claim, o, next, run))
        if (!written) this.log(`[scheduler] ${this.name}: task ${claim.task.id} was no longer ours when its run ended (${o.status}); nothing recorded`)
        return
      } catch (e) {
        this.log(`[scheduler] ${this.name}: recording the run of task ${claim.task.id} failed (attempt ${attempt}): ${(e as Error).message}`)
        await new Promise((res) => setTimeout(res, Math.min(200 * attempt, 5000)))
      }
    }
  }

  /** Inside a step: false when the claim is gone (released to another worker: the run was closed by whoever released it). */
  private async writeRecord(claim: Claim, o: Outcome, next: Record<string, unknown>, run: Record<string, unknown>): Promise<boolean> {
    const t = this.db.scheduler_task
    const r = this.db.scheduler_run
    const ours = t.id.eq(claim.task.id).and(t.run_id.eq(claim.runId))
    if (await this.db(ours.and(t.status.eq('RUNNING'))).update(next) === 1) {
      await this.db(r.id.eq(claim.runId)).update(run)
      return true
    }
    // stopped by stopTask while it ran: the task stays STOPPED; its run is closed as it ended (counted if it completed)
    const release: Record<string, unknown> = { run_id: null }
    if (o.status === 'COMPLETED') release.times_run = Number(claim.task.times_run) + 1
    if (await this.db(ours.and(t.status.eq('STOPPED'))).update(release) === 1) {
      await this.db(r.id.eq(claim.runId)).update(run)
      return true
    }
    return false
  }

  /**
   * The task's state after this run. Computed from the row read at the claim:
   * nobody else writes those fields while the claim holds, and the write is
   * conditional on it.
   */
  private nextState({ task, started }: Claim, o: Outcome, stopped: number): Record<string, unknown> {
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
    update.run_id = null
    return update
  }
}
