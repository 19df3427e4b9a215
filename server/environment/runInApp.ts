/**
 * Running app code without HTTP (cron, the scheduler, `quark shell`):
 * the models run in a fresh environment, then an action or a script, in a
 * transaction (commit on success, rollback on error); errors become tickets.
 */
import path from 'node:path'
import fs from 'node:fs'
import { newState, runInContext, type CurrentState } from '../current'
import { makeArgs, QuarkResponse, type QuarkRequest } from '../http'
import { NAME } from '../dispatch'
import { saveTicket } from '../tickets'
import { compileScoped, forgetScopeShape } from './scope'
import { transformSync } from 'esbuild'
import { registerSourceMap } from './sourcemaps'
import { appRuntime } from './app'
import { buildEnvironment, commitAll, releaseAll, rollbackAll } from './lifecycle'
import { QK_ENV_BAD_RUN } from './errors'

export type RunSpec =
  | { controller: string; function: string; args?: string[]; vars?: Record<string, unknown> }
  | { script: string; filename?: string }

/** A request-like object for runs without HTTP. */
function offlineRequest(app: string, controller: string, fn: string, args: string[], vars: Record<string, unknown>): QuarkRequest {
  const v = Object.assign(Object.create(null), vars) as Record<string, unknown>
  return {
    application: app, controller, function: fn, extension: 'html', args: makeArgs(args), vars: v, getVars: v, postVars: Object.create(null),
    cookies: Object.create(null), headers: {}, method: 'RUN', path: `/${app}/${controller}/${fn}`, url: `/${app}/${controller}/${fn}`,
    client: '127.0.0.1', isLocal: true, isHttps: false, scheme: 'http', host: 'localhost', ajax: false, now: new Date(),
    uuid: `${Date.now()}`, body: undefined, files: [], raw: undefined as never,
  }
}

function makeState(appFolder: string, appName: string, request: QuarkRequest): CurrentState {
  const rt = appRuntime(appName, path.resolve(appFolder))
  const session = Object.defineProperties({}, { forget: { value: () => {} }, renew: { value: () => {} } })
  return newState(rt.folder, appName, { request, response: new QuarkResponse(true), session, T: rt.T() as CurrentState['T'], cache: rt.cache() })
}

/**
 * Run an action (`{ controller, function, args, vars }`) or a TypeScript
 * snippet (`{ script }`, whose `return` value is the result) in the app's
 * environment. Resolves with the result; rejects with the error after
 * storing a ticket (the error gets a `ticket` property).
 */
export async function runInApp(appFolder: string, appName: string, spec: RunSpec): Promise<unknown> {
  if (!fs.existsSync(appFolder)) throw new QK_ENV_BAD_RUN(`no app folder ${appFolder}`)
  const isScript = 'script' in spec
  if (!isScript && (!NAME.test(spec.controller) || !NAME.test(spec.function) || spec.function.startsWith('_'))) {
    throw new QK_ENV_BAD_RUN(`${spec.controller}/${spec.function}`)
  }
  const controller = isScript ? 'default' : spec.controller
  const fn = isScript ? 'index' : spec.function
  const request = offlineRequest(appName, controller, fn, isScript ? [] : spec.args ?? [], isScript ? {} : spec.vars ?? {})
  const state = makeState(appFolder, appName, request)
  const rt = appRuntime(appName, state.appFolder)
  return runInContext(state, async () => {
    try {
      const env = buildEnvironment(state)
      rt.runModels(env, isScript ? undefined : controller, isScript ? undefined : fn)
      let result: unknown
      if (isScript) {
        const filename = spec.filename ?? path.join(state.appFolder, '.quark', `script-${Date.now()}.ts`)
        const out = transformSync(spec.script, { loader: 'ts', format: 'cjs', sourcemap: 'external', target: 'node20', sourcefile: filename })
        registerSourceMap(filename, filename, out.map)
        const s = compileScoped(out.code, { filename, params: ['exports', 'module', 'require'], async: true })
        const module = { exports: {} }
        result = await s.run(env, [module.exports, module, rt.loader.requireFrom(path.join(state.appFolder, 'controllers', 'default.ts'))])
      } else {
        result = await rt.action(env, controller, fn)()
      }
      await commitAll(state)
      return result
    } catch (e) {
      await rollbackAll(state)
      const id = saveTicket({ app: appName, appFolder: state.appFolder, error: e, clientIp: 'local', method: 'RUN', url: request.url, vars: request.vars as Record<string, unknown> })
      if (e && typeof e === 'object') Object.defineProperty(e, 'ticket', { value: id, configurable: true })
      throw e
    } finally {
      await releaseAll(state)
    }
  })
}

/**
 * The environment of an app after its models ran, for an interactive shell.
 * The caller runs its code inside `run(fn)` (so `current` works) and calls
 * `commit()` / `rollback()` as it pleases, then `close()`.
 */
export async function appShellEnvironment(appFolder: string, appName: string, controller?: string, fn?: string): Promise<{
  env: Record<string, unknown>
  run<R>(fn: () => R): R
  commit(): Promise<void>
  rollback(): Promise<void>
  close(): Promise<void>
}> {
  // `controller` (and `fn`): its conditional models run too (quark types reads each one's schema)
  const request = offlineRequest(appName, controller ?? 'default', fn || 'index', [], {})
  const state = makeState(appFolder, appName, request)
  const rt = appRuntime(appName, state.appFolder)
  const env = buildEnvironment(state)
  runInContext(state, () => rt.runModels(env, controller, fn))
  forgetScopeShape(env) // the shell (and its callers) may add names to env as they please
  return {
    env,
    run: (fn) => runInContext(state, fn),
    commit: () => commitAll(state),
    rollback: () => rollbackAll(state),
    close: () => releaseAll(state),
  }
}
