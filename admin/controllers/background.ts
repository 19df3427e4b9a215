/**
 * Background work of an app, read-only (issue 9, point 5):
 *
 *   /admin/background/index/<app>   the crontab (bad lines with their line numbers), the latest cron
 *                                    runs (errors link to their ticket), and when the app's models
 *                                    define a Scheduler: its tasks, latest runs and workers.
 *
 * Cron is reached like adminlib/dbadminlib reach their rooms: a copy registered on globalThis
 * under Symbol.for('quark.cron') wins (a bundled server), else server/cron is loaded from the
 * checkout beside admin/. The scheduler's tables are read through the app's own databases
 * (dbadmin.withAppDatabases), so whatever DAL the app chose is the one read.
 */
import nodePath from 'node:path'
import { createRequire } from 'node:module'
import type * as Cron from '../../server/cron/index'
import { dbadminlib } from '../modules/dbadminlib'

function cronRoom(): typeof Cron {
  const g = globalThis as unknown as Record<symbol, typeof Cron | undefined>
  let lib = g[Symbol.for('quark.cron')]
  if (!lib) {
    const req = createRequire(nodePath.join(current.appFolder as string, '..', 'server', 'x.js'))
    lib = req('./cron/index.ts') as typeof Cron
    g[Symbol.for('quark.cron')] = lib
  }
  return lib
}

const RUNS_SHOWN = 50
const TASK_STATUSES = ['QUEUED', 'ASSIGNED', 'RUNNING', 'COMPLETED', 'FAILED', 'TIMEOUT', 'STOPPED', 'EXPIRED']
const CLIP = 400

/** Long text cut to `n` characters (the view escapes it). */
function clip(v: unknown, n = CLIP): string {
  const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v) ?? String(v)
  return s.length > n ? s.slice(0, n) + ` … (${s.length - n} more characters)` : s
}

/** A stored time (ms since the epoch, a number or a numeric string) as text; '' when unset. */
function when(v: unknown): string {
  if (v === null || v === undefined || v === '') return ''
  const ms = typeof v === 'number' ? v : Number(v)
  return Number.isFinite(ms) ? admin.shortTime(ms) : ''
}

interface SchedulerView {
  db: string
  tasks: { id: number; name: string; fn: string; group: string; status: string; timesRun: number; timesFailed: number; repeats: number; nextRun: string; lastRun: string; worker: string }[]
  runs: { id: number; taskId: number; status: string; start: string; stop: string; worker: string; result: string; traceback: string }[]
  workers: { name: string; status: string; firstHeartbeat: string; lastHeartbeat: string; groups: string }[]
  counts: Record<string, number>
}

/** The scheduler tables of every database of the app that has them (usually one). */
async function schedulers(app: { name: string; folder: string }): Promise<SchedulerView[]> {
  const { dbadmin } = dbadminlib
  return dbadmin.withAppDatabases(app.folder, app.name, async (a) => {
    const out: SchedulerView[] = []
    for (const [name, db] of a.dbs as Map<string, any>) {
      const tables = db.tables as string[]
      if (!['scheduler_task', 'scheduler_run', 'scheduler_worker'].every((t) => tables.includes(t))) continue
      const t = db.scheduler_task, r = db.scheduler_run, w = db.scheduler_worker
      const taskRows = [...await db(t.id.gt(0)).select({ orderby: t.id.desc(), limitby: [0, 200] })]
      const runRows = [...await db(r.id.gt(0)).select({ orderby: r.id.desc(), limitby: [0, RUNS_SHOWN] })]
      const workerRows = [...await db(w.id.gt(0)).select({ orderby: w.worker_name })]
      const counts: Record<string, number> = {}
      for (const status of TASK_STATUSES) {
        const n = await db(t.status.eq(status)).count()
        if (n) counts[status] = n
      }
      out.push({
        db: name, counts,
        tasks: taskRows.map((x: any) => ({
          id: Number(x.id), name: String(x.task_name ?? ''), fn: String(x.function_name ?? ''), group: String(x.group_name ?? ''),
          status: String(x.status ?? ''), timesRun: Number(x.times_run ?? 0), timesFailed: Number(x.times_failed ?? 0), repeats: Number(x.repeats ?? 1),
          nextRun: when(x.next_run_time), lastRun: when(x.last_run_time), worker: String(x.assigned_worker_name ?? ''),
        })),
        runs: runRows.map((x: any) => ({
          id: Number(x.id), taskId: Number(x.task_id), status: String(x.status ?? ''), start: when(x.start_time), stop: when(x.stop_time),
          worker: String(x.worker_name ?? ''), result: clip(x.run_result), traceback: clip(x.traceback),
        })),
        workers: workerRows.map((x: any) => ({
          name: String(x.worker_name ?? ''), status: String(x.status ?? ''), firstHeartbeat: when(x.first_heartbeat),
          lastHeartbeat: when(x.last_heartbeat), groups: clip(x.group_names, 120),
        })),
      })
    }
    return out
  })
}

export async function index() {
  const app = appOf()
  response.title = `Background work of ${app.name}`
  const cron = cronRoom()
  const crontab = cron.readCrontab(app.folder, app.name)
  const runs = cron.readRunLog(app.folder, RUNS_SHOWN).map((r) => ({
    time: when(Date.parse(r.startedAt)), task: r.task, line: r.line, durationMs: Math.round(r.durationMs),
    ok: r.ok, skipped: r.skipped ?? '', error: clip(r.error, 200),
    ticket: r.ticket ? adminUrl('errors', 'ticket', [app.name, r.ticket]) : '',
  }))
  // The models may be broken or need a database that is down: the cron part of the page still shows.
  let scheds: SchedulerView[] = []
  let schedError = ''
  try { scheds = await schedulers(app) } catch (e) { schedError = clip((e as Error)?.message ?? String(e), 300) }
  return {
    appName: app.name,
    entries: crontab.entries.map((e) => ({ line: e.line, text: e.text })),
    badLines: crontab.errors,
    runs, scheds, schedError,
    crumbs: [['Site', adminUrl('default')], [`Design of ${app.name}`, adminUrl('design', 'index', [app.name])], ['Background work', '']],
  }
}
