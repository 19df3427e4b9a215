/**
 * The editor's view of an app's types beyond what Monaco's TypeScript worker
 * sees by itself: the declarations made again from the live schema after a
 * model changed (the models run outside any request, as `quark types` does),
 * and the problems `quark check` finds, for the files the worker cannot check
 * (views: templates with TypeScript inside) or for all of them.
 *
 * The environment is the core's room, loaded lazily (as editortypes.ts does):
 * without it (unit tests of adminlib alone) the answers say "not available".
 * The check itself runs in a child process (checkworker.ts).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fork } from 'node:child_process'
import { childExecArgv, isSea } from '../sea'

export interface EditorProblem {
  /** relative to the app folder, with / */
  path: string
  line: number
  column: number
  code: string
  message: string
}

interface CheckFacts { file: string; line: number; column: number; code: string; message: string }
interface EnvironmentTypes {
  generateAppTypes(appFolder: string, appName: string): Promise<string>
}

function environment(): EnvironmentTypes | undefined {
  try {
    const env = require('../environment/index') as Partial<EnvironmentTypes>
    if (typeof env.generateAppTypes === 'function') return env as EnvironmentTypes
  } catch { /* no core in this process */ }
  return undefined
}

/** A message without the stack, short enough for a status line. */
function brief(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e)
  return m.length > 500 ? m.slice(0, 500) + '…' : m
}

/**
 * Write the app's declarations again from its live schema (after a model was saved). A model that
 * does not run (a syntax error) leaves the last declarations in place and says why.
 */
export async function refreshAppTypes(appFolder: string, appName: string): Promise<{ refreshed: boolean; error?: string }> {
  const env = environment()
  if (!env) return { refreshed: false, error: 'the type generator is not loaded in this process' }
  try {
    await env.generateAppTypes(appFolder, appName)
    return { refreshed: true }
  } catch (e) {
    return { refreshed: false, error: brief(e) }
  }
}

type CheckAnswer = { report?: { problems: CheckFacts[] }; error?: string }

/** checks running, by app folder: a second ask while one runs gets the same answer */
const running = new Map<string, Promise<CheckAnswer>>()
/** a whole-app check is seconds alone, minutes on a loaded machine (it runs at low priority) */
const CHECK_TIMEOUT_MS = 360_000

/** `quark check` in a child process (checkworker.ts): seconds of CPU that would otherwise stop this server. */
function checkInChild(appFolder: string, appName: string): Promise<CheckAnswer> {
  let p = running.get(appFolder)
  if (p) return p
  p = new Promise<CheckAnswer>((resolve) => {
    let done = false
    const finish = (a: CheckAnswer) => { if (!done) { done = true; clearTimeout(timer); resolve(a) } }
    const child = fork(path.join(__dirname, 'checkworker.ts'), [], { execArgv: childExecArgv(), stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
    // a development aid: it yields the CPU to the server's requests
    try { if (child.pid) os.setPriority(child.pid, 15) } catch { /* not permitted here: normal priority */ }
    let stderr = ''
    child.stderr?.on('data', (d: Buffer) => { if (stderr.length < 4000) stderr += d.toString() })
    const timer = setTimeout(() => { child.kill('SIGKILL'); finish({ error: `quark check took more than ${CHECK_TIMEOUT_MS / 1000} s` }) }, CHECK_TIMEOUT_MS)
    timer.unref()
    child.once('message', (m) => finish(m as CheckAnswer))
    child.once('error', (e) => finish({ error: brief(e) }))
    child.once('exit', (code) => finish({ error: `quark check stopped (exit ${code}): ${stderr.trim().split('\n').pop() ?? ''}` }))
    child.send({ appFolder, appName })
  }).finally(() => running.delete(appFolder))
  running.set(appFolder, p)
  return p
}

/**
 * `quark check` on the app, as problems per file (paths relative to the app). Type-checking a whole
 * app takes a while (seconds, in a child process): the editor asks for it when a view is opened or
 * saved, not per keystroke. It needs the typescript package: a checkout, not the binary.
 */
export async function checkAppProblems(appFolder: string, appName: string): Promise<{ available: boolean; problems: EditorProblem[]; error?: string }> {
  if (isSea()) return { available: false, problems: [], error: 'quark check runs from a checkout (it needs the typescript package)' }
  const real = fs.realpathSync(appFolder)
  const answer = await checkInChild(real, appName)
  if (!answer.report) return { available: false, problems: [], error: answer.error ?? 'no answer' }
  const report = answer.report
  const problems: EditorProblem[] = []
  for (const p of report.problems) {
    const abs = path.resolve(real, p.file)
    if (!abs.startsWith(real + path.sep)) continue
    problems.push({ path: abs.slice(real.length + 1).split(path.sep).join('/'), line: p.line, column: p.column, code: p.code, message: p.message })
  }
  return { available: true, problems }
}

/** The files whose compiled twin the app runs while it is compiled (a save there changes nothing until the compiled form goes). */
export function replacedWhenCompiled(rel: string): boolean {
  return /^(models|controllers|modules|views)\//.test(rel)
}
