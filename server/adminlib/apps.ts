/**
 * The site page's operations on whole apps: list, create from the scaffold,
 * delete, clean. App names are checked before any path is built from them,
 * and an app folder is always found by realpath inside the applications folder.
 */
import fs from 'node:fs'
import path from 'node:path'
import { QK_ADMIN_BAD_APP_NAME, QK_ADMIN_EXISTS, QK_ADMIN_NOT_FOUND, QK_ADMIN_OUTSIDE_APP } from './errors'
import { adaptScaffold } from './scaffold'

export const APP_NAME = /^[A-Za-z][A-Za-z0-9_]*$/

export function checkAppName(name: unknown): string {
  if (typeof name !== 'string' || !APP_NAME.test(name) || name.length > 64) throw new QK_ADMIN_BAD_APP_NAME(JSON.stringify(String(name).slice(0, 80)))
  return name
}

/** compiled: the app runs from compiled/ (quark compile), not from its sources */
export interface AppSummary { name: string; folder: string; controllers: string[]; tickets: number; mtimeMs: number; compiled: boolean }

/** Apps in the applications folder (directories with valid names; symlinked apps are not listed). */
export function listApps(applicationsFolder: string): AppSummary[] {
  let entries: fs.Dirent[]
  try { entries = fs.readdirSync(applicationsFolder, { withFileTypes: true }) } catch { return [] }
  const apps: AppSummary[] = []
  for (const e of entries) {
    if (!e.isDirectory() || !APP_NAME.test(e.name)) continue
    const folder = path.join(applicationsFolder, e.name)
    const controllers = safeList(path.join(folder, 'controllers')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3))
    const tickets = safeList(path.join(folder, 'errors')).filter((f) => !f.startsWith('.')).length
    const compiled = fs.existsSync(path.join(folder, 'compiled', 'MANIFEST.json'))  // compile/twin.ts's marker
    apps.push({ name: e.name, folder, controllers, tickets, mtimeMs: fs.statSync(folder).mtimeMs, compiled })
  }
  return apps.sort((a, b) => a.name.localeCompare(b.name))
}

function safeList(dir: string): string[] {
  try { return fs.readdirSync(dir).sort() } catch { return [] }
}

/** The real folder of an existing app, checked to be a direct child of the applications folder. */
export function appFolderOf(applicationsFolder: string, name: unknown): string {
  const app = checkAppName(name)
  const root = fs.realpathSync(applicationsFolder)
  let real: string
  try { real = fs.realpathSync(path.join(root, app)) } catch { throw new QK_ADMIN_NOT_FOUND(`app ${app}`) }
  if (path.dirname(real) !== root) throw new QK_ADMIN_OUTSIDE_APP(app)
  if (!fs.statSync(real).isDirectory()) throw new QK_ADMIN_NOT_FOUND(`app ${app}`)
  return real
}

// Runtime data of the scaffold is never copied into a new app.
const NOT_COPIED = new Set(['sessions', 'errors', 'cache', 'databases', 'uploads', '.quark'])

/** A new app from the scaffold (welcome-app/). Refuses an invalid or existing name. */
export function createApp(applicationsFolder: string, name: unknown, scaffoldFolder: string): string {
  const app = checkAppName(name)
  fs.mkdirSync(applicationsFolder, { recursive: true })
  const target = path.join(fs.realpathSync(applicationsFolder), app)
  if (fs.existsSync(target)) throw new QK_ADMIN_EXISTS(`app ${app}`)
  if (!fs.existsSync(scaffoldFolder)) throw new QK_ADMIN_NOT_FOUND(`scaffold ${scaffoldFolder}`)
  const tmp = path.join(path.dirname(target), `.${app}.creating.${process.pid}`)
  fs.rmSync(tmp, { recursive: true, force: true })
  fs.cpSync(scaffoldFolder, tmp, {
    recursive: true,
    filter: (src) => {
      const rel = path.relative(scaffoldFolder, src)
      return rel === '' || !NOT_COPIED.has(rel.split(path.sep)[0])
    },
  })
  adaptScaffold(tmp, app) // it calls itself by its name, not "Welcome"
  for (const d of ['models', 'controllers', 'views', 'static', 'modules', 'languages', 'private', 'databases', 'errors', 'sessions', 'cache', 'uploads'])
    fs.mkdirSync(path.join(tmp, d), { recursive: true })
  // The rename makes the app appear whole or not at all.
  try { fs.renameSync(tmp, target) } catch (e) { fs.rmSync(tmp, { recursive: true, force: true }); throw e }
  return target
}

export function deleteApp(applicationsFolder: string, name: unknown): void {
  const folder = appFolderOf(applicationsFolder, name)
  fs.rmSync(folder, { recursive: true, force: true })
}

/** Remove the app's sessions, cache and error tickets; the folders stay. Returns how many files went. */
export function cleanApp(applicationsFolder: string, name: unknown): number {
  const folder = appFolderOf(applicationsFolder, name)
  let removed = 0
  for (const d of ['sessions', 'cache', 'errors']) {
    const dir = path.join(folder, d)
    for (const f of safeList(dir)) {
      const p = path.join(dir, f)
      const st = fs.lstatSync(p)
      removed += st.isDirectory() ? countFiles(p) : 1
      fs.rmSync(p, { recursive: true, force: true })
    }
  }
  return removed
}

function countFiles(dir: string): number {
  let n = 0
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? countFiles(path.join(dir, e.name)) : 1
  return n
}
