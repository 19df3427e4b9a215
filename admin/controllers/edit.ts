/**
 * The editor: a page with Monaco (tabs, Ctrl+S, conflict detection, types),
 * and the JSON calls it makes: file (open), save (with the hash of the
 * version opened: 409 when the disk changed), types (declarations for
 * IntelliSense; fresh=1 makes them again from the live schema after a model
 * changed), check (quark check's problems, for views), remove_compiled (a
 * compiled app runs from its sources again), files (the app's file list).
 */
import { dbadminlib } from '../modules/dbadminlib'

const { compile } = dbadminlib

export function index() {
  const app = appOf()
  const file = typeof request.vars.file === 'string' ? request.vars.file : ''
  const line = Number(request.vars.line) || 0
  if (file) attempt(() => admin.resolveInApp(app.folder, file))
  response.title = file ? `Edit ${file} · ${app.name}` : `Edit ${app.name}`
  const files = admin.listAppFiles(app.folder)
  const editor = {
    app: app.name, file, line, csrf: ide.csrf,
    monacoBase: adminUrl('monaco', 'vs'),
    urls: {
      file: adminUrl('edit', 'file.json'), save: adminUrl('edit', 'save.json'), types: adminUrl('edit', 'types.json'), check: adminUrl('edit', 'check.json'),
      removeCompiled: adminUrl('edit', 'remove_compiled.json'), design: adminUrl('design', 'index', [app.name]),
    },
    // "Try it" links below the app's home, under the site's path_prefix
    appHome: appHome(app.name),
    live: adminBase + '/live',
    compiled: compile.isCompiled(app.folder),
  }
  return {
    appName: app.name, files, kinds: admin.FILE_KINDS, editor, wide: true, compiled: editor.compiled,
    crumbs: [['Site', adminUrl('default')], [`Design ${app.name}`, adminUrl('design', 'index', [app.name])], ['Edit', '']],
  }
}

function json(value: unknown): string {
  return response.json(value)
}

function jsonError(status: number, message: string, extra: Record<string, unknown> = {}): never {
  throw HTTP(status, JSON.stringify({ error: message, status, ...extra }), { 'Content-Type': 'application/json; charset=utf-8' })
}

function libCall<R>(fn: () => R): R {
  try { return fn() } catch (e) {
    const err = e as { status?: number; message?: string; code?: string }
    if (typeof err.code === 'string' && err.code.startsWith('QK_')) jsonError(err.status ?? 400, err.message ?? '', { code: err.code })
    throw e
  }
}

export function file() {
  const app = appOf(request.vars.app)
  const f = libCall(() => admin.readAppFile(app.folder, request.vars.path))
  return json({ ...f, language: admin.languageOf(f.path), absolute: `${admin.resolveInApp(app.folder, f.path)}` })
}

export function save() {
  changing()
  const app = appOf(request.postVars.app)
  const content = request.postVars.content
  if (typeof content !== 'string') jsonError(400, 'content must be a string')
  const expected = typeof request.postVars.hash === 'string' ? request.postVars.hash : undefined
  try {
    const f = admin.saveAppFile(app.folder, request.postVars.path, content, expected, request.postVars.force === true)
    const everyWorker = admin.forgetCompiled(app.folder) // under --workers: answered once every worker forgot it
    // a compiled app keeps running its compiled form: the editor says so and offers to remove it
    const compiled = compile.isCompiled(app.folder) && admin.replacedWhenCompiled(f.path)
    const out = json({ path: f.path, hash: f.hash, mtimeMs: f.mtimeMs, size: f.size, compiled })
    return everyWorker ? everyWorker.then(() => out) : out
  } catch (e) {
    const err = e as { code?: string }
    if (err.code === 'QK_ADMIN_CONFLICT') jsonError(409, 'The file changed on disk since you opened it.', { conflict: true, hash: admin.currentHash(app.folder, request.postVars.path) })
    return libCall(() => { throw e })
  }
}

export async function types() {
  const app = appOf(request.vars.app)
  response.headers['Cache-Control'] = 'no-store'
  // after a model was saved: the declarations again from the live schema, so the other files see its tables
  const refresh = request.vars.fresh === '1' ? await admin.refreshAppTypes(app.folder, app.name) : undefined
  return json({ ...admin.editorLibs(app.folder), refresh })
}

/** quark check's problems of the app, by file (the editor shows those of views, which Monaco cannot check). */
export async function check() {
  const app = appOf(request.vars.app)
  response.headers['Cache-Control'] = 'no-store'
  return json(await admin.checkAppProblems(app.folder, app.name))
}

/** POST: the app runs from its sources again (its compiled/ folder is deleted). */
export function remove_compiled() {
  changing()
  const app = appOf(request.postVars.app)
  const removed = compile.removeCompiled(app.folder)
  admin.forgetCompiled(app.folder)
  return json({ removed, compiled: compile.isCompiled(app.folder) })
}

export function files() {
  const app = appOf(request.vars.app)
  return json(admin.listAppFiles(app.folder))
}
