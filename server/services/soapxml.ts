/**
 * A small namespace-aware XML reader for SOAP envelopes. Safe by
 * construction: a DOCTYPE (and with it every DTD, external entity and
 * entity expansion: XXE, billion laughs) is refused, only the five
 * predefined entities and character references are decoded, and nesting is
 * bounded. Enough for SOAP's elements, attributes and text; not a general
 * XML parser.
 */
export class SoapXmlError extends Error {}

export interface XmlElement {
  /** namespace URI ('' when none) */
  ns: string
  local: string
  attrs: Record<string, string>
  children: XmlElement[]
  text: string
}

const MAX_DEPTH = 64
const NAME = '[A-Za-z_][\\w.-]*(?::[A-Za-z_][\\w.-]*)?'
const TOKEN = new RegExp(
  '<\\?[\\s\\S]*?\\?>|<!--[\\s\\S]*?-->|<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|<!|' +
  `<(/?)(${NAME})((?:\\s+${NAME}\\s*=\\s*(?:"[^"<]*"|'[^'<]*'))*)\\s*(/?)>|([^<]+)`, 'g')
const ATTR = new RegExp(`(${NAME})\\s*=\\s*(?:"([^"<]*)"|'([^'<]*)')`, 'g')

function decode(s: string): string {
  if (/&(?!(?:lt|gt|amp|quot|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6});)/.test(s)) throw new SoapXmlError('entities other than the predefined ones are not accepted')
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_m, e: string) => {
    switch (e) {
      case 'lt': return '<'
      case 'gt': return '>'
      case 'amp': return '&'
      case 'quot': return '"'
      case 'apos': return "'"
    }
    const code = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)
    if (code > 0x10ffff || code === 0) throw new SoapXmlError('invalid character reference')
    return String.fromCodePoint(code)
  })
}

interface Open { el: XmlElement; prefixes: Map<string, string>; qname: string }

/** Parse `xml` into its root element, names resolved to namespace URIs. */
export function parseXml(xml: string): XmlElement {
  const root: XmlElement = { ns: '', local: '#document', attrs: {}, children: [], text: '' }
  const stack: Open[] = [{ el: root, prefixes: new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]), qname: '' }]
  let last = 0
  TOKEN.lastIndex = 0
  for (let m = TOKEN.exec(xml); m; m = TOKEN.exec(xml)) {
    if (m.index !== last) throw new SoapXmlError(`malformed XML at offset ${last}`)
    last = TOKEN.lastIndex
    const top = stack[stack.length - 1]!
    if (m[0] === '<!') throw new SoapXmlError('a DOCTYPE is not accepted (no DTDs, no external entities)')
    if (m[1] !== undefined) { top.el.text += m[1]; continue }
    if (m[6] !== undefined) {
      if (stack.length === 1 && m[6].trim()) throw new SoapXmlError('text outside the root element')
      top.el.text += decode(m[6])
      continue
    }
    if (m[3] === undefined) continue // processing instruction, comment
    const qname = m[3]
    if (m[2]) {
      if (top.qname !== qname) throw new SoapXmlError(`unexpected </${qname}>`)
      stack.pop()
      continue
    }
    if (stack.length > MAX_DEPTH) throw new SoapXmlError('elements nested too deep')
    if (stack.length === 1 && root.children.length) throw new SoapXmlError('more than one root element')
    const prefixes = new Map(top.prefixes)
    const raw: [string, string][] = []
    ATTR.lastIndex = 0
    for (let a = ATTR.exec(m[4] ?? ''); a; a = ATTR.exec(m[4] ?? '')) {
      const value = decode(a[2] ?? a[3] ?? '')
      if (a[1] === 'xmlns') prefixes.set('', value)
      else if (a[1]!.startsWith('xmlns:')) prefixes.set(a[1]!.slice(6), value)
      else raw.push([a[1]!, value])
    }
    const resolve = (q: string, isAttr: boolean): [string, string] => {
      const i = q.indexOf(':')
      if (i < 0) return [isAttr ? '' : prefixes.get('') ?? '', q]
      const ns = prefixes.get(q.slice(0, i))
      if (ns === undefined) throw new SoapXmlError(`undeclared prefix in ${q}`)
      return [ns, q.slice(i + 1)]
    }
    const [ns, local] = resolve(qname, false)
    const attrs: Record<string, string> = {}
    for (const [k, v] of raw) { const [ans, alocal] = resolve(k, true); attrs[ans ? `{${ans}}${alocal}` : alocal] = v }
    const el: XmlElement = { ns, local, attrs, children: [], text: '' }
    top.el.children.push(el)
    if (!m[5]) stack.push({ el, prefixes, qname })
  }
  if (last !== xml.length) throw new SoapXmlError(`malformed XML at offset ${last}`)
  if (stack.length !== 1) throw new SoapXmlError('unclosed element')
  const doc = root.children[0]
  if (!doc) throw new SoapXmlError('no root element')
  return doc
}
