/**
 * External cron (`quark cron`, for a system crontab): run what fell due
 * since the last recorded check, once, and return. The last check and each
 * line's last run are kept in <app>/cron/cron.state.json, written
 * atomically; a run that was missed (the machine was off, the system cron
 * skipped a minute) runs once on the next call instead of being lost.
 *
 * A per-app lock file means two overlapping invocations never run the same
 * app's jobs at once; the second one skips that app and reports it.
 *
 * Many machines (applications/cron.json names a lease, see leases.ts): each
 * machine's system crontab calls `quark cron`, and each due line's latest
 * scheduled minute is claimed in the shared database or Redis before it runs,
 * with the same key the in-process runners use, so a minute runs once across
 * every machine and mode; finished runs are recorded in the same store.
 */
import path from 'node:path'
import { CronRunner, type CronApp, type CronRunnerOptions } from './runner'
import { nextRun, type CronSchedule } from './schedule'
import type { CronLease } from './leases'
import { readState, writeState, type CronRunRecord } from './files'
import type { CrontabError } from './crontab'
import { LockFile } from './lock'

export interface ExternalResult {
  app: string
  /** runs done, in the order they finished */
  runs: CronRunRecord[]
  /** crontab lines that were skipped because they do not parse */
  badLines: CrontabError[]
  /** true when another process held this app's cron lock */
  locked: boolean
  /** lines whose scheduled minute another process or machine had already claimed (shared lease only) */
  claimedElsewhere: Array<{ line: number; tick: string }>
}

export interface ExternalOptions extends CronRunnerOptions {
  /** the lease shared by every machine (applications/cron.json): occurrences are claimed in it, runs recorded */
  lease?: CronLease
}

/** The last occurrence of `s` in (from, to], or null. */
export function latestOccurrence(s: CronSchedule, from: Date, to: Date): Date | null {
  let last: Date | null = null
  // bounded: a machine off for a long time still costs at most this many steps (then the latest found is used)
  for (let t = nextRun(s, from), i = 0; t && t.getTime() <= to.getTime() && i < 600_000; t = nextRun(s, t), i++) last = t
  return last
}

/** Run each app's due lines once; resolves when all have finished. */
export async function runDueApps(apps: CronApp[], opts: ExternalOptions): Promise<ExternalResult[]> {
  const results: ExternalResult[] = []
  for (const app of apps) results.push(await runDueApp(app, opts))
  return results
}

async function runDueApp(app: CronApp, opts: ExternalOptions): Promise<ExternalResult> {
  const runs: CronRunRecord[] = []
  const lease = opts.lease
  const recorded: Array<Promise<void>> = []
  const runner = new CronRunner([app], { ...opts, onRun: (r) => { runs.push(r); opts.onRun?.(r); if (lease) recorded.push(lease.record(r)) } })
  const crontab = runner.crontab(app)
  const result: ExternalResult = { app: app.name, runs, badLines: crontab.errors, locked: false, claimedElsewhere: [] }
  if (!crontab.entries.length) return result
  const lock = new LockFile(path.join(app.folder, 'cron', 'cron.lock'))
  if (!lock.tryAcquire()) {
    result.locked = true
    return result
  }
  // keep the lock fresh while long jobs run, so it is never judged stale
  const refresh = setInterval(() => lock.tryAcquire(), Math.max(1000, lock.staleMs / 4))
  refresh.unref()
  try {
    const state = readState(app.folder)
    const now = runner.clock()
    // first call ever: the window is the current minute
    const from = state.lastCheck ? new Date(state.lastCheck) : new Date(Math.floor(now.getTime() / 60_000) * 60_000 - 1)
    state.lastCheck = now.toISOString()
    writeState(app.folder, state)
    const due = runner.due(from, now)
    const started: Array<Promise<{ key: string; r: CronRunRecord }>> = []
    for (const { entry } of due) {
      let tick: Date | undefined
      if (lease) {
        // every machine computes the same latest minute: the first to claim it runs it
        tick = latestOccurrence(entry.schedule, from, now) ?? undefined
        if (!tick) continue
        if (!(await lease.claim(`${app.name}\0${entry.key}\0${tick.toISOString()}`))) {
          result.claimedElsewhere.push({ line: entry.line, tick: tick.toISOString() })
          continue
        }
      }
      started.push(runner.run(app, entry, tick).then((r) => ({ key: entry.key, r })))
    }
    const records = await Promise.all(started)
    const latest = readState(app.folder)
    // forget lines that are no longer in the crontab, so the state file does not grow with every edit
    const keys = new Set(crontab.entries.map((e) => e.key))
    for (const k of Object.keys(latest.runs)) if (!keys.has(k)) delete latest.runs[k]
    for (const { key, r } of records) {
      latest.runs[key] = { startedAt: r.startedAt, durationMs: r.durationMs, ok: r.ok, ...(r.error !== undefined ? { error: r.error } : {}) }
    }
    writeState(app.folder, latest)
  } finally {
    clearInterval(refresh)
    lock.release()
    await Promise.all(recorded)
  }
  return result
}
