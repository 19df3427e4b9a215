/**
 * The server-side DOM node: every HTML helper is an XmlElement (web2py's DIV).
 * Components are strings (escaped on output), numbers, or other renderables;
 * attributes start with `_` (`_class`, `_id`); other keys are helper options
 * (`value`, `requires`, `cid`, ...) kept for the forms room.
 */
import { escapeHtml, isRenderable, isTrustedRaw, xmlescape, type Renderable } from './escape'
import { matchesSelector, parseSelector, type SelectorStep } from './selector'
import { isUrlAttribute, safeUrlValue } from './urlsafety'

export type Component = XmlElement | Renderable | string | number | boolean | null | undefined | { toString(): string }
export type Attributes = Record<string, unknown>
/** What a helper accepts: components, arrays of them (flattened), and plain objects (attributes). */
export type HelperArg = Component | Component[] | Attributes

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

export interface FindOptions extends Attributes {
  /** text (substring) or regex the element's flattened text must contain */
  find?: string | RegExp
  /** with `find`: only elements whose own text components match */
  findText?: string | RegExp
  /** replace each match with this (a function receives the match) */
  replace?: Component | ((el: XmlElement) => Component)
  first_only?: boolean
}

export class XmlElement implements Renderable {
  /** tag name; a trailing '/' marks a void element (rendered `<br />`) */
  // `declare` + assignment in the constructor: ES2022 class fields are defined
  // through a per-instance initializer that cost ~20% of building a table.
  declare tag: string
  declare components: Component[]
  declare attributes: Attributes
  declare parent: XmlElement | null

  constructor(tag: string, args: HelperArg[] = []) {
    this.tag = tag
    this.components = []
    this.attributes = {}
    this.parent = null
    for (let i = 0; i < args.length; i++) this.add(args[i]!)
    this.wrapComponents()
    this.postprocessing()
  }

  protected add(a: HelperArg): void {
    if (Array.isArray(a)) { this.addArray(a); return }
    if (isPlainObject(a)) { Object.assign(this.attributes, a); return }
    if (a === null || a === undefined) return
    this.components.push(a as Component)
    if (a instanceof XmlElement) a.parent = this
  }

  /** Arrays are flattened; tables override this so that an array of cells is a row. */
  protected addArray(a: unknown[]): void { for (const x of a) this.add(x as HelperArg) }

  /** Subclasses wrap stray components (UL wraps in LI, TABLE in TR, ...). */
  protected wrapComponents(): void {}
  /** Subclasses apply options (INPUT's value, SELECT's selection, ...). */
  protected postprocessing(): void {}

  protected wrap(allowed: Array<new (...a: never[]) => XmlElement>, make: (c: Component) => XmlElement): void {
    // in place, no closures: runs for every row and cell of a table
    const cs = this.components
    outer: for (let i = 0; i < cs.length; i++) {
      const c = cs[i]
      for (let j = 0; j < allowed.length; j++) if (c instanceof allowed[j]!) continue outer
      const w = make(c)
      w.parent = this
      cs[i] = w
    }
  }

  /** Attribute or option get: el.get('_id'), el.get('value'). */
  get(key: string): unknown { return this.attributes[key] }
  /** Attribute or option set; returns this for chaining. */
  set(key: string, value: unknown): this { this.attributes[key] = value; return this }
  /** Component at an index (numbers) - web2py's el[0]. */
  at(i: number): Component { return this.components[i < 0 ? this.components.length + i : i] }

  append(...cs: Component[]): this {
    for (const c of cs) { this.components.push(c); if (c instanceof XmlElement) c.parent = this }
    return this
  }

  insert(index: number, c: Component): this {
    this.components.splice(index, 0, c)
    if (c instanceof XmlElement) c.parent = this
    return this
  }

  /** Elements that share this element's parent (excluding itself), optionally filtered like elements(). */
  siblings(selector?: string, opts: FindOptions = {}): XmlElement[] {
    if (!this.parent) return []
    const steps = selector ? parseSelector(selector) : []
    return this.parent.components.filter((c): c is XmlElement => c instanceof XmlElement && c !== this)
      .filter((c) => (!steps.length || matchesSelector(c, steps[steps.length - 1]!)) && matchesOptions(c, opts))
  }

  sibling(selector?: string, opts: FindOptions = {}): XmlElement | undefined {
    return this.siblings(selector, opts)[0]
  }

  /** Text content of this element and all descendants, unescaped. */
  flatten(render?: (el: XmlElement, text: string) => string): string {
    let s = ''
    for (const c of this.components) {
      if (c instanceof XmlElement) s += c.flatten(render)
      else if (c === null || c === undefined) continue
      else if (isRenderable(c)) s += c.xml()
      else s += String(c)
    }
    return render ? render(this, s) : s
  }

