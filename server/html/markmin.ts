/**
 * MARKMIN, web2py's wiki markup, to HTML. Raw HTML in the source is always
 * escaped. Supported:
 *   # h1 .. ###### h6           sections
 *   **bold**  ''italic''  __underline__  ~~strike~~  ``code``
 *   ``\n block \n``[:lang]       code block
 *   [[label http://url]]         link ([[label #anchor]], [[label url popup]] opens a new tab)
 *   [[alt http://x.png left 200px]]  image (by extension; align and width optional)
 *   [[label http://x.mp4 video]] / [[label http://x.mp3 audio]] / [[label url iframe]]  embeds
 *   [[name]]                     anchor target
 *   - item / + item              unordered / ordered lists
 *   -------- rows | of | cells ======== ... --------   tables (==== separates the header)
 *   -------- text --------       blockquote
 *   bare http(s) URLs            links
 */
import { escapeHtml, type Renderable } from './escape'
import { isSafeUrl } from './sanitize'

const IMAGE_EXT = /\.(?:png|jpe?g|gif|svg|webp|bmp|ico)(?:[?#].*)?$/i
const VIDEO_EXT = /\.(?:mp4|webm|ogv|mov)(?:[?#].*)?$/i
const AUDIO_EXT = /\.(?:mp3|ogg|oga|wav|m4a|flac)(?:[?#].*)?$/i
const LINK = /\[\[([^\]]*?)\]\]/g
const INLINE_CODE = /``([^`\n]+?)``/g
const BARE_URL = /(^|[\s(])(https?:\/\/[^\s<>"')\]]+)/g
const PLACEHOLDER = /\u0000(\d+)\u0000/g

function safe(url: string): string { return isSafeUrl(url) ? escapeHtml(url) : '#' }

function renderLink(inner: string): string {
  const parts = inner.trim().split(/\s+/)
  if (parts.length === 1 && !/[:/#.]/.test(parts[0]!)) return '<span id="markmin_' + escapeHtml(parts[0]!) + '"></span>'
  // Find the URL token: the last one that looks like a URL or #anchor.
  let ui = -1
  for (let i = parts.length - 1; i >= 0; i--) if (/^(?:[a-z][\w+.-]*:|\/|#|\.)/i.test(parts[i]!)) { ui = i; break }
  if (ui < 0) return escapeHtml('[[' + inner + ']]')
  const label = parts.slice(0, ui).join(' ')
  const url = parts[ui]!
  const flags = parts.slice(ui + 1)
  const href = url.startsWith('#') ? '#markmin_' + escapeHtml(url.slice(1)) : safe(url)
  if (flags.includes('video') || (!flags.length && VIDEO_EXT.test(url))) return '<video controls="controls" src="' + href + '" title="' + escapeHtml(label) + '"></video>'
  if (flags.includes('audio') || (!flags.length && AUDIO_EXT.test(url))) return '<audio controls="controls" src="' + href + '" title="' + escapeHtml(label) + '"></audio>'
  if (flags.includes('iframe')) return '<iframe src="' + href + '" title="' + escapeHtml(label) + '" frameborder="0" allowfullscreen></iframe>'
  if (IMAGE_EXT.test(url) && !flags.includes('popup')) {
    let style = ''
    for (const f of flags) {
      if (f === 'left' || f === 'right') style += 'float:' + f + ';'
      else if (f === 'center') style += 'display:block;margin-left:auto;margin-right:auto;'
      else if (/^\d+px$/.test(f)) style += 'width:' + f + ';'
    }
    return '<img src="' + href + '" alt="' + escapeHtml(label) + '"' + (style ? ' style="' + style + '"' : '') + ' />'
  }
  const target = flags.includes('popup') ? ' target="_blank" rel="noopener"' : ''
  return '<a href="' + href + '"' + target + '>' + escapeHtml(label || url) + '</a>'
}

/** Inline markup of one block of text; code spans and links are protected from the other rules. */
function inline(text: string): string {
  const saved: string[] = []
  const keep = (html: string) => '\u0000' + (saved.push(html) - 1) + '\u0000'
  let s = text.replace(/\u0000/g, '')
  s = s.replace(INLINE_CODE, (_m, code: string) => keep('<code>' + escapeHtml(code) + '</code>'))
  s = s.replace(LINK, (_m, inner: string) => keep(renderLink(inner)))
  s = s.replace(BARE_URL, (_m, pre: string, url: string) => pre + keep('<a href="' + safe(url) + '">' + escapeHtml(url) + '</a>'))
  s = escapeHtml(s)
  s = s.replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
  s = s.replace(/&#x27;&#x27;(.+?)&#x27;&#x27;/g, '<em>$1</em>')
  s = s.replace(/__(.+?)__/g, '<u>$1</u>')
  s = s.replace(/~~(.+?)~~/g, '<del>$1</del>')
  return s.replace(PLACEHOLDER, (_m, i: string) => saved[Number(i)]!)
}

function renderTable(lines: string[]): string {
  let head: string[] = []
  const body: string[] = []
  for (const line of lines) {
    if (/^={3,}\s*$/.test(line)) { head = body.splice(0); continue }
    const cells = line.split('|').map((c) => c.trim())
    body.push('<tr>' + cells.map((c) => '<td>' + inline(c) + '</td>').join('') + '</tr>')
  }
  const th = head.map((r) => r.replace(/<(\/?)td>/g, '<$1th>'))
  return '<table>' + (th.length ? '<thead>' + th.join('') + '</thead>' : '') + '<tbody>' + body.join('') + '</tbody></table>'
}

export function markminToHtml(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n')
  const out: string[] = []
  let para: string[] = []
  const flush = () => { if (para.length) { out.push('<p>' + inline(para.join('\n')) + '</p>'); para = [] } }
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const t = line.trim()
    if (!t) { flush(); continue }
    if (t === '``' || (t.startsWith('``') && !t.slice(2).includes('``'))) {
      // Code block: up to a line starting with `` (optionally followed by :lang).
      flush()
      const first = t.slice(2)
      const body: string[] = first ? [first] : []
      let lang = ''
      for (i++; i < lines.length; i++) {
        const m = /^``(?::([\w-]+))?\s*$/.exec(lines[i]!.trim())
        if (m) { lang = m[1] ?? ''; break }
        body.push(lines[i]!)
      }
      out.push('<pre><code' + (lang ? ' class="' + escapeHtml(lang) + '"' : '') + '>' + escapeHtml(body.join('\n')) + '</code></pre>')
      continue
    }
    const h = /^(#{1,6})\s+(.*)$/.exec(t)
    if (h) { flush(); const n = h[1]!.length; out.push('<h' + n + '>' + inline(h[2]!) + '</h' + n + '>'); continue }
    if (/^-{3,}$/.test(t)) {
      flush()
      const block: string[] = []
      for (i++; i < lines.length && !/^-{3,}(?::\w+)?$/.test(lines[i]!.trim()); i++) block.push(lines[i]!.trim())
      const rows = block.filter((l) => l)
      if (rows.some((l) => l.includes('|'))) out.push(renderTable(rows))
      else out.push('<blockquote>' + inline(rows.join('\n')) + '</blockquote>')
      continue
    }
    const li = /^([-+])\s+(.*)$/.exec(t)
    if (li) {
      flush()
      const tag = li[1] === '-' ? 'ul' : 'ol'
      const items: string[] = []
      for (; i < lines.length; i++) {
        const m = /^([-+])\s+(.*)$/.exec(lines[i]!.trim())
        if (!m || m[1] !== li[1]) { i--; break }
        items.push('<li>' + inline(m[2]!) + '</li>')
      }
      out.push('<' + tag + '>' + items.join('') + '</' + tag + '>')
      continue
    }
    para.push(t)
  }
  flush()
  return out.join('')
}

export class MarkminElement implements Renderable {
  readonly html: string
  constructor(text: string) { this.html = markminToHtml(text) }
  xml(): string { return this.html }
  toString(): string { return this.html }
}

export function MARKMIN(text: string): MarkminElement {
  return new MarkminElement(text)
}
