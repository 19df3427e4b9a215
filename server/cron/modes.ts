/**
 * The in-process cron modes.
 *
 * Hard (the default): a node-cron task ticks every second (pattern
 * overridable); each tick re-checks the crontabs (changes apply without a
 * restart) and starts the lines that fell due since the previous tick.
 * Soft: no timer; the server calls `tick()` after serving a request; ticks
 * closer than `minIntervalMs` do nothing, and due lines run in the
 * background so the request is never held up.
 *
 * Both only run while holding the cluster lock file, so among the processes
 * of a cluster exactly one runs cron; if that process dies, another takes
 * over on its next tick.
 */
import { createTask, type ScheduledTask } from 'node-cron'
import { CronRunner, type CronApp, type CronRunnerOptions } from './runner'
import { LockFile } from './lock'
import { nextRun } from './schedule'
import type { CronLease } from './leases'

export interface InProcessCronOptions extends CronRunnerOptions {
  /** the cluster lock file; without it this process runs cron unconditionally */
  lockFile?: string
  /** a lock not refreshed for this long is taken over (default 120 s) */
  lockStaleMs?: number
  /** a lease shared through a database or Redis (many machines); replaces the lock file */
  lease?: CronLease
}

abstract class InProcessCron {
  readonly runner: CronRunner
  protected readonly lock: LockFile | undefined
  readonly lease: CronLease | undefined
  protected lastCheck: Date
  private rebooted = false
  private stopped = false

  constructor(apps: CronApp[] | (() => CronApp[]), opts: InProcessCronOptions) {
    const lease = opts.lease
    this.runner = new CronRunner(apps, lease ? { ...opts, onRun: (r) => { opts.onRun?.(r); void lease.record(r) } } : opts)
    this.lease = opts.lease
    this.lock = opts.lockFile && !opts.lease ? new LockFile(opts.lockFile, { staleMs: opts.lockStaleMs }) : undefined
    this.lastCheck = this.runner.clock()
  }

  /** Whether this process is (now) the one that runs cron. */
  isLeader(): boolean { return this.lock ? this.lock.tryAcquire() : true }

  /** One check: start what fell due since the last one. Returns the number of runs started. */
  check(): number {
    if (this.stopped) return 0
    const now = this.runner.clock()
    const from = this.lastCheck
    // the window always advances, leader or not, so a process taking over does not replay history
    if (now.getTime() > from.getTime()) this.lastCheck = now
    if (!this.isLeader()) return 0
    let started = 0
    if (!this.rebooted) {
      this.rebooted = true
      for (const { app, entry } of this.runner.rebootEntries()) { void this.runner.run(app, entry); started++ }
    }
    if (now.getTime() > from.getTime()) started += this.runner.startDue(from, now).length
    return started
  }

  /**
   * One check under the shared lease: renew it (or take it over once expired) and, while it is ours,
   * claim each due occurrence (app, line, scheduled minute) in the shared store before running it.
   */
  async checkLeased(lease: CronLease): Promise<number> {
    if (this.stopped) return 0
    const now = this.runner.clock()
    const from = this.lastCheck
    if (now.getTime() > from.getTime()) this.lastCheck = now
    if (!(await lease.acquire()) || this.stopped) return 0
    let started = 0
    if (!this.rebooted) {
      this.rebooted = true
      for (const { app, entry } of this.runner.rebootEntries()) { void this.runner.run(app, entry); started++ }
    }
    if (now.getTime() <= from.getTime()) return started
    for (const { app, entry } of this.runner.due(from, now)) {
      const tick = nextRun(entry.schedule, from)
      if (!tick) continue
      if (!(await lease.claim(`${app.name}\0${entry.key}\0${tick.toISOString()}`))) continue
      void this.runner.run(app, entry, tick)
      started++
    }
    return started
  }

  /** check() or, under a lease, checkLeased(): never throws */
  protected checkAny(): number | Promise<number> {
    if (!this.lease) return this.check()
    return this.checkLeased(this.lease).catch((e: unknown) => { console.error('[cron] check failed:', e); return 0 })
  }

  /** Stop checking, wait for running jobs, give up the lock or the lease. */
  async stop(): Promise<void> {
    this.stopped = true
    await this.runner.idle()
    this.lock?.release()
    await this.lease?.release()
  }

  idle(): Promise<void> { return this.runner.idle() }
}

export class HardCron extends InProcessCron {
  private task: ScheduledTask | undefined
  private readonly pattern: string

  constructor(apps: CronApp[] | (() => CronApp[]), opts: InProcessCronOptions & { tickPattern?: string }) {
    super(apps, opts)
    this.pattern = opts.tickPattern ?? '* * * * * *'
  }

  start(): this {
    if (this.task) return this
    this.task = createTask(this.pattern, async () => {
      try { await this.checkAny() } catch (e) { console.error('[cron] hard cron check failed:', e) }
    }, { name: 'quark-cron', noOverlap: true })
    void this.task.start()
    // the first check runs @reboot lines at once rather than a second later
    void this.checkAny()
    return this
  }

  override async stop(): Promise<void> {
    const t = this.task
    this.task = undefined
    if (t) await t.destroy()
    await super.stop()
  }
}

export class SoftCron extends InProcessCron {
  private readonly minIntervalMs: number
  private lastTick = 0

  constructor(apps: CronApp[] | (() => CronApp[]), opts: InProcessCronOptions & { minIntervalMs?: number }) {
    super(apps, opts)
    this.minIntervalMs = opts.minIntervalMs ?? 5000
  }

  /** Called by the server after a request; cheap when called often. Never throws. */
  tick(): number {
    const t = Date.now()
    if (t - this.lastTick < this.minIntervalMs) return 0
    this.lastTick = t
    try {
      const r = this.checkAny()
      return typeof r === 'number' ? r : 0
    } catch (e) {
      console.error('[cron] soft cron check failed:', e)
      return 0
    }
  }
}
