/**
 * The sanitizer behind XML(text, { sanitize: true }): user HTML is re-written
 * from tokens, keeping only allow-listed tags and attributes. Everything else
 * is dropped: disallowed tags (their text kept, escaped), the whole content of
 * script/style/iframe/object/embed/template, event handlers (on*), and URLs
 * whose scheme is not http/https/mailto/ftp or relative (javascript:, data:,
 * vbscript:, also when obfuscated with entities or whitespace).
 */
import he from 'he'
import { escapeHtml } from './escape'

export interface SanitizeOptions {
  /** allowed tag names; a trailing '/' is accepted for void tags as in web2py */
  permittedTags?: string[]
  /** allowed attributes per tag ('*' for every tag) */
  allowedAttributes?: Record<string, string[]>
}

export const DEFAULT_PERMITTED_TAGS = [
  'a', 'b', 'blockquote', 'br/', 'i', 'li', 'ol', 'ul', 'p', 'cite', 'code', 'pre', 'img/',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'thead', 'tbody', 'tr', 'td', 'th', 'div', 'strong', 'em', 'span', 'hr/', 'u', 's', 'sub', 'sup',
]
export const DEFAULT_ALLOWED_ATTRIBUTES: Record<string, string[]> = {
  a: ['href', 'title'], img: ['src', 'alt', 'title', 'width', 'height'], blockquote: ['type'], td: ['colspan', 'rowspan'], th: ['colspan', 'rowspan'],
}

const DROP_WITH_CONTENT = new Set(['script', 'style', 'iframe', 'object', 'embed', 'template', 'noscript', 'textarea', 'title', 'xmp', 'svg', 'math'])
const VOID = new Set(['br', 'img', 'hr', 'input', 'meta', 'link', 'col', 'embed', 'area', 'base', 'source', 'wbr'])
const URL_ATTRS = new Set(['href', 'src', 'action', 'cite', 'background', 'poster', 'formaction', 'xlink:href'])
const SAFE_SCHEME = /^(?:https?|mailto|ftp):/i
const TOKEN = /<!--[\s\S]*?(?:-->|$)|<(\/?)([A-Za-z][\w:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>|<[!?][^>]*>?/g
const ATTR = /([^\s"'>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g

export function isSafeUrl(raw: string): boolean {
  // Decode entities and strip control characters and whitespace browsers ignore inside a scheme.
  const url = he.decode(raw).replace(/[\u0000-\u0020\u007f-\u00a0]+/g, '')
  const colon = url.indexOf(':')
  if (colon < 0) return true
  const firstSep = url.search(/[/?#]/)
  if (firstSep >= 0 && firstSep < colon) return true // "a/b:c" is a relative path
  return SAFE_SCHEME.test(url)
}

export function sanitizeHtml(html: string, opts: SanitizeOptions = {}): string {
  const tags = new Set((opts.permittedTags ?? DEFAULT_PERMITTED_TAGS).map((t) => t.replace(/\/$/, '').toLowerCase()))
  const attrs = opts.allowedAttributes ?? DEFAULT_ALLOWED_ATTRIBUTES
  let out = ''
  let last = 0
  let dropping: string | null = null
  const open: string[] = []
  TOKEN.lastIndex = 0
  for (let m = TOKEN.exec(html); m; m = TOKEN.exec(html)) {
    const text = html.slice(last, m.index)
    last = TOKEN.lastIndex
    if (!dropping) out += escapeHtml(he.decode(text))
    const closing = m[1] === '/'
    const name = m[2]?.toLowerCase()
    if (!name) continue // comment, doctype, processing instruction
    if (dropping) {
      if (closing && name === dropping) dropping = null
      continue
    }
    if (DROP_WITH_CONTENT.has(name)) {
      if (!closing && !/\/\s*$/.test(m[3] ?? '')) dropping = name
      continue
    }
    if (!tags.has(name)) continue
    if (closing) {
      const i = open.lastIndexOf(name)
      if (i >= 0) {
        while (open.length > i) out += '</' + open.pop() + '>'
      }
      continue
    }
    const allowed = new Set([...(attrs[name] ?? []), ...(attrs['*'] ?? [])])
    let a = ''
    ATTR.lastIndex = 0
    for (let am = ATTR.exec(m[3] ?? ''); am; am = ATTR.exec(m[3] ?? '')) {
      const an = am[1]!.toLowerCase()
      if (an.startsWith('on') || !allowed.has(an)) continue
      const value = he.decode(am[2] ?? am[3] ?? am[4] ?? '')
      if (URL_ATTRS.has(an) && !isSafeUrl(value)) continue
      a += ' ' + an + '="' + escapeHtml(value) + '"'
    }
    if (VOID.has(name)) out += '<' + name + a + ' />'
    else { out += '<' + name + a + '>'; open.push(name) }
  }
  if (!dropping) out += escapeHtml(he.decode(html.slice(last)))
  while (open.length) out += '</' + open.pop() + '>'
  return out
}
