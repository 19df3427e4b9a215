/**
 * Search and replace across an app's files (#25 item 5): the files the
 * design page lists (models, controllers, views, languages, static, modules,
 * private, cron, tests), text ones only, up to the editor's size limit. The
 * needle is literal text or a regular expression, case-sensitive or not.
 * Replacing writes each changed file atomically; the editor's conflict check
 * then notices the change in any open tab.
 */
import fs from 'node:fs'
import path from 'node:path'
import { listAppFiles, MAX_EDIT_BYTES } from './files'
import { QK_ADMIN_BAD_SEARCH } from './errors'

export interface SearchOptions { text: unknown; regex?: boolean; caseSensitive?: boolean }
export interface SearchMatch { path: string; line: number; column: number; preview: string }

export const MAX_MATCHES = 1000
const MAX_NEEDLE = 500

function patternOf(o: SearchOptions): RegExp {
  const text = typeof o.text === 'string' ? o.text : ''
  if (!text) throw new QK_ADMIN_BAD_SEARCH('type something to look for')
  if (text.length > MAX_NEEDLE) throw new QK_ADMIN_BAD_SEARCH(`at most ${MAX_NEEDLE} characters`)
  const flags = o.caseSensitive ? 'g' : 'gi'
  if (!o.regex) return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), flags)
  let re: RegExp
  try { re = new RegExp(text, flags) } catch (e) { throw new QK_ADMIN_BAD_SEARCH(`not a regular expression: ${(e as Error).message}`) }
  if (re.test('')) throw new QK_ADMIN_BAD_SEARCH('the expression matches empty text: it would match everywhere')
  return re
}

/** The app's text files, relative paths. */
function textFiles(appFolder: string): string[] {
  const out: string[] = []
  for (const list of Object.values(listAppFiles(appFolder))) {
    for (const f of list) {
      if (f.size > MAX_EDIT_BYTES) continue
      const buf = fs.readFileSync(path.join(appFolder, f.path))
      if (buf.includes(0)) continue // binary
      out.push(f.path)
    }
  }
  return out.sort()
}

export function searchApp(appFolder: string, o: SearchOptions): { matches: SearchMatch[]; truncated: boolean } {
  const re = patternOf(o)
  const matches: SearchMatch[] = []
  for (const rel of textFiles(appFolder)) {
    const lines = fs.readFileSync(path.join(appFolder, rel), 'utf8').split('\n')
    for (let i = 0; i < lines.length; i++) {
      re.lastIndex = 0
      const m = re.exec(lines[i]!)
      if (!m) continue
      if (matches.length >= MAX_MATCHES) return { matches, truncated: true }
      matches.push({ path: rel, line: i + 1, column: m.index + 1, preview: lines[i]!.trim().slice(0, 200) })
    }
  }
  return { matches, truncated: false }
}

/** Replace every match (in `only` files when given); `$1` etc. work with a regular expression. */
export function replaceInApp(appFolder: string, o: SearchOptions & { replacement: unknown; only?: string[] }): { files: string[]; replacements: number } {
  const re = patternOf(o)
  if (typeof o.replacement !== 'string') throw new QK_ADMIN_BAD_SEARCH('the replacement is text')
  const replacement = o.regex ? o.replacement : o.replacement.replace(/\$/g, '$$$$')
  const files: string[] = []
  let replacements = 0
  for (const rel of textFiles(appFolder)) {
    if (o.only && !o.only.includes(rel)) continue
    const file = path.join(appFolder, rel)
    const text = fs.readFileSync(file, 'utf8')
    let n = 0
    const out = text.replace(re, (...args) => { n++; return (args[0] as string).replace(new RegExp(re.source, re.flags.replace('g', '')), replacement) })
    if (!n || out === text) continue
    const tmp = `${file}.${process.pid}.replace.tmp`
    fs.writeFileSync(tmp, out)
    fs.renameSync(tmp, file)
    files.push(rel)
    replacements += n
  }
  return { files, replacements }
}
