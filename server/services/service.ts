/**
 * Service: expose functions as web services, as web2py's Service does.
 *
 *   // models/services.ts or a controller
 *   export const service = new Service()
 *   service.json(function add(a: number, b: number) { return a + b })
 *   service.jsonrpc2('add', (a: number, b: number) => a + b)
 *   export function call() { return service.call() }
 *
 *   /app/default/call/json/add?a=1&b=2   /app/default/call/json/add/1/2
 *   /app/default/call/jsonrpc2  (POST {"jsonrpc":"2.0","id":1,"method":"add","params":[1,2]})
 *   /app/default/call/xmlrpc    (POST an XML-RPC methodCall)
 * Kinds: run (plain text), json, jsonp (?callback=name), xml, csv, rss, atom, ics, pdf, rtf, jsonrpc (1.0), jsonrpc2, xmlrpc, soap.
 * Each kind has its own names: service.json(function add ...) and service.xml(function add ...) are both `add`.
 */
import { current } from '../current/index'
import { toJson, toXml } from './serialize'
import { toAtom, toCsv, toIcs, toRss } from './feeds'
import { toPdf, toRtf } from './documents'
import { methodFault, methodResponse, parseMethodCall, XmlRpcParseError } from './xmlrpc'
import { QK_SERVICES_BAD_CALL, QK_SERVICES_NOT_FOUND } from './errors'
import { callbackOf, jsonpBody } from './generic'
import { serveSoap, soapOperation, wsdl, type SoapOperation, type SoapSignature } from './soap'

export type ServiceKind = 'run' | 'json' | 'jsonp' | 'xml' | 'csv' | 'rss' | 'atom' | 'ics' | 'pdf' | 'rtf' | 'jsonrpc' | 'jsonrpc2' | 'xmlrpc'
type Fn = (...args: any[]) => unknown

interface ServiceRequest { args?: string[]; vars?: Record<string, unknown>; body?: Buffer; method?: string; headers?: Record<string, string | string[] | undefined>; application?: string; controller?: string; scheme?: string; host?: string; path?: string }
interface ServiceResponse { headers: Record<string, string>; status?: number }

