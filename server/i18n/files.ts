/**
 * Language files of one app: `<app>/languages/<lang>.json` (source text ->
 * translation) and `plural-<lang>.json` (word -> its plural forms). Each file
 * is read once and re-read only when its mtime changes; the stat itself is
 * throttled, so serving a request normally touches no file at all.
 */
import fs from 'node:fs'
import path from 'node:path'
import { QK_I18N_BAD_LANGUAGE_FILE } from './errors'
import { LANGUAGE_CODE } from './accept'
import { throttleNow } from '../current'

/** where the plural rules of added languages are kept (not a language: `_` is no language code) */
export const RULES_FILE = '_rules.json'

interface Cached<T> { data: T; mtimeMs: number; checkedAt: number }

export class LanguageFiles {
  /** how often (ms) a file's mtime is checked at most; 0 checks on every lookup */
  checkIntervalMs = 1000
  private readonly tables = new Map<string, Cached<Record<string, unknown> | null> & { problem?: string }>()
  private list: Cached<string[]> | null = null
  constructor(readonly folder: string) {}

  /** Language codes that have a `<lang>.json` file, lower case. */
  languages(): string[] {
    const now = throttleNow()
    if (this.list && now - this.list.checkedAt < this.checkIntervalMs) return this.list.data
    let mtimeMs = -1
    try { mtimeMs = fs.statSync(this.folder).mtimeMs } catch { /* no languages folder */ }
    if (!this.list || this.list.mtimeMs !== mtimeMs) {
      const names = mtimeMs < 0 ? [] : fs.readdirSync(this.folder)
      const data = names.filter((n) => n.endsWith('.json') && !n.startsWith('plural-'))
        .map((n) => n.slice(0, -5).toLowerCase()).filter((l) => LANGUAGE_CODE.test(l)).sort()
      this.list = { data, mtimeMs, checkedAt: now }
    } else this.list.checkedAt = now
    return this.list.data
  }

  /** The translation table of `lang`, or null when it has no file. */
  table(lang: string): Record<string, string> | null {
    return this.load(`${lang}.json`) as Record<string, string> | null
  }

  /** The plural forms of `lang`: word -> [form1, form2, ...] (form 0 is the word itself). */
  plurals(lang: string): Record<string, string[]> | null {
    return this.load(`plural-${lang}.json`) as Record<string, string[]> | null
  }

  /** The plural rules added with a language (`_rules.json`: lang -> { nplurals, rule }). */
  rules(): Record<string, { nplurals: number; rule: string }> | null {
    return this.load(RULES_FILE) as Record<string, { nplurals: number; rule: string }> | null
  }

  /**
   * Why `lang`'s file (or its plural file) could not be read, or undefined. A broken file never
   * breaks the app: its strings show untranslated until it is fixed, and the editor shows this.
   */
  problem(lang: string): string | undefined {
    this.load(`${lang}.json`)
    this.load(`plural-${lang}.json`)
    return this.tables.get(`${lang}.json`)?.problem ?? this.tables.get(`plural-${lang}.json`)?.problem
  }

  private load(name: string): Record<string, unknown> | null {
    const now = throttleNow()
    const c = this.tables.get(name)
    if (c && now - c.checkedAt < this.checkIntervalMs) return c.data
    const file = path.join(this.folder, name)
    let mtimeMs = -1
    try { mtimeMs = fs.statSync(file).mtimeMs } catch { /* missing file */ }
    if (c && c.mtimeMs === mtimeMs) { c.checkedAt = now; return c.data }
    let data: Record<string, unknown> | null = null
    let problem: string | undefined
    if (mtimeMs >= 0) {
      try { data = readTable(file) } catch (e) { problem = (e as Error).message }
    }
    this.tables.set(name, { data, mtimeMs, checkedAt: now, problem })
    return data
  }
}

export function readTable(file: string): Record<string, unknown> {
  let parsed: unknown
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (e) {
    throw new QK_I18N_BAD_LANGUAGE_FILE(file, (e as Error).message, { cause: e })
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new QK_I18N_BAD_LANGUAGE_FILE(file, 'not a JSON object of strings')
  return parsed as Record<string, unknown>
}

/** Write a table atomically (temp file + rename), keys sorted, so a reader never sees half a file. */
export function writeTable(file: string, data: Record<string, unknown>): void {
  const sorted: Record<string, unknown> = {}
  for (const k of Object.keys(data).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()) || a.localeCompare(b))) sorted[k] = data[k]
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`
  fs.writeFileSync(tmp, JSON.stringify(sorted, null, 2) + '\n')
  fs.renameSync(tmp, file)
}
