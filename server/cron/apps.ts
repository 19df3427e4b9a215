/**
 * Which apps cron looks at. `folder` is the site folder (holding
 * applications/) or the applications folder itself; apps are its
 * sub-folders whose names are valid app names. The list is re-read on every
 * check so an app installed while the server runs gets its cron too.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { CronApp } from './runner'
import { QK_CRON_NO_FOLDER } from './errors'

const APP_NAME = /^[A-Za-z0-9][\w-]*$/

export function applicationsFolder(folder: string): string {
  const abs = path.resolve(folder)
  if (!fs.existsSync(abs)) throw new QK_CRON_NO_FOLDER(abs)
  const sub = path.join(abs, 'applications')
  return fs.existsSync(sub) && fs.statSync(sub).isDirectory() ? sub : abs
}

/** The named apps (all apps when `names` is empty or undefined). */
export function listApps(folder: string, names?: readonly string[]): CronApp[] {
  const root = applicationsFolder(folder)
  let entries: string[]
  if (names && names.length) entries = [...names]
  else {
    try {
      entries = fs.readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)
    } catch { entries = [] }
  }
  return entries
    .filter((n) => APP_NAME.test(n))
    .sort()
    .map((name) => ({ name, folder: path.join(root, name) }))
    .filter((a) => fs.existsSync(a.folder))
}
