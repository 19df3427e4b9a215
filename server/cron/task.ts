/**
 * The real runTask: a cron line runs in its app's environment (models
 * loaded, no HTTP, one transaction) through environment's runInApp, which
 * also stores a ticket when it throws (the error then has a `ticket`).
 */
import fs from 'node:fs'
import path from 'node:path'
import type { CronApp } from './runner'
import type { CronTask } from './crontab'

type RunInApp = (appFolder: string, appName: string, spec:
  | { controller: string; function: string; args?: string[]; vars?: Record<string, unknown> }
  | { script: string; filename?: string }) => Promise<unknown>

// required when first used, not imported: environment/ is heavy and cron's parsers must not need it
function runInApp(): RunInApp {
  return (require('../environment') as { runInApp: RunInApp }).runInApp
}

export async function defaultRunTask(app: CronApp, task: CronTask): Promise<unknown> {
  if (task.kind === 'action') {
    return runInApp()(app.folder, app.name, { controller: task.controller, function: task.function, args: task.args, vars: task.vars })
  }
  const file = path.join(app.folder, task.script)
  const source = await fs.promises.readFile(file, 'utf8')
  // runInApp compiles scripts to CommonJS, where top-level await is refused: wrap the script in an
  // async function, on its first line so that line numbers in tickets stay those of the file
  return runInApp()(app.folder, app.name, { script: `return (async () => {${source}\n})()`, filename: file })
}