/** Parameter names of a plain function, to map ?a=1&b=2 onto (a, b); undefined when destructured. */
export function parametersOf(fn: Fn): string[] | undefined {
  const src = Function.prototype.toString.call(fn)
  const m = /^(?:async\b\s*)?(?:function\b[^(]*)?\(([^)]*)\)/.exec(src) ?? /^(?:async\b\s*)?([A-Za-z_$][\w$]*)\s*=>/.exec(src)
  if (!m) return undefined
  const list = m[1]!.split(',').map((p) => p.trim()).filter(Boolean)
  const names: string[] = []
  for (const p of list) {
    const n = /^(?:\.\.\.)?([A-Za-z_$][\w$]*)/.exec(p)
    if (!n || /^[[{]/.test(p)) return undefined
    names.push(n[1]!)
  }
  return names
}

class RpcError extends Error {
  constructor(readonly code: number, message: string, readonly data?: unknown) { super(message) }
}

export class Service {
  private readonly registry = new Map<ServiceKind, Map<string, Fn>>()
  private readonly soapOps = new Map<string, SoapOperation>()

  /** `namespace`: the SOAP target namespace (default urn:quark:<app>:<controller>) */
  constructor(private readonly options: { namespace?: string } = {}) {}

  /** A SOAP operation with its declared types: `service.soap('Add', fn, { args: { a: 'int' }, returns: { sum: 'int' } })`. */
  soap(name: string, fn: Fn, signature: SoapSignature = {}): Fn {
    if (typeof fn !== 'function') throw new TypeError('Service.soap: a function is required')
    this.soapOps.set(name, soapOperation(name, fn, signature))
    return fn
  }

  private register(kind: ServiceKind, nameOrFn: string | Fn, maybeFn?: Fn): Fn {
    const fn = typeof nameOrFn === 'function' ? nameOrFn : maybeFn
    const name = typeof nameOrFn === 'string' ? nameOrFn : nameOrFn.name
    if (typeof fn !== 'function') throw new TypeError(`Service.${kind}: a function is required`)
    if (!name || !/^[A-Za-z_$][\w$.]*$/.test(name)) throw new TypeError(`Service.${kind}: the function needs a valid name (got ${JSON.stringify(name)})`)
    let m = this.registry.get(kind)
    if (!m) this.registry.set(kind, (m = new Map()))
    m.set(name, fn)
    return fn
  }

  run(nameOrFn: string | Fn, fn?: Fn): Fn { return this.register('run', nameOrFn, fn) }
  json(nameOrFn: string | Fn, fn?: Fn): Fn { return this.register('json', nameOrFn, fn) }
  jsonp(nameOrFn: string | Fn, fn?: Fn): Fn { return this.register('jsonp', nameOrFn, fn) }
  xml(nameOrFn: string | Fn, fn?: Fn): Fn { return this.register('xml', nameOrFn, fn) }
  csv(nameOrFn: string | Fn, fn?: Fn): Fn { return this.register('csv', nameOrFn, fn) }
  rss(nameOrFn: string | Fn, fn?: Fn): Fn { return this.register('rss', nameOrFn, fn) }
  atom(nameOrFn: string | Fn, fn?: Fn): Fn { return this.register('atom', nameOrFn, fn) }
  ics(nameOrFn: string | Fn, fn?: Fn): Fn { return this.register('ics', nameOrFn, fn) }
  pdf(nameOrFn: string | Fn, fn?: Fn): Fn { return this.register('pdf', nameOrFn, fn) }
  rtf(nameOrFn: string | Fn, fn?: Fn): Fn { return this.register('rtf', nameOrFn, fn) }
  jsonrpc(nameOrFn: string | Fn, fn?: Fn): Fn { return this.register('jsonrpc', nameOrFn, fn) }
  jsonrpc2(nameOrFn: string | Fn, fn?: Fn): Fn { return this.register('jsonrpc2', nameOrFn, fn) }
  xmlrpc(nameOrFn: string | Fn, fn?: Fn): Fn { return this.register('xmlrpc', nameOrFn, fn) }

  /** The functions registered for a kind (for docs and the admin). */
  functions(kind: ServiceKind | 'soap'): string[] { return kind === 'soap' ? [...this.soapOps.keys()] : [...(this.registry.get(kind)?.keys() ?? [])] }

  private find(kind: ServiceKind, name: string): Fn | undefined { return this.registry.get(kind)?.get(name) }

  /**
   * Serve the current request: args[0] is the kind, args[1] the function
   * (for json/xml/csv/rss/run), further args and the vars are its parameters.
   */
  async call(request: ServiceRequest = current.request, response: ServiceResponse = current.response): Promise<string | Buffer> {
    const args = request?.args ?? []
    const kind = args[0] as ServiceKind | 'soap' | undefined
    const headers = response?.headers ?? {}
    switch (kind) {
      case 'jsonrpc': case 'jsonrpc2':
        headers['Content-Type'] = 'application/json; charset=utf-8'
        return this.serveJsonRpc(kind, request)
      case 'xmlrpc':
        headers['Content-Type'] = 'text/xml; charset=utf-8'
        return this.serveXmlRpc(request)
      case 'soap': {
        const ns = this.options.namespace ?? `urn:quark:${request.application ?? 'app'}:${request.controller ?? 'default'}`
        const vars = request.vars ?? {}
        if ('WSDL' in vars || 'wsdl' in vars) {
          headers['Content-Type'] = 'text/xml; charset=utf-8'
          const location = `${request.scheme ?? 'http'}://${request.host ?? 'localhost'}${request.path ?? ''}`
          return wsdl([...this.soapOps.values()], location, ns)
        }
        const ct = request.headers?.['content-type']
        const answer = await serveSoap(this.soapOps, request.body, Array.isArray(ct) ? ct[0] ?? '' : ct ?? '', ns)
        headers['Content-Type'] = answer.contentType
        if (response) response.status = answer.status
        return answer.body
      }
      case 'run': case 'json': case 'jsonp': case 'xml': case 'csv': case 'rss': case 'atom': case 'ics': case 'pdf': case 'rtf': {
        const fn = this.find(kind, args[1] ?? '')
        if (!fn) throw new QK_SERVICES_NOT_FOUND(`${kind}/${args[1] ?? ''}`)
        // the callback is checked before the function runs: a hostile name is a 400 and nothing is done
        const callback = kind === 'jsonp' ? callbackOf(request) : ''
        const value = await fn(...this.paramsFor(fn, args.slice(2), request.vars ?? {}))
        if (kind === 'json') { headers['Content-Type'] = 'application/json; charset=utf-8'; return toJson(value) }
        if (kind === 'jsonp') {
          headers['Content-Type'] = 'application/javascript; charset=utf-8'
          headers['X-Content-Type-Options'] = 'nosniff'
          return jsonpBody(callback, value)
        }
        if (kind === 'xml') { headers['Content-Type'] = 'application/xml; charset=utf-8'; return toXml(value) }
        if (kind === 'csv') { headers['Content-Type'] = 'text/csv; charset=utf-8'; return toCsv(value) }
        if (kind === 'rss') { headers['Content-Type'] = 'application/rss+xml; charset=utf-8'; return toRss(value) }
        if (kind === 'atom') { headers['Content-Type'] = 'application/atom+xml; charset=utf-8'; return toAtom(value) }
        if (kind === 'ics') { headers['Content-Type'] = 'text/calendar; charset=utf-8'; return toIcs(value) }
        if (kind === 'pdf') { headers['Content-Type'] = 'application/pdf'; return toPdf(value) }
        if (kind === 'rtf') { headers['Content-Type'] = 'application/rtf'; return toRtf(value) }
        headers['Content-Type'] = 'text/plain; charset=utf-8'
        return value === null || value === undefined ? '' : String(value)
      }
      default:
        throw new QK_SERVICES_NOT_FOUND(String(kind ?? ''))
    }
  }

  /** Positional args from the URL, else the vars mapped onto the function's parameter names. */
  private paramsFor(fn: Fn, positional: string[], vars: Record<string, unknown>): unknown[] {
    if (positional.length) return positional
    const names = parametersOf(fn)
    if (!names) return Object.keys(vars).length ? [vars] : []
    return names.map((n) => vars[n])
  }

  private async invoke(kind: ServiceKind, method: unknown, params: unknown): Promise<unknown> {
    const fn = typeof method === 'string' ? this.find(kind, method) : undefined
    if (!fn) throw new RpcError(-32601, `Method not found: ${String(method)}`)
    let list: unknown[]
    if (params === undefined || params === null) list = []
    else if (Array.isArray(params)) list = params
    else if (typeof params === 'object') {
      const names = parametersOf(fn)
      list = names ? names.map((n) => (params as Record<string, unknown>)[n]) : [params]
    } else throw new RpcError(-32602, 'Invalid params')
    try {
      return await fn(...list)
    } catch (e) {
      if (e instanceof RpcError) throw e
      // The message of an error the function raises is the service's answer; the stack is not sent.
      throw new RpcError(-32603, e instanceof Error ? e.message : String(e))
    }
  }

  private async serveJsonRpc(kind: 'jsonrpc' | 'jsonrpc2', request: ServiceRequest): Promise<string> {
    const v2 = kind === 'jsonrpc2'
    let payload: unknown
    if (request.body && request.body.length) {
      try { payload = JSON.parse(request.body.toString('utf8')) } catch { return this.rpcError(v2, null, new RpcError(-32700, 'Parse error')) }
    } else {
      payload = { ...(request.vars ?? {}) }
    }
    if (v2 && Array.isArray(payload)) {
      if (!payload.length) return this.rpcError(true, null, new RpcError(-32600, 'Invalid Request'))
      const out: string[] = []
      for (const one of payload) { const r = await this.oneJsonRpc(true, one); if (r) out.push(r) }
      return out.length ? '[' + out.join(',') + ']' : ''
    }
    return this.oneJsonRpc(v2, payload)
  }

  private async oneJsonRpc(v2: boolean, msg: unknown): Promise<string> {
    if (!msg || typeof msg !== 'object' || Array.isArray(msg)) return this.rpcError(v2, null, new RpcError(-32600, 'Invalid Request'))
    const { id, method, params, jsonrpc } = msg as Record<string, unknown>
    if (v2 && jsonrpc !== '2.0') return this.rpcError(v2, id ?? null, new RpcError(-32600, 'Invalid Request'))
    if (typeof method !== 'string') return this.rpcError(v2, id ?? null, new RpcError(-32600, 'Invalid Request'))
    const notification = v2 && !('id' in (msg as object))
    try {
      const result = await this.invoke(v2 ? 'jsonrpc2' : 'jsonrpc', method, params)
      if (notification) return ''
      return v2 ? toJson({ jsonrpc: '2.0', id, result: result === undefined ? null : result }) : toJson({ id: id ?? null, result: result === undefined ? null : result, error: null })
    } catch (e) {
      if (notification) return ''
      return this.rpcError(v2, id ?? null, e as RpcError)
    }
  }

  private rpcError(v2: boolean, id: unknown, e: RpcError): string {
    const error = { code: e.code, message: e.message, ...(e.data !== undefined ? { data: e.data } : {}) }
    return v2 ? toJson({ jsonrpc: '2.0', id, error }) : toJson({ id, result: null, error })
  }

  private async serveXmlRpc(request: ServiceRequest): Promise<string> {
    let call: { method: string; params: unknown[] }
    try {
      if (!request.body || !request.body.length) throw new XmlRpcParseError('empty body')
      call = parseMethodCall(request.body.toString('utf8'))
    } catch (e) {
      if (e instanceof XmlRpcParseError) return methodFault(-32700, 'parse error: ' + e.message)
      throw new QK_SERVICES_BAD_CALL(String(e))
    }
    try {
      return methodResponse(await this.invoke('xmlrpc', call.method, call.params))
    } catch (e) {
      const r = e as RpcError
      return methodFault(r.code ?? -32603, r.message)
    }
  }
}
