/**
 * What Monaco's TypeScript worker needs to know an app's names: the app's
 * generated declaration file (written by the core's environment), the app's
 * models and modules it points to, and the framework's TypeScript sources
 * that declaration imports. Each is sent with its absolute path, so the
 * relative imports inside them resolve in Monaco's virtual file system
 * exactly as on disk. The framework part is read once and cached until a
 * file of it changes.
 */
import fs from 'node:fs'
import path from 'node:path'

export interface ExtraLib { path: string; content: string }

import { isSea, projectFolder } from '../sea'
const SERVER = isSea() ? path.join(projectFolder('project-files'), 'server') : path.resolve(__dirname, '..')
let frameworkCache: { stamp: string; libs: ExtraLib[] } | undefined

function tsFiles(dir: string, out: string[]): string[] {
  let entries: fs.Dirent[]
  try { entries = fs.readdirSync(dir, { withFileTypes: true }) } catch { return out }
  for (const e of entries) {
    const full = path.join(dir, e.name)
    if (e.isDirectory() && e.name !== 'node_modules' && e.name !== 'client') tsFiles(full, out)
    else if (e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(full)
  }
  return out
}

/** The framework's sources (server/**\/*.ts), cached by the files' mtimes. */
export function frameworkLibs(): ExtraLib[] {
  const files = tsFiles(SERVER, []).sort()
  const stamp = files.map((f) => { try { return `${f}:${fs.statSync(f).mtimeMs}` } catch { return f } }).join('|')
  if (frameworkCache?.stamp === stamp) return frameworkCache.libs
  const libs: ExtraLib[] = []
  for (const f of files) { try { libs.push({ path: f, content: fs.readFileSync(f, 'utf8') }) } catch { /* removed meanwhile */ } }
  frameworkCache = { stamp, libs }
  return libs
}

/** The app's declaration file, brought up to date by the core when it can be. */
function appDeclaration(appFolder: string): ExtraLib | undefined {
  try {
    // Loaded lazily: the environment is the core's room, present when a server runs.
    const env = require('../environment/index') as { writeAppTypes?: (folder: string) => string }
    const file = env.writeAppTypes?.(appFolder)
    if (file) return { path: file, content: fs.readFileSync(file, 'utf8') }
  } catch { /* fall back to what is on disk */ }
  const file = path.join(appFolder, '.quark', 'types.d.ts')
  try { return { path: file, content: fs.readFileSync(file, 'utf8') } } catch { return undefined }
}

/** Every lib for an app: its declaration, its models and modules, the framework. */
export function editorLibs(appFolder: string): { appFolder: string; libs: ExtraLib[] } {
  const real = fs.realpathSync(appFolder)
  const libs: ExtraLib[] = []
  const decl = appDeclaration(real)
  if (decl) libs.push(decl)
  for (const sub of ['models', 'modules']) {
    for (const f of tsFiles(path.join(real, sub), []).sort()) {
      try { libs.push({ path: f, content: fs.readFileSync(f, 'utf8') }) } catch { /* skip */ }
    }
  }
  libs.push(...frameworkLibs())
  return { appFolder: real, libs }
}
