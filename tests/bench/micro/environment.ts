/**
 * Per-request environment overhead (server/environment): a fresh request
 * state and environment, the welcome app's models (3 files), the controller
 * and its `hello` action, the transaction commit — through the room's
 * exported `runInApp`, the same path cron and the scheduler take. No HTTP.
 */
import { importRoom, measure, result, skipped, type MicroResult } from './measure'
import { copyWelcome, modelCount } from './welcome-copy'

export async function envMicros(): Promise<MicroResult[]> {
  const name = 'per-request environment: state + env + welcome models + controller + hello action'
  const { mod, why } = await importRoom('environment')
  if (!mod) return [skipped('env-request', name, why!)]
  if (typeof mod.runInApp !== 'function') return [skipped('env-request', name, 'server/environment does not export runInApp')]
  let copy: ReturnType<typeof copyWelcome>
  try { copy = copyWelcome() } catch (e) { return [skipped('env-request', name, (e as Error).message)] }
  const prevTypes = process.env.QUARK_NO_TYPES
  process.env.QUARK_NO_TYPES = '1' // the declaration file is written once per model list anyway; keep it out of the temp copy
  try {
    const run = () => mod.runInApp(copy.folder, 'welcome', { controller: 'default', function: 'hello' }) as Promise<unknown>
    const first = await run()
    if (first !== 'Hello World') return [skipped('env-request', name, `hello returned ${JSON.stringify(first)}`)]
    const us = await measure(run, { warmupMs: 300, runMs: 1000 })
    return [result('env-request', name, us, { note: `${modelCount(copy.folder)} model files` })]
  } catch (e) {
    return [skipped('env-request', name, `failed: ${String((e as Error).message).split('\n')[0].slice(0, 200)}`)]
  } finally {
    if (prevTypes === undefined) delete process.env.QUARK_NO_TYPES
    else process.env.QUARK_NO_TYPES = prevTypes
    copy.remove()
  }
}
