/**
 * The routes page: the site's active routes file and each app's, the problems of broken ones, and
 * the tester (a URL in → application, controller, function, args, extension, language; an
 * URL(...) out → the text). Read-only: GET forms, nothing is changed.
 */

export function index() {
  response.title = 'Routes'
  const field = (k: string, max = 2000) => (typeof request.vars[k] === 'string' ? String(request.vars[k]).slice(0, max) : '')
  const test = { url: field('url'), out: field('out'), host: field('host', 300), method: field('method', 10), language: field('language', 20) }
  const folder = admin.adminState.folder
  if (!folder) throw HTTP(503, admin.errorBody(request, 503, 'The admin does not know the site folder.'))
  const report = admin.routesReport(folder, test)
  return { report, test, crumbs: [['Site', adminUrl('default')], ['Routes', '']] }
}
