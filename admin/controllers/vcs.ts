/**
 * Version control of an app (isomorphic-git, adminlib's vcs.ts): status with
 * each changed file's diff (Monaco's diff editor) and revert, commit with a
 * message, the log with "go back" to a commit. Every change is a POST with
 * the CSRF token; reverting and going back ask first in the page.
 */
const back = (app: string, message: string): never => {
  admin.forgetCompiled(appOf(app).folder)
  ide.say(message)
  redirect(adminUrl('vcs', 'index', [app]))
}

async function vcsCall<R>(fn: () => Promise<R>): Promise<R> {
  try { return await fn() } catch (e) {
    const err = e as { status?: number; message?: string; code?: string }
    if (typeof err.code === 'string' && err.code.startsWith('QK_')) throw HTTP(err.status ?? 400, admin.errorBody(request, err.status ?? 400, err.message ?? ''))
    throw e
  }
}

export async function index() {
  const app = appOf()
  response.title = `Versions · ${app.name}`
  return {
    appName: app.name, status: await admin.vcsStatus(app.folder), ignored: admin.VCS_IGNORED,
    messageLimit: 10_000, // the browser's hint; adminlib's vcsCommit refuses a longer message itself
    crumbs: [['Site', adminUrl('default')], [`Design ${app.name}`, adminUrl('design', 'index', [app.name])], ['Versions', '']],
  }
}

export async function init() {
  changing()
  const app = appOf()
  const made = await vcsCall(() => admin.vcsInit(app.folder))
  back(app.name, made ? 'Version control started: commit to keep the first version.' : 'Version control was already on.')
}

export async function commit() {
  changing()
  const app = appOf()
  const oid = await vcsCall(() => admin.vcsCommit(app.folder, request.postVars.message, request.postVars.author))
  back(app.name, `Committed ${oid.slice(0, 7)}.`)
}

/**
 * The diff page: the file at the last commit beside the one on disk, in
 * Monaco's diff editor; the disk side can be edited and saved, and the file
 * reverted (the page asks first, and says so when edits are unsaved).
 */
export async function diff() {
  const app = appOf()
  const d = await vcsCall(() => admin.vcsDiff(app.folder, request.vars.file))
  response.title = `Diff ${d.path} · ${app.name}`
  // the right side is editable and saved through the editor's save.json (with the hash: a change on disk meanwhile is a conflict)
  const editing = {
    app: app.name, csrf: ide.csrf, saveUrl: adminUrl('edit', 'save.json'),
    hash: d.modified === null ? null : admin.currentHash(app.folder, d.path) ?? null,
    editable: d.modified !== null && !d.modified.includes('\u0000'),
  }
  return {
    appName: app.name, diff: d, language: admin.languageOf(d.path), monacoBase: adminUrl('monaco', 'vs'), wide: true, editing,
    crumbs: [['Site', adminUrl('default')], [`Design ${app.name}`, adminUrl('design', 'index', [app.name])], ['Versions', adminUrl('vcs', 'index', [app.name])], [d.path, '']],
  }
}

export async function revert() {
  changing()
  const app = appOf()
  const rel = await vcsCall(() => admin.vcsRevertFile(app.folder, request.postVars.file))
  back(app.name, `Reverted ${rel} to the last commit.`)
}

export async function restore() {
  changing()
  const app = appOf()
  const oid = String(request.postVars.oid ?? '')
  const n = await vcsCall(() => admin.vcsRestore(app.folder, oid))
  back(app.name, `Went back to ${oid.slice(0, 7)}: ${n} file${n === 1 ? '' : 's'} changed; commit to keep it.`)
}
