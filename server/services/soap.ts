/**
 * SOAP 1.1 and 1.2 for Service, as web2py's `@service.soap`:
 *
 *   service.soap('Add', (a: number, b: number) => a + b, { args: { a: 'int', b: 'int' }, returns: { sum: 'int' } })
 *   export function call() { return service.call() }
 *
 *   GET  /app/default/call/soap?WSDL   the WSDL 1.1 (document/literal wrapped; a SOAP 1.1 and a SOAP 1.2 port)
 *   POST /app/default/call/soap        an envelope: text/xml (1.1) or application/soap+xml (1.2)
 *
 * The operation is the Body's first element; its children are the arguments
 * by name, converted to the declared types. Errors are Faults: the client's
 * (malformed envelope, DOCTYPE, unknown operation, a value not of its type)
 * soap:Client / env:Sender, the function's soap:Server / env:Receiver with
 * the error's message and no stack. Answers of 1.1 faults are 500, of 1.2
 * Sender faults 400 and Receiver faults 500 (the SOAP 1.2 HTTP binding).
 */
import { xmlText } from './serialize'
import { parseXml, SoapXmlError, type XmlElement } from './soapxml'

export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/'
export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope'

/** The declared types and their XML Schema names. */
const XSD: Record<string, string> = {
  string: 'string', int: 'int', integer: 'int', long: 'long', float: 'double', double: 'double', number: 'double',
  decimal: 'decimal', boolean: 'boolean', date: 'date', datetime: 'dateTime', dateTime: 'dateTime',
}

export type SoapType = keyof typeof XSD
export interface SoapSignature { args?: Record<string, string>; returns?: string | Record<string, string> }
export interface SoapOperation { name: string; fn: (...a: any[]) => unknown; args: [string, string][]; result: [string, string] | undefined }

const NAME = /^[A-Za-z_][\w.-]*$/

/** Check a signature at registration: names are XML names, types known ones. */
export function soapOperation(name: string, fn: SoapOperation['fn'], sig: SoapSignature = {}): SoapOperation {
  const check = (n: string, t: string) => {
    if (!NAME.test(n)) throw new TypeError(`Service.soap ${name}: ${JSON.stringify(n)} is not an XML name`)
    if (!(t in XSD)) throw new TypeError(`Service.soap ${name}: unknown type ${JSON.stringify(t)} (${Object.keys(XSD).join(', ')})`)
  }
  if (!NAME.test(name)) throw new TypeError(`Service.soap: ${JSON.stringify(name)} is not an XML name`)
  const args = Object.entries(sig.args ?? {})
  for (const [n, t] of args) check(n, t)
  let result: [string, string] | undefined
  if (typeof sig.returns === 'string') result = [name + 'Result', sig.returns]
  else if (sig.returns) {
    const e = Object.entries(sig.returns)
    if (e.length !== 1) throw new TypeError(`Service.soap ${name}: returns names one result ({ name: type })`)
    result = e[0]
  }
  if (result) check(result[0], result[1])
  return { name, fn, args, result }
}

export class SoapFault extends Error {
  constructor(readonly who: 'client' | 'server', message: string) { super(message) }
}

function fromXml(type: string, text: string, name: string): unknown {
  const t = text.trim()
  const bad = () => new SoapFault('client', `${name}: ${JSON.stringify(t.slice(0, 40))} is not a valid ${type}`)
  switch (XSD[type]) {
    case 'int': case 'long': { if (!/^[+-]?\d+$/.test(t)) throw bad(); const n = Number(t); if (!Number.isSafeInteger(n) || (XSD[type] === 'int' && Math.abs(n) > 2 ** 31)) throw bad(); return n }
    case 'double': case 'decimal': { const n = Number(t); if (!t || Number.isNaN(n)) throw bad(); return n }
    case 'boolean': if (t === 'true' || t === '1') return true; if (t === 'false' || t === '0') return false; throw bad()
    case 'date': case 'dateTime': { const d = new Date(t); if (!t || Number.isNaN(d.getTime())) throw bad(); return d }
    default: return text
  }
}

function toXml(type: string, v: unknown): string {
  if (v === null || v === undefined) return ''
  switch (XSD[type]) {
    case 'boolean': return v ? 'true' : 'false'
    case 'date': return xmlText(v instanceof Date ? v.toISOString().slice(0, 10) : String(v))
    case 'dateTime': return xmlText(v instanceof Date ? v.toISOString() : String(v))
    default: return xmlText(typeof v === 'object' ? JSON.stringify(v) : String(v))
  }
}

