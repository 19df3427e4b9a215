/**
 * Precompiled views (what `quark compile` writes to <app>/compiled/views/).
 *
 * Each view — its {{extend}}, {{include}} and blocks resolved as the engine
 * does at run time — becomes one JavaScript module `<view>.js`:
 *
 *   // Quark compiled view "default/index.html" ...
 *   module.exports={format:1,view:"default/index.html",files:["default/index.html","layout.html"],
 *     texts:[...],lines:[bodyLine,bodyColumn,fileIndex,templateLine,...],
 *   render:function(e){...minified...}};
 *
 * `render` is the engine's compiled render function, minified by esbuild;
 * `texts` the literal HTML chunks it reads as `__q.t[i]`; `lines` maps
 * positions in render's body (1-based) back to a template file and line, so
 * tickets still name the view. Beside the modules, PRECOMPILED_INDEX lists
 * every view and where the sources were: the engine, seeing it, serves views
 * from the modules only (no template is read or parsed at run time).
 */
import fs from 'node:fs'
import path from 'node:path'
import vm from 'node:vm'
import { transformSync } from 'esbuild'
import { compileTemplate } from './compile'
import { parseTemplate, type ParsedTemplate } from './parse'
import { QK_TEMPLATE_BAD_PATH, QK_TEMPLATE_NOT_FOUND } from './errors'

/** The index file of a precompiled views folder (hidden: no view of that name is ever compiled). */
export const PRECOMPILED_INDEX = '.quark-views.json'
const FORMAT = 1

export interface PrecompiledIndex {
  format: 1
  /** the views' source folder, relative to the precompiled folder (ticket positions name files there) */
  sources: string
  /** every view, relative with '/' */
  views: string[]
}

/** A precompiled view module, loaded. */
export interface PrecompiledView {
  view: string
  /** view-relative names of every file it was built from (view, layouts, includes) */
  files: string[]
  texts: string[]
  params: string[]
  /** the render function's body */
  body: string
  isAsync: boolean
  /** body (1-based) line, column → index in `files` and template line */
  position(line: number, column: number): { file: string; line: number } | undefined
}

/** Where precompilation failed: the file (view-relative) and line, and why. Attached to the thrown error as `precompileSource`. */
export interface PrecompileFailure { view: string; file: string; line?: number; reason: string }

