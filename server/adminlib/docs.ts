/**
 * The book in the admin (/admin/docs): the chapters of docs/*.md rendered to
 * HTML on the server with `marked`, a table of contents, and a search over
 * every section. From a checkout the admin reads the checkout's docs/ (an
 * edit shows on the next request); inside the binary it reads the copy the
 * build packs with the project files (build/assets.ts), extracted like the
 * rest of them.
 *
 * The rendered book and its search index are built once per change of the
 * docs files (their names, sizes and mtimes), never per request.
 */
import fs from 'node:fs'
import path from 'node:path'
import { Marked, type Token, type Tokens } from 'marked'
import { escapeHtml, isSafeUrl, highlightCode } from '../html/index'
import { isSea, projectFolder } from '../sea'
import { QK_ADMIN_NOT_FOUND, QK_ADMIN_BAD_SEARCH } from './errors'

/** The chapter that is the book's contents page. */
export const CONTENTS = 'README'
/** A search query longer than this is refused (400), not truncated silently. */
export const MAX_QUERY = 200
/** At most this many sections are listed for one search. */
export const MAX_RESULTS = 50

export interface DocHeading { level: number; text: string; id: string }
export interface DocChapter { name: string; title: string; html: string; headings: DocHeading[] }
interface Section { chapter: string; heading: string; id: string; text: string; lower: string }
export interface DocSearchHit { chapter: string; chapterTitle: string; heading: string; id: string; href: string; snippetHtml: string }

interface Book { key: string; order: string[]; chapters: Map<string, DocChapter>; sections: Section[] }

/** The folder the book is read from: the checkout's docs/, or the binary's extracted copy. */
export function docsFolder(): string {
  return isSea() ? path.join(projectFolder('project-files'), 'docs') : path.join(__dirname, '..', '..', 'docs')
}

// One book per docs folder and URL base (the base holds the site's path_prefix);
// a process serves one or two of them, so this stays tiny.
const books = new Map<string, Book>()

/** The chapter files (name without .md, sorted) and a key that changes whenever one of them does. */
function scan(folder: string): { names: string[]; key: string } {
  let entries: fs.Dirent[]
  try { entries = fs.readdirSync(folder, { withFileTypes: true }) } catch { return { names: [], key: '' } }
  const names: string[] = []
  const parts: string[] = []
  for (const e of entries) {
    if (!e.isFile() || !/^[A-Za-z0-9_-]+\.md$/.test(e.name)) continue
    const st = fs.statSync(path.join(folder, e.name))
    names.push(e.name.slice(0, -3))
    parts.push(`${e.name}:${st.size}:${st.mtimeMs}`)
  }
  names.sort()
  return { names, key: parts.sort().join('|') }
}

function book(base: string): Book {
  const folder = docsFolder()
  const { names, key } = scan(folder)
  const cacheKey = `${folder}\0${base}`
  const known = books.get(cacheKey)
  if (known && known.key === key) return known
  const built = buildBook(folder, names, key, base)
  if (books.size > 8) books.clear()
  books.set(cacheKey, built)
  return built
}

/** A heading's text as an anchor id: lower case, words joined by '-', unique within its chapter. */
function slugger(): (text: string) => string {
  const seen = new Map<string, number>()
  return (text) => {
    const slug = text.toLowerCase().replace(/<[^>]*>/g, '').replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '') || 'section'
    const n = seen.get(slug) ?? 0
    seen.set(slug, n + 1)
    return n ? `${slug}-${n}` : slug
  }
}

/** Inline Markdown as plain text (for headings in the contents and for search). */
function plain(text: string): string {
  return text.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*_]/g, '').replace(/\s+/g, ' ').trim()
}

