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

export interface InProcessCronOptions extends CronRunnerOptions {
  /** the cluster lock file; without it this process runs cron unconditionally */
  lockFile?: string
  /** a lock not refreshed for this long is taken over (default 120 s) */
  lockStaleMs?: number
}

abstract class InProcessCron {
  readonly runner: CronRunner
  protected readonly lock: LockFile | undefined
  protected lastCheck: Date
  private rebooted = false
  private stopped = false

  constructor(apps: CronApp[] | (() => CronApp[]), opts: InProcessCronOptions) {
    this.runner = new CronRunner(apps, opts)
    this.lock = opts.lockFile ? new LockFile(opts.lockFile, { staleMs: opts.lockStaleMs }) : undefined
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

  /** Stop checking, wait for running jobs, give up the lock. */
  async stop(): Promise<void> {
    this.stopped = true
    await this.runner.idle()
    this.lock?.release()
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
    this.task = createTask(this.pattern, () => {
      try { this.check() } catch (e) { console.error('[cron] hard cron check failed:', e) }
    }, { name: 'quark-cron', noOverlap: true })
    void this.task.start()
    // the first check runs @reboot lines at once rather than a second later
    this.check()
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
      return this.check()
    } catch (e) {
      console.error('[cron] soft cron check failed:', e)
      return 0
    }
  }
}
