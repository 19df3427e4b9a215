/**
 * TAG(html): markup → helpers (web2py's TAG(html) / web2pyHTMLParser), so
 * that the server-side DOM search (`.elements('div.c')`, `.element()`,
 * `.flatten()`) works on HTML from a file, a database or another site.
 *
 * A small tolerant tokenizer, written for this; it never runs anything:
 *   - elements become TagElements (void ones, `<br>`, with the trailing '/'),
 *     tag and attribute names lower-cased, attributes `_name`, values quoted,
 *     unquoted or absent (`disabled` → true);
 *   - entities in text and attribute values are decoded, so text nodes hold
 *     plain text and re-rendering escapes it again (`&lt;b&gt;` stays text);
 *   - script, style, textarea and title content is raw text up to its
 *     closing tag (script/style kept as written, the others as text);
 *   - comments are kept (rendered with `--` and `<>` defused), a doctype is
 *     kept when it looks like one, other `<!...>` / `<?...>` are dropped;
 *   - unclosed tags are closed at the end or by an ancestor's closing tag;
 *     a stray closing tag is ignored; `<p>`, `<li>`, `<option>`, `<tr>`,
 *     `<td>`/`<th>`, `<dt>`/`<dd>` close the open sibling as browsers do.
 * TAG(html) keeps markup as written (a script stays a script): it is for
 * markup you trust; user HTML goes through XML(s, { sanitize: true }).
 */
import he from 'he'
import type { Renderable } from './escape'
import type { XmlElement } from './element'
import { TagElement, XmlRaw } from './helpers'

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr', 'keygen'])
const RAW_KEPT = new Set(['script', 'style'])
const RAW_TEXT = new Set(['textarea', 'title'])
/** Opening the key closes the innermost open elements while they are of one of these tags (`<tr>` ends a `<td>` and its `<tr>`). */
const IMPLICIT_CLOSE: Record<string, string[]> = {
  p: ['p'], li: ['li'], option: ['option'], optgroup: ['optgroup', 'option'], tr: ['tr', 'td', 'th'], td: ['td', 'th'], th: ['td', 'th'],
  dt: ['dt', 'dd'], dd: ['dt', 'dd'], thead: ['tbody', 'tfoot', 'tr', 'td', 'th'], tbody: ['thead', 'tbody', 'tfoot', 'tr', 'td', 'th'], tfoot: ['thead', 'tbody', 'tr', 'td', 'th'],
}
// a block element opened inside a paragraph ends the paragraph
for (const block of ['address', 'article', 'aside', 'blockquote', 'div', 'dl', 'fieldset', 'figure', 'footer', 'form', 'h1', 'h2', 'h3',
  'h4', 'h5', 'h6', 'header', 'hr', 'main', 'menu', 'nav', 'ol', 'pre', 'section', 'table', 'ul']) IMPLICIT_CLOSE[block] = ['p']
const TAG_OPEN = /<([A-Za-z][\w:.-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/y
const TAG_CLOSE = /<\/([A-Za-z][\w:.-]*)[^>]*>/y
const ATTR = /([^\s"'>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g
const ATTR_NAME = /^[a-z_:][\w:.-]*$/
const DOCTYPE = /^<!doctype\s+[\w\s"'.\/:+-]*>$/i

/** An HTML comment kept by the parser: invisible, searchable by nobody, rendered defused. */
export class HtmlComment implements Renderable {
  constructor(readonly text: string) {}
  xml(): string { return '<!--' + this.text.replace(/--/g, '- -').replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;')) + '-->' }
  toString(): string { return this.xml() }
  flatten(): string { return '' }
}

function parseAttributes(raw: string): Record<string, unknown> {
  const attrs: Record<string, unknown> = {}
  ATTR.lastIndex = 0
  for (let m = ATTR.exec(raw); m; m = ATTR.exec(raw)) {
    const name = m[1]!.toLowerCase()
    if (!ATTR_NAME.test(name)) continue // '<script' or '"x' as a name: not an attribute worth keeping
    const value = m[2] ?? m[3] ?? m[4]
    if (!('_' + name in attrs)) attrs['_' + name] = value === undefined ? true : he.decode(value)
  }
  return attrs
}

/** Parse `html` into a container (no tag of its own) of TagElements, text and comments. */
export function parseHtml(html: string): TagElement {
  const root = new TagElement('', [])
  const stack: XmlElement[] = [root]
  const top = () => stack[stack.length - 1]!
  let text = ''
  const flushText = () => { if (text) { top().append(he.decode(text)); text = '' } }
  let i = 0
  while (i < html.length) {
    const lt = html.indexOf('<', i)
    if (lt < 0) { text += html.slice(i); break }
    text += html.slice(i, lt)
    i = lt
    if (html.startsWith('<!--', i)) {
      flushText()
      const end = html.indexOf('-->', i + 4)
      top().append(new HtmlComment(html.slice(i + 4, end < 0 ? html.length : end)))
      i = end < 0 ? html.length : end + 3
      continue
    }
    if (html[i + 1] === '!' || html[i + 1] === '?') {
      flushText()
      const end = html.indexOf('>', i)
      const decl = html.slice(i, end < 0 ? html.length : end + 1)
      if (DOCTYPE.test(decl)) top().append(new XmlRaw(decl))
      i = end < 0 ? html.length : end + 1
      continue
    }
    TAG_CLOSE.lastIndex = i
    const close = TAG_CLOSE.exec(html)
    if (close) {
      flushText()
      i = TAG_CLOSE.lastIndex
      const name = close[1]!.toLowerCase()
      let k = stack.length - 1
      while (k > 0 && stack[k]!.tag !== name) k--
      if (k > 0) stack.length = k // closes it and whatever was left open inside it
      continue
    }
    TAG_OPEN.lastIndex = i
    const open = TAG_OPEN.exec(html)
    if (!open) { text += '<'; i++; continue } // a lone '<' is text
    flushText()
    i = TAG_OPEN.lastIndex
    const name = open[1]!.toLowerCase()
    const rawAttrs = open[2] ?? ''
    const closes = IMPLICIT_CLOSE[name]
    while (closes && stack.length > 1 && closes.includes(top().tag)) stack.pop()
    const isVoid = VOID.has(name)
    const el = new TagElement(isVoid ? name + '/' : name, [parseAttributes(rawAttrs.replace(/\/\s*$/, ''))])
    top().append(el)
    if (isVoid || /\/\s*$/.test(rawAttrs)) continue
    if (RAW_KEPT.has(name) || RAW_TEXT.has(name)) {
      const re = new RegExp('</' + name + '(?=[\\s/>])[^>]*>?', 'ig')
      re.lastIndex = i
      const m = re.exec(html)
      const body = html.slice(i, m ? m.index : html.length)
      // script/style: as written (it cannot hold its own closing tag); textarea/title: text with entities
      if (body) el.append(RAW_KEPT.has(name) ? new XmlRaw(body) : he.decode(body))
      i = m ? m.index + m[0].length : html.length
      continue
    }
    stack.push(el)
  }
  flushText()
  return root
}