  /**
   * Descendants matching a CSS-like selector: `tag`, `#id`, `.class`,
   * `[attr=value]`, combined (`div.c#x[name=a]`), descendant steps separated
   * by spaces, alternatives by commas. Options: `_attr: value|RegExp`,
   * `find` (text or regex in the flattened text), `replace`.
   */
  elements(selector = '', opts: FindOptions = {}): XmlElement[] {
    const groups = selector.trim() ? selector.split(',').map((s) => parseSelector(s)) : [[] as SelectorStep[]]
    const out: XmlElement[] = []
    const visit = (el: XmlElement) => {
      for (let i = 0; i < el.components.length; i++) {
        const c = el.components[i]
        if (!(c instanceof XmlElement)) continue
        if (groups.some((g) => matchesPath(c, g)) && matchesOptions(c, opts)) {
          if (opts.first_only && out.length) return
          out.push(c)
          if ('replace' in opts) {
            const r = typeof opts.replace === 'function' ? opts.replace(c) : opts.replace
            if (r === null || r === undefined) { el.components.splice(i, 1); i--; continue }
            el.components[i] = r
            if (r instanceof XmlElement) r.parent = el
            continue
          }
        }
        visit(c)
      }
    }
    visit(this)
    return out
  }

  /** The first match of elements(), or undefined. */
  element(selector = '', opts: FindOptions = {}): XmlElement | undefined {
    return this.elements(selector, { ...opts, first_only: true })[0]
  }

  /** The attribute part of the opening tag: sorted by name, as web2py does. */
  renderAttributes(): string {
    let any = false
    for (const _k in this.attributes) { any = true; break }
    if (!any) return ''
    const pairs: Array<[string, string]> = []
    for (const key in this.attributes) {
      if (key.charCodeAt(0) !== 95 /* _ */) continue
      let v = this.attributes[key]
      const name = key.slice(1)
      if (v === true) v = name
      else if (v === false || v === null || v === undefined) continue
      pairs.push([name, v as string])
    }
    const data = this.attributes.data
    if (isPlainObject(data)) for (const k in data) {
      const v = data[k]
      if (v === null || v === undefined || v === false) continue
      pairs.push(['data-' + k, typeof v === 'object' && !isRenderable(v) ? JSON.stringify(v) : v as string])
    }
    pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    let s = ''
    for (const [n, v] of pairs) {
      let text: string | undefined = isRenderable(v) ? v.xml() : String(v)
      // URL attributes refuse script schemes unless the value is XML(...) (see urlsafety.ts)
      if (isUrlAttribute(n) && !isTrustedRaw(v)) text = safeUrlValue(n, text)
      if (text !== undefined) s += ' ' + n + '="' + escapeHtml(text) + '"'
    }
    return s
  }

  renderComponents(): string {
    let s = ''
    for (const c of this.components) s += xmlescape(c)
    return s
  }

  xml(): string {
    const tag = this.tag
    if (!tag) return this.renderComponents()
    if (tag.endsWith('/')) return '<' + tag.slice(0, -1) + this.renderAttributes() + ' />'
    return '<' + tag + this.renderAttributes() + '>' + this.renderComponents() + '</' + tag + '>'
  }

  toString(): string { return this.xml() }
  toJSON(): string { return this.xml() }
}

function matchesPath(el: XmlElement, steps: SelectorStep[]): boolean {
  if (!steps.length) return true
  if (!matchesSelector(el, steps[steps.length - 1]!)) return false
  let i = steps.length - 2
  let p = el.parent
  while (i >= 0 && p) {
    if (matchesSelector(p, steps[i]!)) i--
    p = p.parent
  }
  return i < 0
}

function matchesOptions(el: XmlElement, opts: FindOptions): boolean {
  for (const key in opts) {
    if (key.charCodeAt(0) !== 95) continue
    const want = opts[key]
    const have = el.attributes[key]
    if (want instanceof RegExp) { if (have === undefined || have === null || !want.test(String(have))) return false }
    else if (want === true) { if (have === undefined || have === null || have === false) return false }
    else if (String(have) !== String(want)) return false
  }
  if (opts.find !== undefined) {
    const text = el.flatten()
    if (opts.find instanceof RegExp ? !opts.find.test(text) : !text.includes(opts.find)) return false
  }
  if (opts.findText !== undefined) {
    const own = el.components.filter((c) => typeof c === 'string').join('')
    if (opts.findText instanceof RegExp ? !opts.findText.test(own) : !own.includes(opts.findText)) return false
  }
  return true
}
