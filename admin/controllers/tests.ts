/**
 * The web test runner: an app's tests/ files, "run all" or one file, the
 * results streaming in as they finish (the page polls status.json), a
 * failure linked to the editor at its line, the last run kept per app.
 * The work is adminlib's (testrun.ts: a child process per run).
 */
export function index() {
  const app = appOf()
  response.title = `Tests · ${app.name}`
  return {
    appName: app.name, files: admin.testFilesOf(app.folder), run: admin.lastTestRun(app.folder), csrf: ide.csrf,
    urls: { status: adminUrl('tests', 'status.json', [app.name]), edit: adminUrl('edit', 'index', [app.name]) },
    crumbs: [['Site', adminUrl('default')], [`Design ${app.name}`, adminUrl('design', 'index', [app.name])], ['Tests', '']],
  }
}

/** POST: run every test file, or `file` (tests/<name>.ts). */
export function run() {
  changing()
  const app = appOf()
  const file = typeof request.postVars.file === 'string' ? request.postVars.file : undefined
  const r = attempt(() => admin.startTestRun(app.folder, app.name, file))
  if (request.extension === 'json') return response.json(r)
  redirect(adminUrl('tests', 'index', [app.name]))
}

/** POST: stop the running tests. */
export function stop() {
  changing()
  const app = appOf()
  const stopped = admin.stopTestRun(app.folder)
  if (request.extension === 'json') return response.json({ stopped })
  ide.say(stopped ? 'Stopped the tests.' : 'No tests were running.')
  redirect(adminUrl('tests', 'index', [app.name]))
}

/** The last run as JSON (the page polls it while a run goes on). */
export function status() {
  const app = appOf()
  response.headers['Cache-Control'] = 'no-store'
  return response.json(admin.lastTestRun(app.folder))
}
