/** The baseline: a bare node:http (or node:https) hello world. */
import http from 'node:http'
import https from 'node:https'
import { benchPort, benchTls } from './tls'

const handler = (_req: http.IncomingMessage, res: http.ServerResponse) => {
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' })
  res.end('Hello World')
}
const tls = benchTls()
const server = tls ? https.createServer(tls, handler) : http.createServer(handler)
server.listen(benchPort(), '127.0.0.1', () => console.log('listening'))
process.on('SIGTERM', () => server.close(() => process.exit(0)))
