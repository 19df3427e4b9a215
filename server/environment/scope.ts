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
 * The wrapper prefix is written on the code's first line, so line numbers in
 * stack traces are those of the compiled JS (source maps then lead back to
 * the TypeScript or template source).
 */
import vm from 'node:vm'

export interface CompileScopedOptions {
  /** file name used in stack traces and source-map lookups */
  filename: string
  /** names of the inner function's parameters, e.g. ['exports', 'module', 'require'] */
  params?: string[]
  /** compile the inner function as async (top-level await in templates, views) */
  async?: boolean
}

type Outer = (scope: Record<string, unknown>, args: unknown[]) => unknown

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
  private readonly variants = new Map<string, Outer>()

  constructor(code: string, options: CompileScopedOptions) {
    this.code = code
    this.filename = options.filename
    this.params = options.params ?? []
    this.isAsync = options.async ?? false
    const seen = new Set<string>()
    for (const m of code.matchAll(IDENT)) {
      const name = m[0]
      if (!NEVER_BIND.has(name) && !this.params.includes(name)) seen.add(name)
    }
    this.identifiers = [...seen]
  }

  /** The names of `scope` this script would bind (own or inherited properties). */
  boundNames(scope: Record<string, unknown>): string[] {
    const names: string[] = []
    for (const n of this.identifiers) if (n in scope) names.push(n)
    return names
  }

  /**
   * Run the script with `scope`'s names bound; `args` are passed to the
   * inner function's parameters. Returns what the code returns.
   */
  run(scope: Record<string, unknown>, args: unknown[] = []): unknown {
    const names = this.boundNames(scope)
    const key = names.join(',')
    let outer = this.variants.get(key)
    if (!outer) {
      outer = this.compile(names)
      this.variants.set(key, outer)
    }
    return outer(scope, args)
  }

  private compile(names: string[]): Outer {
    const bind = names.length ? `let {${names.join(',')}} = __quarkScope;` : ''
    const fn = this.isAsync ? 'async function' : 'function'
    // One line of prefix, no newline: line numbers stay those of `code`.
    const source = `(function(__quarkScope, __quarkArgs){${bind}return (${fn}(${this.params.join(',')}){"use strict";${this.code}\n}).apply(undefined, __quarkArgs)})`
    return vm.runInThisContext(source, { filename: this.filename }) as Outer
  }
}

export function compileScoped(code: string, options: CompileScopedOptions): ScopedScript {
  return new ScopedScript(code, options)
}
