/**
 * Search and replace across an app's files (adminlib's search.ts): a search
 * by GET lists each match with a link to the editor at its line; replacing
 * is a POST with the CSRF token, asked first in the page.
 */
function options(vars: Record<string, unknown>) {
  return { text: vars.q, regex: vars.regex === '1' || vars.regex === true, caseSensitive: vars.case === '1' || vars.case === true }
}

export function index() {
  const app = appOf()
  response.title = `Search · ${app.name}`
  const q = typeof request.vars.q === 'string' ? request.vars.q : ''
  const found = q ? attempt(() => admin.searchApp(app.folder, options(request.vars))) : undefined
  return {
    appName: app.name, q, regex: request.vars.regex === '1', caseSensitive: request.vars.case === '1', found,
    crumbs: [['Site', adminUrl('default')], [`Design ${app.name}`, adminUrl('design', 'index', [app.name])], ['Search', '']],
  }
}

export function replace() {
  changing()
  const app = appOf()
  const o = options(request.postVars)
  const r = attempt(() => admin.replaceInApp(app.folder, { ...o, replacement: request.postVars.replacement }))
  admin.forgetCompiled(app.folder)
  ide.say(`Replaced ${r.replacements} match${r.replacements === 1 ? '' : 'es'} in ${r.files.length} file${r.files.length === 1 ? '' : 's'}${r.files.length ? ': ' + r.files.join(', ') : ''}.`)
  redirect(adminUrl('search', 'index', [app.name], { q: String(request.postVars.replacement ?? ''), regex: o.regex ? '1' : undefined, case: o.caseSensitive ? '1' : undefined }))
}
