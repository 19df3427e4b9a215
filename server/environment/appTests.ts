/**
 * `quark test <app>`: the app's own tests, `<app>/tests/*.ts` in name order.
 *
 * Each file runs in a fresh environment of the app (its models executed, as
 * in `quark shell`), where it also sees `test(name, fn)` and `assert`
 * (node:assert/strict). The file registers its tests; they then run one after
 * the other, each within `timeoutMs`. Whatever a file did to the app's
 * databases is rolled back when its tests end: tests never change the app's data.
 */
import fs from 'node:fs'
import path from 'node:path'
import assert from 'node:assert/strict'
import { appShellEnvironment } from './runInApp'
import { appRuntime } from './app'

export interface AppTestResult { file: string; name: string; ok: boolean; error?: string; ms: number }
export interface AppTestReport { files: number; passed: number; failed: number; results: AppTestResult[] }
export interface AppTestOptions {
  /** one line per result, TAP-like (`ok 1 - file: name`) */
  log?: (line: string) => void
  /** per test; default 30 s */
  timeoutMs?: number
}

type TestFn = () => unknown

function message(e: unknown): string {
  const err = e as { message?: string; stack?: string } | undefined
  return String(err?.message ?? e).split('\n').slice(0, 8).join('\n')
}

function withTimeout(p: unknown, ms: number, name: string): Promise<unknown> {
  if (!p || typeof (p as Promise<unknown>).then !== 'function') return Promise.resolve(p)
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    (p as Promise<unknown>).finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`test "${name}" did not finish within ${ms} ms`)), ms) }),
  ])
}

/** The test files of an app: tests/*.ts (not .d.ts), sorted. */
export function appTestFiles(appFolder: string): string[] {
  const dir = path.join(appFolder, 'tests')
  let names: string[]
  try { names = fs.readdirSync(dir) } catch { return [] }
  return names.filter((n) => n.endsWith('.ts') && !n.endsWith('.d.ts')).sort().map((n) => path.join(dir, n))
}

export async function runAppTests(appFolder: string, appName: string, o: AppTestOptions = {}): Promise<AppTestReport> {
  const log = o.log ?? (() => {})
  const timeoutMs = o.timeoutMs ?? 30_000
  const folder = path.resolve(appFolder)
  const report: AppTestReport = { files: 0, passed: 0, failed: 0, results: [] }
  const record = (r: AppTestResult) => {
    report.results.push(r)
    if (r.ok) report.passed++
    else report.failed++
    log(`${r.ok ? 'ok' : 'not ok'} ${report.results.length} - ${r.file}: ${r.name} (${r.ms.toFixed(0)} ms)`)
    if (r.error) for (const l of r.error.split('\n')) log(`  # ${l}`)
  }
  for (const file of appTestFiles(folder)) {
    report.files++
    const rel = path.relative(folder, file).split(path.sep).join('/')
    const t0 = performance.now()
    let sh: Awaited<ReturnType<typeof appShellEnvironment>>
    try {
      sh = await appShellEnvironment(folder, appName)
    } catch (e) {
      record({ file: rel, name: '(the models)', ok: false, error: message(e), ms: performance.now() - t0 })
      continue
    }
    const tests: { name: string; fn: TestFn }[] = []
    sh.env.test = (name: string, fn: TestFn) => {
      if (typeof name !== 'string' || typeof fn !== 'function') throw new TypeError('test(name, fn): a name and a function')
      tests.push({ name, fn })
    }
    sh.env.assert = assert
    try {
      try {
        sh.run(() => appRuntime(appName, folder).runFile(file, sh.env))
      } catch (e) {
        record({ file: rel, name: '(loading the file)', ok: false, error: message(e), ms: performance.now() - t0 })
        continue
      }
      if (!tests.length) log(`# ${rel}: no test() in this file`)
      for (const t of tests) {
        const start = performance.now()
        try {
          await sh.run(() => withTimeout(t.fn(), timeoutMs, t.name))
          record({ file: rel, name: t.name, ok: true, ms: performance.now() - start })
        } catch (e) {
          record({ file: rel, name: t.name, ok: false, error: message(e), ms: performance.now() - start })
        }
      }
    } finally {
      await sh.rollback().catch(() => undefined)
      await sh.close().catch(() => undefined)
    }
  }
  return report
}
