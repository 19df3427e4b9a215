/**
 * Scoped scripts: the mechanism behind web2py's "names a model defines are
 * visible everywhere without imports".
 *
 * A file's JavaScript (already stripped of types by esbuild) is compiled ONCE
 * with vm.runInThisContext (no new V8 context per request). At run time the
 * names it mentions that exist in the scope object are bound as local
 * variables of an outer function, and the file's code runs in an inner
 * function, so its own declarations shadow them freely. The outer wrapper is
 * specialised (and cached) per set of bound names, which in practice is one
 * compilation per file.
 *
 * Helper definitions given as `prelude` (esbuild's, see lowerExports.ts) are
 * evaluated once per script and bound as constants, not re-created per run.
 *
 * The wrapper prefix is written on the code's first line, so line numbers in
 * stack traces are those of the compiled JS (source maps then lead back to
 * the TypeScript or template source).
 */
import vm from 'node:vm'
import { assignExports } from './lowerExports'

export interface CompileScopedOptions {
  /** file name used in stack traces and source-map lookups */
  filename: string
  /** names of the inner function's parameters, e.g. ['exports', 'module', 'require'] */
  params?: string[]
  /** compile the inner function as async (top-level await in templates, views) */
  async?: boolean
  /** helper definitions evaluated once at compile time (esbuild's __export, __toESM, ...), see lowerExports.ts */
  prelude?: string
  /** the names `prelude` defines, visible to the code */
  helpers?: string[]
  /** the names the code assigns to `exports` every run (lowerExports.ts), when known at compile time */
  exportNames?: string[]
  /** with exportNames: the value expression of each, and the code without its export assignments (see runInto) */
  exportValues?: string[]
  bodyWithoutExports?: string
}

/*
 * Scope shapes. Testing with `in` each identifier a file mentions (50 or
 * more) against a scope on every run costs microseconds; the answer only
 * depends on which names the scope holds. Whoever builds a scope can declare
 * its shape: a small integer obtained from a root object (the scope's
 * prototype, e.g. the frozen static names) followed by transitions, one per
 * set of own keys added (e.g. the per-request names, then each model's
 * exports). Scripts cache their bound names per shape. A scope without a
 * declared shape is tested name by name, as before.
 */
// Stored on the scope under symbols (cheaper than a WeakMap entry per request; invisible to
// Object.keys, for-in and JSON); the owner check makes a copied (Object.assign) or inherited
// shape count for nothing.
const SHAPE = Symbol('quark.scopeShape')
const SHAPE_OWNER = Symbol('quark.scopeShapeOwner')
type Shaped = { [SHAPE]?: number; [SHAPE_OWNER]?: object }
const rootShapes = new WeakMap<object, Map<string, number>>()
const transitions: Map<string, number>[] = []

function intern(table: Map<string, number>, token: string): number {
  let id = table.get(token)
  if (id === undefined) { id = transitions.length; transitions.push(new Map()); table.set(token, id) }
  return id
}

/**
 * The shape reached from `from` (a shape id, or the root object a scope inherits from)
 * after adding the own keys named by `token` (e.g. the keys joined by ',').
 * The token must name exactly the keys added: two scopes given the same shape are
 * trusted to hold the same names.
 */
export function deriveShape(from: number | object, token: string): number {
  if (typeof from === 'number') return intern(transitions[from]!, token)
  let table = rootShapes.get(from)
  if (!table) { table = new Map(); rootShapes.set(from, table) }
  return intern(table, token)
}

/** Declare the shape of `scope` (call again after adding keys to it, with the derived shape). */
export function setScopeShape(scope: object, shape: number): void {
  const s = scope as Shaped
  s[SHAPE_OWNER] = scope
  s[SHAPE] = shape
}

/** Drop the declared shape (the scope is handed to code that may add names freely). */
export function forgetScopeShape(scope: object): void {
  const s = scope as Shaped
  if (s[SHAPE_OWNER] === scope) s[SHAPE_OWNER] = undefined
}

/** The declared shape of `scope`, if any. */
export function scopeShape(scope: object): number | undefined {
  const s = scope as Shaped
  return s[SHAPE_OWNER] === scope ? s[SHAPE] : undefined
}

const IDENT = /[A-Za-z_$][\w$]*/g

// Names never bound from the scope: binding them would break the wrapper or the language.
const NEVER_BIND = new Set([
  'arguments', 'eval', 'this', 'undefined', 'NaN', 'Infinity', 'let', 'const', 'var', 'function',
  'return', 'await', 'async', 'yield', 'new', 'typeof', 'instanceof', 'in', 'of', 'if', 'else',
  'for', 'while', 'do', 'break', 'continue', 'switch', 'case', 'default', 'try', 'catch', 'finally',
  'throw', 'class', 'extends', 'super', 'import', 'export', 'delete', 'void', 'with', 'null',
  'true', 'false', 'static', 'enum', 'implements', 'interface', 'package', 'private', 'protected', 'public',
])

