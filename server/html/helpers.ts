/**
 * The web2py HTML helpers. Each is a function (no `new` needed) returning an
 * XmlElement subclass, so `DIV(...) instanceof XmlElement` and forms can
 * walk and extend them.
 */
import { escapeHtml, isRenderable, xmlescape, TRUSTED_RAW, type Renderable } from './escape'
import { XmlElement, type Component, type HelperArg } from './element'
import { QK_HTML_BAD_TAG } from './errors'
import { sanitizeHtml, type SanitizeOptions } from './sanitize'
import { parseHtml } from './parser'
import { highlightCode } from './highlight'

/** Raw HTML, written as is (or sanitized with `{ sanitize: true }`). */
export class XmlRaw implements Renderable {
  readonly text: string
  get [TRUSTED_RAW](): boolean { return true }
  constructor(text: unknown, opts: { sanitize?: boolean } & SanitizeOptions = {}) {
    const s = isRenderable(text) ? text.xml() : text === null || text === undefined ? '' : String(text)
    this.text = opts.sanitize ? sanitizeHtml(s, opts) : s
  }
  xml(): string { return this.text }
  toString(): string { return this.text }
  toJSON(): string { return this.text }
  flatten(): string { return this.text.replace(/<[^>]*>/g, '') }
}

export function XML(text: unknown, opts: { sanitize?: boolean } & SanitizeOptions = {}): XmlRaw {
  return new XmlRaw(text, opts)
}

type Helper<T extends XmlElement = XmlElement> = ((...args: HelperArg[]) => T) & { readonly tagName: string }

function define<T extends XmlElement>(tag: string, cls?: new (tag: string, args: HelperArg[]) => T): Helper<T> {
  const K = (cls ?? XmlElement) as new (tag: string, args: HelperArg[]) => T
  const f = ((...args: HelperArg[]) => new K(tag, args)) as Helper<T>
  Object.defineProperty(f, 'tagName', { value: tag })
  Object.defineProperty(f, 'name', { value: tag.replace('/', '').toUpperCase() })
  return f
}

/** A container with no tag: its components side by side. */
export const CAT = define('')

export class TagElement extends XmlElement {}
const TAG_NAME = /^[A-Za-z][\w:-]*\/?$/
/**
 * Any tag: TAG('svg', ...), or TAG.svg(...); a trailing '/' makes it void.
 * TAG(html) — a string holding markup (it starts with '<' after spaces) —
 * parses it into helpers (see parser.ts): a container whose elements
 * `.elements()` / `.element()` search.
 */
export const TAG = new Proxy(function TAG(name: string, ...args: HelperArg[]) {
  if (!args.length && typeof name === 'string' && /^\s*</.test(name)) return parseHtml(name)
  if (!TAG_NAME.test(name)) throw new QK_HTML_BAD_TAG(name)
  return new TagElement(name, args)
} as ((name: string, ...args: HelperArg[]) => TagElement) & Record<string, (...args: HelperArg[]) => TagElement>, {
  get(target, prop, recv) {
    if (typeof prop === 'string' && !(prop in target)) {
      if (!TAG_NAME.test(prop)) throw new QK_HTML_BAD_TAG(prop)
      return (...args: HelperArg[]) => new TagElement(prop, args)
    }
    return Reflect.get(target, prop, recv)
  },
})

/** A: the `cid` option makes quark.js load the link into component `cid` (web2py's A(..., cid=...)). */
export class AElement extends XmlElement {
  protected override postprocessing(): void {
    const cid = this.attributes.cid
    if (cid !== undefined && cid !== null && cid !== false && this.attributes['_data-quark-target'] === undefined) this.attributes['_data-quark-target'] = String(cid)
  }
}
export const A = define('a', AElement)
export const ABBR = define('abbr')
export const ARTICLE = define('article')
export const ASIDE = define('aside')
export const B = define('b')
export const BODY = define('body')
export const BLOCKQUOTE = define('blockquote')
export const BR = define('br/')
export const BUTTON = define('button')
export const CENTER = define('center')
export const COL = define('col/')
export const COLGROUP = define('colgroup')
export const DIV = define('div')
export const EM = define('em')
export const EMBED = define('embed/')
export const FIELDSET = define('fieldset')
export const FOOTER = define('footer')
export const H1 = define('h1')
export const H2 = define('h2')
export const H3 = define('h3')
export const H4 = define('h4')
export const H5 = define('h5')
export const H6 = define('h6')
export const HEAD = define('head')
export const HEADER = define('header')
export const HR = define('hr/')
export const I = define('i')
export const IFRAME = define('iframe')
export const IMG = define('img/')
export const LABEL = define('label')
export const LEGEND = define('legend')

export const LINK = define('link/')
export const MAIN = define('main')
export const META = define('meta/')
export const NAV = define('nav')
export const OBJECT = define('object')
export const SECTION = define('section')
export const SPAN = define('span')
export const STRONG = define('strong')
export const TITLE = define('title')
export const TT = define('tt')
export const SMALL = define('small')
export const SUP = define('sup')
export const SUB = define('sub')

