/**
 * `require` for app code. Relative imports resolve to the app's own files
 * (modules/ and friends), loaded once per app and re-run when their file
 * changes; `quark` gives the framework names; anything else is a node
 * built-in or a package (the app's own node_modules first, then Quark's).
 * A relative import leading outside the app folder is refused.
 * In a compiled app (server/compile) the files are looked for as their
 * compiled twins under <app>/compiled/, so the sources may be gone.
 */
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { compiledScript } from './compiler'
import { compiledTwin } from '../compile/twin'
import type { ScopedScript } from './scope'
import { QK_ENV_MODULE_NOT_FOUND, QK_ENV_MODULE_OUTSIDE } from './errors'

type RequireFn = (spec: string) => unknown
interface ModuleRecord { script: ScopedScript | undefined; module: { exports: unknown } }

const frameworkRequire = createRequire(__filename)
const EXTS = ['', '.ts', '.js', '/index.ts', '/index.js', '.json']

export class ModuleLoader {
  private readonly records = new Map<string, ModuleRecord>()
  private readonly requires = new Map<string, RequireFn>()
  private readonly resolved = new Map<string, string>()
  private readonly appRequire: NodeRequire

  constructor(readonly appFolder: string, private readonly scope: () => Record<string, unknown>) {
    this.appRequire = createRequire(path.join(appFolder, 'package.json'))
  }

  /** The `require` given to the code of `fromFile` (one function per file, cached). */
  requireFrom(fromFile: string): RequireFn {
    let r = this.requires.get(fromFile)
    if (!r) {
      const dir = path.dirname(fromFile)
      r = (spec: string) => this.load(spec, dir, fromFile)
      this.requires.set(fromFile, r)
    }
    return r
  }

  private load(spec: string, dir: string, fromFile: string): unknown {
    if (spec === 'quark') return this.scope()
    if (spec.startsWith('./') || spec.startsWith('../') || spec === '.' || spec === '..') {
      const key = `${dir}\0${spec}`
      let file = this.resolved.get(key)
      if (!file || !fs.existsSync(compiledTwin(file) ?? file)) {
        file = this.resolve(spec, dir, fromFile)
        this.resolved.set(key, file)
      }
      return this.execute(file)
    }
    if (path.isAbsolute(spec)) throw new QK_ENV_MODULE_OUTSIDE(spec, fromFile)
    try { return this.appRequire(spec) } catch (e) {
      if ((e as { code?: string }).code !== 'MODULE_NOT_FOUND') throw e
    }
    return frameworkRequire(spec)
  }

  private resolve(spec: string, dir: string, fromFile: string): string {
    const base = path.resolve(dir, spec)
    if (base !== this.appFolder && !base.startsWith(this.appFolder + path.sep)) throw new QK_ENV_MODULE_OUTSIDE(spec, fromFile)
    // the source path is returned; for a compiled app it is its compiled twin that must exist
    for (const ext of EXTS) {
      const f = base + ext
      try { if (fs.statSync(compiledTwin(f) ?? f).isFile()) return f } catch { /* try the next */ }
    }
    // esbuild keeps `.js` in specifiers written for ESM output: try the .ts twin
    if (base.endsWith('.js')) {
      const f = base.slice(0, -3) + '.ts'
      if (fs.existsSync(compiledTwin(f) ?? f)) return f
    }
    throw new QK_ENV_MODULE_NOT_FOUND(spec, fromFile)
  }

  private execute(file: string): unknown {
    if (file.endsWith('.json')) {
      const real = compiledTwin(file) ?? file  // keyed by the file read: compiling or removing the compiled form reloads it
      let rec = this.records.get(real)
      if (!rec) {
        rec = { script: undefined, module: { exports: JSON.parse(fs.readFileSync(real, 'utf8')) } }
        this.records.set(real, rec)
      }
      return rec.module.exports
    }
    const script = compiledScript(file, true)
    if (!script) throw new QK_ENV_MODULE_NOT_FOUND(file, this.appFolder)
    const rec = this.records.get(file)
    if (rec && rec.script === script) return rec.module.exports
    // first load, or the file changed: (re)run it once for the whole app
    const module = { exports: {} as unknown }
    const fresh: ModuleRecord = { script, module }
    this.records.set(file, fresh) // set before running, so import cycles see the partial exports
    try {
      script.run(this.scope(), [module.exports, module, this.requireFrom(file)])
    } catch (e) {
      this.records.delete(file)
      throw e
    }
    return module.exports
  }
}
