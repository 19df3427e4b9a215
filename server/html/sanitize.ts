/**
 * The sanitizer behind XML(text, { sanitize: true }): user HTML is re-written
 * from tokens, and only allow-listed tags with allow-listed attributes are
 * kept as markup. What is not permitted is, as web2py does by default,
 * escaped and left visible as text:
 *   - a tag not in `permittedTags`, or a permitted tag carrying an attribute
 *     not allowed for it (event handlers `on*` never are), or a URL attribute
 *     (`href`, `src`, ...) whose scheme is not http/https/mailto/ftp or a
 *     relative URL: the tag's source becomes text (`&lt;b onclick=...&gt;`),
 *     its closing tag too;
 *   - script, style and the other raw-text elements: shown with their content
 *     as text.
 * With `{ stripDisallowed: true }` they are dropped instead: disallowed tags
 * vanish (their text stays, escaped), disallowed attributes and unsafe URLs
 * are left out, and script/style/iframe/object/embed/template/svg/math go
 * with their content. Comments, doctypes and processing instructions are
 * dropped either way. URL schemes are read after entity decoding and with
 * the whitespace and control characters browsers ignore removed.
 */
import he from 'he'
import { escapeHtml } from './escape'

export interface SanitizeOptions {
  /** allowed tag names; a trailing '/' is accepted for void tags as in web2py */
  permittedTags?: string[]
  /** allowed attributes per tag ('*' for every tag) */
  allowedAttributes?: Record<string, string[]>
  /** drop what is not permitted instead of showing it escaped (web2py's strip_disallowed) */
  stripDisallowed?: boolean
  /** schemes accepted in URL attributes besides relative URLs (default http, https, mailto, ftp) */
  allowedSchemes?: string[]
}

export const DEFAULT_PERMITTED_TAGS = [
  'a', 'b', 'blockquote', 'br/', 'i', 'li', 'ol', 'ul', 'p', 'cite', 'code', 'pre', 'img/',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'thead', 'tbody', 'tr', 'td', 'th', 'div', 'strong', 'em', 'span', 'hr/', 'u', 's', 'sub', 'sup',
]
export const DEFAULT_ALLOWED_ATTRIBUTES: Record<string, string[]> = {
  a: ['href', 'title'], img: ['src', 'alt', 'title', 'width', 'height'], blockquote: ['type'], td: ['colspan', 'rowspan'], th: ['colspan', 'rowspan'],
}
const DEFAULT_SCHEMES = ['http', 'https', 'mailto', 'ftp']

