/**
 * TemplateEngine: one per app. A view is compiled once (with its layouts and
 * includes) into a scoped function and cached; every file involved is
 * stat-checked at most every `checkInterval` ms, and any change recompiles.
 * Rendering never reads a file.
 *
 * A views folder holding PRECOMPILED_INDEX (what `quark compile` writes to
 * <app>/compiled/views) is served from its precompiled modules instead: no
 * template is read or parsed; a view missing from the index is a missing view.
 */
import fs from 'node:fs'
import path from 'node:path'
import { compileScoped, type ScopedScript } from '../environment/scope'
import { registerLineMapper, forgetSourceMap, originalPosition } from '../environment/sourcemaps'
import { xmlescape } from '../html/index'
import { compileTemplate } from './compile'
import { parseTemplate, checkDelimiters, type Delimiters } from './parse'
import { PRECOMPILED_INDEX, loadPrecompiledView, readPrecompiledIndex } from './precompiled'
import { QK_TEMPLATE_BAD_PATH, QK_TEMPLATE_NOT_FOUND, QK_TEMPLATE_PRECOMPILED_DELIMITERS } from './errors'
import { throttleNow } from '../current'

export interface TemplateEngineOptions {
  viewsFolder: string
  /** minimum ms between two stat checks of a cached view's files (default 250; 0 checks on every render) */
  checkInterval?: number
}

interface Entry {
  script: ScopedScript
  texts: readonly string[]
  filename: string
  stamps: Array<{ path: string; stamp: string }>
  checkedAt: number
}

/**
 * What compiled templates receive as `__q`: `e`, the escaping rule
 * (null/undefined → '', helpers → .xml()), and `vars`, the action's result
 * (web2py's response._vars; generic views show them): given by the caller,
 * else the render scope itself.
 */
interface Runtime { e: typeof xmlescape; vars: Record<string, unknown>; t: readonly string[] }
function runtime(scope: Record<string, unknown>, entry: Entry, vars?: Record<string, unknown>): Runtime {
  return { e: xmlescape, vars: vars ?? scope, t: entry.texts }
}

/** The action's values in a render scope: its own keys (the framework names are inherited). */
export function viewVars(scope: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(scope)) out[k] = scope[k]
  return out
}

/** Where in a template an error was raised, attached to errors thrown while rendering. */
export interface TemplatePosition { source: string; line: number }

function stampOf(p: string): string {
  try { const s = fs.statSync(p); return s.mtimeMs + ':' + s.size } catch { return 'missing' }
}

const MAX_PRESENCE = 2000

export class TemplateEngine {
  readonly viewsFolder: string
  private readonly checkInterval: number
  private readonly cache = new Map<string, Entry>()
  /** has() answers (present or missing), re-checked at most every checkInterval ms like compiled views */
  private readonly presence = new Map<string, { exists: boolean; checkedAt: number }>()
  private compiles = 0
  /** the precompiled index when the folder holds one (re-checked like the views), with the set of its views */
  private precompiled: { sources: string; views: Set<string> } | undefined
  private indexStamp = ''
  private indexCheckedAt = -Infinity

  constructor(opts: TemplateEngineOptions) {
    this.viewsFolder = path.resolve(opts.viewsFolder)
    this.checkInterval = opts.checkInterval ?? 250
  }

  /** How many template compilations this engine has done (precompiled views loaded are not counted). */
  get compileCount(): number { return this.compiles }

  /** Absolute path of a view-relative name; refuses names that leave the views folder. */
  resolve(view: string): string {
    if (typeof view !== 'string' || !view || path.isAbsolute(view) || view.includes('\0')) throw new QK_TEMPLATE_BAD_PATH(String(view))
    const full = path.resolve(this.viewsFolder, view)
    if (!full.startsWith(this.viewsFolder + path.sep)) throw new QK_TEMPLATE_BAD_PATH(view)
    return full
  }

