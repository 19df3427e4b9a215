/**
 * The web test runner (#25 item 3): run all of an app's tests/ or one file
 * in a child process (testchild.ts), and keep what it reports in
 * `<app>/.quark/test-results.json`, rewritten as each result arrives. The
 * page polls that file, so results show as they finish and the last run of
 * each app is there after a reload or a restart, whichever server process
 * (under --workers) answers. A run records its child's pid: a run whose
 * process is gone (the server stopped meanwhile) reads as interrupted, and
 * stopping a run kills that pid.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fork } from 'node:child_process'
import { childEntry, childExecArgv } from '../sea'
import { checkRelativePath } from './paths'
import { QK_ADMIN_BAD_PATH, QK_ADMIN_NOT_FOUND, QK_ADMIN_TESTS_RUNNING } from './errors'

export interface TestRunResult { file: string; name: string; ok: boolean; ms: number; error?: string; at?: { path: string; line: number } }
export interface TestRun {
  app: string
  /** the files asked for, relative to the app */
  files: string[]
  running: boolean
  pid?: number
  started: string
  finished?: string
  /** the file running now */
  current?: string
  /** why the run ended early (stopped, interrupted, timed out, crashed) */
  ended?: string
  passed: number
  failed: number
  results: TestRunResult[]
}

/** a whole run longer than this is stopped (a test loops forever without awaiting) */
export const RUN_LIMIT_MS = 10 * 60_000
const RESULTS_FILE = path.join('.quark', 'test-results.json')

/** The app's test files, relative to the app: tests/*.ts (not .d.ts), sorted. */
export function testFilesOf(appFolder: string): string[] {
  let names: string[] = []
  try { names = fs.readdirSync(path.join(appFolder, 'tests')) } catch { /* no tests folder */ }
  return names.filter((n) => n.endsWith('.ts') && !n.endsWith('.d.ts')).sort().map((n) => `tests/${n}`)
}

function write(appFolder: string, run: TestRun): void {
  const file = path.join(appFolder, RESULTS_FILE)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const tmp = `${file}.${process.pid}.tmp`
  fs.writeFileSync(tmp, JSON.stringify(run))
  fs.renameSync(tmp, file)
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false
  try { process.kill(pid, 0); return true } catch { return false }
}

/** The last run of the app (running or not), or null. */
export function lastTestRun(appFolder: string): TestRun | null {
  let run: TestRun
  try { run = JSON.parse(fs.readFileSync(path.join(appFolder, RESULTS_FILE), 'utf8')) as TestRun } catch { return null }
  if (run.running && !alive(run.pid)) { run.running = false; run.ended ??= 'interrupted: its process is gone' }
  return run
}

/** Start a run of every test file, or of `file` (tests/<name>.ts). */
export function startTestRun(appFolder: string, appName: string, file?: string): TestRun {
  const all = testFilesOf(appFolder)
  let files = all
  if (file !== undefined && file !== '') {
    checkRelativePath(file)
    if (!/^tests\/[^/]+\.ts$/.test(file)) throw new QK_ADMIN_BAD_PATH(`${file} (a test file is tests/<name>.ts)`)
    if (!all.includes(file)) throw new QK_ADMIN_NOT_FOUND(`${file} in ${appName}`)
    files = [file]
  }
  if (!files.length) throw new QK_ADMIN_NOT_FOUND(`tests in ${appName}: add tests/<name>.ts files that call test(name, fn)`)
  const last = lastTestRun(appFolder)
  if (last?.running) throw new QK_ADMIN_TESTS_RUNNING(appName)
  const real = fs.realpathSync(appFolder)
  const child = fork(childEntry('admin-tests', path.join(__dirname, 'testchild.ts')), [], {
    execArgv: childExecArgv(), stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  })
  const run: TestRun = { app: appName, files, running: true, pid: child.pid, started: new Date().toISOString(), passed: 0, failed: 0, results: [] }
  write(appFolder, run)
  const finish = (ended?: string) => {
    if (!run.running) return
    clearTimeout(limit)
    run.running = false
    run.current = undefined
    run.finished = new Date().toISOString()
    if (ended) run.ended = ended
    write(appFolder, run)
  }
  const limit = setTimeout(() => { finish(`stopped: the run took longer than ${RUN_LIMIT_MS / 60000} minutes`); child.kill('SIGKILL') }, RUN_LIMIT_MS)
  limit.unref()
  child.on('message', (m: { type: string } & Partial<TestRunResult>) => {
    if (!run.running) return
    if (m.type === 'file') run.current = m.file
    else if (m.type === 'result') {
      const r: TestRunResult = { file: String(m.file), name: String(m.name), ok: m.ok === true, ms: Number(m.ms) || 0, error: m.error, at: m.at }
      run.results.push(r)
      if (r.ok) run.passed++
      else run.failed++
    } else if (m.type === 'end') return finish()
    write(appFolder, run)
  })
  child.on('exit', (code, signal) => finish(code === 0 ? undefined : signal === 'SIGKILL' ? 'stopped by you' : `the test process ended (${signal ?? `exit ${code}`})`))
  child.send({ appFolder: real, appName, files })
  return run
}

/** Stop the app's running tests (from any server process: by the child's pid). */
export function stopTestRun(appFolder: string): boolean {
  const run = lastTestRun(appFolder)
  if (!run?.running || !run.pid) return false
  try { process.kill(run.pid, 'SIGKILL') } catch { /* already gone */ }
  // the forking process records the end when it sees the exit; another worker records it here
  run.running = false
  run.ended = 'stopped by you'
  run.finished = new Date().toISOString()
  write(appFolder, run)
  return true
}
