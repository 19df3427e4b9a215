/**
 * The book, offline: /admin/docs (the contents), /admin/docs/read/<chapter>
 * (a chapter of docs/*.md as HTML) and /admin/docs/search?q=... (the
 * sections holding every word). The rendering, the index and the check of
 * chapter names live in server/adminlib/docs.ts; login is required as on
 * every admin page (models/0_admin.ts).
 */

/** Where the book's pages live, under the site's path_prefix. */
function docsBase(): string {
  return adminBase + '/docs'
}

/** What every book page shows beside its own content: the chapters for the side bar and the search box. */
function shared(query = '') {
  return { chapters: admin.docsChapters(docsBase()), query, searchUrl: adminUrl('docs', 'search'), readUrl: (n: string) => adminUrl('docs', 'read', [n]) }
}

export function index() {
  const contents = attempt(() => admin.docsChapter(docsBase(), admin.DOCS_CONTENTS))
  response.title = 'Book'
  return { ...shared(), chapter: contents, crumbs: [['Site', adminUrl('default')], ['Book', '']] }
}

export function read() {
  const name = request.args(0)
  // a chapter is one path segment: anything more (read/a/b) names no chapter
  if (request.args(1) !== undefined) throw HTTP(404, admin.errorBody(request, 404, 'No such chapter.'))
  const chapter = attempt(() => admin.docsChapter(docsBase(), name))
  response.title = chapter.title
  response.view = 'docs/index.html'
  return { ...shared(), chapter, crumbs: [['Site', adminUrl('default')], ['Book', adminUrl('docs')], [chapter.title, '']] }
}

export function search() {
  const raw = request.vars.q
  const query = typeof raw === 'string' ? raw : ''
  const found = attempt(() => admin.searchDocs(docsBase(), query))
  response.title = query ? `Search: ${query.slice(0, 60)}` : 'Search the book'
  return { ...shared(query), ...found, crumbs: [['Site', adminUrl('default')], ['Book', adminUrl('docs')], ['Search', '']] }
}
