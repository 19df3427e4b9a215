/**
 * The translation editor: per app, its languages with their progress
 * (update collects the T('...') strings; add a language with its plural
 * rule), and per language a page of strings with filters, each edited in
 * place, and the plural forms of every %%{word}. The work is i18n's
 * (admin.translations); a broken language file is shown with its error and
 * its text, never rewritten.
 */
const tr = admin.translations

export function index() {
  const app = appOf()
  response.title = `Languages · ${app.name}`
  const report = attempt(() => tr.languagesReport(app.folder))
  return {
    appName: app.name, report, maxPlurals: tr.MAX_PLURALS,
    crumbs: [['Site', adminUrl('default')], [`Design ${app.name}`, adminUrl('design', 'index', [app.name])], ['Languages', '']],
  }
}

/** POST: collect the strings into every language file. */
export function update() {
  changing()
  const app = appOf()
  const r = attempt(() => tr.updateLanguages(app.folder))
  const added = Object.entries(r.added).map(([l, n]) => `${l} +${n}`).join(', ')
  const skipped = Object.entries(r.skipped).map(([l, why]) => `${l} was left alone (${why})`).join('; ')
  ide.say(`Updated: ${r.strings} strings in use${added ? `; added ${added}` : ''}.${skipped ? ` ${skipped}.` : ''}`)
  redirect(adminUrl('languages', 'index', [app.name]))
}

/** POST: add a language (code, and optionally its number of plural forms and rule). */
export function add() {
  changing()
  const app = appOf()
  const code = String(request.postVars.code ?? '').trim()
  const rule = String(request.postVars.rule ?? '').trim()
  const nplurals = Number(request.postVars.nplurals)
  const plural = rule || request.postVars.nplurals ? { nplurals, rule } : undefined
  const r = attempt(() => tr.addLanguage(app.folder, code, plural))
  ide.say(r.created ? `Added ${r.lang}.` : `${r.lang} exists: its plural rule was set.`)
  redirect(adminUrl('languages', 'edit', [app.name, r.lang]))
}

const FILTERS = ['all', 'untranslated', 'translated', 'unused'] as const

export function edit() {
  const app = appOf()
  const lang = String(request.args(1) ?? '')
  const detail = attempt(() => tr.languageDetail(app.folder, lang))
  const filter = (FILTERS as readonly string[]).includes(String(request.vars.filter)) ? String(request.vars.filter) : 'all'
  const q = typeof request.vars.q === 'string' ? request.vars.q.trim() : ''
  const needle = q.toLowerCase()
  const entries = detail.entries.filter((e) =>
    (filter === 'all' || (filter === 'untranslated' && !e.translated && !e.unused) || (filter === 'translated' && e.translated) || (filter === 'unused' && e.unused)) &&
    (!needle || e.source.toLowerCase().includes(needle) || e.translation.toLowerCase().includes(needle)))
  response.title = `${detail.lang} · Languages · ${app.name}`
  return {
    appName: app.name, detail, entries, filter, filters: FILTERS, q, csrf: ide.csrf,
    urls: { translate: adminUrl('languages', 'translate.json', [app.name, detail.lang]), plural: adminUrl('languages', 'plural.json', [app.name, detail.lang]) },
    crumbs: [['Site', adminUrl('default')], [`Design ${app.name}`, adminUrl('design', 'index', [app.name])], ['Languages', adminUrl('languages', 'index', [app.name])], [detail.lang, '']],
  }
}

/** POST (JSON): one string's translation. */
export function translate() {
  changing()
  const app = appOf()
  const lang = String(request.args(1) ?? '')
  attempt(() => tr.setTranslation(app.folder, lang, request.postVars.source, request.postVars.translation))
  const t = request.postVars.translation as string
  return response.json({ saved: true, translated: t !== '' && t !== request.postVars.source })
}

/** POST (JSON): the plural forms of one word. */
export function plural() {
  changing()
  const app = appOf()
  const lang = String(request.args(1) ?? '')
  attempt(() => tr.setPluralForms(app.folder, lang, request.postVars.word, request.postVars.forms))
  return response.json({ saved: true })
}

/** POST: delete the strings the sources no longer use. */
export function drop_unused() {
  changing()
  const app = appOf()
  const lang = String(request.args(1) ?? '')
  const n = attempt(() => tr.dropUnused(app.folder, lang))
  ide.say(`Deleted ${n} unused string${n === 1 ? '' : 's'} from ${lang}.`)
  redirect(adminUrl('languages', 'edit', [app.name, lang]))
}
