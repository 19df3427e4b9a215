// Shared by the cron tests: a temporary site with apps and crontabs, and a runTask that records runs.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { CronApp, CronTask } from '../../server/cron/index'

export function makeSite(apps: Record<string, string>): { root: string; appsFolder: string; cleanup: () => void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-cron-'))
  const appsFolder = path.join(root, 'applications')
  for (const [name, crontab] of Object.entries(apps)) writeCrontab(path.join(appsFolder, name), crontab)
  return { root, appsFolder, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) }
}

export function writeCrontab(appFolder: string, text: string): void {
  fs.mkdirSync(path.join(appFolder, 'cron'), { recursive: true })
  const file = path.join(appFolder, 'cron', 'crontab')
  fs.writeFileSync(file, text)
  // make sure the change is seen even within the same mtime tick
  const t = new Date(Date.now() + Math.floor(Math.random() * 1000))
  fs.utimesSync(file, t, t)
}

export interface RecordedRun { app: string; task: string; start: number; end: number }

/** A real runTask: records each run's start and end; `*x/default/fail` throws, `slow` waits `slowMs`. */
export function recorder(slowMs = 0) {
  const runs: RecordedRun[] = []
  const runTask = async (app: CronApp, task: CronTask) => {
    const name = task.kind === 'action' ? task.function : task.script
    const r: RecordedRun = { app: app.name, task: name, start: Date.now(), end: 0 }
    runs.push(r)
    try {
      if (name === 'slow') await new Promise((res) => setTimeout(res, slowMs))
      if (name === 'fail') throw new Error('job failed on purpose')
      return 'done'
    } finally {
      r.end = Date.now()
    }
  }
  return { runs, runTask }
}

export const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms))

/** A clock that starts at `start` and runs `speed` times faster than real time. */
export function fastClock(start: Date, speed: number): () => Date {
  const t0 = Date.now()
  return () => new Date(start.getTime() + (Date.now() - t0) * speed)
}
