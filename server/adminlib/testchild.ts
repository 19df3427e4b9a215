/**
 * The process behind a web test run (testrun.ts forks it): the app's tests
 * run as `quark test` runs them (each file in a fresh environment of the
 * app, its models executed, `test(name, fn)` and `assert` given, whatever it
 * did to the databases rolled back), and each result is sent as soon as it
 * is known, with the line of the failure in the test file (or the app file
 * the error came from), mapped back through the compiled file's source map.
 * A process of its own, so a test that loops forever is stopped by killing it.
 *
 * IPC, parent → child: {appFolder, appName, files: string[] (relative to the app)}
 * child → parent: {type:'file', file} | {type:'result', file, name, ok, ms, error?, at?: {path, line}} | {type:'end'}
 */
import path from 'node:path'
import assert from 'node:assert/strict'
import { appShellEnvironment, appRuntime, originalPosition } from '../environment/index'

const TEST_TIMEOUT_MS = 30_000

type TestFn = () => unknown

function send(msg: object): Promise<void> {
  return new Promise((resolve) => process.send!(msg, () => resolve()))
}

/** The first stack frame inside the app (a test file first), as a path relative to the app and a source line. */
export function locate(stack: string | undefined, appFolder: string): { path: string; line: number } | undefined {
  if (!stack) return undefined
  const frames: Array<{ file: string; line: number; column: number }> = []
  for (const m of stack.matchAll(/\(?((?:[A-Za-z]:)?[\\/][^():\n]+):(\d+):(\d+)\)?$/gm)) frames.push({ file: m[1]!, line: Number(m[2]), column: Number(m[3]) })
  const inApp = frames.filter((f) => f.file.startsWith(appFolder + path.sep))
  const pick = inApp.find((f) => f.file.startsWith(path.join(appFolder, 'tests') + path.sep)) ?? inApp[0]
  if (!pick) return undefined
  const orig = originalPosition(pick.file, pick.line, pick.column)
  return { path: path.relative(appFolder, pick.file).split(path.sep).join('/'), line: orig?.line ?? pick.line }
}

function describe(e: unknown): string {
  const err = e as { message?: string } | undefined
  return String(err?.message ?? e).split('\n').slice(0, 12).join('\n')
}

function withTimeout(p: unknown, name: string): Promise<unknown> {
  if (!p || typeof (p as Promise<unknown>).then !== 'function') return Promise.resolve(p)
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    (p as Promise<unknown>).finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`test "${name}" did not finish within ${TEST_TIMEOUT_MS} ms`)), TEST_TIMEOUT_MS) }),
  ])
}

async function runFile(appFolder: string, appName: string, rel: string): Promise<void> {
  await send({ type: 'file', file: rel })
  const t0 = performance.now()
  const result = (name: string, ok: boolean, e?: unknown, start = t0) =>
    send({ type: 'result', file: rel, name, ok, ms: Math.round(performance.now() - start), error: ok ? undefined : describe(e), at: ok ? undefined : locate((e as { stack?: string })?.stack, appFolder) })
  let sh: Awaited<ReturnType<typeof appShellEnvironment>>
  try { sh = await appShellEnvironment(appFolder, appName) } catch (e) { return result('(the models)', false, e) }
  const tests: { name: string; fn: TestFn }[] = []
  sh.env.test = (name: string, fn: TestFn) => {
    if (typeof name !== 'string' || typeof fn !== 'function') throw new TypeError('test(name, fn): a name and a function')
    tests.push({ name, fn })
  }
  sh.env.assert = assert
  try {
    try {
      sh.run(() => appRuntime(appName, appFolder).runFile(path.join(appFolder, rel), sh.env))
    } catch (e) {
      return await result('(loading the file)', false, e)
    }
    for (const t of tests) {
      const start = performance.now()
      try {
        await sh.run(() => withTimeout(t.fn(), t.name))
        await result(t.name, true, undefined, start)
      } catch (e) {
        await result(t.name, false, e, start)
      }
    }
  } finally {
    await sh.rollback().catch(() => undefined)
    await sh.close().catch(() => undefined)
  }
}

process.once('message', async (m: { appFolder: string; appName: string; files: string[] }) => {
  for (const rel of m.files) await runFile(m.appFolder, m.appName, rel)
  await send({ type: 'end' })
  process.exit(0)
})
process.on('disconnect', () => process.exit(0))