  /**
   * Whether `view` exists as a file. Called for every action result, so the
   * answer (negative ones too) is cached and the file re-stat'ed at most every
   * `checkInterval` ms, the same staleness the compiled views accept.
   */
  has(view: string): boolean {
    const now = throttleNow()
    const pre = this.precompiledIndex(now)
    const known = this.presence.get(view)
    if (known && now - known.checkedAt < this.checkInterval) return known.exists
    let exists: boolean
    try { exists = pre ? pre.views.has(this.relative(view)) : fs.statSync(this.resolve(view)).isFile() } catch { exists = false }
    if (known) { known.exists = exists; known.checkedAt = now } else {
      // names can come from URLs (extensions): bound the cache so requests cannot grow it without limit
      if (this.presence.size >= MAX_PRESENCE) this.presence.clear()
      this.presence.set(view, { exists, checkedAt: now })
    }
    return exists
  }

  /**
   * Render `view` with the names of `scope` visible (request environment + the action's result);
   * `shape` is the scope's shape when the caller knows it (environment/scope.ts); `vars` the
   * action's result when the scope holds more names than it (`__q.vars`); `delimiters` the
   * render's own (`response.delimiters`; default `{{` `}}`), each compiled variant cached apart.
   */
  async render(view: string, scope: Record<string, unknown>, shape?: number, vars?: Record<string, unknown>, delimiters?: readonly string[]): Promise<string> {
    return this.renderNow(view, scope, shape, vars, delimiters)
  }

  /**
   * As render, but a view without `await` answers its string at once and a failing one throws:
   * a promise only for a view that awaits (the request lifecycle's path: no promise, and no
   * AsyncLocalStorage hooks on one, for the common page).
   */
  renderNow(view: string, scope: Record<string, unknown>, shape?: number, vars?: Record<string, unknown>, delimiters?: readonly string[]): string | Promise<string> {
    const entry = this.entry(view, delimiters)
    let out: unknown
    try { out = entry.script.run(scope, [runtime(scope, entry, vars)], shape) } catch (e) { annotate(e, entry.filename); throw e }
    if (typeof out === 'string') return out
    return (out as Promise<string>).then(undefined, (e: unknown) => { annotate(e, entry.filename); throw e })
  }

  /** Synchronous render for views without `await` (throws if the view is async). */
  renderSync(view: string, scope: Record<string, unknown>, delimiters?: readonly string[]): string {
    const entry = this.entry(view, delimiters)
    let out: unknown
    try { out = entry.script.run(scope, [runtime(scope, entry)]) } catch (e) { annotate(e, entry.filename); throw e }
    if (typeof out !== 'string') throw new TypeError(`renderSync: view ${view} is async; use render()`)
    return out
  }

  /** Whether this engine serves precompiled views (its folder holds PRECOMPILED_INDEX). */
  get isPrecompiled(): boolean { return this.precompiledIndex(throttleNow()) !== undefined }

  /** The view-relative name ('/' separated) of a view name; refuses names that leave the views folder. */
  private relative(view: string): string {
    return path.relative(this.viewsFolder, this.resolve(view)).split(path.sep).join('/')
  }

  /**
   * The precompiled index, re-read when its file changes (stat at most every
   * checkInterval ms). Switching between precompiled and source forms, or a
   * new compile, forgets every cached view.
   */
  private precompiledIndex(now: number): { sources: string; views: Set<string> } | undefined {
    if (now - this.indexCheckedAt < this.checkInterval) return this.precompiled
    this.indexCheckedAt = now
    const file = path.join(this.viewsFolder, PRECOMPILED_INDEX)
    const stamp = stampOf(file)
    if (stamp !== this.indexStamp) {
      const idx = stamp === 'missing' ? undefined : readPrecompiledIndex(file)
      this.precompiled = idx ? { sources: idx.sources, views: new Set(idx.views) } : undefined
      this.indexStamp = stamp
      this.cache.clear()
      this.presence.clear()
    }
    return this.precompiled
  }

  private entry(view: string, delimiters?: readonly string[]): Entry {
    const delims = delimiters === undefined ? undefined : checkDelimiters(delimiters)
    // a view compiled with other delimiters is another function: cached under its own key
    const key = delims ? view + '\0' + delims[0] + '\0' + delims[1] : view
    const now = throttleNow()
    const pre = this.precompiledIndex(now)
    if (pre && delims) throw new QK_TEMPLATE_PRECOMPILED_DELIMITERS(view, JSON.stringify(delims))
    let entry = this.cache.get(key)
    if (entry && now - entry.checkedAt >= this.checkInterval) {
      entry.checkedAt = now
      if (entry.stamps.some((s) => stampOf(s.path) !== s.stamp)) entry = undefined
    }
    if (!entry) {
      entry = pre ? this.load(view, pre) : this.compile(view, delims)
      this.cache.set(key, entry)
    }
    return entry
  }

