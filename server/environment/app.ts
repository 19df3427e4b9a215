/**
 * One app's runtime: its module loader, template engine, translator and
 * cache (each made once per app), and the two steps of a request that run
 * app code: the models (alphabetical, then conditional ones) and the controller.
 */
import path from 'node:path'
import { compiledScript, compileGeneration, listDir } from './compiler'
import { captureScope, recordScope } from './schema'
import { deriveShape, scopeShape, setScopeShape, type ScopedScript } from './scope'
import { viewsFolderOf } from '../compile/twin'
import { ModuleLoader } from './modules'
import { writeAppTypes } from './types'
import { getStaticNames, optionalRoom } from './names'
import { interpolate } from '../current'
import { QK_DISPATCH_NO_CONTROLLER, QK_DISPATCH_NO_FUNCTION } from '../dispatch'

export interface TemplateEngineLike {
  has(view: string): boolean
  /** a string at once for a view that does not await (throws on errors), else a promise */
  renderNow(view: string, scope: Record<string, unknown>, shape?: number, vars?: Record<string, unknown>, delimiters?: readonly string[]): string | Promise<string>
}

type TFn = ((text: string, symbols?: unknown) => unknown) & { force?: (lang: string) => void }

export class AppRuntime {
  readonly loader: ModuleLoader
  private engine: TemplateEngineLike | undefined | null = null
  private engineViews = ''
  private translator: { forRequest(al?: string): TFn } | undefined | null = null
  private appCache: unknown = null
  private typesKey: readonly string[] | undefined
  /** compile generation whose live schema was read, for the top models and per controller scope */
  private schemaGen = -1
  private readonly schemaGens = new Map<string, number>()

  /** <app>/models and each controller's file path, joined once (no path.join per request) */
  private readonly modelsRoot: string
  private readonly controllerFiles = new Map<string, string>()
  private readonly conditionalDirs = new Map<string, string>()

  constructor(readonly name: string, readonly folder: string) {
    this.loader = new ModuleLoader(folder, getStaticNames)
    this.modelsRoot = path.join(folder, 'models')
  }

  private conditionalDir(...parts: string[]): string {
    const key = parts.join('/')
    let d = this.conditionalDirs.get(key)
    if (d === undefined) {
      d = path.join(this.modelsRoot, ...parts)
      if (this.conditionalDirs.size < 10000) this.conditionalDirs.set(key, d)
    }
    return d
  }

  /** The app's TemplateEngine, or undefined while template/ does not exist. */
  templates(): TemplateEngineLike | undefined {
    const views = viewsFolderOf(this.folder)  // compiled/views for a compiled app (server/compile)
    if (this.engine === null || views !== this.engineViews) {
      this.engineViews = views
      const mod = optionalRoom('template', () => require('../template'))
      const Engine = mod?.TemplateEngine as (new (o: { viewsFolder: string }) => TemplateEngineLike) | undefined
      this.engine = Engine ? new Engine({ viewsFolder: views }) : undefined
    }
    return this.engine
  }

  /** T for one request (from i18n/ when present, else identity with %s interpolation). */
  T(acceptLanguage?: string): TFn {
    if (this.translator === null) {
      const mod = optionalRoom('i18n', () => require('../i18n'))
      const translatorFor = mod?.translatorFor as ((folder: string) => { forRequest(al?: string): TFn }) | undefined
      this.translator = translatorFor ? translatorFor(this.folder) : undefined
    }
    if (this.translator) return this.translator.forRequest(acceptLanguage)
    const t: TFn = (text: string, symbols?: unknown) => (symbols === undefined ? text : interpolate(text, symbols))
    t.force = () => {}
    return t
  }

  /** The app's cache (cache/'s cacheFor when present, else a small in-memory `ram`). */
  cache(): unknown {
    if (this.appCache === null) {
      const mod = optionalRoom('cache', () => require('../cache'))
      const cacheFor = mod?.cacheFor as ((folder: string) => unknown) | undefined
      this.appCache = cacheFor ? cacheFor(this.folder) : minimalCache()
    }
    return this.appCache
  }

  /** The model files for a request: models/*.ts, then models/<c>/*.ts, then models/<c>/<f>/*.ts. */
  modelFiles(controller?: string, fn?: string): string[] {
    const top = listDir(this.modelsRoot)
    if (!controller || !top.dirs.includes(controller)) return top.ts
    const c = listDir(this.conditionalDir(controller))
    if (!fn || !c.dirs.includes(fn)) return top.ts.concat(c.ts)
    return top.ts.concat(c.ts, listDir(this.conditionalDir(controller, fn)).ts)
  }

  /** Run one app file in `env`; its exports become names of `env`. */
  runFile(file: string, env: Record<string, unknown>): void {
    const script = compiledScript(file)
    if (!script) return
    const before = scopeShape(env)
    if (script.canRunInto) {
      // the common case: the script assigns its exports straight into env (ScopedScript.runInto)
      script.runInto(env, env, script.usesRequire ? this.loader.requireFrom(file) : undefined, before)
      if (before !== undefined) advanceShape(env, script, before)
      return
    }
    const module = { exports: {} as Record<string, unknown> }
    const given = module.exports
    script.run(env, [given, module, this.loader.requireFrom(file)], before)
    const ex = module.exports
    if (script.exportNames !== undefined && ex === given) {
      const names = script.exportNames
      for (let i = 0; i < names.length; i++) env[names[i]!] = ex[names[i]!]
      if (before !== undefined) advanceShape(env, script, before)
      return
    }
    const keys = Object.keys(ex)
    for (const k of keys) env[k] = ex[k]
    // keep env's declared shape (scope.ts) in step with the names it now holds
    if (before !== undefined && keys.length) setScopeShape(env, deriveShape(before, keys.join(',')))
  }

