/**
 * Composite helpers: BEAUTIFY (any value as nested tables), ASSIGNJS
 * (server values as JS variables), LOAD (components), MENU (nested lists).
 */
import { current } from '../current/index'
import { isRenderable, type Renderable } from './escape'
import { XmlElement, isPlainObject, type Component, type HelperArg } from './element'
import { A, B, DIV, LI, TABLE, TD, TR, UL, XML, XmlRaw } from './helpers'
import { URL, type UrlVars } from './url'

export interface BeautifyOptions { level?: number; _class?: string; keyFilter?: (key: string) => string | null }

// Keys starting with '_' are private by web2py's convention: not shown.
const noUnderscore = (k: string): string | null => (k.startsWith('_') ? null : k)

function beautifyValue(v: unknown, opts: BeautifyOptions, level: number): Component {
  if (level <= 0) return null
  if (v === null || v === undefined) return 'None'
  if (isRenderable(v)) return v
  const attrs = opts._class ? { _class: opts._class } : {}
  if (Array.isArray(v) || (typeof v === 'object' && typeof (v as { asList?: unknown }).asList === 'function')) {
    const list = Array.isArray(v) ? v : ((v as { asList(): unknown[] }).asList())
    return TABLE(list.map((item) => TR(TD(beautifyValue(item, opts, level - 1)))), attrs)
  }
  if (v instanceof Map || (typeof v === 'object' && !(v instanceof Date))) {
    const entries = v instanceof Map ? [...v.entries()].map(([k, x]) => [String(k), x] as [string, unknown]) : Object.entries(v as object)
    const rows: XmlElement[] = []
    const filter = opts.keyFilter ?? noUnderscore
    for (const [k, x] of entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      const key = filter(k)
      if (key === null || typeof x === 'function') continue
      rows.push(TR(TD(key, { _style: 'font-weight:bold;vertical-align:top;' }), TD(':', { _style: 'vertical-align:top;' }), TD(beautifyValue(x, opts, level - 1))))
    }
    return TABLE(rows, attrs)
  }
  if (v instanceof Date) return v.toISOString()
  return String(v)
}

/** Any value (objects, arrays, rows, helpers) rendered as nested tables; `level` limits the depth (default 6). */
export function BEAUTIFY(value: unknown, opts: BeautifyOptions = {}): XmlElement {
  return DIV(beautifyValue(value, opts, opts.level ?? 6))
}

/** `var name = <json>;` lines for each entry, safe inside a <script> (no `</script>` breakout). */
export function ASSIGNJS(vars: Record<string, unknown>): XmlRaw {
  let s = ''
  for (const [k, v] of Object.entries(vars)) {
    if (!/^[A-Za-z_$][\w$]*$/.test(k)) throw new TypeError(`ASSIGNJS: invalid variable name ${JSON.stringify(k)}`)
    const json = JSON.stringify(v === undefined ? null : v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')
    s += 'var ' + k + ' = ' + json + ';\n'
  }
  return XML(s)
}

export interface LoadOptions {
  args?: unknown[]
  vars?: UrlVars
  extension?: string
  /** id of the component's container (default c<random>) */
  target?: string
  /** true (default): quark.js loads it in the browser; false: the action's content rendered inline at once (same app, not async; else ajax) */
  ajax?: boolean
  /** load from a ready URL instead of c/f */
  url?: string
  content?: Component
  /** reload every `timeout` ms, `times` times ('infinity' for ever) */
  timeout?: number
  times?: number | 'infinity'
  /** forms inside the component are submitted with fetch and replace the component */
  ajaxTrap?: boolean
}

/** Inline (non-ajax) loading: the core may register a renderer under this current key. */
export const LOAD_INLINE_KEY = 'html.loadInline'

/**
 * A component: a container that quark.js fills from the URL (`data-quark-load`).
 * Without ajax, when the request lifecycle has registered an inline renderer,
 * the action's output is embedded at once; otherwise it falls back to ajax.
 */
export function LOAD(c?: string, f?: string, opts: LoadOptions = {}): XmlElement {
  const target = opts.target ?? 'c' + Math.floor(Math.random() * 1e12).toString(36)
  const url = opts.url ?? URL(c ?? 'default', f ?? 'index', { args: opts.args, vars: opts.vars, extension: opts.extension ?? 'load' })
  const inline = opts.ajax === false ? current.get(LOAD_INLINE_KEY) as ((url: string) => Renderable | string | undefined) | undefined : undefined
  const content = inline?.(url)
  if (content !== undefined) return DIV(XML(content), { _id: target, data: { 'quark-component': url } })
  const data: Record<string, unknown> = { 'quark-load': url }
  if (opts.timeout !== undefined) data['quark-timeout'] = String(opts.timeout)
  if (opts.times !== undefined) data['quark-times'] = String(opts.times)
  if (opts.ajaxTrap === false) data['quark-trap'] = 'false'
  return DIV(opts.content === undefined ? 'loading...' : opts.content, { _id: target, data })
}

/** One menu entry as web2py's response.menu holds it: [label, active, link, submenu?]. */
export type MenuItem = [unknown, boolean, string | null | Renderable, MenuItem[]?]

export interface MenuOptions {
  _class?: string; _id?: string
  ulClass?: string; liClass?: string; liFirst?: string; liLast?: string; liActive?: string
}

/** web2py's MENU: nested ULs of A links, with first/last/active classes. */
export function MENU(data: MenuItem[], opts: MenuOptions = {}, level = 0): XmlElement {
  const o = { _class: 'web2py-menu web2py-menu-vertical', ulClass: 'web2py-menu-vertical', liClass: 'web2py-menu-expand', liFirst: 'web2py-menu-first', liLast: 'web2py-menu-last', liActive: 'web2py-menu-active', ...opts }
  const ul = UL({ _class: level ? o.ulClass : o._class, ...(level === 0 && o._id ? { _id: o._id } : {}) })
  data.forEach((item, i) => {
    const [label, active, link, sub] = item
    const linkEl: HelperArg = isRenderable(link) ? link : link ? A(label as HelperArg, { _href: link }) : A(label as HelperArg, { _href: '#', _onclick: 'javascript:void(0);return false;' })
    const li = LI(linkEl)
    const classes: string[] = []
    if (sub && sub.length) { classes.push(o.liClass); li.append(MENU(sub, o, level + 1)) }
    if (i === 0) classes.push(o.liFirst)
    if (i === data.length - 1) classes.push(o.liLast)
    if (active) classes.push(o.liActive)
    if (classes.length) li.set('_class', classes.join(' '))
    ul.append(li)
  })
  return ul
}

export { isPlainObject }
