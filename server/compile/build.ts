/**
 * `quark compile <app>`: models and controllers type-stripped and minified by
 * esbuild into plain JavaScript modules (the core loads them with its usual
 * transform, loader 'js', so they run exactly like sources), views copied, all
 * under <app>/compiled/. Written into a temporary folder and renamed into
 * place, so a syntax error leaves the previous state untouched.
 * `removeCompiled` deletes compiled/: the app runs from its sources again.
 */
import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'
import { transformSync } from 'esbuild'
import { COMPILED_DIR, MARKER, isCompiled, forgetMarker } from './twin'
import { QK_COMPILE_FAILED, QK_COMPILE_NO_APP } from './errors'

export interface CompileReport { folder: string; files: number; bytesIn: number; bytesOut: number }

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

export function compileApp(appFolder: string): CompileReport {
  if (!fs.existsSync(appFolder) || !fs.statSync(appFolder).isDirectory()) throw new QK_COMPILE_NO_APP(appFolder)
  const tmp = path.join(appFolder, `.${COMPILED_DIR}-${crypto.randomBytes(6).toString('hex')}`)
  let files = 0, bytesIn = 0, bytesOut = 0
  const manifest: { version: 1; compiledAt: string; files: string[] } = { version: 1, compiledAt: new Date().toISOString(), files: [] }
  try {
    for (const kind of ['models', 'controllers']) {
      for (const rel of listFiles(path.join(appFolder, kind))) {
        if (!rel.endsWith('.ts') || rel.endsWith('.d.ts')) continue
        const src = path.join(appFolder, kind, rel)
        const source = fs.readFileSync(src, 'utf8')
        let code: string
        try {
          code = transformSync(source, { loader: 'ts', format: 'esm', minify: true, target: 'node20', sourcefile: path.join(kind, rel) }).code
        } catch (err) {
          const e = err as { errors?: { text: string; location?: { line: number } }[]; message: string }
          throw new QK_COMPILE_FAILED(`${kind}/${rel}${e.errors?.[0]?.location ? `:${e.errors[0].location.line}` : ''}`, e.errors?.[0]?.text ?? e.message, { cause: err })
        }
        const dest = path.join(tmp, kind, rel.replace(/\.ts$/, '.js'))
        fs.mkdirSync(path.dirname(dest), { recursive: true })
        fs.writeFileSync(dest, code)
        files++; bytesIn += source.length; bytesOut += code.length
        manifest.files.push(path.join(kind, rel).split(path.sep).join('/'))
      }
    }
    // views: the template engine compiles them on first use; the compiled form carries them without the sources
    for (const rel of listFiles(path.join(appFolder, 'views'))) {
      const dest = path.join(tmp, 'views', rel)
      fs.mkdirSync(path.dirname(dest), { recursive: true })
      fs.copyFileSync(path.join(appFolder, 'views', rel), dest)
      files++
      manifest.files.push(path.join('views', rel).split(path.sep).join('/'))
    }
    fs.writeFileSync(path.join(tmp, MARKER), JSON.stringify(manifest, null, 1))
    const target = path.join(appFolder, COMPILED_DIR)
    fs.rmSync(target, { recursive: true, force: true })
    fs.renameSync(tmp, target)
    forgetMarker(appFolder)
    return { folder: target, files, bytesIn, bytesOut }
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
