/**
 * XML-RPC encoding and decoding (the spec at xmlrpc.com): methodCall in,
 * methodResponse or fault out. A small tokenizer is enough: XML-RPC has no
 * attributes, no namespaces, no mixed content. DOCTYPEs and entities other
 * than the five predefined ones are refused (no XXE, no billion laughs).
 */
import { toPlain, xmlText } from './serialize'

export class XmlRpcParseError extends Error {}

interface El { name: string; children: El[]; text: string }

const TOKEN = /<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!\[CDATA\[([\s\S]*?)\]\]>|<(\/?)([A-Za-z_][\w.:-]*)\s*(\/?)>|<!|([^<]+)/g
const ENTITY = /&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g

function decodeEntities(s: string): string {
  if (/&(?!(?:lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(s)) throw new XmlRpcParseError('unknown entity')
  return s.replace(ENTITY, (_m, e: string) => {
    if (e === 'lt') return '<'
    if (e === 'gt') return '>'
    if (e === 'amp') return '&'
    if (e === 'quot') return '"'
    if (e === 'apos') return "'"
    return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10))
  })
}

function parseXml(xml: string): El {
  const root: El = { name: '#root', children: [], text: '' }
  const stack: El[] = [root]
  TOKEN.lastIndex = 0
  let last = 0
  for (let m = TOKEN.exec(xml); m; m = TOKEN.exec(xml)) {
    if (m.index !== last) throw new XmlRpcParseError(`malformed XML at ${last}`)
    last = TOKEN.lastIndex
    const top = stack[stack.length - 1]!
    if (m[0] === '<!') throw new XmlRpcParseError('DOCTYPE and declarations are not accepted')
    if (m[1] !== undefined) { top.text += m[1]; continue }
    if (m[5] !== undefined) { top.text += decodeEntities(m[5]); continue }
    if (!m[3]) continue // processing instruction or comment
    if (m[2]) {
      if (top.name !== m[3]) throw new XmlRpcParseError(`unexpected </${m[3]}>`)
      stack.pop()
    } else {
      const el: El = { name: m[3], children: [], text: '' }
      top.children.push(el)
      if (!m[4]) stack.push(el)
    }
  }
  if (last !== xml.length) throw new XmlRpcParseError(`malformed XML at ${last}`)
  if (stack.length !== 1) throw new XmlRpcParseError('unclosed element')
  return root
}

function child(el: El, name: string): El | undefined { return el.children.find((c) => c.name === name) }

function decodeValue(v: El): unknown {
  const t = v.children[0]
  if (!t) return v.text
  const text = t.text
  switch (t.name) {
    case 'i4': case 'int': case 'i8': { const n = Number(text.trim()); if (!Number.isInteger(n)) throw new XmlRpcParseError('bad int'); return n }
    case 'double': { const n = Number(text.trim()); if (Number.isNaN(n)) throw new XmlRpcParseError('bad double'); return n }
    case 'boolean': return text.trim() === '1'
    case 'string': return text
    case 'nil': return null
    case 'base64': return Buffer.from(text.replace(/\s+/g, ''), 'base64')
    case 'dateTime.iso8601': {
      const m = /^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(text.trim())
      if (!m) throw new XmlRpcParseError('bad dateTime')
      return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!))
    }
    case 'array': return (child(t, 'data')?.children ?? []).filter((c) => c.name === 'value').map(decodeValue)
    case 'struct': {
      const out: Record<string, unknown> = {}
      for (const m of t.children) if (m.name === 'member') {
        const n = child(m, 'name'); const val = child(m, 'value')
        if (!n || !val) throw new XmlRpcParseError('bad struct member')
        out[n.text] = decodeValue(val)
      }
      return out
    }
    default: throw new XmlRpcParseError(`unknown type ${t.name}`)
  }
}

export function parseMethodCall(xml: string): { method: string; params: unknown[] } {
  const root = parseXml(xml)
  const call = child(root, 'methodCall')
  const name = call && child(call, 'methodName')
  if (!call || !name || !name.text.trim()) throw new XmlRpcParseError('not a methodCall')
  const params = (child(call, 'params')?.children ?? []).filter((p) => p.name === 'param').map((p) => {
    const v = child(p, 'value')
    if (!v) throw new XmlRpcParseError('param without value')
    return decodeValue(v)
  })
  return { method: name.text.trim(), params }
}

export function encodeValue(v: unknown): string {
  if (v === null || v === undefined) return '<value><nil/></value>'
  if (typeof v === 'boolean') return '<value><boolean>' + (v ? 1 : 0) + '</boolean></value>'
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? '<value><int>' + v + '</int></value>' : '<value><double>' + v + '</double></value>'
  if (typeof v === 'bigint') return '<value><i8>' + v + '</i8></value>'
  if (typeof v === 'string') return '<value><string>' + xmlText(v) + '</string></value>'
  if (v instanceof Date) return '<value><dateTime.iso8601>' + v.toISOString().replace(/[-]/g, '').replace(/\.\d{3}Z$/, '') + '</dateTime.iso8601></value>'
  if (Buffer.isBuffer(v)) return '<value><base64>' + v.toString('base64') + '</base64></value>'
  if (Array.isArray(v)) return '<value><array><data>' + v.map(encodeValue).join('') + '</data></array></value>'
  const plain = toPlain(v)
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) return encodeValue(plain)
  return '<value><struct>' + Object.entries(plain).map(([k, x]) => '<member><name>' + xmlText(k) + '</name>' + encodeValue(x) + '</member>').join('') + '</struct></value>'
}

export function methodResponse(value: unknown): string {
  return '<?xml version="1.0"?>\n<methodResponse><params><param>' + encodeValue(value) + '</param></params></methodResponse>\n'
}

export function methodFault(code: number, message: string): string {
  return '<?xml version="1.0"?>\n<methodResponse><fault>' + encodeValue({ faultCode: code, faultString: message }) + '</fault></methodResponse>\n'
}

export function methodCall(method: string, params: unknown[]): string {
  return '<?xml version="1.0"?>\n<methodCall><methodName>' + xmlText(method) + '</methodName><params>' + params.map((p) => '<param>' + encodeValue(p) + '</param>').join('') + '</params></methodCall>\n'
}

/** Decode a methodResponse (used by tests and by Quark clients of XML-RPC services). */
export function parseMethodResponse(xml: string): { value?: unknown; fault?: { faultCode: number; faultString: string } } {
  const root = parseXml(xml)
  const resp = child(root, 'methodResponse')
  if (!resp) throw new XmlRpcParseError('not a methodResponse')
  const fault = child(resp, 'fault')
  if (fault) return { fault: decodeValue(child(fault, 'value')!) as { faultCode: number; faultString: string } }
  const v = child(child(child(resp, 'params') ?? resp, 'param') ?? resp, 'value')
  return { value: v ? decodeValue(v) : undefined }
}
