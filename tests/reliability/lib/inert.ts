/**
 * Is an HTML page free of active content an attacker could have injected?
 * A small tag scanner (quotes respected, comments and raw-text elements
 * skipped): no script-capable element, no event-handler attribute, no URL
 * attribute whose value (entities decoded, blanks and controls removed)
 * starts with javascript:, vbscript: or data:text/html, no CSS expression()
 * or javascript: URL in a style. The pages of the hostile app have none of
 * these of their own, so any one found was injected.
 */
import { ERROR_PAGE_CSS } from '../../../server/http/index'

const DANGEROUS_TAGS = new Set(['script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'svg', 'math', 'base', 'link', 'style', 'template', 'portal'])
const URL_ATTRS = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'background', 'poster', 'srcdoc', 'lowsrc', 'dynsrc', 'ping', 'codebase', 'cite'])
const RAW_TEXT = new Set(['title', 'textarea'])

function decodeEntities(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);?/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);?/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&colon;/gi, ':').replace(/&tab;/gi, '\t').replace(/&newline;/gi, '\n')
    .replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
}

export function activeContent(page: string): string | undefined {
  // the framework's own error page carries one fixed <style> (server/http errorPage): that one exact
  // element is not injected; any other style element, or this one changed, still counts
  const html = page.split(`<style>${ERROR_PAGE_CSS}</style>`).join('')
  let i = 0
  while (i < html.length) {
    const lt = html.indexOf('<', i)
    if (lt === -1) return undefined
    if (html.startsWith('<!--', lt)) { const end = html.indexOf('-->', lt + 4); i = end === -1 ? html.length : end + 3; continue }
    const m = /^<\/?([a-zA-Z][a-zA-Z0-9:-]*)/.exec(html.slice(lt, lt + 64))
    if (!m) { i = lt + 1; continue }
    const tag = m[1]!.toLowerCase()
    const closing = html[lt + 1] === '/'
    // attributes up to the closing '>' (quotes respected)
    let j = lt + m[0].length
    const attrs: [string, string][] = []
    while (j < html.length && html[j] !== '>') {
      const a = /^[\s/]*([^\s=>/"']+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]*))?/.exec(html.slice(j))
      if (!a || a[0].length === 0) { j++; continue }
      let v = a[2] ?? ''
      if (v.startsWith('"') || v.startsWith("'")) v = v.slice(1, -1)
      attrs.push([a[1]!.toLowerCase(), decodeEntities(v)])
      j += a[0].length
    }
    const snippet = html.slice(lt, Math.min(j + 1, lt + 120))
    if (!closing) {
      if (DANGEROUS_TAGS.has(tag)) return `<${tag}> element: ${snippet}`
      if (tag === 'meta' && attrs.some(([n]) => n === 'http-equiv')) return `meta http-equiv: ${snippet}`
      for (const [n, v] of attrs) {
        if (n.startsWith('on')) return `event handler ${n}: ${snippet}`
        const bare = v.replace(/[\s\x00-\x1f]/g, '').toLowerCase()
        if (URL_ATTRS.has(n) && /^(javascript|vbscript|livescript):|^data:text\/html/.test(bare)) return `${n} URL ${v}: ${snippet}`
        if (n === 'style' && /expression\(|behavior:|-moz-binding/.test(bare)) return `style ${v}: ${snippet}`
      }
    }
    i = j + 1
    if (!closing && RAW_TEXT.has(tag)) {
      const end = html.toLowerCase().indexOf(`</${tag}`, i)
      i = end === -1 ? html.length : end
    }
  }
  return undefined
}
