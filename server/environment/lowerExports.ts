/**
 * Makes esbuild's CommonJS output cheap to run once per request.
 *
 * esbuild (format 'cjs') starts every file with helper definitions
 * (`__defProp`, `__export`, `__copyProps`, `__toCommonJS`, `__toESM`, ...)
 * and turns `export`s into getters defined on a fresh object, copied again
 * into `module.exports`. Run per request, that is a dozen closures and
 * defineProperty calls per file. This module, at compile time:
 *
 *   - splits off the helper definitions (the `prelude`), which are pure
 *     functions, so the scoped script evaluates them once, not per run;
 *   - replaces the `__export(x_exports, {...}); module.exports = ...` block
 *     with blank lines and appends plain `exports.name = local;` assignments
 *     at the end of the file, so a run is straight-line code.
 *
 * Line numbers are kept (removed lines become empty lines, the assignments
 * go after the last line), so esbuild's source map still applies.
 * Anything that does not match esbuild's exact shape is left as it was
 * (the file still runs, only slower): e.g. `export * from`, which needs the
 * exports object while the file runs.
 */

/** esbuild helpers known to be pure (they only use their arguments and Object.*). */
const PURE_HELPERS = new Set([
  '__create', '__defProp', '__getOwnPropDesc', '__getOwnPropNames', '__getOwnPropSymbols', '__getProtoOf',
  '__hasOwnProp', '__propIsEnum', '__export', '__copyProps', '__reExport', '__toESM', '__toCommonJS', '__name',
  '__defNormalProp', '__publicField', '__spreadValues', '__spreadProps', '__objRest', '__knownSymbol', '__typeError',
])

const HELPER_START = /^var (__[A-Za-z]+) = /
const EXPORTS_VAR = /^var ([A-Za-z_$][\w$]*_exports) = \{\};$/
const EXPORT_ENTRY = /^ {2}([A-Za-z_$][\w$]*|"(?:[^"\\]|\\.)*"): \(\) => (.+?),?$/

export interface LoweredModule {
  /** the helper definitions, to evaluate once ('' when none) */
  prelude: string
  /** the names the prelude defines */
  helpers: string[]
  /** the file's code: same line count as esbuild's output (plus the export assignments at the end) */
  body: string
  /** the names the lowered code assigns to `exports`, in order; undefined when the exports were left as esbuild wrote them */
  exportNames?: string[]
  /** the expression each of exportNames is assigned (a local name, mostly) */
  exportValues?: string[]
  /** body without the export assignments (exportNames given): a scoped script appends its own (scope.ts) */
  bodyWithoutExports?: string
}

export function lowerExports(code: string): LoweredModule {
  const lines = code.split('\n')
  const helpers: string[] = []
  let i = 0
  // the prelude: known helper definitions and their continuation lines (indented, or closing brackets)
  while (i < lines.length) {
    const m = HELPER_START.exec(lines[i]!)
    if (!m || !PURE_HELPERS.has(m[1]!)) break
    helpers.push(m[1]!)
    i++
    while (i < lines.length && /^(\s|\}|\))/.test(lines[i]!)) i++
  }
  const preludeEnd = i
  const prelude = lines.slice(0, preludeEnd).join('\n')
  for (let k = 0; k < preludeEnd; k++) lines[k] = ''
  const lowered = lowerExportBlock(lines, preludeEnd)
  const bare = lines.join('\n')
  const body = lowered && lowered.names.length ? `${bare}\n;${lowered.assignments}` : bare
  return { prelude, helpers, body, exportNames: lowered?.names, exportValues: lowered?.values, bodyWithoutExports: lowered ? bare : undefined }
}

/** Blank the export block starting at line `at` and return the assignments that replace it (undefined when left alone). */
function lowerExportBlock(lines: string[], at: number): { assignments: string; names: string[]; values: string[] } | undefined {
  const v = EXPORTS_VAR.exec(lines[at] ?? '')
  if (!v) return lines.some((l) => /\b(?:module\.)?exports\b/.test(l)) ? undefined : { assignments: '', names: [], values: [] }
  const name = v[1]!
  if (lines[at + 1] !== `__export(${name}, {`) return undefined
  const entries: [string, string][] = []
  let j = at + 2
  for (; j < lines.length && lines[j] !== '});'; j++) {
    const e = EXPORT_ENTRY.exec(lines[j]!)
    if (!e) return undefined
    entries.push([e[1]!.startsWith('"') ? JSON.parse(e[1]!) as string : e[1]!, e[2]!])
  }
  if (lines[j + 1] !== `module.exports = __toCommonJS(${name});`) return undefined
  // the exports object must not be used anywhere else (export * from, ...)
  for (let k = j + 2; k < lines.length; k++) if (lines[k]!.includes(name) || /\b(?:module\.)?exports\b/.test(lines[k]!)) return undefined
  for (let k = at; k <= j + 1; k++) lines[k] = ''
  return { assignments: assignExports('exports', entries.map(([k]) => k), entries.map(([, e]) => e)), names: entries.map(([key]) => key), values: entries.map(([, e]) => e) }
}

/** `target["name"] = value;` for each export, on one line (line numbers of the file stay as they were). */
export function assignExports(target: string, names: readonly string[], values: readonly string[]): string {
  return names.map((n, i) => `${target}[${JSON.stringify(n)}] = ${values[i]};`).join(' ')
}