  runModels(env: Record<string, unknown>, controller?: string, fn?: string): void {
    const top = listDir(this.modelsRoot).ts
    if (top !== this.typesKey) this.refreshTypes(top)
    const files = this.modelFiles(controller, fn)
    for (const f of files) this.runFile(f, env)
    // one compare per request: the live schema is read again only after a file was (re)compiled
    if (compileGeneration() !== this.schemaGen || files !== top) this.liveSchema(env, files === top ? '' : controller!)
  }

  /**
   * After models that changed ran: their DALs' tables and fields (read now, in the request's context,
   * where lazy tables can be built) go to schema.json and the declarations on a later tick.
   */
  private liveSchema(env: Record<string, unknown>, scopeKey: string): void {
    const gen = compileGeneration()
    if (scopeKey === '') this.schemaGen = gen
    if (this.schemaGens.get(scopeKey) === gen || process.env.QUARK_NO_TYPES === '1') return
    this.schemaGens.set(scopeKey, gen)
    let scope
    try { scope = captureScope(env) } catch { return }
    setImmediate(() => {
      try { if (recordScope(this.folder, scopeKey, scope)) writeAppTypes(this.folder) } catch (e) { process.stderr.write(`quark: cannot write types of ${this.name}: ${(e as Error).message}\n`) }
    })
  }

  /** Rewrite the app's declaration file when the list of models changed (never on the hot path otherwise). */
  private refreshTypes(top: readonly string[]): void {
    const changed = !this.typesKey || this.typesKey.join('\0') !== top.join('\0')
    this.typesKey = top
    if (!changed || process.env.QUARK_NO_TYPES === '1') return
    try { writeAppTypes(this.folder) } catch (e) { process.stderr.write(`quark: cannot write types of ${this.name}: ${(e as Error).message}\n`) }
  }

  /** Run the controller file in `env` and return the action (404 when missing or private). */
  action(env: Record<string, unknown>, controller: string, fn: string): () => unknown {
    let file = this.controllerFiles.get(controller)
    if (file === undefined) {
      file = path.join(this.folder, 'controllers', `${controller}.ts`)
      if (this.controllerFiles.size < 10000) this.controllerFiles.set(controller, file)
    }
    const script = compiledScript(file)
    if (!script) throw new QK_DISPATCH_NO_CONTROLLER(`${this.name}/${controller}`)
    let exported: Record<string, unknown>
    if (script.canRunInto) script.runInto(env, exported = {}, script.usesRequire ? this.loader.requireFrom(file) : undefined)
    else {
      const module = { exports: {} as Record<string, unknown> }
      script.run(env, [module.exports, module, this.loader.requireFrom(file)])
      exported = module.exports
    }
    // own exports only: `toString`, `constructor`, ... of Object.prototype are no actions
    const action = fn.charCodeAt(0) === 95 /* _ */ || !Object.hasOwn(exported, fn) ? undefined : exported[fn]
    if (typeof action !== 'function') throw new QK_DISPATCH_NO_FUNCTION(`${this.name}/${controller}/${fn}`)
    return action as () => unknown
  }
}

/** env got `script`'s exports (known since compile time): its shape moves on by the transition they make, cached per script */
function advanceShape(env: Record<string, unknown>, script: ScopedScript, before: number): void {
  if (!script.exportNames!.length) return
  let after = script.shapeAfterExports.get(before)
  if (after === undefined) { after = deriveShape(before, script.exportToken!); if (script.shapeAfterExports.size < 256) script.shapeAfterExports.set(before, after) }
  setScopeShape(env, after)
}

function minimalCache() {
  const store = new Map<string, { value: unknown; at: number }>()
  return {
    /** cache.ram(key, fn, seconds): the value of fn, kept `seconds` (null: forever) */
    ram<T>(key: string, fn: (() => T) | null, seconds: number | null = 300): T | undefined {
      const e = store.get(key)
      if (fn === null) { store.delete(key); return undefined }
      if (e && (seconds === null || Date.now() - e.at < seconds * 1000)) return e.value as T
      const value = fn()
      store.set(key, { value, at: Date.now() })
      return value
    },
    clear() { store.clear() },
  }
}

const runtimes = new Map<string, Map<string, AppRuntime>>()

/** The runtime of the app in `folder` (one per folder per process). */
export function appRuntime(name: string, folder: string): AppRuntime {
  // keyed by folder, then name: both strings come from the registry, so no key is built per request
  let byName = runtimes.get(folder)
  if (!byName) { byName = new Map(); runtimes.set(folder, byName) }
  let r = byName.get(name)
  if (!r) { r = new AppRuntime(name, folder); byName.set(name, r) }
  return r
}
