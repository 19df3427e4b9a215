/**
 * The part of monaco-editor/min/vs the admin loads (25 MB on disk, of which
 * the admin's editor requests ~40 files). Left out, measured by recording
 * every request the admin's editor makes in chromium while a file of each
 * kind it edits is opened, typed in, completed, searched:
 *
 *   - nls/         the editor's messages in other languages: the admin does
 *                  not set a locale, so nls.messages-loader.js asks for none;
 *   - language/    the workers' AMD copies: this build of Monaco starts them
 *                  from assets/ and the root-level *.worker-<hash>.js;
 *   - the syntax colouring of the ~80 languages the admin never gives a file
 *                  (server/adminlib languageOf: ADMIN_LANGUAGES below).
 *
 * Whatever a kept file names in its `define([...])` dependencies is kept too,
 * so a language chunk that borrows another's (javascript → typescript) works.
 */
import path from 'node:path'
import fs from 'node:fs'
import { collectFolder, type PackInput } from './pack-writer'

/** Every language server/adminlib/files.ts languageOf() gives a file (tests/binary/bundle.test.ts checks it). */
export const ADMIN_LANGUAGES = ['typescript', 'javascript', 'json', 'html', 'xml', 'css', 'markdown', 'sql', 'yaml', 'shell', 'plaintext']

/** basic-languages/monaco.contribution.js: language id → the root-level chunk holding its tokenizer. */
export function languageChunks(contribution: string): Map<string, string> {
  const out = new Map<string, string>()
  const re = /\{id:"([\w.+-]+)"[^{}]*?loader:\(\)=>new Promise\(\(\w+,\w+\)=>\w+\(\["\.\.\/([\w.-]+)"\]/g
  for (const m of contribution.matchAll(re)) out.set(m[1]!, `${m[2]!}.js`)
  return out
}

/** The module ids a file's AMD define() depends on, as paths relative to vs/ (only its relative ones). */
function dependencies(file: string, source: string): string[] {
  const m = /define\(\s*"[^"]*"\s*,\s*\[([^\]]*)\]/.exec(source.slice(0, 4000))
  if (!m) return []
  const out: string[] = []
  for (const d of m[1]!.matchAll(/"(\.{1,2}\/[^"]+)"/g)) {
    out.push(`${path.posix.join(path.posix.dirname(file), d[1]!)}.js`)
  }
  return out
}

export function monacoFiles(vs: string): { files: PackInput[]; total: number } {
  const all = collectFolder(vs)
  const byPath = new Map(all.map((f) => [f.path, f]))
  const contribution = byPath.get('basic-languages/monaco.contribution.js')
  const chunks = contribution ? languageChunks(contribution.data.toString('utf8')) : new Map<string, string>()
  const unused = new Set<string>()
  for (const [id, chunk] of chunks) if (!ADMIN_LANGUAGES.includes(id)) unused.add(chunk)
  // a chunk shared with a language the admin uses stays
  for (const id of ADMIN_LANGUAGES) { const c = chunks.get(id); if (c) unused.delete(c) }
  const keep = new Set(all.filter((f) => !f.path.startsWith('nls/') && !f.path.startsWith('language/') && !unused.has(f.path)).map((f) => f.path))
  const queue = [...keep]
  while (queue.length) {
    const p = queue.pop()!
    if (!p.endsWith('.js')) continue
    for (const d of dependencies(p, byPath.get(p)!.data.toString('latin1'))) {
      if (byPath.has(d) && !keep.has(d)) { keep.add(d); queue.push(d) }
    }
  }
  if (!fs.existsSync(path.join(vs, 'loader.js'))) throw new Error(`build: ${vs} has no loader.js: is monaco-editor installed?`)
  return { files: all.filter((f) => keep.has(f.path)), total: all.length }
}