/** Elements whose content is not markup: taken whole up to their closing tag. */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript', 'plaintext'])
/** Dropped with their content when stripping. */
const DROP_WITH_CONTENT = new Set([...RAW_TEXT, 'object', 'embed', 'template', 'svg', 'math'])
const VOID = new Set(['br', 'img', 'hr', 'input', 'meta', 'link', 'col', 'embed', 'area', 'base', 'source', 'wbr'])
const URL_ATTRS = new Set(['href', 'src', 'action', 'cite', 'background', 'poster', 'formaction', 'xlink:href', 'srcset', 'data', 'codebase', 'longdesc'])
const TOKEN = /<!--[\s\S]*?(?:-->|$)|<(\/?)([A-Za-z][\w:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>|<[!?][^>]*>?/g
const ATTR = /([^\s"'>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g

/** Whether a URL is relative or has one of `schemes` (default http, https, mailto, ftp). */
export function isSafeUrl(raw: string, schemes: readonly string[] = DEFAULT_SCHEMES): boolean {
  // Decode entities and strip control characters and whitespace browsers ignore inside a scheme.
  const url = he.decode(raw).replace(/[\u0000-\u0020\u007f-\u00a0\u200b-\u200f\u2028\u2029\ufeff]+/g, '')
  const colon = url.indexOf(':')
  if (colon < 0) return true
  const firstSep = url.search(/[/?#]/)
  if (firstSep >= 0 && firstSep < colon) return true // "a/b:c" is a relative path
  const scheme = url.slice(0, colon).toLowerCase()
  return /^[a-z][a-z0-9+.-]*$/.test(scheme) && schemes.includes(scheme)
}

interface Open { name: string; escaped: boolean }

export function sanitizeHtml(html: string, opts: SanitizeOptions = {}): string {
  const tags = new Set((opts.permittedTags ?? DEFAULT_PERMITTED_TAGS).map((t) => t.replace(/\/$/, '').toLowerCase()))
  const attrs = opts.allowedAttributes ?? DEFAULT_ALLOWED_ATTRIBUTES
  const schemes = (opts.allowedSchemes ?? DEFAULT_SCHEMES).map((s) => s.toLowerCase())
  const strip = opts.stripDisallowed === true
  let out = ''
  let last = 0
  const open: Open[] = []
  const text = (s: string) => escapeHtml(he.decode(s))
  TOKEN.lastIndex = 0
  for (let m = TOKEN.exec(html); m; m = TOKEN.exec(html)) {
    out += text(html.slice(last, m.index))
    last = TOKEN.lastIndex
    const source = m[0]
    const closing = m[1] === '/'
    const name = m[2]?.toLowerCase()
    if (!name) continue // comment, doctype, processing instruction
    const selfClosing = /\/\s*$/.test(m[3] ?? '')
    if (!closing && !tags.has(name) && DROP_WITH_CONTENT.has(name) && !selfClosing && (strip || RAW_TEXT.has(name))) {
      // the element's content up to its closing tag (or the end): shown as text, or dropped
      const end = closingTagEnd(html, name, last)
      if (!strip) out += escapeHtml(html.slice(m.index, end))
      last = TOKEN.lastIndex = end
      continue
    }
    if (closing) {
      const i = open.map((o) => o.name).lastIndexOf(name)
      if (i < 0) { if (!strip) out += escapeHtml(source); continue }
      while (open.length > i + 1) { const o = open.pop()!; if (!o.escaped) out += '</' + o.name + '>' }
      const o = open.pop()!
      out += o.escaped ? escapeHtml(source) : '</' + name + '>'
      continue
    }
    const kept = tags.has(name) ? keptAttributes(name, m[3] ?? '', attrs, schemes, strip) : undefined
    if (kept === undefined) {
      // not permitted: visible as text, or gone
      if (!strip) {
        out += escapeHtml(source)
        if (!VOID.has(name) && !selfClosing) open.push({ name, escaped: true })
      }
      continue
    }
    if (VOID.has(name)) out += '<' + name + kept + ' />'
    else { out += '<' + name + kept + '>'; open.push({ name, escaped: false }) }
  }
  out += text(html.slice(last))
  while (open.length) { const o = open.pop()!; if (!o.escaped) out += '</' + o.name + '>' }
  return out
}

/** The end of `</name ...>` after `from` (case-insensitive), or the end of the text when it never closes. */
function closingTagEnd(html: string, name: string, from: number): number {
  const re = new RegExp('</' + name + '(?=[\\s/>])[^>]*>?', 'ig')
  re.lastIndex = from
  const m = re.exec(html)
  return m ? m.index + m[0].length : html.length
}

/**
 * The rendered attributes of a permitted tag, or undefined when one of its
 * attributes is not allowed (escape mode: the whole tag is then shown as text).
 */
function keptAttributes(tag: string, raw: string, attrs: Record<string, string[]>, schemes: string[], strip: boolean): string | undefined {
  const allowed = new Set([...(attrs[tag] ?? []), ...(attrs['*'] ?? [])])
  let a = ''
  ATTR.lastIndex = 0
  for (let am = ATTR.exec(raw); am; am = ATTR.exec(raw)) {
    const an = am[1]!.toLowerCase()
    const value = he.decode(am[2] ?? am[3] ?? am[4] ?? '')
    const ok = !an.startsWith('on') && allowed.has(an) && (!URL_ATTRS.has(an) || (an === 'srcset' ? value.split(',').every((c) => isSafeUrl(c.trim().split(/\s+/)[0] ?? '', schemes)) : isSafeUrl(value, schemes)))
    if (!ok) { if (strip) continue; return undefined }
    a += ' ' + an + '="' + escapeHtml(value) + '"'
  }
  return a
}