  private compile(view: string, delims?: Delimiters): Entry {
    const stamps: Array<{ path: string; stamp: string }> = []
    const compiled = compileTemplate(view, (name) => {
      const p = this.resolve(name)
      let source: string
      // Stamp before reading so an edit made during compilation triggers another compile.
      const stamp = stampOf(p)
      try { source = fs.readFileSync(p, 'utf8') } catch { throw new QK_TEMPLATE_NOT_FOUND(name) }
      if (!stamps.some((s) => s.path === p)) stamps.push({ path: p, stamp })
      return { path: p, parsed: parseTemplate(source, p, delims) }
    })
    this.compiles++
    // The compiled function's filename: the view's path with a suffix, so stack frames are recognisable
    // (a variant with other delimiters gets its own, so each keeps its own line map).
    const filename = this.resolve(view) + (delims ? '.' + delimiterTag(delims) : '') + '.compiled.js'
    forgetSourceMap(filename)
    registerLineMapper(filename, (line, column) => compiled.position(line, column))
    const script = compileScoped(compiled.js, { filename, params: ['__q'], async: compiled.isAsync })
    return { script, texts: compiled.texts, filename, stamps, checkedAt: throttleNow() }
  }

  /** A precompiled view: its module's render function, bound like a compiled template, with its line map registered. */
  private load(view: string, pre: { sources: string; views: Set<string> }): Entry {
    const rel = this.relative(view)
    if (!pre.views.has(rel)) throw new QK_TEMPLATE_NOT_FOUND(view)
    const file = path.join(this.viewsFolder, ...rel.split('/')) + '.js'
    const stamp = stampOf(file)
    let text: string
    try { text = fs.readFileSync(file, 'utf8') } catch { throw new QK_TEMPLATE_NOT_FOUND(view) }
    const mod = loadPrecompiledView(text, file)
    const filename = this.resolve(view) + '.compiled.js'
    const sources = path.resolve(this.viewsFolder, pre.sources)
    forgetSourceMap(filename)
    // the body runs one line below the scoped wrapper's prefix (see the '\n' below)
    registerLineMapper(filename, (line, column) => {
      const p = mod.position(line - 1, line === 1 ? 1 : column)
      return p ? { source: path.join(sources, ...p.file.split('/')), line: p.line, column: 1 } : undefined
    })
    const script = compileScoped('\n' + mod.body, { filename, params: mod.params, async: mod.isAsync })
    return { script, texts: mod.texts, filename, stamps: [{ path: file, stamp }], checkedAt: throttleNow() }
  }
}

/** A short file-name-safe tag for a pair of delimiters. */
function delimiterTag(d: Delimiters): string {
  let h = 5381
  for (const ch of d[0] + '\0' + d[1]) h = ((h * 33) ^ ch.charCodeAt(0)) >>> 0
  return 'd' + h.toString(36)
}

/** The template position of an error raised in compiled template `filename`, from its stack. */
export function templatePosition(e: unknown, filename?: string): TemplatePosition | undefined {
  const stack = e instanceof Error ? e.stack ?? '' : ''
  for (const m of stack.matchAll(/\(?([^\s()]+\.compiled\.js):(\d+):(\d+)\)?/g)) {
    if (filename && m[1] !== filename) continue
    const pos = originalPosition(m[1]!, Number(m[2]), Number(m[3]))
    if (pos) return { source: pos.source, line: pos.line }
  }
  return undefined
}

function annotate(e: unknown, filename: string): void {
  if (e && typeof e === 'object' && !(e as { templatePosition?: unknown }).templatePosition) {
    const pos = templatePosition(e, filename)
    if (pos) Object.defineProperty(e, 'templatePosition', { value: pos, enumerable: false, configurable: true })
  }
}
