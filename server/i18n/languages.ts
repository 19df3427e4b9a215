/**
 * The translation editor's side of i18n (the admin's languages pages and
 * `quark languages`): what each language file holds against the strings the
 * app's sources use, updating the files, adding a language with its plural
 * rule, and editing one string or one word's plural forms.
 *
 * A string counts as translated when its value is neither empty nor the
 * source text itself (collection writes the source as the value, as web2py
 * does). "Unused" is decided against a fresh scan of the sources every time,
 * so it is never stale; unused strings keep their translations (a string may
 * come back) until someone deletes them.
 *
 * A file that cannot be parsed is never rewritten here: update skips it and
 * reports why, edits to it are refused, so the user's text is never lost.
 */
import fs from 'node:fs'
import path from 'node:path'
import { LANGUAGE_CODE } from './accept'
import { collectStrings, scanStrings } from './collect'
import { QK_I18N_BAD_ENTRY, QK_I18N_BAD_LANGUAGE, QK_I18N_NO_LANGUAGE } from './errors'
import { RULES_FILE, readTable, writeTable } from './files'
import { compilePluralRule, pluralRuleFor } from './plural'
import { parseWeb2pyLanguage } from './web2py'

export interface LanguageSummary {
  lang: string
  /** strings in the file */
  total: number
  translated: number
  /** strings the sources no longer use */
  unused: number
  /** strings the sources use that the file lacks (an update adds them) */
  missing: number
  /** 0..100, of the strings in use */
  progress: number
  nplurals: number
  rule: string
  /** why the file could not be read (nothing else is then known) */
  problem?: string
}

export interface LanguageEntry {
  source: string
  translation: string
  translated: boolean
  unused: boolean
}

export interface LanguageDetail extends LanguageSummary {
  entries: LanguageEntry[]
  /** the words of %%{word} markers in sources and translations, with their plural forms (index 0 = form 1) */
  plurals: Array<{ word: string; forms: string[] }>
  /** the raw text of a file that could not be read, shown so it can be fixed by hand */
  raw?: string
}

const folderOf = (appFolder: string) => path.join(appFolder, 'languages')

function checkLang(lang: unknown): string {
  if (typeof lang !== 'string' || !LANGUAGE_CODE.test(lang)) throw new QK_I18N_BAD_LANGUAGE(JSON.stringify(lang))
  return lang.toLowerCase()
}

function languageFile(appFolder: string, lang: string): string {
  return path.join(folderOf(appFolder), `${checkLang(lang)}.json`)
}

/** The language codes with a file, sorted. */
export function appLanguages(appFolder: string): string[] {
  let names: string[] = []
  try { names = fs.readdirSync(folderOf(appFolder)) } catch { /* no languages folder */ }
  return names.filter((n) => n.endsWith('.json') && LANGUAGE_CODE.test(n.slice(0, -5)) && !n.startsWith('plural-'))
    .map((n) => n.slice(0, -5).toLowerCase()).sort()
}

/** The plural rule of `lang` as the editor shows it: the added one, else the built-in count. */
export function ruleOf(appFolder: string, lang: string): { nplurals: number; rule: string } {
  const rules = readRules(appFolder)
  const r = rules[lang]
  if (r && typeof r.nplurals === 'number' && typeof r.rule === 'string') return { nplurals: r.nplurals, rule: r.rule }
  return { nplurals: pluralRuleFor(lang).nplurals, rule: '(built in)' }
}

function readRules(appFolder: string): Record<string, { nplurals: number; rule: string }> {
  const file = path.join(folderOf(appFolder), RULES_FILE)
  if (!fs.existsSync(file)) return {}
  try { return readTable(file) as Record<string, { nplurals: number; rule: string }> } catch { return {} }
}

function isTranslated(source: string, value: unknown): boolean {
  return typeof value === 'string' && value !== '' && value !== source
}