const FN = /^(async\s*)?function\s*\(\s*([\w$]*)\s*\)\s*\{/

/** A function's source text → its parameter and body (the same split at compile time and at load time). */
function splitFunction(src: string): { params: string[]; body: string; isAsync: boolean; headLength: number } {
  const m = FN.exec(src)
  const end = src.lastIndexOf('}')
  if (!m || end < m[0].length) throw new Error('not a compiled render function')
  return { params: m[2] ? [m[2]] : [], body: src.slice(m[0].length, end), isAsync: !!m[1], headLength: m[0].length }
}

/** Load a precompiled view module's text (evaluated as CommonJS under `filename`). */
export function loadPrecompiledView(text: string, filename: string): PrecompiledView {
  const module = { exports: {} as Record<string, unknown> }
  ;(vm.runInThisContext(`(function(module,exports){${text}\n})`, { filename }) as (m: unknown, e: unknown) => void)(module, module.exports)
  const m = module.exports as { format?: unknown; view?: unknown; files?: unknown; texts?: unknown; lines?: unknown; render?: unknown }
  if (m.format !== FORMAT || typeof m.render !== 'function' || !Array.isArray(m.texts) || !Array.isArray(m.files) || !Array.isArray(m.lines)) {
    throw new Error(`${filename} is not a Quark compiled view (format ${FORMAT}): compile the app again`)
  }
  const fn = splitFunction(Function.prototype.toString.call(m.render))
  const files = m.files as string[]
  const lines = m.lines as number[]
  return {
    view: String(m.view),
    files,
    texts: m.texts as string[],
    params: fn.params,
    body: fn.body,
    isAsync: fn.isAsync,
    position(line, column) {
      // the last entry at or before (line, column); entries are in generated order
      let lo = 0, hi = lines.length / 4 - 1, found = -1
      while (lo <= hi) {
        const mid = (lo + hi) >> 1
        const l = lines[mid * 4]!, c = lines[mid * 4 + 1]!
        if (l < line || (l === line && c <= column)) { found = mid; lo = mid + 1 } else hi = mid - 1
      }
      if (found < 0) found = lines.length ? 0 : -1
      if (found < 0) return undefined
      const file = files[lines[found * 4 + 2]!]
      return file === undefined ? undefined : { file, line: lines[found * 4 + 3]! }
    },
  }
}

const B64 = new Map([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].map((c, i) => [c, i]))

/** The segments of a v3 `mappings` string that have a source: [generatedLine, generatedColumn, sourceLine, sourceColumn], 0-based. */
function decodeMappings(mappings: string): Array<[number, number, number, number]> {
  const out: Array<[number, number, number, number]> = []
  let genLine = 0, genCol = 0, srcLine = 0, srcCol = 0
  let i = 0
  while (i < mappings.length) {
    const ch = mappings[i]
    if (ch === ';') { genLine++; genCol = 0; i++; continue }
    if (ch === ',') { i++; continue }
    const fields: number[] = []
    while (i < mappings.length && mappings[i] !== ',' && mappings[i] !== ';') {
      let value = 0, shift = 0, digit: number
      do {
        digit = B64.get(mappings[i++]!) ?? 0
        value += (digit & 31) * 2 ** shift
        shift += 5
      } while (digit & 32)
      fields.push(value % 2 ? -Math.floor(value / 2) : value / 2)
    }
    genCol += fields[0] ?? 0
    if (fields.length >= 4) {
      srcLine += fields[2]!; srcCol += fields[3]!
      out.push([genLine, genCol, srcLine, srcCol])
    }
  }
  return out
}

const J = (v: unknown) => JSON.stringify(v)

/**
 * Precompile one view into its module text. `load(name)` gives a file's parsed
 * template under a view-relative path (the names the module records).
 */
export function precompileView(view: string, load: (name: string) => { path: string; parsed: ParsedTemplate }): string {
  const c = compileTemplate(view, load)
  const head = `var __quarkRender=${c.isAsync ? 'async ' : ''}function(__q){\n`
  const out = transformSync(head + c.js + '}', { loader: 'js', minify: true, sourcemap: 'external', target: 'node20', sourcefile: view })
  const eq = out.code.indexOf('=') + 1
  const fnSrc = out.code.slice(eq, out.code.lastIndexOf('}') + 1)
  const fn = splitFunction(fnSrc)
  const bodyStart = eq + fn.headLength
  if (out.code.slice(0, bodyStart).includes('\n')) throw new Error(`unexpected minified form of ${view}`)
  // minified position → first-pass JS line (the head is line 0 of the input) → template file and line
  const files = c.files
  const lines: number[] = []
  let lastFile = -1, lastLine = -1
  for (const [gl, gc, sl, sc] of decodeMappings((JSON.parse(out.map) as { mappings: string }).mappings)) {
    if (sl < 1 || (gl === 0 && gc < bodyStart)) continue
    const pos = c.position(sl, sc + 1)
    if (!pos) continue
    const fi = files.indexOf(pos.source)
    if (fi < 0 || (fi === lastFile && pos.line === lastLine)) continue
    lines.push(gl + 1, (gl === 0 ? gc - bodyStart : gc) + 1, fi, pos.line)
    lastFile = fi; lastLine = pos.line
  }
  const text = `// Quark compiled view ${J(view)} from ${files.map(J).join(', ')}: written by \`quark compile\`, do not edit\n`
    + `module.exports={format:${FORMAT},view:${J(view)},files:${J(files)},texts:${J(c.texts)},lines:${J(lines)},\nrender:${fnSrc}};\n`
  // what the engine will load must be what was measured here
  const back = loadPrecompiledView(text, `${view}.js`)
  if (back.body !== fn.body) throw new Error(`compiled view ${view} does not load back as written`)
  return text
}

/** Every file under `root` (relative, '/'), sorted; hidden names and links skipped. */
function listViews(root: string, rel = ''): string[] {
  const out: string[] = []
  let list: fs.Dirent[]
  try { list = fs.readdirSync(rel ? path.join(root, rel) : root, { withFileTypes: true }) } catch { return out }
  for (const d of list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (d.name.startsWith('.')) continue
    const r = rel ? `${rel}/${d.name}` : d.name
    if (d.isDirectory()) out.push(...listViews(root, r))
    else if (d.isFile()) out.push(r)
  }
  return out
}

/**
 * Precompile every view of `viewsFolder`: the files to write into the
 * precompiled folder (`<view>.js` modules and PRECOMPILED_INDEX), relative
 * with '/'. `sources` is the views folder as seen from the precompiled folder
 * (default '../../views', for <app>/compiled/views). A view that does not
 * compile throws its template error with `precompileSource` attached.
 */
export function precompileViews(viewsFolder: string, sources = '../../views'): { files: Array<{ rel: string; text: string }>; views: string[]; bytesIn: number } {
  const root = path.resolve(viewsFolder)
  const parsed = new Map<string, ParsedTemplate>()
  let bytesIn = 0
  const load = (name: string) => {
    const full = path.resolve(root, name)
    if (!name || path.isAbsolute(name) || name.includes('\0') || !full.startsWith(root + path.sep)) throw new QK_TEMPLATE_BAD_PATH(name)
    const rel = path.relative(root, full).split(path.sep).join('/')
    let p = parsed.get(rel)
    if (!p) {
      let source: string
      try { source = fs.readFileSync(full, 'utf8') } catch { throw new QK_TEMPLATE_NOT_FOUND(name) }
      bytesIn += source.length
      p = parseTemplate(source, rel)
      parsed.set(rel, p)
    }
    return { path: rel, parsed: p }
  }
  const views = listViews(root)
  const files: Array<{ rel: string; text: string }> = []
  for (const view of views) {
    try {
      files.push({ rel: `${view}.js`, text: precompileView(view, load) })
    } catch (e) {
      const m = / in (.+?):(\d+): ([\s\S]*)$/.exec(e instanceof Error ? e.message : '')
      const failure: PrecompileFailure = m ? { view, file: m[1]!, line: Number(m[2]), reason: m[3]! } : { view, file: view, reason: e instanceof Error ? e.message : String(e) }
      if (e && typeof e === 'object') Object.defineProperty(e, 'precompileSource', { value: failure, configurable: true })
      throw e
    }
  }
  const index: PrecompiledIndex = { format: FORMAT, sources, views }
  files.push({ rel: PRECOMPILED_INDEX, text: JSON.stringify(index) + '\n' })
  return { files, views, bytesIn }
}

/** The index of a precompiled views folder, or undefined when `folder` is not one. */
export function readPrecompiledIndex(file: string): PrecompiledIndex | undefined {
  let text: string
  try { text = fs.readFileSync(file, 'utf8') } catch { return undefined }
  const idx = JSON.parse(text) as PrecompiledIndex
  if (idx?.format !== FORMAT || !Array.isArray(idx.views) || typeof idx.sources !== 'string') throw new Error(`${file} is not a Quark compiled views index (format ${FORMAT}): compile the app again`)
  return idx
}