/** P: with the `cr2br` option, newlines in text become <br />. */
export class PElement extends XmlElement {
  override renderComponents(): string {
    const s = super.renderComponents()
    return this.attributes.cr2br ? s.replace(/\n/g, '<br />') : s
  }
}
export const P = define('p', PElement)

export const PRE = define('pre')

/**
 * CODE: inline `<code>` with its text escaped; with the `language` option
 * (`CODE(src, { language: 'python' })`) a highlighted block, rendered on the
 * server by highlight.js: `<pre><code class="hljs language-python">...`.
 * An unknown language gives the same block with the code escaped, not
 * highlighted; `language: 'auto'` lets highlight.js guess. The colours come
 * from the stylesheet served at /_quark/highlight.css.
 */
export class CodeElement extends XmlElement {
  override xml(): string {
    const language = this.attributes.language
    if (language === undefined || language === null || language === false || language === '') return super.xml()
    const { html, language: used } = highlightCode(this.flatten(), String(language))
    const cls = 'hljs' + (used ? ' language-' + used : '') + (this.attributes._class ? ' ' + String(this.attributes._class) : '')
    const code = new XmlElement('code', [{ ...this.attributes, _class: cls }])
    return '<pre><code' + code.renderAttributes() + '>' + html + '</code></pre>'
  }
}
export const CODE = define('code', CodeElement)

/** SCRIPT: body not escaped, wrapped in an HTML comment as web2py does. */
export class ScriptElement extends XmlElement {
  override xml(): string {
    const body = this.components.map((c) => (isRenderable(c) ? c.xml() : String(c))).join('\n')
    if (!body) return super.xml()
    return '<script' + this.renderAttributes() + '><!--\n' + body + '\n//--></script>'
  }
}
export const SCRIPT = define('script', ScriptElement)

export class StyleElement extends XmlElement {
  override xml(): string {
    const body = this.components.map((c) => (isRenderable(c) ? c.xml() : String(c))).join('\n')
    if (!body) return super.xml()
    return '<style' + this.renderAttributes() + '><!--/*--><![CDATA[/*><!--*/\n' + body + '\n/*]]>*/--></style>'
  }
}
export const STYLE = define('style', StyleElement)

// Lists and tables wrap stray components the way web2py does.
export class LiElement extends XmlElement {}
export const LI = define('li', LiElement)
export class ListElement extends XmlElement {
  protected override wrapComponents(): void { this.wrap([LiElement], (c) => new LiElement('li', [c as HelperArg])) }
}
export const UL = define('ul', ListElement)
export const OL = define('ol', ListElement)
export const MENU_TAG = define('menu', ListElement)

export class CellElement extends XmlElement {}
export const TD = define('td', CellElement)
export const TH = define('th', CellElement)
export class RowElement extends XmlElement {
  protected override wrapComponents(): void { this.wrap([CellElement], (c) => new CellElement('td', [c as HelperArg])) }
}
export const TR = define('tr', RowElement)
/** A row made by THEAD or TFOOT from plain cells: they become TH (web2py's __TRHEAD__). */
export class HeadRowElement extends RowElement {
  protected override wrapComponents(): void { this.wrap([CellElement], (c) => new CellElement('th', [c as HelperArg])) }
}
/** In tables, `[cells]` is a row and `[[cells], [cells]]` a list of rows (web2py's TABLE(*rows) idiom). */
function addTableArray(a: unknown[], add: (x: HelperArg) => void, Row: typeof RowElement): void {
  if (a.every((x) => Array.isArray(x) || x instanceof RowElement || x instanceof SectionElement)) { for (const x of a) add(x as HelperArg); return }
  add(new Row('tr', a as HelperArg[]))
}
export class SectionElement extends XmlElement {
  protected rowClass(): typeof RowElement { return RowElement }
  protected override addArray(a: unknown[]): void { addTableArray(a, (x) => this.add(x), this.rowClass()) }
  protected override wrapComponents(): void {
    const Row = this.rowClass()
    this.wrap([RowElement], (c) => new Row('tr', [c as HelperArg]))
  }
}
/** THEAD and TFOOT: rows they make from plain cells hold TH cells; a TR given as such keeps its cells. */
export class HeadSectionElement extends SectionElement {
  protected override rowClass(): typeof RowElement { return HeadRowElement }
}
export const THEAD = define('thead', HeadSectionElement)
export const TBODY = define('tbody', SectionElement)
export const TFOOT = define('tfoot', HeadSectionElement)
export class TableElement extends XmlElement {
  protected override addArray(a: unknown[]): void { addTableArray(a, (x) => this.add(x), RowElement) }
  protected override wrapComponents(): void {
    this.wrap([RowElement, SectionElement, XmlElementCaption], (c) => {
      if (c instanceof XmlElement && (c.tag === 'col/' || c.tag === 'colgroup')) return c
      return new RowElement('tr', [c as HelperArg])
    })
  }
}
class XmlElementCaption extends XmlElement {}
export const CAPTION = define('caption', XmlElementCaption)
export const TABLE = define('table', TableElement)

