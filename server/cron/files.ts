/**
 * The cron room's files inside an app: `cron/crontab` (read), and the files
 * the runners write, `cron/cron.state.json` (last runs, written atomically)
 * and `cron/cron.log` (one JSON line per run, read by the admin IDE).
 */
import fs from 'node:fs'
import path from 'node:path'

export const crontabPath = (appFolder: string) => path.join(appFolder, 'cron', 'crontab')
export const statePath = (appFolder: string) => path.join(appFolder, 'cron', 'cron.state.json')
export const logPath = (appFolder: string) => path.join(appFolder, 'cron', 'cron.log')

/** What the external (and soft) runner remembers between runs. */
export interface CronState {
  /** the end of the last window checked: lines due after this and up to now run next time */
  lastCheck?: string
  /** per entry key: its last run */
  runs: Record<string, { startedAt: string; durationMs: number; ok: boolean; error?: string }>
}

export function readState(appFolder: string): CronState {
  try {
    const data = JSON.parse(fs.readFileSync(statePath(appFolder), 'utf8')) as Partial<CronState>
    return { lastCheck: typeof data.lastCheck === 'string' ? data.lastCheck : undefined, runs: data.runs && typeof data.runs === 'object' ? data.runs : {} }
  } catch {
    // missing or torn by hand: start afresh rather than refuse to run
    return { runs: {} }
  }
}

/** Write-then-rename, so a crash never leaves a half-written state file. */
export function writeState(appFolder: string, state: CronState): void {
  writeFileAtomic(statePath(appFolder), JSON.stringify(state, null, 1))
}

export function writeFileAtomic(file: string, data: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
  fs.writeFileSync(tmp, data)
  fs.renameSync(tmp, file)
}

/** One run of one crontab line, as logged. */
export interface CronRunRecord {
  app: string
  line: number
  task: string
  startedAt: string
  durationMs: number
  ok: boolean
  error?: string
  /** the ticket stored for the error (runs through runInApp) */
  ticket?: string
  /** set when the run did not happen because the previous run of the same line was still going */
  skipped?: 'overlap'
  pid: number
  /** the machine that ran it */
  host?: string
  /** the scheduled minute this run is for (runs under a shared lease) */
  tick?: string
}

const MAX_LOG_BYTES = 1024 * 1024

/** Append a run to the app's cron.log, rotating it to cron.log.1 past 1 MB so it never grows without bound. */
export function appendRunLog(appFolder: string, record: CronRunRecord): void {
  const file = logPath(appFolder)
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    try {
      if (fs.statSync(file).size > MAX_LOG_BYTES) fs.renameSync(file, `${file}.1`)
    } catch { /* no log yet */ }
    fs.appendFileSync(file, JSON.stringify(record) + '\n')
  } catch {
    // logging must never stop a job from running
  }
}

/** The most recent runs first, for the admin IDE. */
export function readRunLog(appFolder: string, limit = 200): CronRunRecord[] {
  let text = ''
  try { text = fs.readFileSync(logPath(appFolder), 'utf8') } catch { return [] }
  const out: CronRunRecord[] = []
  for (const line of text.split('\n').reverse()) {
    if (!line) continue
    try { out.push(JSON.parse(line) as CronRunRecord) } catch { continue }
    if (out.length >= limit) break
  }
  return out
}
