/**
 * The editor: a page with Monaco (tabs, Ctrl+S, conflict detection, types),
 * and the JSON calls it makes: file (open), save (with the hash of the
 * version opened: 409 when the disk changed), types (declarations for
 * IntelliSense), files (the app's file list).
 */

export function index() {
  const app = appOf()
  const file = typeof request.vars.file === 'string' ? request.vars.file : ''
  const line = Number(request.vars.line) || 0
  if (file) attempt(() => admin.resolveInApp(app.folder, file))
  response.title = file ? `Edit ${file} · ${app.name}` : `Edit ${app.name}`
  const files = admin.listAppFiles(app.folder)
  const editor = {
    app: app.name, file, line, csrf: ide.csrf,
    monacoBase: '/admin/monaco/vs',
    urls: { file: '/admin/edit/file.json', save: '/admin/edit/save.json', types: '/admin/edit/types.json', design: adminUrl('design', 'index', [app.name]) },
    live: '/admin/live',
  }
  return {
    appName: app.name, files, kinds: admin.FILE_KINDS, editor, wide: true,
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
    const out = json({ path: f.path, hash: f.hash, mtimeMs: f.mtimeMs, size: f.size })
    return everyWorker ? everyWorker.then(() => out) : out
  } catch (e) {
    const err = e as { code?: string }
    if (err.code === 'QK_ADMIN_CONFLICT') jsonError(409, 'The file changed on disk since you opened it.', { conflict: true, hash: admin.currentHash(app.folder, request.postVars.path) })
    return libCall(() => { throw e })
  }
}

export function types() {
  const app = appOf(request.vars.app)
  response.headers['Cache-Control'] = 'no-store'
  return json(admin.editorLibs(app.folder))
}

export function files() {
  const app = appOf(request.vars.app)
  return json(admin.listAppFiles(app.folder))
}