export class ScopedScript {
  readonly filename: string
  /** every identifier the code mentions: a superset of the names it reads from the scope */
  readonly identifiers: readonly string[]
  private readonly code: string
  private readonly params: string[]
  private readonly isAsync: boolean
  /** wrappers for run(): the inner function's parameters given as an array */
  private readonly plain = new Wrappers<Outer>((me, names) => me.wrap(names, '__quarkScope, __quarkArgs',
    `return (${me.isAsync ? 'async function' : 'function'}(${me.params.join(',')}){"use strict";${me.code}\n}).apply(undefined, __quarkArgs)`) as Outer)
  /** wrappers for runInto(): the code ends by assigning its exports into __quarkTarget */
  private readonly into = new Wrappers<IntoOuter>((me, names) => me.wrap(names, '__quarkScope, __quarkTarget, __quarkRequire',
    `(function(exports,module,require){"use strict";${me.intoCode}\n})(undefined, undefined, __quarkRequire)`) as IntoOuter)
  private readonly helperValues: Record<string, unknown> | undefined
  private readonly helperNames: string[]
  /** the names every run assigns to `exports`, when known at compile time */
  readonly exportNames: readonly string[] | undefined
  /** exportNames joined, the token of the scope-shape transition they make */
  readonly exportToken: string | undefined
  /** scope shape before a run → shape after its exports are copied into the scope */
  readonly shapeAfterExports = new Map<number, number>()
  /** runInto is possible: exports known, parameters (exports, module, require), `module` not used */
  readonly canRunInto: boolean
  /** the code mentions `require` (else runInto needs none) */
  readonly usesRequire: boolean
  private readonly intoCode: string | undefined

  constructor(code: string, options: CompileScopedOptions) {
    this.code = code
    this.filename = options.filename
    this.params = options.params ?? []
    this.isAsync = options.async ?? false
    this.helperNames = options.helpers ?? []
    this.exportNames = options.exportNames
    this.exportToken = options.exportNames?.join(',')
    this.helperValues = options.prelude
      ? vm.runInThisContext(`(function(){${options.prelude}\nreturn {${this.helperNames.join(',')}}})`, { filename: `${this.filename} (helpers)` })() as Record<string, unknown>
      : undefined
    const seen = new Set<string>()
    for (const m of code.matchAll(IDENT)) {
      const name = m[0]
      if (!NEVER_BIND.has(name) && !this.params.includes(name) && !this.helperNames.includes(name)) seen.add(name)
    }
    this.identifiers = [...seen]
    this.usesRequire = /\brequire\b/.test(code)
    const into = options.bodyWithoutExports
    this.canRunInto = into !== undefined && options.exportValues !== undefined && this.params.join(',') === 'exports,module,require' && !/\bmodule\b/.test(into)
    // the exports become stores into the scope, in the script's own code: named stores, one hidden class
    // transition each, instead of an exports object per run copied key by key into the scope
    this.intoCode = this.canRunInto
      ? (this.exportNames!.length ? `${into}\n;${assignExports('__quarkTarget', this.exportNames!, options.exportValues!)}` : into)
      : undefined
  }

  /**
   * Run a model-like script (see canRunInto) with its exports assigned straight into `target`
   * (the scope itself for a model, as `run` with an exports object and a copy of it would).
   * `require` is the file's own.
   */
  runInto(scope: Record<string, unknown>, target: Record<string, unknown>, require: unknown, knownShape?: number): void {
    if (!this.canRunInto) throw new Error(`${this.filename}: runInto needs a script whose exports are known`)
    this.into.get(this, scope, knownShape)(scope, target, require)
  }

  /** The names of `scope` this script would bind (own or inherited properties). */
  boundNames(scope: Record<string, unknown>): string[] {
    const names: string[] = []
    for (const n of this.identifiers) if (n in scope) names.push(n)
    return names
  }

  /**
   * Run the script with `scope`'s names bound; `args` are passed to the
   * inner function's parameters; `knownShape` is the scope's shape when the
   * caller knows it (else the one declared on the scope, if any). Returns
   * what the code returns.
   */
  run(scope: Record<string, unknown>, args: unknown[] = [], knownShape?: number): unknown {
    return this.plain.get(this, scope, knownShape)(scope, args)
  }

  /**
   * The wrapper around `body` that binds `names` from the scope (`__quarkScope`) as locals. One line
   * of prefix, no newline, so line numbers stay those of the code. `__quark*` names are never bound
   * from a scope, so no bound name can hide them.
   */
  private wrap(names: string[], params: string, body: string): unknown {
    const bind = names.length ? `let {${names.join(',')}} = __quarkScope;` : ''
    const helpers = this.helperValues ? `const {${this.helperNames.join(',')}} = __quarkHelpers;` : ''
    const source = `(function(__quarkHelpers){${helpers}return function(${params}){${bind}${body}}})`
    return (vm.runInThisContext(source, { filename: this.filename }) as (h: unknown) => unknown)(this.helperValues)
  }
}

/**
 * A script's compiled wrappers of one kind, by the names they bind: found by the scope's declared
 * shape when there is one (no `in` test per identifier), else by testing the names.
 */
class Wrappers<F> {
  private readonly byShape = new Map<number, F>()
  private readonly byNames = new Map<string, F>()
  constructor(private readonly compile: (script: ScopedScript, names: string[]) => F) {}

  get(script: ScopedScript, scope: Record<string, unknown>, knownShape?: number): F {
    // a caller that knows the scope's shape passes it: no shape symbols stored on a fresh object
    const shape = knownShape ?? scopeShape(scope)
    let f = shape === undefined ? undefined : this.byShape.get(shape)
    if (f !== undefined) return f
    const names = script.boundNames(scope)
    const key = names.join(',')
    f = this.byNames.get(key)
    if (f === undefined) { f = this.compile(script, names); this.byNames.set(key, f) }
    if (shape !== undefined) {
      if (this.byShape.size >= 256) this.byShape.clear() // shapes that keep changing: stay bounded
      this.byShape.set(shape, f)
    }
    return f
  }
}

type Outer = (scope: Record<string, unknown>, args: unknown[]) => unknown
type IntoOuter = (scope: Record<string, unknown>, target: Record<string, unknown>, require: unknown) => void

export function compileScoped(code: string, options: CompileScopedOptions): ScopedScript {
  return new ScopedScript(code, options)
}
