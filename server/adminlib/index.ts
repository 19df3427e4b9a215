/**
 * server/adminlib: the framework side of the admin IDE (the app itself lives
 * in admin/). Public surface:
 *
 *   ensureAdminPassword(folder, passwordFromFlag?) → { generated? }   called by the server at startup
 *   verifyAdminPassword(folder, candidate) → Promise<boolean>         constant time
 *   LoginLockout                      5 failed logins per address → locked for a while
 *   AdminSessions, adminCookie, readCookie, csrfValid, requireCsrf    the admin's own session + CSRF
 *   adminAllowed(remoteAddress, isHttps), isLoopback                  localhost or HTTPS only
 *   resolveInApp(appFolder, rel), checkRelativePath(rel)              path confinement (text + realpath)
 *   listAppFiles, readAppFile, saveAppFile (conflict → 409), createAppFile, renameAppFile,
 *   deleteAppFile, uploadAppFile, languageOf, FILE_KINDS              design/edit
 *   listControllerActions(source)                                     a controller's exported actions
 *   listApps, createApp, deleteApp, cleanApp, appFolderOf, checkAppName   the site page
 *   monacoFile(rel), monacoFolder()                                   Monaco from node_modules, confined
 *   attachAdminLive(httpServer, { isHttps })   the core's one call after listen(): the /admin/live WebSocket
 *   createAdminLive(opts), publishAppLog(app, line), publishLogLine(coreLogLine)   the live channel; log lines in
 *   editorLibs(appFolder)             the declaration, models and framework sources for Monaco
 *   refreshAppTypes(appFolder, app), checkAppProblems(appFolder, app), replacedWhenCompiled(rel)
 *                                     the editor's declarations after a model change, quark check's problems per file
 *   forgetCompiled(appFolder)         a saved file is live on the very next request (in every worker: await the promise)
 *   disabledPage, errorBody, humanSize, shortTime, groupTickets        page pieces
 *   sitePathPrefix()                  the routes' path_prefix ('' without one): the admin's links and cookie path start with it
 *   routesReport(folder, { url, out, host, method, language })       the routes page: active routes, problems, tester
 *   translations                      the languages pages: report, detail, update, add (with a plural rule), edit strings/plural forms
 *   startTestRun, stopTestRun, lastTestRun, testFilesOf   the web test runner (a child process; results in <app>/.quark/test-results.json)
 *   docsChapters, docsChapter, searchDocs, docsFolder   the book (docs/*.md) at /admin/docs: contents, chapters as HTML, search
 *   adminState, configureAdmin, applicationsFolder, scaffoldFolder, aboutInfo   the process's admin state
 */
import fs from 'node:fs'
import path from 'node:path'
import * as surface from './index'
import * as tickets from '../tickets/index'
import type http from 'node:http'
import { attachLive } from './attach'
import type { AdminLive } from './live'
import { passwordFile, whenPasswordFolderKnown } from './password'
import { monacoFolder } from './monaco'
import { isSea, projectFolder } from '../sea'
import { LoginLockout } from './lockout'
import { AdminSessions } from './adminsession'

export * from './errors'
export { ensureAdminPassword, verifyAdminPassword, hasAdminPassword, generatePassword, passwordFile, PASSWORD_FILE } from './password'
export { LoginLockout, type LockoutOptions } from './lockout'
export { AdminSessions, adminCookie, readCookie, csrfValid, requireCsrf, randomToken, ADMIN_COOKIE, type AdminSession } from './adminsession'
export { adminAllowed, isLoopback } from './access'
export { resolveInApp, checkRelativePath, relativeToApp } from './paths'
export {
  listAppFiles, readAppFile, saveAppFile, createAppFile, renameAppFile, deleteAppFile, uploadAppFile,
  currentHash, contentHash, kindOf, languageOf, FILE_KINDS, MAX_EDIT_BYTES, type FileKind, type AppFileInfo, type OpenedFile,
} from './files'
export { listControllerActions, type ControllerAction } from './actions'
export { listApps, createApp, deleteApp, cleanApp, appFolderOf, checkAppName, APP_NAME, type AppSummary } from './apps'
export { monacoFile, monacoFolder } from './monaco'
export { createAdminLive, publishAppLog, publishLogLine, logLineApp, onLogFollowers, type AdminLive, type AdminLiveOptions } from './live'
export { disabledPage, errorBody, humanSize, shortTime } from './pages'
export { sitePathPrefix } from '../html/index'
export { editorLibs, frameworkLibs, type ExtraLib } from './editortypes'
export { refreshAppTypes, checkAppProblems, replacedWhenCompiled, type EditorProblem } from './editorcheck'
export { groupTickets, errorKey, type TicketGroup, type TicketLike } from './ticketgroups'
export { routesReport, type RoutesReport, type RoutesTest } from './routes'
export { translations } from './languages'
export { startTestRun, stopTestRun, lastTestRun, testFilesOf, RUN_LIMIT_MS, type TestRun, type TestRunResult } from './testrun'
export { adaptScaffold, appTitle } from './scaffold'
export { vcsInit, vcsStatus, vcsCommit, vcsDiff, vcsRevertFile, vcsRestore, isRepository, IGNORED as VCS_IGNORED, type VcsStatus } from './vcs'
export { docsChapters, docsChapter, searchDocs, docsFolder, CONTENTS as DOCS_CONTENTS, MAX_QUERY as DOCS_MAX_QUERY, type DocChapter, type DocHeading, type DocSearchHit } from './docs'
export { searchApp, replaceInApp, MAX_MATCHES, type SearchMatch, type SearchOptions } from './search'
export { prettierFile, vendorFolder } from './prettier'

