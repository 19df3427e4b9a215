/**
 * An app's crontab (`applications/<app>/cron/crontab`), parsed into entries.
 *
 *   # minute hour day-of-month month day-of-week [user] task
 *   *\/5 * * * *   *myapp/default/cleanup/arg0?x=1   an action, run with the models, no HTTP
 *   0 3 * * mon    private/report.ts                 a script under the app, run with the models
 *   @reboot root   *myapp/default/warmup             the user column (web2py's) is accepted and ignored
 *
 * A line that does not parse is reported with its line number and skipped;
 * the other lines still run (one typo must not silence every job).
 */
import path from 'node:path'
import { isKeyword, parseSchedule, type CronSchedule } from './schedule'
import { QK_CRON_BAD_TASK } from './errors'
import { isQuarkError } from '../errors/index'

export type CronTask =
  | { kind: 'action'; app: string; controller: string; function: string; args: string[]; vars: Record<string, string> }
  | { kind: 'script'; app: string; /** relative to the app folder, posix separators */ script: string }

export interface CronEntry {
  /** 1-based line number in the crontab */
  line: number
  /** the line as written, trimmed */
  text: string
  /** stable identity across edits that only move lines: the text, plus #n for repeated identical lines */
  key: string
  schedule: CronSchedule
  task: CronTask
}

export interface CrontabError { line: number; text: string; message: string }

export interface Crontab { entries: CronEntry[]; errors: CrontabError[] }

const NAME = /^[A-Za-z_][\w]*$/
const APP_NAME = /^[A-Za-z0-9_][\w-]*$/

export function parseCrontab(text: string, app: string): Crontab {
  const entries: CronEntry[] = []
  const errors: CrontabError[] = []
  const seen = new Map<string, number>()
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    try {
      const { schedule, task } = parseLine(line, app)
      const n = (seen.get(line) ?? 0) + 1
      seen.set(line, n)
      entries.push({ line: i + 1, text: line, key: n === 1 ? line : `${line}#${n}`, schedule, task })
    } catch (e) {
      if (!isQuarkError(e)) throw e
      errors.push({ line: i + 1, text: line, message: e.message })
    }
  })
  return { entries, errors }
}

function parseLine(line: string, app: string): { schedule: CronSchedule; task: CronTask } {
  const tokens = line.split(/\s+/)
  const n = isKeyword(tokens[0]!) || tokens[0]!.startsWith('@') ? 1 : 5
  if (tokens.length <= n) throw new QK_CRON_BAD_TASK(line, 'no task after the schedule')
  const schedule = parseSchedule(tokens.slice(0, n).join(' '))
  let rest = tokens.slice(n)
  // web2py's crontabs carry a user column ("root"); it means nothing here
  if (rest.length === 2 && /^[A-Za-z_][\w-]*$/.test(rest[0]!)) rest = rest.slice(1)
  if (rest.length !== 1) throw new QK_CRON_BAD_TASK(rest.join(' '), 'expected one task (*app/controller/function or a script path)')
  return { schedule, task: parseTask(rest[0]!, app) }
}

export function parseTask(token: string, app: string): CronTask {
  if (token.startsWith('**')) throw new QK_CRON_BAD_TASK(token, '"**" (run without models) is not supported; use "*"')
  if (token.startsWith('*')) return parseAction(token, app)
  return parseScript(token, app)
}

function parseAction(token: string, app: string): CronTask {
  const [pathPart, query] = splitOnce(token.slice(1), '?')
  const parts = pathPart.split('/').filter((p) => p !== '')
  if (parts.length < 3) throw new QK_CRON_BAD_TASK(token, 'an action is *app/controller/function')
  const [taskApp, controller, fn, ...args] = parts as [string, string, string, ...string[]]
  if (!APP_NAME.test(taskApp)) throw new QK_CRON_BAD_TASK(token, `bad application name "${taskApp}"`)
  if (taskApp !== app) throw new QK_CRON_BAD_TASK(token, `a crontab runs only its own app's actions (this is ${app}'s crontab)`)
  if (!NAME.test(controller)) throw new QK_CRON_BAD_TASK(token, `bad controller name "${controller}"`)
  if (!NAME.test(fn)) throw new QK_CRON_BAD_TASK(token, `bad function name "${fn}"`)
  const vars: Record<string, string> = {}
  if (query) for (const [k, v] of new URLSearchParams(query)) vars[k] = v
  return { kind: 'action', app, controller, function: fn, args: args.map(decodeURIComponent), vars }
}

function parseScript(token: string, app: string): CronTask {
  let rel = token.replace(/\\/g, '/')
  // accept web2py's spelling applications/<app>/... relative to the site folder
  const prefix = `applications/${app}/`
  if (rel.startsWith(prefix)) rel = rel.slice(prefix.length)
  if (path.posix.isAbsolute(rel) || /^[A-Za-z]:/.test(rel)) throw new QK_CRON_BAD_TASK(token, 'a script path is relative to the app folder')
  const norm = path.posix.normalize(rel)
  if (norm === '..' || norm.startsWith('../')) throw new QK_CRON_BAD_TASK(token, 'a script must be inside the app folder')
  if (!/\.(ts|js|mjs|cjs)$/.test(norm)) throw new QK_CRON_BAD_TASK(token, 'a script is a .ts or .js file under the app (shell commands are not run)')
  return { kind: 'script', app, script: norm }
}

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep)
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)]
}

/** A short human label for logs: `*app/c/f` or the script path. */
export function describeTask(task: CronTask): string {
  return task.kind === 'action' ? `*${task.app}/${task.controller}/${task.function}${task.args.length ? '/' + task.args.join('/') : ''}` : task.script
}