/** The WSDL of the operations, served at `location`. */
export function wsdl(ops: SoapOperation[], location: string, ns: string): string {
  const el = (n: string, t: string) => `<xsd:element name="${n}" type="xsd:${XSD[t]}" minOccurs="0"/>`
  const types = ops.map((o) =>
    `<xsd:element name="${o.name}"><xsd:complexType><xsd:sequence>${o.args.map(([n, t]) => el(n, t)).join('')}</xsd:sequence></xsd:complexType></xsd:element>` +
    `<xsd:element name="${o.name}Response"><xsd:complexType><xsd:sequence>${o.result ? el(o.result[0], o.result[1]) : ''}</xsd:sequence></xsd:complexType></xsd:element>`).join('')
  const messages = ops.map((o) => `<message name="${o.name}Input"><part name="parameters" element="tns:${o.name}"/></message><message name="${o.name}Output"><part name="parameters" element="tns:${o.name}Response"/></message>`).join('')
  const portOps = ops.map((o) => `<operation name="${o.name}"><input message="tns:${o.name}Input"/><output message="tns:${o.name}Output"/></operation>`).join('')
  const binding = (p: 'soap' | 'soap12') => ops.map((o) => `<operation name="${o.name}"><${p}:operation soapAction="${xmlText(ns)}#${o.name}" style="document"/><input><${p}:body use="literal"/></input><output><${p}:body use="literal"/></output></operation>`).join('')
  const loc = xmlText(location)
  return '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="${xmlText(ns)}" targetNamespace="${xmlText(ns)}" name="QuarkService">` +
    `<types><xsd:schema targetNamespace="${xmlText(ns)}" elementFormDefault="qualified">${types}</xsd:schema></types>` +
    messages + `<portType name="QuarkPortType">${portOps}</portType>` +
    `<binding name="QuarkSoap11Binding" type="tns:QuarkPortType"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>${binding('soap')}</binding>` +
    `<binding name="QuarkSoap12Binding" type="tns:QuarkPortType"><soap12:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>${binding('soap12')}</binding>` +
    `<service name="QuarkService"><port name="QuarkSoap11Port" binding="tns:QuarkSoap11Binding"><soap:address location="${loc}"/></port>` +
    `<port name="QuarkSoap12Port" binding="tns:QuarkSoap12Binding"><soap12:address location="${loc}"/></port></service></definitions>\n`
}

export interface SoapAnswer { body: string; status: number; contentType: string }

function envelope(v12: boolean, inner: string): string {
  const ns = v12 ? SOAP12_NS : SOAP11_NS
  return `<?xml version="1.0" encoding="UTF-8"?>\n<soap:Envelope xmlns:soap="${ns}"><soap:Body>${inner}</soap:Body></soap:Envelope>\n`
}

const typeOf = (v12: boolean) => (v12 ? 'application/soap+xml; charset=utf-8' : 'text/xml; charset=utf-8')

export function faultAnswer(v12: boolean, f: SoapFault): SoapAnswer {
  const msg = xmlText(f.message)
  const inner = v12
    ? `<soap:Fault><soap:Code><soap:Value>soap:${f.who === 'client' ? 'Sender' : 'Receiver'}</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang="en">${msg}</soap:Text></soap:Reason></soap:Fault>`
    : `<soap:Fault><faultcode>soap:${f.who === 'client' ? 'Client' : 'Server'}</faultcode><faultstring>${msg}</faultstring></soap:Fault>`
  return { body: envelope(v12, inner), status: v12 && f.who === 'client' ? 400 : 500, contentType: typeOf(v12) }
}

/** Answer one SOAP request body (1.1 or 1.2, told by the envelope's namespace, else the content type). */
export async function serveSoap(ops: Map<string, SoapOperation>, body: Buffer | undefined, contentType: string, ns: string): Promise<SoapAnswer> {
  let v12 = /application\/soap\+xml/i.test(contentType)
  let envelopeEl: XmlElement
  try {
    if (!body || !body.length) throw new SoapFault('client', 'empty request: POST a SOAP envelope (GET ?WSDL for the description)')
    try { envelopeEl = parseXml(body.toString('utf8')) } catch (e) {
      if (e instanceof SoapXmlError) throw new SoapFault('client', 'malformed envelope: ' + e.message)
      throw e
    }
    if (envelopeEl.local !== 'Envelope' || (envelopeEl.ns !== SOAP11_NS && envelopeEl.ns !== SOAP12_NS)) throw new SoapFault('client', 'not a SOAP Envelope')
    v12 = envelopeEl.ns === SOAP12_NS
    const bodyEl = envelopeEl.children.find((c) => c.local === 'Body' && c.ns === envelopeEl.ns)
    const call = bodyEl?.children[0]
    if (!call) throw new SoapFault('client', 'the envelope has no Body element with an operation')
    const op = ops.get(call.local)
    if (!op || (call.ns && call.ns !== ns)) throw new SoapFault('client', `no such operation: ${call.local}`)
    const values = op.args.map(([n, t]) => {
      const given = call.children.find((c) => c.local === n)
      return given === undefined ? undefined : fromXml(t, given.text, n)
    })
    let result: unknown
    try { result = await op.fn(...values) } catch (e) {
      if (e instanceof SoapFault) throw e
      // the function's error message is the fault's text; its stack is not sent
      throw new SoapFault('server', e instanceof Error ? e.message : String(e))
    }
    const out = op.result ? `<tns:${op.result[0]}>${toXml(op.result[1], result)}</tns:${op.result[0]}>` : ''
    return { body: envelope(v12, `<tns:${op.name}Response xmlns:tns="${xmlText(ns)}">${out}</tns:${op.name}Response>`), status: 200, contentType: typeOf(v12) }
  } catch (e) {
    if (e instanceof SoapFault) return faultAnswer(v12, e)
    throw e
  }
}
