/**
 * The listening server: HTTPS (self-signed or own certificate) or plain
 * HTTP, keep-alive, and a graceful close that lets in-flight requests finish.
 */
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Pem } from './certificate'
import { QK_HTTP_BAD_HOST, QK_HTTP_BODY_TOO_LARGE } from './errors'
import { errorPage } from './response'
import { TRUST_PROXY, type AddressMatcher } from './proxy'
import { hostAllowed, hostListed, hostName, requestedHost, type AllowedHosts } from './hosts'
import { probes, type ReadyCheck } from './health'

export type Handler = (req: IncomingMessage, res: ServerResponse) => void

export interface ListenOptions {
  ip: string
  port: number
  /** certificate and key: HTTPS when given, plain HTTP when undefined */
  tls?: Pem
  /** ask browsers for a client certificate from this CA (PEM), with its revocation list: --client-ca / --client-crl */
  clientCa?: { ca: string; crl?: string }
  handler: Handler
  /** ms a client has to send the request line and headers (default 10 s; over HTTPS the TLS handshake too) */
  headersTimeoutMs?: number
  /** ms a client has to send the whole request, body included (default 120 s) */
  requestTimeoutMs?: number
  /** bytes of a body (--max-body): a client that asks `Expect: 100-continue` for more is refused before it sends it */
  maxBodySize?: number
  /** peers whose X-Forwarded-* / Forwarded headers are believed (--trust-proxy); none when undefined */
  trustProxy?: AddressMatcher
  /** Host names answered (--allowed-hosts); any other gets 400 before the handler. Undefined: no check */
  allowedHosts?: AllowedHosts
  /** told each refused Host (a log line) */
  onRefusedHost?: (host: string) => void
  /** what /_quark/ready checks (every app's databases); /_quark/health needs nothing */
  ready?: ReadyCheck
  /** the routes' path_prefix ('' without one): the probes answer under it too (<prefix>/_quark/health) */
  pathPrefix?: () => string
}

export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000
export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000

export interface Listening {
  server: http.Server
  port: number
  url: string
  isHttps: boolean
  /**
   * Stop accepting, let in-flight requests finish (at most `graceMs`), then close every socket.
   * From then on every response says `Connection: close`; idle keep-alive connections are closed
   * after `idleGraceMs` (default 0): a worker replaced under load waits a moment, so a client
   * that just sent its next request on an idle connection gets its answer instead of a reset.
   */
  close(graceMs?: number, idleGraceMs?: number): Promise<void>
}

const CLIENT_ERROR_STATUS: Record<string, string> = {
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
}

/** A client error (bad request, headers or body too slow): a short answer when no response has started, then close. */
function answerClientError(e: Error & { code?: string }, socket: Duplex): void {
  const busy = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage
  if (socket.writable && !busy?.headersSent) {
    const status = CLIENT_ERROR_STATUS[e.code ?? ''] ?? '400 Bad Request'
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    // end() waits for the client to close its side: a client that never does is cut a moment later
    setTimeout(() => socket.destroy(), 1000).unref()
  } else socket.destroy()
}

/** The Host is not one this server answers to: 400 with the error's code, and the connection closed. */
function refuseHost(res: ServerResponse, host: string): void {
  const e = new QK_HTTP_BAD_HOST(JSON.stringify(host.slice(0, 200)))
  const page = errorPage(400, 'Bad Request', `${e.code}: ${e.message} (see --allowed-hosts)`)
  res.writeHead(400, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(page), Connection: 'close' })
  res.end(page)
}

/**
 * Every upgrade (the admin's live channel, any app's websocket) meets the same Host check as a
 * request before any 'upgrade' listener sees it: a DNS-rebinding page names its own host, and a
 * websocket to /admin/live under that name must not open. Refused: 400 written on the socket
 * (the HTTP answer of an upgrade that does not happen), then the connection closed.
 * The check sits in emit() so that listeners added later (attachAdminLive, an app's ws server)
 * are covered without each of them calling it.
 */
