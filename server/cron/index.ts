/**
 * Cron: recurring jobs per app from applications/<app>/cron/crontab.
 *
 * Public surface:
 *   startCron(folder, apps?, { mode })  - the server's start hook: 'hard' (default), 'soft', 'external', 'none';
 *                                         returns { mode, tick(), stop() }; call tick() after each request (soft)
 *   cronCommand(argv)                   - `quark cron -f <folder> [-a app]`: run what is due once, exit code
 *   cronCli                             - the same as an entry of the cli's COMMANDS table
 *   runDueOnce(folder, opts?)           - the same, as a function
 *   parseCrontab, parseSchedule, nextRun, isDue, matches - the parsers and the next-run calculator
 *   CronRunner, HardCron, SoftCron, LockFile            - the runners, with an injectable runTask and clock
 *   readLeaseConfig, makeLease, CronLease               - the lease shared through a database or Redis (applications/cron.json)
 *   readRunLog(appFolder), readCrontab(appFolder, app) - the app's recent runs and its parsed crontab (admin IDE)
 *   defaultRunTask                      - runs a task with the app's models through environment's runInApp
 */
import fs from 'node:fs'
import path from 'node:path'
import { parseCrontab } from './crontab'
import { crontabPath } from './files'
import { HardCron, SoftCron, type InProcessCronOptions } from './modes'
import { runDueApps, type ExternalResult } from './external'
import { applicationsFolder, listApps } from './apps'
import type { CronApp, CronRunnerOptions, RunTask } from './runner'
import { QK_CRON_BAD_MODE } from './errors'
import { defaultRunTask } from './task'
import { readLeaseConfig, makeLease } from './leases'
import { testClock } from './clock'

export { parseCrontab, parseTask, describeTask } from './crontab'
export type { CronEntry, CronTask, Crontab, CrontabError } from './crontab'
export { parseSchedule, nextRun, isDue, matches } from './schedule'
export type { CronSchedule } from './schedule'
export { CronRunner } from './runner'
export type { CronApp, RunTask, CronRunnerOptions } from './runner'
export { HardCron, SoftCron } from './modes'
export { LockFile, pidAlive } from './lock'
export { readLeaseConfig, makeLease, type CronLease, type LeaseConfig } from './leases'
export { readRunLog, readState, crontabPath, statePath, logPath } from './files'
export type { CronRunRecord, CronState } from './files'
export { listApps, applicationsFolder } from './apps'
export type { ExternalResult } from './external'
export { defaultRunTask } from './task'
export { cronCommand, parseCronArgs, CRON_USAGE } from './command'
export { cronCli } from './cli'
export * as cronErrors from './errors'

export type CronMode = 'hard' | 'soft' | 'external' | 'none'

export interface CronHandle {
  readonly mode: CronMode
  /** soft mode: check (rate-limited) after a request; no-op in the other modes */
  tick(): void
  /** stop the timer, wait for running jobs, release the cluster lock */
  stop(): Promise<void>
}

export interface StartCronOptions extends Partial<Omit<InProcessCronOptions, 'lockFile'>> {
  mode?: CronMode
  /** soft mode: minimum time between two checks (default 5 s) */
  minIntervalMs?: number
}

/**
 * Start cron for the server (every process of a cluster may call it: a lock
 * file in the applications folder lets exactly one of them run the jobs).
 * `apps`: names to run; empty or undefined means every app, re-listed on
 * each check so newly installed apps are included.
 */
export function startCron(folder: string, apps: readonly string[] | undefined, opts: StartCronOptions = {}): CronHandle {
  const mode = opts.mode ?? 'hard'
  if (!['hard', 'soft', 'external', 'none'].includes(mode)) throw new QK_CRON_BAD_MODE(mode)
  if (mode === 'external' || mode === 'none') return { mode, tick() {}, stop: async () => {} }
  const root = applicationsFolder(folder)
  const appsSource = () => listApps(root, apps)
  const leaseConfig = opts.lease ? undefined : readLeaseConfig(root)
  const runnerOpts: InProcessCronOptions = {
    ...opts,
    clock: opts.clock ?? testClock(),
    runTask: opts.runTask ?? defaultRunTask,
    lockFile: path.join(root, '.cron.lock'),
    lease: opts.lease ?? (leaseConfig ? makeLease(leaseConfig, root) : undefined),
  }
  if (mode === 'soft') {
    const soft = new SoftCron(appsSource, { ...runnerOpts, minIntervalMs: opts.minIntervalMs })
    return { mode, tick: () => { soft.tick() }, stop: () => soft.stop() }
  }
  const hard = new HardCron(appsSource, runnerOpts).start()
  return { mode, tick() {}, stop: () => hard.stop() }
}

/** An app's crontab as parsed now (entries and bad lines), for the admin IDE. */
export function readCrontab(appFolder: string, appName: string): import('./crontab').Crontab {
  let text = ''
  try { text = fs.readFileSync(crontabPath(appFolder), 'utf8') } catch { /* no crontab */ }
  return parseCrontab(text, appName)
}

export interface RunDueOnceOptions extends Partial<CronRunnerOptions> {
  apps?: readonly string[]
}

/** External mode: run what fell due since the last recorded run of each app, once. */
export async function runDueOnce(folder: string, opts: RunDueOnceOptions = {}): Promise<ExternalResult[]> {
  const apps: CronApp[] = listApps(folder, opts.apps)
  const runTask: RunTask = opts.runTask ?? defaultRunTask
  return runDueApps(apps, { ...opts, runTask })
}

// The admin's background page (admin/controllers/background.ts) looks for this room here first:
// a bundled server has no .ts files beside admin/ to load.
import * as surface from './index'
;(globalThis as unknown as Record<symbol, unknown>)[Symbol.for('quark.cron')] ??= surface
