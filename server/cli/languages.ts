/**
 * `quark languages <app> [--update] [--add xx[,yy]] [--plurals N --rule expr]`:
 * the translation editor's work from the command line. Without flags it
 * prints each language's progress; --add creates language files (with every
 * string in use, and the plural rule when given); --update collects the
 * T('...') strings into every language file, keeping translations. A broken
 * language file is reported and left as it is; the exit code is then 1.
 */
import {
  addLanguage, languagesReport, updateLanguages, type LanguageSummary,
} from '../i18n/index'
import { existingApp } from './builtins'
import { FOLDER, HELP, type Command } from './commands'
import { QK_CLI_USAGE } from './errors'

const UPDATE = { name: 'update', help: 'collect every T(...) string of models, controllers, views and modules into the language files' }
const ADD = { name: 'add', value: true, help: 'add languages (comma-separated codes, e.g. it,pt-br)' }
const PLURALS = { name: 'plurals', value: true, help: 'with --add: the number of plural forms of the language' }
const RULE = { name: 'rule', value: true, help: 'with --add: the plural rule, an expression of n giving the form, e.g. "n == 1 ? 0 : 1"' }

function line(l: LanguageSummary): string {
  if (l.problem) return `${l.lang}: BROKEN FILE (left as it is): ${l.problem}`
  return `${l.lang}: ${l.progress}% translated (${l.translated}/${l.total} strings, ${l.unused} unused, ${l.missing} new), ${l.nplurals} plural form${l.nplurals === 1 ? '' : 's'}`
}

export const languagesCommand: Command = {
  summary: 'translations of an app: progress per language, --update collects the strings, --add xx adds a language',
  usage: 'quark languages <app> [--update] [--add xx[,yy]] [--plurals N --rule "n == 1 ? 0 : 1"] [-f folder]',
  flags: [FOLDER, UPDATE, ADD, PLURALS, RULE, HELP],
  async run(p, io) {
    if (p.positional.length > 1) throw new QK_CLI_USAGE('quark languages takes one app name (see --help)')
    const { name, folder } = existingApp(p, 'languages')
    const add = typeof p.flags.add === 'string' ? p.flags.add.split(',').map((s) => s.trim()).filter(Boolean) : []
    if (p.flags.add !== undefined && !add.length) throw new QK_CLI_USAGE('--add needs language codes, e.g. --add it')
    if ((p.flags.plurals !== undefined || p.flags.rule !== undefined) && !add.length) throw new QK_CLI_USAGE('--plurals and --rule go with --add')
    if ((p.flags.plurals === undefined) !== (p.flags.rule === undefined)) throw new QK_CLI_USAGE('give --plurals and --rule together')
    const plural = p.flags.plurals !== undefined ? { nplurals: Number(p.flags.plurals), rule: String(p.flags.rule) } : undefined
    let failed = false
    for (const lang of add) {
      const r = addLanguage(folder, lang, plural)
      io.out(r.created ? `added ${r.lang}` : `${r.lang} exists${plural ? ': its plural rule was set' : ''}`)
    }
    if (p.flags.update === true) {
      const r = updateLanguages(folder)
      io.out(`${name}: ${r.strings} strings in use`)
      for (const [lang, n] of Object.entries(r.imported)) io.out(`${lang}: ${n} translation${n === 1 ? '' : 's'} imported from ${lang}.py (web2py)`)
      for (const [lang, n] of Object.entries(r.added)) io.out(`${lang}: ${n} added, ${r.unused[lang] ?? 0} unused`)
      for (const [lang, why] of Object.entries(r.skipped)) { io.err(`quark languages: ${lang} left as it is: ${why}`); failed = true }
      return failed ? 1 : 0
    }
    const report = languagesReport(folder)
    io.out(`${name}: ${report.strings} strings in use, ${report.languages.length} language${report.languages.length === 1 ? '' : 's'}`)
    for (const l of report.languages) {
      if (l.problem) { io.err(`quark languages: ${line(l)}`); failed = true } else io.out(line(l))
    }
    return failed ? 1 : 0
  },
}
