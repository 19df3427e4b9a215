/**
 * The part every cron mode shares: read each app's crontab (again whenever
 * the file changes, so edits apply without a restart), decide which lines
 * fell due in a window of time, and run them through the injected
 * `runTask` without ever letting a line overlap its own previous run.
 * Each run is logged with its duration (console and the app's cron.log).
 */
import fs from 'node:fs'
import os from 'node:os'
import { parseCrontab, describeTask, type CronEntry, type CronTask, type Crontab, type CrontabError } from './crontab'
import { isDue } from './schedule'
import { appendRunLog, crontabPath, type CronRunRecord } from './files'

const HOST = os.hostname()

export interface CronApp { name: string; folder: string }

/** Runs one task of one app; resolves when it is done, rejects when it failed. */
export type RunTask = (app: CronApp, task: CronTask) => Promise<unknown>

export interface CronRunnerOptions {
  runTask: RunTask
  /** the time source; tests pass a fake clock */
  clock?: () => Date
  /** one line per run and per bad crontab line; defaults to console.log */
  logger?: (message: string) => void
  /** called with each run's record after it ends (tests, admin live view) */
  onRun?: (record: CronRunRecord) => void
  /** write runs to <app>/cron/cron.log (default true) */
  writeLog?: boolean
}

interface CachedCrontab { signature: string; crontab: Crontab }

export class CronRunner {
  private readonly appsSource: () => CronApp[]
  private readonly opts: CronRunnerOptions
  private readonly cache = new Map<string, CachedCrontab>()
  private readonly running = new Map<string, Promise<CronRunRecord>>()
  readonly clock: () => Date
  private readonly logger: (message: string) => void

  constructor(apps: CronApp[] | (() => CronApp[]), opts: CronRunnerOptions) {
    this.appsSource = typeof apps === 'function' ? apps : () => apps
    this.opts = opts
    this.clock = opts.clock ?? (() => new Date())
    this.logger = opts.logger ?? ((m) => console.log(m))
  }

  apps(): CronApp[] { return this.appsSource() }

  /**
   * The app's crontab, re-parsed only when the file's mtime, size or inode
   * changed. Bad lines are reported once per change, not on every check.
   */
  crontab(app: CronApp): Crontab {
    const file = crontabPath(app.folder)
    let signature = 'missing'
    try {
      const st = fs.statSync(file)
      signature = `${st.mtimeMs}:${st.size}:${st.ino}`
    } catch { /* no crontab: no jobs */ }
    const hit = this.cache.get(app.folder)
    if (hit && hit.signature === signature) return hit.crontab
    let crontab: Crontab = { entries: [], errors: [] }
    if (signature !== 'missing') {
      try { crontab = parseCrontab(fs.readFileSync(file, 'utf8'), app.name) } catch { /* vanished between stat and read */ }
    }
    for (const err of crontab.errors) this.reportBadLine(app, err)
    this.cache.set(app.folder, { signature, crontab })
    return crontab
  }

  private reportBadLine(app: CronApp, err: CrontabError): void {
    this.logger(`[cron] ${app.name}: crontab line ${err.line} skipped: ${err.message}`)
  }

  /** Entries of every app due in (from, to]; @reboot lines never are. */
  due(from: Date, to: Date): Array<{ app: CronApp; entry: CronEntry }> {
    const out: Array<{ app: CronApp; entry: CronEntry }> = []
    for (const app of this.apps()) {
      for (const entry of this.crontab(app).entries) {
        if (!entry.schedule.reboot && isDue(entry.schedule, from, to)) out.push({ app, entry })
      }
    }
    return out
  }

  /** The @reboot entries of every app. */
  rebootEntries(): Array<{ app: CronApp; entry: CronEntry }> {
    const out: Array<{ app: CronApp; entry: CronEntry }> = []
    for (const app of this.apps()) for (const entry of this.crontab(app).entries) if (entry.schedule.reboot) out.push({ app, entry })
    return out
  }

  /** Whether this entry's previous run is still going. */
  isRunning(app: CronApp, entry: CronEntry): boolean { return this.running.has(runKey(app, entry)) }

  /**
   * Run one entry unless its previous run is still going (then the run is
   * skipped and logged as such: a job never overlaps itself).
   */
  run(app: CronApp, entry: CronEntry, tick?: Date): Promise<CronRunRecord> {
    const key = runKey(app, entry)
    if (this.running.has(key)) {
      const record = this.record(app, entry, new Date(), 0, true, undefined, 'overlap')
      if (tick) record.tick = tick.toISOString()
      this.logger(`[cron] ${app.name}: ${describeTask(entry.task)} (line ${entry.line}) skipped: previous run still going`)
      this.finish(app, record)
      return Promise.resolve(record)
    }
    const p = this.execute(app, entry, tick).finally(() => this.running.delete(key))
    this.running.set(key, p)
    return p
  }

  private async execute(app: CronApp, entry: CronEntry, tick?: Date): Promise<CronRunRecord> {
    const started = new Date()
    const t0 = performance.now()
    let ok = true
    let error: string | undefined
    let ticket: string | undefined
    try {
      await this.opts.runTask(app, entry.task)
    } catch (e) {
      ok = false
      error = e instanceof Error ? e.message : String(e)
      const t = (e as { ticket?: unknown } | null)?.ticket
      if (t !== undefined && t !== null) ticket = String(t)
    }
    const durationMs = Math.round((performance.now() - t0) * 10) / 10
    const record = this.record(app, entry, started, durationMs, ok, error)
    if (ticket) record.ticket = ticket
    if (tick) record.tick = tick.toISOString()
    this.logger(`[cron] ${app.name}: ${describeTask(entry.task)} (line ${entry.line}) ${ok ? 'ok' : 'FAILED: ' + error + (ticket ? ` (ticket ${ticket})` : '')} in ${durationMs} ms`)
    this.finish(app, record)
    return record
  }

  private record(app: CronApp, entry: CronEntry, started: Date, durationMs: number, ok: boolean, error?: string, skipped?: 'overlap'): CronRunRecord {
    const r: CronRunRecord = { app: app.name, line: entry.line, task: describeTask(entry.task), startedAt: started.toISOString(), durationMs, ok, pid: process.pid, host: HOST }
    if (error !== undefined) r.error = error
    if (skipped) r.skipped = skipped
    return r
  }

  private finish(app: CronApp, record: CronRunRecord): void {
    if (this.opts.writeLog !== false) appendRunLog(app.folder, record)
    this.opts.onRun?.(record)
  }

  /** Start every entry due in (from, to] in the background; returns their promises. */
  startDue(from: Date, to: Date): Promise<CronRunRecord>[] {
    return this.due(from, to).map(({ app, entry }) => this.run(app, entry))
  }

  /** Resolves when no run is in progress (graceful shutdown, tests). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running.values()])
  }

  get busy(): number { return this.running.size }
}

function runKey(app: CronApp, entry: CronEntry): string { return `${app.folder}\0${entry.key}` }
