/**
 * External cron (`quark cron`, for a system crontab): run what fell due
 * since the last recorded check, once, and return. The last check and each
 * line's last run are kept in <app>/cron/cron.state.json, written
 * atomically; a run that was missed (the machine was off, the system cron
 * skipped a minute) runs once on the next call instead of being lost.
 *
 * A per-app lock file means two overlapping invocations never run the same
 * app's jobs at once; the second one skips that app and reports it.
 */
import path from 'node:path'
import { CronRunner, type CronApp, type CronRunnerOptions } from './runner'
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
}

/** Run each app's due lines once; resolves when all have finished. */
export async function runDueApps(apps: CronApp[], opts: CronRunnerOptions): Promise<ExternalResult[]> {
  const results: ExternalResult[] = []
  for (const app of apps) results.push(await runDueApp(app, opts))
  return results
}

async function runDueApp(app: CronApp, opts: CronRunnerOptions): Promise<ExternalResult> {
  const runs: CronRunRecord[] = []
  const runner = new CronRunner([app], { ...opts, onRun: (r) => { runs.push(r); opts.onRun?.(r) } })
  const crontab = runner.crontab(app)
  const result: ExternalResult = { app: app.name, runs, badLines: crontab.errors, locked: false }
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
    const records = await Promise.all(due.map(({ entry }) => runner.run(app, entry).then((r) => ({ key: entry.key, r }))))
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
  }
  return result
}
