/**
 * A scheduler worker: claims due tasks, runs each in a child process
 * (ChildExecutor), records the run, heartbeats, and recovers the tasks of
 * workers that stopped heartbeating.
 *
 * Exactly once: a task gets only the runs it is owed. Every change of its
 * state is a compare-and-set made in one transaction with its run record
 * (claims.ts): the claim is conditional on the task being QUEUED *and due*,
 * and stores the id of the run it opens in scheduler_task.run_id; the run's
 * result is written only while that claim holds; a dead worker's claims are
 * released by compare-and-set on it, in the same transaction that deletes
 * the dead worker's row, and only if its heartbeat is still stale (a late
 * heartbeat wins). A worker whose claim was released finds it gone: its next
 * heartbeat kills the run and nothing of the run's end is written.
 *
 * A late heartbeat is not death. A worker of this machine whose process is
 * alive keeps its claims however late its heartbeat (a loaded machine, a
 * long GC, a busy SQLite lock delay it), up to hungAfterMs; a worker of
 * another machine, or whose process is gone, is dead after deadAfterMs.
 *
 * Transactions: on PostgreSQL the candidate is picked with SELECT ... FOR
 * UPDATE SKIP LOCKED inside the claim's transaction, so concurrent workers
 * take different tasks instead of waiting on one row. On SQLite the first
 * statement of every step is a write, so its transaction takes the write
 * lock at once (busy_timeout applies), where a deferred transaction that
 * read first and wrote later could fail with SQLITE_BUSY between processes;
 * the reads that only choose what to try (candidates, silent workers) run
 * outside transactions.
 *
 * The heartbeat runs on its own timer, never queued behind a task or a
 * claim, so a busy worker is not mistaken for a dead one.
 */
import os from 'node:os'
import { ChildExecutor, type Outcome, type RunHandle } from './executor'
import { toMs, type Db, type WorkerStatus } from './tables'
import { parseJson, type Scheduler } from './scheduler'
import type { TaskSource } from './source'
import { dueQuery, nextState, recordRun, releaseClaims, requeueState, takeTask, WAITING_ON_PARENTS_SQL, type Claim } from './claims'

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

const HOST = os.hostname()

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
  /** set when the loop ended because the scheduler said TERMINATE or KILL: a supervisor must not restart it */
  retiredBy: 'TERMINATE' | 'KILL' | undefined
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
  private async step<R>(fn: () => Promise<R>): Promise<R> {
    // A deadlock (InnoDB's gap locks when several workers register at once; PostgreSQL's 40P01) has
    // rolled the whole transaction back: the server asks to run it again, and fn is that whole transaction.
    for (let attempt = 1; ; attempt++) {
      try {
        return await (this.db.transaction(fn) as Promise<R>)
      } catch (e) {
        const text = `${(e as Error)?.message ?? ''} ${((e as { cause?: Error }).cause)?.message ?? ''}`
        if (attempt >= 5 || !/Deadlock found when trying to get lock|deadlock detected/i.test(text)) throw e
        await new Promise((r) => setTimeout(r, 20 * attempt + Math.floor(Math.random() * 30)))
      }
    }
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
      return releaseClaims(this.db, this.name, now, `worker ${this.name} was restarted; the task was queued again`)
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
    if (status === 'TERMINATE') { this.retiredBy ??= 'TERMINATE'; this.stop() }
    if (status === 'KILL') {
      this.retiredBy = 'KILL'
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
        return gone ? releaseClaims(this.db, name, now, `worker ${name} stopped sending heartbeats; the task was queued again`) : 0
      })
      if (n) { this.stats.recovered += n; this.log(`[scheduler] ${this.name}: worker ${name} is dead; ${n} task(s) queued again`) }
    }
    await this.db(t.status.eq('QUEUED').and(t.stop_time.ne(null)).and(t.stop_time.lt(now))).update({ status: 'EXPIRED' })
  }

  /** Claim one due task and open its run; undefined when none is due (or other workers won them all). */
  private async claim(): Promise<Claim | undefined> {
    const now = Date.now()
    if (this.postgres) {
      return this.step(async () => {
        // the row is locked by this transaction and skipped by the others': workers never queue up on one task
        const ids = await this.db.executesql(
          'SELECT id FROM scheduler_task WHERE status = $1 AND enabled AND group_name = ANY($2) AND next_run_time <= $3 ' +
          `AND (stop_time IS NULL OR stop_time > $3) AND ${WAITING_ON_PARENTS_SQL} ORDER BY next_run_time, id LIMIT 1 FOR UPDATE SKIP LOCKED`, ['QUEUED', this.groups, now])
        return ids.length ? takeTask(this.db, Number(ids[0][0]), this.name, this.groups, now) : undefined
      })
    }
    // a few candidates, so that workers racing for the first one find another
    const t = this.db.scheduler_task
    const candidates = await this.db(dueQuery(this.db, this.groups, now)).select(t.id, { orderby: [t.next_run_time, t.id], limitby: [0, 5] })
    for (const c of candidates) {
      const claim = await this.step(() => takeTask(this.db, Number(c.id), this.name, this.groups, now))
      if (claim) return claim
    }
    return undefined
  }

  private async execute(claim: Claim): Promise<void> {
    const { task } = claim
    let outcome: Outcome
    let killedByCommand = false
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
      killedByCommand = current.killedByCommand
    } catch (e) {
      // the task process could not be reached: the claim still ends with a run record
      outcome = { status: 'FAILED', output: '', traceback: `the task process could not be started: ${(e as Error).message}` }
    } finally {
      this.current = undefined
    }
    // a run that completed before the worker was killed counts; one cut short by the kill is queued again
    await this.record(claim, outcome, killedByCommand && outcome.status !== 'COMPLETED' ? 'requeue' : 'count')
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
    const next = mode === 'requeue' ? requeueState(stopped) : nextState(claim, o, stopped, this.name)
    for (let attempt = 1; ; attempt++) {
      try {
        const written = await this.step(() => recordRun(this.db, claim, o, stopped, next))
        if (!written) this.log(`[scheduler] ${this.name}: task ${claim.task.id} was no longer ours when its run ended (${o.status}); nothing recorded`)
        return
      } catch (e) {
        this.log(`[scheduler] ${this.name}: recording the run of task ${claim.task.id} failed (attempt ${attempt}): ${(e as Error).message}`)
        await new Promise((res) => setTimeout(res, Math.min(200 * attempt, 5000)))
      }
    }
  }
}
