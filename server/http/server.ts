/**
 * The listening server: HTTPS (self-signed or own certificate) or plain
 * HTTP, keep-alive, and a graceful close that lets in-flight requests finish.
 */
import http from 'node:http'
import https from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Pem } from './certificate'

export type Handler = (req: IncomingMessage, res: ServerResponse) => void

export interface ListenOptions {
  ip: string
  port: number
  /** certificate and key: HTTPS when given, plain HTTP when undefined */
  tls?: Pem
  handler: Handler
}

export interface Listening {
  server: http.Server
  port: number
  url: string
  isHttps: boolean
  /** stop accepting, let in-flight requests finish (at most `graceMs`), then close every socket */
  close(graceMs?: number): Promise<void>
}

export function listen(o: ListenOptions): Promise<Listening> {
  const server: http.Server = o.tls
    ? https.createServer({ cert: o.tls.cert, key: o.tls.key }, o.handler)
    : http.createServer(o.handler)
  server.keepAliveTimeout = 5000
  server.headersTimeout = 30000
  server.requestTimeout = 300000
  // A broken client socket must never take the server down.
  server.on('clientError', (_e, socket) => { if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'); else socket.destroy() })
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
        close(graceMs = 10000) {
          closing ??= new Promise<void>((done) => {
            const timer = setTimeout(() => server.closeAllConnections(), graceMs)
            timer.unref()
            server.close(() => { clearTimeout(timer); done() })
            // idle keep-alive sockets would hold close() open; busy ones finish their request first
            server.closeIdleConnections()
            const sweep = setInterval(() => server.closeIdleConnections(), 50)
            sweep.unref()
            server.once('close', () => clearInterval(sweep))
          })
          return closing
        },
      })
    })
  })
}
