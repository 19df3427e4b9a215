/**
 * html/: the HTML helpers (web2py's names), the server-side DOM, escaping,
 * the sanitizer, URL() with signatures, MARKMIN and MARKDOWN, BEAUTIFY,
 * ASSIGNJS, LOAD, MENU. The browser script for components is
 * html/client/quark.js (served by http/ at /_quark/quark.js).
 *
 * `helperNames` lists what environment/names.ts exposes to models,
 * controllers and views.
 */
import path from 'node:path'
import { isSea, projectFolder } from '../sea'
import * as helpers from './helpers'
import * as extras from './extras'
import { MARKMIN } from './markmin'
import { MARKDOWN } from './markdown'
import { URL } from './url'

export { escapeHtml, xmlescape, isRenderable, type Renderable } from './escape'
export { XmlElement, isPlainObject, type Component, type Attributes, type HelperArg, type FindOptions } from './element'
export { parseSelector, matchesSelector, type SelectorStep } from './selector'
export * from './helpers'
export { BEAUTIFY, ASSIGNJS, LOAD, LOAD_INLINE_KEY, MENU, type MenuItem, type MenuOptions, type LoadOptions, type BeautifyOptions } from './extras'
export { sanitizeHtml, isSafeUrl, DEFAULT_PERMITTED_TAGS, DEFAULT_ALLOWED_ATTRIBUTES, type SanitizeOptions } from './sanitize'
export { isUrlAttribute, isAllowedUrl, safeUrlValue } from './urlsafety'
export { parseHtml, HtmlComment } from './parser'
export { highlightCode, HIGHLIGHT_THEME } from './highlight'
export { URL, sitePathPrefix, type UrlOptions, type UrlRequest, type UrlFunction } from './url'
export { MARKMIN, markminToHtml, MarkminElement } from './markmin'
export { MARKDOWN, markdownToHtml, MarkdownElement } from './markdown'
export * from './errors'

/** Absolute path of the browser script served at /_quark/quark.js. */
export const clientScriptPath = isSea() ? path.join(projectFolder('project-files'), 'server', 'html', 'client', 'quark.js') : path.join(__dirname, 'client', 'quark.js')

const HELPER_NAMES = [
  'A', 'ABBR', 'ARTICLE', 'ASIDE', 'B', 'BLOCKQUOTE', 'BODY', 'BR', 'BUTTON', 'CAPTION', 'CAT', 'CENTER', 'CODE', 'COL', 'COLGROUP',
  'DIV', 'EM', 'EMBED', 'FIELDSET', 'FOOTER', 'FORM', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'HEAD', 'HEADER', 'HR', 'HTML', 'I',
  'IFRAME', 'IMG', 'INPUT', 'LABEL', 'LEGEND', 'LI', 'LINK', 'MAIN', 'META', 'NAV', 'OBJECT', 'OL', 'OPTGROUP', 'OPTION', 'P',
  'PRE', 'SCRIPT', 'SECTION', 'SELECT', 'SMALL', 'SPAN', 'STRONG', 'STYLE', 'SUB', 'SUP', 'TABLE', 'TAG', 'TBODY', 'TD',
  'TEXTAREA', 'TFOOT', 'TH', 'THEAD', 'TITLE', 'TR', 'TT', 'UL', 'XML',
] as const

/** The names views, models and controllers see without imports. */
export function helperNames(): Record<string, unknown> {
  const names: Record<string, unknown> = {}
  for (const n of HELPER_NAMES) names[n] = (helpers as Record<string, unknown>)[n]
  Object.assign(names, { BEAUTIFY: extras.BEAUTIFY, ASSIGNJS: extras.ASSIGNJS, LOAD: extras.LOAD, MENU: extras.MENU, MARKMIN, MARKDOWN, URL, truncateString: helpers.truncateString })
  return names
}
