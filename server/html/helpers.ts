/**
 * The web2py HTML helpers. Each is a function (no `new` needed) returning an
 * XmlElement subclass, so `DIV(...) instanceof XmlElement` and forms can
 * walk and extend them.
 */
import { escapeHtml, isRenderable, xmlescape, type Renderable } from './escape'
import { XmlElement, type Component, type HelperArg } from './element'
import { QK_HTML_BAD_TAG } from './errors'
import { sanitizeHtml, type SanitizeOptions } from './sanitize'

/** Raw HTML, written as is (or sanitized with `{ sanitize: true }`). */
export class XmlRaw implements Renderable {
  readonly text: string
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
/** Any tag: TAG('svg', ...), or TAG.svg(...); a trailing '/' makes it void. */
export const TAG = new Proxy(function TAG(name: string, ...args: HelperArg[]) {
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

/** PRE and CODE: text escaped, no highlighting (web2py's CODE highlighter is not reproduced). */
export const PRE = define('pre')
export const CODE = define('code')

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
/** In tables, `[cells]` is a row and `[[cells], [cells]]` a list of rows (web2py's TABLE(*rows) idiom). */
function addTableArray(el: XmlElement, a: unknown[], add: (x: HelperArg) => void): void {
  if (a.every((x) => Array.isArray(x) || x instanceof RowElement || x instanceof SectionElement)) { for (const x of a) add(x as HelperArg); return }
  add(new RowElement('tr', a as HelperArg[]))
}
export class SectionElement extends XmlElement {
  protected override addArray(a: unknown[]): void { addTableArray(this, a, (x) => this.add(x)) }
  protected override wrapComponents(): void { this.wrap([RowElement], (c) => new RowElement('tr', [c as HelperArg])) }
}
export const THEAD = define('thead', SectionElement)
export const TBODY = define('tbody', SectionElement)
export const TFOOT = define('tfoot', SectionElement)
export class TableElement extends XmlElement {
  protected override addArray(a: unknown[]): void { addTableArray(this, a, (x) => this.add(x)) }
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

/** INPUT: the `value` option fills _value; for checkbox/radio it sets _checked. */
export class InputElement extends XmlElement {
  protected override postprocessing(): void {
    const a = this.attributes
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

export class OptionElement extends XmlElement {}
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