function summarise(appFolder: string, lang: string, inUse: Set<string>): { summary: LanguageSummary; table?: Record<string, unknown> } {
  const { nplurals, rule } = ruleOf(appFolder, lang)
  const base = { lang, total: 0, translated: 0, unused: 0, missing: inUse.size, progress: 0, nplurals, rule }
  let table: Record<string, unknown>
  try { table = readTable(languageFile(appFolder, lang)) } catch (e) {
    return { summary: { ...base, problem: (e as Error).message } }
  }
  const keys = Object.keys(table)
  let translatedInUse = 0
  for (const k of keys) if (inUse.has(k) && isTranslated(k, table[k])) translatedInUse++
  const summary: LanguageSummary = {
    ...base,
    total: keys.length,
    translated: keys.filter((k) => isTranslated(k, table[k])).length,
    unused: keys.filter((k) => !inUse.has(k)).length,
    missing: [...inUse].filter((s) => !(s in table)).length,
    progress: inUse.size ? Math.round((100 * translatedInUse) / inUse.size) : 100,
  }
  return { summary, table }
}

/** Every language of the app with its progress. */
export function languagesReport(appFolder: string): { strings: number; languages: LanguageSummary[] } {
  const inUse = new Set(scanStrings(appFolder))
  return { strings: inUse.size, languages: appLanguages(appFolder).map((l) => summarise(appFolder, l, inUse).summary) }
}

const PLURAL_WORD = /%%\{!{0,3}([^{}[\]()?]+?)(?:\[\d+\]|\(\w+\))?\}/g

/** One language in full, for its editor page. */
export function languageDetail(appFolder: string, lang: string): LanguageDetail {
  const code = checkLang(lang)
  const file = languageFile(appFolder, code)
  if (!fs.existsSync(file)) throw new QK_I18N_NO_LANGUAGE(code)
  const inUse = new Set(scanStrings(appFolder))
  const { summary, table } = summarise(appFolder, code, inUse)
  if (!table) return { ...summary, entries: [], plurals: [], raw: fs.readFileSync(file, 'utf8') }
  const entries = Object.keys(table).map((source) => {
    const value = table[source]
    return { source, translation: typeof value === 'string' ? value : '', translated: isTranslated(source, value), unused: !inUse.has(source) }
  }).sort((a, b) => a.source.toLowerCase().localeCompare(b.source.toLowerCase()))
  let dict: Record<string, unknown> = {}
  let problem: string | undefined
  const pluralFile = path.join(folderOf(appFolder), `plural-${code}.json`)
  if (fs.existsSync(pluralFile)) {
    try { dict = readTable(pluralFile) } catch (e) { problem = (e as Error).message }
  }
  const words = new Set<string>()
  for (const e of entries) for (const text of [e.source, e.translation]) for (const m of text.matchAll(PLURAL_WORD)) words.add(m[1]!)
  for (const w of Object.keys(dict)) words.add(w)
  const plurals = [...words].sort().map((word) => {
    const forms = Array.isArray(dict[word]) ? (dict[word] as unknown[]).map((f) => (typeof f === 'string' ? f : '')) : []
    return { word, forms: Array.from({ length: Math.max(0, summary.nplurals - 1) }, (_x, i) => forms[i] ?? '') }
  })
  return { ...summary, problem: summary.problem ?? problem, entries, plurals }
}

export interface UpdateResult {
  strings: number
  /** language -> strings added to its file */
  added: Record<string, number>
  /** language -> strings its file has that the sources no longer use */
  unused: Record<string, number>
  /** language -> why its file was left alone */
  skipped: Record<string, string>
  /** language -> translations taken from a web2py <lang>.py */
  imported: Record<string, number>
}

/**
 * web2py language files (`languages/<lang>.py`) brought by the user: their translations go into
 * `<lang>.json` (made when missing; a translation already there wins). A .py with a syntax
 * error is reported and left alone, like a broken .json.
 */
function importWeb2py(appFolder: string, skipped: Record<string, string>): Record<string, number> {
  const imported: Record<string, number> = {}
  let names: string[] = []
  try { names = fs.readdirSync(folderOf(appFolder)) } catch { return imported }
  for (const n of names) {
    const lang = n.slice(0, -3).toLowerCase()
    if (!n.endsWith('.py') || !LANGUAGE_CODE.test(lang) || lang.startsWith('plural-')) continue
    let table: Record<string, string>
    try { table = parseWeb2pyLanguage(fs.readFileSync(path.join(folderOf(appFolder), n), 'utf8'), n) } catch (e) { skipped[lang] = (e as Error).message; continue }
    const file = languageFile(appFolder, lang)
    let json: Record<string, unknown> = {}
    if (fs.existsSync(file)) {
      try { json = readTable(file) } catch { continue } // the broken .json is reported by the update itself
    }
    let n2 = 0
    for (const [k, v] of Object.entries(table)) {
      if (isTranslated(k, json[k])) continue
      if (v !== '' && v !== k && !v.startsWith('*** ')) { json[k] = v; n2++ } else if (!(k in json)) json[k] = k
    }
    if (n2 || !fs.existsSync(file)) writeTable(file, json)
    imported[lang] = n2
  }
  return imported
}

