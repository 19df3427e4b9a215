/**
 * `quark cron`: external cron, for a system crontab line such as
 *   * * * * *  cd /srv/quark && ./quark cron -f .
 * Runs every app's due lines once, prints one line per run, and exits
 * non-zero when a job failed.
 */
import { runDueApps } from './external'
import { applicationsFolder, listApps } from './apps'
import { readLeaseConfig, makeLease, type CronLease } from './leases'
import { testClock } from './clock'
import { defaultRunTask } from './task'
import { QK_CRON_BAD_ARGS } from './errors'
import type { RunTask } from './runner'

export const CRON_USAGE = `usage: quark cron [-f <folder>] [-a <app>[,<app>...]]
  Run the crontab lines (applications/<app>/cron/crontab) that fell due since
  the last run, once, then exit. Meant for a system crontab calling it every minute.
  With a lease in applications/cron.json (database or Redis shared by several
  machines), each scheduled minute of a line runs on one machine only.
  -f, --folder <dir>   the site folder holding applications/ (default: the current folder)
  -a, --app <names>    only these apps (repeatable, or comma-separated)
  -h, --help           this help`

export interface CronCommandArgs { folder: string; apps: string[]; help: boolean }

export function parseCronArgs(argv: readonly string[]): CronCommandArgs {
  const out: CronCommandArgs = { folder: '.', apps: [], help: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    const value = () => {
      const v = argv[++i]
      if (v === undefined || v.startsWith('-')) throw new QK_CRON_BAD_ARGS(`${a} needs a value`)
      return v
    }
    if (a === '-f' || a === '--folder') out.folder = value()
    else if (a === '-a' || a === '--app') out.apps.push(...value().split(',').filter(Boolean))
    else if (a === '-h' || a === '--help') out.help = true
    else throw new QK_CRON_BAD_ARGS(`unknown argument "${a}"`)
  }
  return out
}

/** Returns the process exit code: 0 all ran, 1 a job failed, 2 bad arguments. */
export async function cronCommand(argv: readonly string[], opts: { runTask?: RunTask; out?: (line: string) => void } = {}): Promise<number> {
  const out = opts.out ?? ((l: string) => console.log(l))
  let args: CronCommandArgs
  try {
    args = parseCronArgs(argv)
  } catch (e) {
    out((e as Error).message)
    out(CRON_USAGE)
    return 2
  }
  if (args.help) { out(CRON_USAGE); return 0 }
  let apps
  let lease: CronLease | undefined
  try {
    apps = listApps(args.folder, args.apps)
    const config = readLeaseConfig(applicationsFolder(args.folder))
    if (config) lease = makeLease(config, applicationsFolder(args.folder))
  } catch (e) { out((e as Error).message); return 2 }
  try {
    const results = await runDueApps(apps, { runTask: opts.runTask ?? defaultRunTask, logger: out, clock: testClock(), lease })
    let failed = 0
    for (const r of results) {
      if (r.locked) out(`[cron] ${r.app}: skipped, another quark cron is running its jobs`)
      for (const c of r.claimedElsewhere) out(`[cron] ${r.app}: line ${c.line} (${c.tick}) already run by another process or machine`)
      failed += r.runs.filter((x) => !x.ok).length
    }
    return failed ? 1 : 0
  } finally {
    if (lease) {
      await lease.release()
      // the lease's database pool must not keep the command alive
      const { closeAllConnections } = require('../dal') as { closeAllConnections: () => Promise<void> }
      await closeAllConnections()
    }
  }
}