function guardUpgrades(server: http.Server, o: ListenOptions, hosts: AllowedHosts | undefined): void {
  if (!hosts && !o.trustProxy) return
  const emit = server.emit
  // every event of the server passes here ('request' too): `arguments` as is, no array built per call
  server.emit = function guardedEmit(this: http.Server, event: string | symbol, req?: unknown, socket?: unknown): boolean {
    if (event === 'upgrade') {
      const r = req as IncomingMessage & { [TRUST_PROXY]?: AddressMatcher }
      // upgrades see the same trusted peers as requests (their X-Forwarded-Host is the Host checked)
      if (o.trustProxy) r[TRUST_PROXY] = o.trustProxy
      const host = hosts ? requestedHost(r) : undefined
      if (hosts && host !== undefined && !hostAllowed(hosts, host)) {
        o.onRefusedHost?.(host)
        refuseUpgrade(socket as Duplex, host)
        return true
      }
    }
    // eslint-disable-next-line prefer-rest-params
    return emit.apply(this, arguments as unknown as Parameters<typeof emit>)
  } as typeof server.emit
}

function refuseUpgrade(socket: Duplex, host: string): void {
  const e = new QK_HTTP_BAD_HOST(JSON.stringify(host.slice(0, 200)))
  const body = `${e.code}: ${e.message} (see --allowed-hosts)\n`
  if (socket.writable) socket.end(`HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
  // end() waits for the client's side: one that never closes is cut a moment later
  setTimeout(() => socket.destroy(), 1000).unref()
}

const LINGERING = Symbol('quark.lingering')
type Lingering = Duplex & { [LINGERING]?: true; destroySoon?: () => void }

/**
 * While the server drains (a worker being replaced, SIGTERM): this response says `Connection: close`,
 * and its connection closes gently. Node would close the socket right after the response, and a
 * client that had already sent its next request (some load generators do not wait for the close)
 * would get a reset for it. Instead the server only half-closes (FIN), ignores whatever still
 * arrives (the client sends it again on a new connection, to a serving worker) and lets the
 * socket go when the client closes its side (at most 2 s). True when the request is such a late one.
 */
function drainConnection(req: IncomingMessage, res: ServerResponse): boolean {
  const socket = req.socket as Lingering
  if (socket[LINGERING]) return true
  res.setHeader('Connection', 'close')
  socket[LINGERING] = true
  socket.destroySoon = function lingerClose(this: Lingering) {
    this.end()
    const t = setTimeout(() => this.destroy(), 2000)
    t.unref()
    this.once('close', () => clearTimeout(t))
  }
  return false
}

/** ends like /_quark/health or /_quark/ready (two character tests first: most URLs end otherwise) */
function isProbeTail(url: string): boolean {
  const last = url.charCodeAt(url.length - 1)
  return (last === 104 || last === 121) && (url.endsWith('/_quark/health') || url.endsWith('/_quark/ready'))
}

/**
 * What every request meets before the handler: the health probes (one length test and a
 * string compare), the trusted-proxy matcher, the Host check, and `Connection: close` while draining.
 */
function frontDoor(o: ListenOptions, state: { draining: boolean }): { handler: Handler; probes: ReturnType<typeof probes> } {
  const probe = probes(o.ready)
  const prefixOf = o.pathPrefix
  const trust = o.trustProxy
  const hosts = o.allowedHosts && !o.allowedHosts.any ? o.allowedHosts : undefined
  const inner = o.handler
  let lastAllowed: string | undefined // the Host of the previous allowed request: usually the same name again
  const handler: Handler = (req, res) => {
    const url = req.url
    if (url !== undefined && url.length <= 14 && url.charCodeAt(1) === 95 && probe.serve(url, req.method, res)) return
    if (prefixOf !== undefined && url !== undefined && url.length > 14 && isProbeTail(url)) {
      const prefix = prefixOf()
      if (prefix && url.length <= prefix.length + 14 && url.startsWith(prefix) && probe.serve(url.slice(prefix.length), req.method, res)) return
    }
    if (trust !== undefined) (req as IncomingMessage & { [TRUST_PROXY]?: AddressMatcher })[TRUST_PROXY] = trust
    if (hosts !== undefined) {
      const host = requestedHost(req)
      if (host !== undefined && host !== lastAllowed) {
        // a name allowed only by the site's configuration (the router's domains) may be taken back: asked each time
        if (hostListed(hosts, host)) lastAllowed = host
        else if (hosts.also === undefined || !hosts.also(hostName(host))) { o.onRefusedHost?.(host); return refuseHost(res, host) }
      }
    }
    if (state.draining && drainConnection(req, res)) return
    inner(req, res)
  }
  return { handler, probes: probe }
}

export function listen(o: ListenOptions): Promise<Listening> {
  const state = { draining: false }
  const front = frontDoor(o, state)
  const headersTimeout = o.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS
  const requestTimeout = Math.max(o.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, headersTimeout)
  const options: http.ServerOptions & https.ServerOptions = {
    headersTimeout,
    requestTimeout,
    // node enforces both timeouts by sweeping its connections every connectionsCheckingInterval
    // (30 s by default, so a 10 s limit could hold a slow client 40 s): sweep at a quarter of the shorter one
    connectionsCheckingInterval: Math.min(5000, Math.max(100, Math.floor(headersTimeout / 4))),
    keepAliveTimeout: 5000,
  }
  const server: http.Server = o.tls
    ? https.createServer({
      ...options, cert: o.tls.cert, key: o.tls.key, handshakeTimeout: headersTimeout,
      // a certificate is asked for, never required: a refused one still reaches the page, which says why (request.clientCertificateError)
      ...(o.clientCa ? { requestCert: true, rejectUnauthorized: false, ca: o.clientCa.ca, ...(o.clientCa.crl ? { crl: o.clientCa.crl } : {}) } : {}),
    }, front.handler)
    : http.createServer(options, front.handler)
  // upgrades (the admin's live channel, app websockets): trusted peers and the Host check as for requests
  guardUpgrades(server, o, o.allowedHosts && !o.allowedHosts.any ? o.allowedHosts : undefined)
  // A broken or too slow client must never take the server down, and its connection is closed.
  server.on('clientError', answerClientError)
  // `Expect: 100-continue` (curl does it for large uploads): refuse an oversize body before the client sends it
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const declared = Number(req.headers['content-length'] ?? NaN)
    if (o.maxBodySize !== undefined && declared > o.maxBodySize) {
      const e = new QK_HTTP_BODY_TOO_LARGE(o.maxBodySize)
      const page = errorPage(413, 'Payload Too Large', e.message)
      res.writeHead(413, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(page), Connection: 'close' })
      res.end(page)
      return
    }
    res.writeContinue()
    front.handler(req, res)
  })
  if (o.tls) (server as https.Server).on('tlsClientError', () => {})
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port, o.ip, () => {
      server.off('error', reject)
      const port = (server.address() as AddressInfo).port
      const host = o.ip.includes(':') ? `[${o.ip}]` : o.ip
      let closing: Promise<void> | undefined
      resolve({
        server,
        port,
        isHttps: !!o.tls,
        url: `${o.tls ? 'https' : 'http'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
        close(graceMs = 10000, idleGraceMs = 0) {
          closing ??= new Promise<void>((done) => {
            state.draining = true
            front.probes.draining = true
            const timer = setTimeout(() => server.closeAllConnections(), graceMs)
            timer.unref()
            let sweep: NodeJS.Timeout | undefined
            let wait: NodeJS.Timeout | undefined
            const closed = () => { clearTimeout(timer); clearTimeout(wait); clearInterval(sweep); done() }
            // http.Server.close() also closes the idle connections at once (node >= 19): with an idle
            // grace only the listening socket closes now (net.Server's close), the idle ones after it
            if (idleGraceMs > 0) net.Server.prototype.close.call(server, closed)
            else server.close(closed)
            // idle keep-alive sockets would hold close() open; busy ones finish their request first
            const closeIdle = () => {
              server.closeIdleConnections()
              sweep = setInterval(() => server.closeIdleConnections(), 50)
              sweep.unref()
            }
            if (idleGraceMs > 0) { wait = setTimeout(closeIdle, idleGraceMs); wait.unref() } else closeIdle()
          })
          return closing
        },
      })
    })
  })
}
