/**
 * `quark check <app>`: models, controllers, modules, tests/ and views
 * type-checked together against the app's generated declarations.
 *
 * Two passes over one TypeScript program: the first reads, for each view
 * views/<c>/<f>.html, what controllers/<c>.ts's action <f> returns (its
 * awaited type and property names); the second adds each view as TS
 * (viewcheck.ts) whose parameter is that object, reusing the first pass's
 * files. Errors are reported at their file and line, a view's at its
 * template line.
 */
import fs from 'node:fs'
import path from 'node:path'
import type * as TS from 'typescript'
import { viewFiles, viewProgram, type ViewProgram } from './viewcheck'
import { conditionalNames } from './typescopes'
import { readSchema } from './schema'
import { defineError } from '../errors'
import { isSea } from '../sea'

export const QK_ENV_NO_TYPESCRIPT = defineError('QK_ENV_NO_TYPESCRIPT', 400, 'quark check needs the typescript package with its lib files and the packages\' types: %s', 'Type-check from a checkout of Quark (npm install, then `npx quark check <app> -f <folder>`); the binary cannot.')

export interface CheckProblem { file: string; line: number; column: number; code: string; message: string }
export interface CheckReport { problems: CheckProblem[]; files: number; views: number }

function tsFilesUnder(dir: string, out: string[] = []): string[] {
  let entries: fs.Dirent[]
  try { entries = fs.readdirSync(dir, { withFileTypes: true }) } catch { return out }
  for (const e of entries) {
    const full = path.join(dir, e.name)
    if (e.isDirectory()) tsFilesUnder(full, out)
    else if (e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(full)
  }
  return out
}

function loadTs(): typeof TS {
  // the binary carries typescript.js (the editor's controller parser) but none of what a check reads:
  // TypeScript's lib files, @types/node, the packages' types
  if (isSea()) throw new QK_ENV_NO_TYPESCRIPT('the binary carries the compiler only, not the lib files and package types a check needs')
  try { return require('typescript') as typeof TS } catch (e) { throw new QK_ENV_NO_TYPESCRIPT((e as Error).message) }
}

/** The compiler options of the app's tsconfig (tsconfigText) as TypeScript wants them. */
function options(ts: typeof TS, tsconfig: string, appFolder: string): TS.CompilerOptions {
  const parsed = ts.convertCompilerOptionsFromJson((JSON.parse(tsconfig) as { compilerOptions: unknown }).compilerOptions, appFolder)
  return { ...parsed.options, noEmit: true }
}

/** Type-check the app in `appFolder` (its declarations must be written first: writeAppTypes). */
export function checkApp(appFolder: string, tsconfig: string): CheckReport {
  const ts = loadTs()
  const opts = options(ts, tsconfig, appFolder)
  const quark = path.join(appFolder, '.quark')
  const roots = [path.join(quark, 'types.d.ts')]
  for (const sub of ['models', 'controllers', 'modules', 'tests']) roots.push(...tsFilesUnder(path.join(appFolder, sub)).sort())
  const host = ts.createCompilerHost(opts)
  const first = ts.createProgram(roots, opts, host)
  const checker = first.getTypeChecker()

  // what each action returns: views/<c>/<f>.html ← controllers/<c>.ts's export f
  const viewsFolder = path.join(appFolder, 'views')
  const outDir = path.join(quark, 'check', 'views')
  fs.rmSync(outDir, { recursive: true, force: true })
  const views: Array<ViewProgram & { tsFile: string }> = []
  const schema = readSchema(appFolder)
  for (const view of viewFiles(viewsFolder)) {
    const m = /^([A-Za-z]\w*)\/([A-Za-z]\w*)\.html$/.exec(view)
    let ctx: { type: string; names: string[] } | undefined
    if (m) {
      const controller = path.join(appFolder, 'controllers', `${m[1]}.ts`)
      const sf = first.getSourceFile(controller)
      const sym = sf && checker.getSymbolAtLocation(sf)
      const action = sym && checker.getExportsOfModule(sym).find((s) => s.name === m[2])
      if (action) {
        const t = checker.getTypeOfSymbolAtLocation(action, sf!)
        const sig = t.getCallSignatures()[0]
        if (sig) {
          const ret = checker.getAwaitedType(sig.getReturnType()) ?? sig.getReturnType()
          // a string (sent as is) or a helper has no view context: only the object members count
          const obj = ret.isUnion() ? ret.types.filter((x) => x.getFlags() & ts.TypeFlags.Object) : [ret]
          const names = new Set<string>()
          for (const o of obj) for (const p of o.getProperties()) if (/^[A-Za-z_$][\w$]*$/.test(p.name)) names.add(p.name)
          const rel = path.relative(path.join(outDir, path.dirname(view)), controller).split(path.sep).join('/').replace(/\.ts$/, '')
          const ctxType = `Extract<Awaited<ReturnType<typeof import('${rel.startsWith('.') ? rel : './' + rel}')['${m[2]}']>>, object>`
          ctx = { type: ctxType, names: [...names] }
        }
      }
    }
    const tsFile = path.join(outDir, view.replace(/\.html$/, '.ts'))
    const scoped = m ? conditionalNames(appFolder, schema, m[1]!, m[2]!, (f) => importFrom(path.dirname(tsFile), f), importFrom(path.dirname(tsFile), TYPED), importFrom(path.dirname(tsFile), APPTYPES)).names : []
    const vp = viewProgram(viewsFolder, view, ctx, importFrom(path.dirname(tsFile), HTML_INDEX), scoped)
    fs.mkdirSync(path.dirname(tsFile), { recursive: true })
    fs.writeFileSync(tsFile, vp.text)
    views.push({ ...vp, tsFile })
  }

  const second = ts.createProgram([...roots, ...views.map((v) => v.tsFile)], opts, host, first)
  const problems: CheckProblem[] = []
  const byTs = new Map(views.map((v) => [path.resolve(v.tsFile), v]))
  const seen = new Set<string>()
  const add = (p: CheckProblem) => {
    const k = `${p.file}:${p.line}:${p.message}`
    if (!seen.has(k)) { seen.add(k); problems.push(p) }
  }
  for (const v of views) for (const p of v.problems) add({ file: rel(appFolder, p.origin.file), line: p.origin.line, column: 1, code: 'QK_VIEW', message: p.message })
  const diags = [...second.getSyntacticDiagnostics(), ...second.getSemanticDiagnostics(), ...second.getGlobalDiagnostics()]
  for (const d of diags) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n')
    if (!d.file || d.start === undefined) { add({ file: '', line: 0, column: 0, code: `TS${d.code}`, message }); continue }
    const pos = d.file.getLineAndCharacterOfPosition(d.start)
    const view = byTs.get(path.resolve(d.file.fileName))
    if (view) {
      const o = view.origin[pos.line]
      add({ file: rel(appFolder, o?.file ?? path.join(viewsFolder, view.view)), line: o?.line ?? 0, column: o ? pos.character + 1 : 0, code: `TS${d.code}`, message })
    } else {
      add({ file: rel(appFolder, d.file.fileName), line: pos.line + 1, column: pos.character + 1, code: `TS${d.code}`, message })
    }
  }
  problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line))
  return { problems, files: roots.length - 1, views: views.length }
}

const HTML_INDEX = path.resolve(__dirname, '..', 'html', 'index.ts')
const TYPED = path.resolve(__dirname, '..', 'dal', 'typed.ts')
const APPTYPES = path.resolve(__dirname, 'apptypes.ts')

function importFrom(dir: string, file: string): string {
  const r = path.relative(dir, file).split(path.sep).join('/').replace(/\.ts$/, '')
  return r.startsWith('.') ? r : './' + r
}

function rel(appFolder: string, file: string): string {
  const r = path.relative(appFolder, file)
  return (r.startsWith('..') ? file : r).split(path.sep).join('/')
}
