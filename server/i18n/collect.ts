/**
 * String collection for the translation editor: find every literal T('...')
 * in an app's models, controllers, views and modules, and add the missing
 * ones to each language file (value = the source text, as web2py does, so an
 * untranslated entry reads as the original until someone edits it).
 */
import fs from 'node:fs'
import path from 'node:path'
import { LANGUAGE_CODE } from './accept'
import { QK_I18N_BAD_LANGUAGE } from './errors'
import { readTable, writeTable } from './files'

const SCANNED = ['models', 'controllers', 'views', 'modules']
const EXTENSIONS = /\.(ts|js|mts|html|htm|load|xml|json|txt|md)$/i
// T('x'), T("x"), T(`x`) (no ${}), T.M('x'); the argument must be a literal
const CALL = /(?<![\w$.])T(?:\.M)?\(\s*(?:'((?:\\.|[^'\\\n])*)'|"((?:\\.|[^"\\\n])*)"|`((?:\\.|[^`\\$])*)`)\s*[,)]/g

function unescapeJs(s: string): string {
  return s.replace(/\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[\s\S])/g, (_m, e: string) => {
    if (e[0] === 'u') return String.fromCodePoint(parseInt(e.replace(/[u{}]/g, ''), 16))
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16))
    return ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0' } as Record<string, string>)[e] ?? e
  })
}

/** The T() literals of one source text, in order of appearance, without duplicates. */
export function findStrings(source: string): string[] {
  const out = new Set<string>()
  for (const m of source.matchAll(CALL)) out.add(unescapeJs(m[1] ?? m[2] ?? m[3] ?? ''))
  out.delete('')
  return [...out]
}

function walk(dir: string, out: string[]): string[] {
  let entries: fs.Dirent[]
  try { entries = fs.readdirSync(dir, { withFileTypes: true }) } catch { return out }
  for (const e of entries) {
    const full = path.join(dir, e.name)
    if (e.isDirectory()) walk(full, out)
    else if (EXTENSIONS.test(e.name)) out.push(full)
  }
  return out
}

export interface CollectResult {
  /** every string found, sorted */
  strings: string[]
  /** language -> how many keys were added to its file */
  added: Record<string, number>
}

/** Every T('...') / T.M('...') literal of the app's models, controllers, views and modules, sorted. */
export function scanStrings(appFolder: string): string[] {
  const found = new Set<string>()
  for (const sub of SCANNED) {
    for (const file of walk(path.join(appFolder, sub), [])) for (const s of findStrings(fs.readFileSync(file, 'utf8'))) found.add(s)
  }
  return [...found].sort()
}

/**
 * Scan the app and add missing keys to every `languages/<lang>.json`
 * (plus files for `opts.languages`, created when absent); `opts.only` limits
 * the files written to those languages (the editor skips files it cannot read).
 */
export function collectStrings(appFolder: string, opts: { languages?: string[]; only?: string[] } = {}): CollectResult {
  const found = new Set(scanStrings(appFolder))
  const folder = path.join(appFolder, 'languages')
  const langs = new Set<string>()
  for (const l of opts.languages ?? []) {
    if (!LANGUAGE_CODE.test(l)) throw new QK_I18N_BAD_LANGUAGE(JSON.stringify(l))
    langs.add(l.toLowerCase())
  }
  try {
    for (const n of fs.readdirSync(folder)) if (n.endsWith('.json') && !n.startsWith('plural-') && LANGUAGE_CODE.test(n.slice(0, -5))) langs.add(n.slice(0, -5))
  } catch { /* no languages folder yet */ }
  const added: Record<string, number> = {}
  for (const lang of [...langs].sort()) {
    if (opts.only && !opts.only.includes(lang)) continue
    const file = path.join(folder, `${lang}.json`)
    const table = fs.existsSync(file) ? readTable(file) : {}
    let n = 0
    for (const s of found) if (!(s in table)) { table[s] = s; n++ }
    if (n || !fs.existsSync(file)) writeTable(file, table)
    added[lang] = n
  }
  return { strings: [...found].sort(), added }
}