/**
 * The admin's memory in this server process: who is logged in and who failed
 * to. One per process; the admin app's controllers use it on every request.
 */
export const adminState: { sessions: AdminSessions; lockout: LoginLockout; folder: string | undefined } = {
  sessions: new AdminSessions(),
  lockout: new LoginLockout(),
  /** the folder holding applications/ and quark-admin.json (set by ensureAdminPassword or configureAdmin) */
  folder: undefined,
}

/** Tell the admin which folder holds applications/ (ensureAdminPassword does it too). */
export function configureAdmin(opts: { folder: string }): void {
  adminState.folder = path.resolve(opts.folder)
}

/** The applications folder the admin manages. */
export function applicationsFolder(): string {
  const folder = adminState.folder ?? process.env.QUARK_FOLDER ?? process.cwd()
  return path.join(folder, 'applications')
}

/** The scaffold new apps are made from: welcome-app/ of the checkout. */
export function scaffoldFolder(): string {
  return isSea() ? projectFolder('welcome-app') : path.join(__dirname, '..', '..', 'welcome-app')
}

/** The one call the core makes after listen(): serve the live channel at /admin/live. */
export function attachAdminLive(server: http.Server, opts: { isHttps: boolean }): AdminLive {
  return attachLive(server, { isHttps: opts.isHttps, sessions: adminState.sessions, applicationsFolder })
}

/**
 * After the admin changed an app's files: drop the core's compiled copies of
 * that app so the very next request sees the change (the core otherwise
 * notices within its recheck interval).
 */
export function forgetCompiled(appFolder: string): Promise<void> | undefined {
  const prefixes = [path.resolve(appFolder) + path.sep]
  try {
    prefixes.push(fs.realpathSync(appFolder) + path.sep)
    const env = require('../environment/index') as { invalidate?: (prefix?: string) => void }
    for (const p of prefixes) env.invalidate?.(p)
  } catch { /* no core loaded (unit tests): nothing is cached */ }
  // under `quark run --workers N` the other workers forget them too; the promise says they did
  const others = (globalThis as Record<symbol, ((prefixes: string[]) => Promise<void>) | undefined>)[Symbol.for('quark.cluster.invalidate')]
  return others?.(prefixes)
}

/** The core's ticket store (list/read/delete), for the admin's errors pages. */
export function ticketsApi(): typeof tickets {
  return tickets
}

/** Quark's version and the paths the about page shows. */
export function aboutInfo(): { quark: string; node: string; license: string; licenseText: string; paths: Record<string, string> } {
  const root = isSea() ? projectFolder('project-files') : path.join(__dirname, '..', '..')
  let version = 'unknown', license = 'MIT', licenseText = ''
  try { const p = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')); version = p.version; license = p.license ?? license } catch { /* bundled */ }
  try { licenseText = fs.readFileSync(path.join(root, 'LICENSE'), 'utf8') } catch { /* no LICENSE file */ }
  return {
    quark: version, node: process.version, license, licenseText,
    paths: {
      'applications folder': applicationsFolder(),
      'admin password file': passwordFile(adminState.folder ?? path.dirname(applicationsFolder())),
      'admin app': path.join(root, 'admin'),
      'scaffold': scaffoldFolder(),
      'monaco editor': monacoFolder(),
      'framework': path.join(root, 'server'),
    },
  }
}

// The admin app's code cannot import files outside admin/, so it finds this
// module here (see admin/modules/adminlib.ts).
;(globalThis as unknown as Record<symbol, unknown>)[Symbol.for('quark.adminlib')] ??= surface

whenPasswordFolderKnown((folder) => configureAdmin({ folder }))