function buildBook(folder: string, names: string[], key: string, base: string): Book {
  const known = new Set(names)
  const sources = new Map(names.map((n) => [n, fs.readFileSync(path.join(folder, `${n}.md`), 'utf8')]))
  // Reading order: the contents page, then the chapters in the order its list links them, then the rest.
  const linked = [...(sources.get(CONTENTS) ?? '').matchAll(/\]\(([A-Za-z0-9_-]+)\.md\)/g)].map((m) => m[1]!).filter((n) => known.has(n))
  const order = [...new Set([...(known.has(CONTENTS) ? [CONTENTS] : []), ...linked, ...names])]
  const chapters = new Map<string, DocChapter>()
  const sections: Section[] = []
  for (const name of order) {
    const r = renderChapter(name, sources.get(name)!, known, base)
    chapters.set(name, r.chapter)
    sections.push(...r.sections)
  }
  return { key, order, chapters, sections }
}

/** Where a link of the book leads in the admin: chapters to their page, anything else unsafe or missing to nowhere. */
function rewriteHref(href: string, known: Set<string>, base: string): string | undefined {
  const chapter = /^(?:\.\/)?([A-Za-z0-9_-]+)\.md(#[^\s]*)?$/.exec(href)
  if (chapter) return known.has(chapter[1]!) ? `${base}/read/${chapter[1]}${chapter[2] ?? ''}` : undefined
  if (href.startsWith('#')) return href
  if (/^https?:\/\//i.test(href) && isSafeUrl(href)) return href
  // examples/, ../README.md, ...: files of the checkout the admin does not serve
  return undefined
}

/** A code block's info string: the language, and the words the book's tests read (file=, run, output). */
function codeCaption(info: string): { language: string; caption?: string } {
  const [language = '', ...words] = info.trim().split(/\s+/)
  const file = words.find((w) => w.startsWith('file='))
  if (file) return { language, caption: `docs/examples/${file.slice(5)}` }
  if (words.includes('output')) return { language, caption: 'Output' }
  return { language }
}

function renderChapter(name: string, source: string, known: Set<string>, base: string): { chapter: DocChapter; sections: Section[] } {
  const slug = slugger()
  const headings: DocHeading[] = []
  const sections: Section[] = []
  let section: Section = { chapter: name, heading: '', id: '', text: '', lower: '' }
  const startSection = (heading: string, id: string): void => {
    if (section.text.trim() || section.heading) sections.push(section)
    section = { chapter: name, heading, id, text: '', lower: '' }
  }
  const marked = new Marked({
    gfm: true,
    async: false,
    renderer: {
      heading(this: { parser: { parseInline(t: Token[]): string } }, { tokens, depth, text }: Tokens.Heading) {
        const id = slug(plain(text))
        return `<h${depth} id="${id}">${this.parser.parseInline(tokens)} <a class="qk-doc-anchor" href="#${id}" aria-label="Link to this section">#</a></h${depth}>\n`
      },
      code({ text, lang }: Tokens.Code) {
        const { language, caption } = codeCaption(lang ?? '')
        const { html, language: used } = language ? highlightCode(text, language) : { html: escapeHtml(text), language: undefined }
        const cap = caption ? `<figcaption class="qk-doc-caption">${escapeHtml(caption)}</figcaption>` : ''
        return `<figure class="qk-doc-code">${cap}<pre><code class="hljs${used ? ` language-${used}` : ''}">${html}</code></pre></figure>\n`
      },
      html({ text }: Tokens.HTML | Tokens.Tag) { return escapeHtml(text) },
      link(this: { parser: { parseInline(t: Token[]): string } }, { href, title, tokens }: Tokens.Link) {
        const inner = this.parser.parseInline(tokens)
        const to = rewriteHref(href, known, base)
        if (to === undefined) return `<span class="qk-doc-nolink" title="${escapeHtml(href)}">${inner}</span>`
        return `<a href="${escapeHtml(to)}"${title ? ` title="${escapeHtml(title)}"` : ''}>${inner}</a>`
      },
      image({ text }: Tokens.Image) { return escapeHtml(text) },
    },
  })
  const tokens = marked.lexer(source)
  let title = name
  // The search sections follow the headings; their text is the blocks' plain text.
  for (const t of tokens) {
    if (t.type === 'heading') {
      const text = plain((t as Tokens.Heading).text)
      const id = slugPreview(headings, text)
      headings.push({ level: (t as Tokens.Heading).depth, text, id })
      if ((t as Tokens.Heading).depth === 1 && title === name) title = text
      startSection(text, id)
    } else if (t.type === 'code') {
      section.text += ' ' + (t as Tokens.Code).text
    } else if (t.type !== 'space') {
      section.text += ' ' + plain(t.raw.replace(/^[#>|\-*+\s]+|\|/gm, ' '))
    }
  }
  startSection('', '')
  for (const s of sections) { s.text = s.text.replace(/\s+/g, ' ').trim(); s.lower = (s.heading + '\n' + s.text).toLowerCase() }
  const html = marked.parser(tokens) as string
  return { chapter: { name, title, html, headings }, sections }
}

/** The id the renderer will give this heading (the same rule, counted over the headings seen so far). */
function slugPreview(before: DocHeading[], text: string): string {
  const s = slugger()
  for (const h of before) s(h.text)
  return s(text)
}

/** Every chapter in reading order (the contents page first): name, title and headings, for the table of contents. */
export function docsChapters(base: string): DocChapter[] {
  const b = book(base)
  return b.order.map((n) => b.chapters.get(n)!)
}

/**
 * One chapter by the name in the URL. Only names of the files listed in
 * docs/ are accepted, compared as they are: '../x', '%2e%2e', 'dal.md',
 * 'examples' are all simply unknown (QK_ADMIN_NOT_FOUND, 404).
 */
export function docsChapter(base: string, name: unknown): DocChapter {
  const b = book(base)
  const found = typeof name === 'string' ? b.chapters.get(name) : undefined
  if (!found) throw new QK_ADMIN_NOT_FOUND(`chapter ${JSON.stringify(String(name ?? '').slice(0, 100))}`)
  return found
}

/** Escaped text with every occurrence of the terms wrapped in <mark>. */
function markTerms(text: string, terms: string[]): string {
  const lower = text.toLowerCase()
  let out = ''
  let i = 0
  while (i < text.length) {
    let next = -1, len = 0
    for (const t of terms) {
      const at = lower.indexOf(t, i)
      if (at !== -1 && (next === -1 || at < next || (at === next && t.length > len))) { next = at; len = t.length }
    }
    if (next === -1) { out += escapeHtml(text.slice(i)); break }
    out += escapeHtml(text.slice(i, next)) + '<mark>' + escapeHtml(text.slice(next, next + len)) + '</mark>'
    i = next + len
  }
  return out
}

/**
 * The sections (of every chapter) holding every word of `query`, case
 * insensitive; each with a snippet around the first match, escaped, the
 * words marked. An empty query finds nothing; one over MAX_QUERY characters
 * is refused (QK_ADMIN_BAD_SEARCH, 400).
 */
export function searchDocs(base: string, query: unknown): { hits: DocSearchHit[]; more: boolean } {
  const q = typeof query === 'string' ? query.trim() : ''
  if (q.length > MAX_QUERY) throw new QK_ADMIN_BAD_SEARCH(`the query is longer than ${MAX_QUERY} characters`)
  const terms = [...new Set(q.toLowerCase().split(/\s+/).filter(Boolean))]
  if (!terms.length) return { hits: [], more: false }
  const b = book(base)
  const hits: DocSearchHit[] = []
  let more = false
  for (const s of b.sections) {
    if (!terms.every((t) => s.lower.includes(t))) continue
    if (hits.length === MAX_RESULTS) { more = true; break }
    const at = s.text.toLowerCase().indexOf(terms[0]!)
    const from = Math.max(0, at - 80)
    const to = Math.min(s.text.length, (at === -1 ? 0 : at) + 160)
    const snippet = (from > 0 ? '…' : '') + s.text.slice(from, to) + (to < s.text.length ? '…' : '')
    const chapter = b.chapters.get(s.chapter)!
    hits.push({
      chapter: s.chapter, chapterTitle: chapter.title, heading: s.heading || chapter.title, id: s.id,
      href: `${base}/read/${s.chapter}${s.id ? '#' + s.id : ''}`,
      snippetHtml: markTerms(snippet, terms),
    })
  }
  return { hits, more }
}
