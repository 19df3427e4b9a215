/**
 * `quark compile <app>`: models, controllers and modules type-stripped and
 * minified by esbuild into plain JavaScript (the core loads them with its
 * usual transform, loader 'js', so they run exactly like sources), and every
 * view precompiled by template/ into a JavaScript module holding its minified
 * render function (layouts and includes resolved, a line map for tickets), all
 * under <app>/compiled/. Written into a temporary folder and swapped into
 * place, so an error in any file leaves the previous state untouched.
 * `removeCompiled` deletes compiled/: the app runs from its sources again.
 */
import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'
import { transformSync } from 'esbuild'
import { precompileViews, type PrecompileFailure } from '../template'
import { COMPILED_DIR, MARKER, isCompiled, forgetMarker } from './twin'
import { QK_COMPILE_FAILED, QK_COMPILE_NO_APP } from './errors'

/** files: every file compiled (views included); bytesIn/bytesOut: the code of models, controllers and modules, before and after */
export interface CompileReport { folder: string; files: number; views: number; bytesIn: number; bytesOut: number }

function listFiles(root: string, rel = ''): string[] {
  const out: string[] = []
  let list: fs.Dirent[]
  try { list = fs.readdirSync(path.join(root, rel), { withFileTypes: true }) } catch { return out }
  for (const d of list.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const r = rel ? path.join(rel, d.name) : d.name
    if (d.isDirectory()) out.push(...listFiles(root, r))
    else if (d.isFile()) out.push(r)
  }
  return out
}

function esbuildFailure(file: string, err: unknown): Error {
  const e = err as { errors?: { text: string; location?: { line: number } }[]; message: string }
  const first = e.errors?.[0]
  return new QK_COMPILE_FAILED(`${file}${first?.location ? `:${first.location.line}` : ''}`, first?.text ?? e.message, { cause: err })
}

export function compileApp(appFolder: string): CompileReport {
  if (!fs.existsSync(appFolder) || !fs.statSync(appFolder).isDirectory()) throw new QK_COMPILE_NO_APP(appFolder)
  const tmp = path.join(appFolder, `.${COMPILED_DIR}-${crypto.randomBytes(6).toString('hex')}`)
  let files = 0, bytesIn = 0, bytesOut = 0
  const manifest: { version: 1; compiledAt: string; files: string[] } = { version: 1, compiledAt: new Date().toISOString(), files: [] }
  const write = (rel: string, text: string) => {
    const dest = path.join(tmp, ...rel.split('/'))
    fs.mkdirSync(path.dirname(dest), { recursive: true })
    fs.writeFileSync(dest, text)
  }
  try {
    // models, controllers, modules: .ts (and a module's .js) → minified .js; a module's .json copied
    for (const kind of ['models', 'controllers', 'modules']) {
      const rels = listFiles(path.join(appFolder, kind)).map((r) => r.split(path.sep).join('/'))
      const stems = new Set(rels.filter((r) => r.endsWith('.ts')).map((r) => r.slice(0, -3)))
      for (const rel of rels) {
        const name = `${kind}/${rel}`
        const isTs = rel.endsWith('.ts') && !rel.endsWith('.d.ts')
        const isJs = kind === 'modules' && rel.endsWith('.js') && !stems.has(rel.slice(0, -3))  // x.ts wins over x.js
        const isJson = kind === 'modules' && rel.endsWith('.json')
        if (!isTs && !isJs && !isJson) continue
        const source = fs.readFileSync(path.join(appFolder, kind, ...rel.split('/')), 'utf8')
        let code = source
        if (!isJson) {
          try {
            code = transformSync(source, { loader: isTs ? 'ts' : 'js', format: 'esm', minify: true, target: 'node20', sourcefile: name }).code
          } catch (err) { throw esbuildFailure(name, err) }
          bytesIn += source.length; bytesOut += code.length
        }
        write(`${kind}/${isTs ? rel.slice(0, -3) + '.js' : rel}`, code)
        files++
        manifest.files.push(name)
      }
    }
    // views: each one a module with its minified render function (template/precompiled.ts)
    let views: string[]
    try {
      const pre = precompileViews(path.join(appFolder, 'views'))
      for (const f of pre.files) write(`views/${f.rel}`, f.text)
      views = pre.views
    } catch (err) {
      const f = (err as { precompileSource?: PrecompileFailure }).precompileSource
      if (!f) throw err
      const where = `views/${f.file}${f.line ? `:${f.line}` : ''}`
      throw new QK_COMPILE_FAILED(where, f.file === f.view ? f.reason : `${f.reason} (compiling views/${f.view})`, { cause: err })
    }
    files += views.length
    manifest.files.push(...views.map((v) => `views/${v}`))
    fs.writeFileSync(path.join(tmp, MARKER), JSON.stringify(manifest, null, 1))
    // swap: the old form is moved aside and the new one renamed in (two renames), then the old one deleted
    const target = path.join(appFolder, COMPILED_DIR)
    const old = `${tmp}-old`
    const hadOld = fs.existsSync(target)
    if (hadOld) fs.renameSync(target, old)
    try { fs.renameSync(tmp, target) } catch (e) { if (hadOld) fs.renameSync(old, target); throw e }
    if (hadOld) fs.rmSync(old, { recursive: true, force: true })
    forgetMarker(appFolder)
    return { folder: target, files, views: views.length, bytesIn, bytesOut }
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true })
    throw e
  }
}

/** Delete the compiled form; returns whether there was one. */
export function removeCompiled(appFolder: string): boolean {
  const had = isCompiled(appFolder) || fs.existsSync(path.join(appFolder, COMPILED_DIR))
  fs.rmSync(path.join(appFolder, COMPILED_DIR), { recursive: true, force: true })
  forgetMarker(appFolder)
  return had
}