/** HTML: prefixed by a doctype (web2py's default is XHTML transitional; `doctype: 'html5'` for <!DOCTYPE html>). */
const DOCTYPES: Record<string, string> = {
  html5: '<!DOCTYPE HTML>\n',
  strict: '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n',
  transitional: '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n',
  frameset: '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Frameset//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-frameset.dtd">\n',
}
export class HtmlElement extends XmlElement {
  override xml(): string {
    const d = this.attributes.doctype
    const key = d === undefined ? 'transitional' : String(d)
    const prefix = key === '' ? '' : DOCTYPES[key] ?? '<!DOCTYPE ' + escapeHtml(key) + '>\n'
    return prefix + super.xml()
  }
}
export const HTML = define('html', HtmlElement)

// ---- forms: render properly and keep `value`, `requires`, `_name` for the forms room ----

export class FormElement extends XmlElement {
  protected override postprocessing(): void {
    if (this.attributes._action === undefined) this.attributes._action = '#'
    if (this.attributes._method === undefined) this.attributes._method = 'post'
    if (this.attributes._enctype === undefined) this.attributes._enctype = 'multipart/form-data'
  }
}
export const FORM = define('form', FormElement)

/** INPUT: `type="text"` unless given (as web2py); the `value` option fills _value; for checkbox/radio it sets _checked. */
export class InputElement extends XmlElement {
  protected override postprocessing(): void {
    const a = this.attributes
    if (a._type === undefined) a._type = 'text'
    const type = String(a._type ?? 'text').toLowerCase()
    if (!('value' in a)) return
    const value = a.value
    if (type === 'checkbox') {
      if (a._checked === undefined) a._checked = value === true || (value !== null && value !== undefined && value !== false && value !== '' && (a._value === undefined || String(value) === String(a._value) || value === 'on')) ? 'checked' : undefined
      if (a._value === undefined) a._value = 'on'
    } else if (type === 'radio') {
      if (a._checked === undefined && a._value !== undefined) a._checked = String(value) === String(a._value) ? 'checked' : undefined
    } else if (a._value === undefined && value !== null && value !== undefined) {
      a._value = value
    }
  }
}
export const INPUT = define('input/', InputElement)

/** TEXTAREA: the `value` option becomes its text. web2py's default rows/cols are kept. */
export class TextareaElement extends XmlElement {
  protected override postprocessing(): void {
    const a = this.attributes
    if ('value' in a && this.components.length === 0 && a.value !== null && a.value !== undefined) this.components = [String(a.value)]
    if (a._cols === undefined) a._cols = '40'
    if (a._rows === undefined) a._rows = '10'
  }
}
export const TEXTAREA = define('textarea', TextareaElement)

/** OPTION: without `_value` its text is its value (web2py's OPTION), so a browser submits what SELECT marks. */
export class OptionElement extends XmlElement {
  protected override postprocessing(): void {
    if (this.attributes._value === undefined) this.attributes._value = this.flatten()
  }
}
export const OPTION = define('option', OptionElement)
export class OptgroupElement extends XmlElement {
  protected override wrapComponents(): void { this.wrap([OptionElement], (c) => new OptionElement('option', [c as HelperArg, { _value: String(c) }])) }
}
export const OPTGROUP = define('optgroup', OptgroupElement)

/** SELECT: stray components become OPTIONs; the `value` option (or array, with _multiple) marks selected ones. */
export class SelectElement extends XmlElement {
  protected override wrapComponents(): void {
    this.wrap([OptionElement, OptgroupElement], (c) => new OptionElement('option', [c as HelperArg, { _value: String(c) }]))
  }
  protected override postprocessing(): void {
    const a = this.attributes
    if (!('value' in a) || a.value === undefined || a.value === null) return
    const values = (Array.isArray(a.value) ? a.value : [a.value]).map(String)
    const mark = (el: XmlElement) => {
      for (const c of el.components) {
        if (c instanceof OptgroupElement) mark(c)
        else if (c instanceof OptionElement) {
          const v = c.attributes._value !== undefined ? String(c.attributes._value) : c.flatten()
          c.attributes._selected = values.includes(v) ? 'selected' : undefined
        }
      }
    }
    mark(this)
  }
}
export const SELECT = define('select', SelectElement)

/** Re-render a component list as a string (used by templates and generic views). */
export function renderComponents(cs: Component[]): string {
  let s = ''
  for (const c of cs) s += xmlescape(c)
  return s
}

/**
 * web2py's truncate_string: `text` cut to at most `length` characters, the
 * last ones replaced by `dots` when it was cut. Counts code points, so a
 * character outside the BMP (an emoji) is never split in half.
 */
export function truncateString(text: unknown, length: number, dots = '...'): string {
  const s = text === null || text === undefined ? '' : String(text)
  if (s.length <= length) return s
  const chars = Array.from(s)
  if (chars.length <= length) return s
  const d = Array.from(dots)
  const keep = Math.max(0, length - d.length)
  return chars.slice(0, keep).join('') + (length < d.length ? d.slice(0, length).join('') : dots)
}
export { truncateString as truncate_string }