/** Collect the strings into every readable language file; broken files are skipped, never rewritten. */
export function updateLanguages(appFolder: string): UpdateResult {
  const skipped: Record<string, string> = {}
  const imported = importWeb2py(appFolder, skipped)
  const readable: string[] = []
  for (const lang of appLanguages(appFolder)) {
    try { readTable(languageFile(appFolder, lang)); readable.push(lang) } catch (e) { skipped[lang] = skipped[lang] ? `${skipped[lang]}; ${(e as Error).message}` : (e as Error).message }
  }
  const r = collectStrings(appFolder, { only: readable })
  const inUse = new Set(r.strings)
  const unused: Record<string, number> = {}
  for (const lang of readable) unused[lang] = Object.keys(readTable(languageFile(appFolder, lang))).filter((k) => !inUse.has(k)).length
  return { strings: r.strings.length, added: r.added, unused, skipped, imported }
}

/**
 * Add a language: its file with every string in use, and (when given) its
 * plural rule. An existing language keeps its file; only the rule changes.
 */
export function addLanguage(appFolder: string, lang: string, plural?: { nplurals: number; rule: string }): { lang: string; created: boolean } {
  const code = checkLang(lang)
  if (plural) {
    compilePluralRule(plural.nplurals, plural.rule)
    const rules = readRules(appFolder)
    rules[code] = { nplurals: plural.nplurals, rule: plural.rule.trim() }
    writeTable(path.join(folderOf(appFolder), RULES_FILE), rules)
  }
  const created = !fs.existsSync(languageFile(appFolder, code))
  if (created) collectStrings(appFolder, { languages: [code], only: [code] })
  return { lang: code, created }
}

function editableTable(appFolder: string, lang: string, name: string): { file: string; table: Record<string, unknown> } {
  const code = checkLang(lang)
  if (!fs.existsSync(languageFile(appFolder, code))) throw new QK_I18N_NO_LANGUAGE(code)
  const file = path.join(folderOf(appFolder), name.replace('*', code))
  // readTable throws QK_I18N_BAD_LANGUAGE_FILE for a broken file: it is not overwritten
  return { file, table: fs.existsSync(file) ? readTable(file) : {} }
}

/** Set one string's translation ('' = untranslated again). */
export function setTranslation(appFolder: string, lang: string, source: unknown, translation: unknown): void {
  if (typeof source !== 'string' || source === '' || typeof translation !== 'string') throw new QK_I18N_BAD_ENTRY('a translation is a source string and its text')
  const { file, table } = editableTable(appFolder, lang, '*.json')
  table[source] = translation
  writeTable(file, table)
}

/** Set the plural forms of one word (form 1.. nplurals-1; empty forms are dropped at the end). */
export function setPluralForms(appFolder: string, lang: string, word: unknown, forms: unknown): void {
  if (typeof word !== 'string' || !word.trim() || /[{}[\]()?]/.test(word) || !Array.isArray(forms) || !forms.every((f) => typeof f === 'string')) {
    throw new QK_I18N_BAD_ENTRY('plural forms are a word (without {}[]()?) and a list of texts')
  }
  const { file, table } = editableTable(appFolder, lang, 'plural-*.json')
  const list = (forms as string[]).slice()
  while (list.length && list[list.length - 1] === '') list.pop()
  if (list.length) table[word] = list
  else delete table[word]
  writeTable(file, table)
}

/** Delete the strings the sources no longer use from one language. */
export function dropUnused(appFolder: string, lang: string): number {
  const { file, table } = editableTable(appFolder, lang, '*.json')
  const inUse = new Set(scanStrings(appFolder))
  let n = 0
  for (const k of Object.keys(table)) if (!inUse.has(k)) { delete table[k]; n++ }
  if (n) writeTable(file, table)
  return n
}
