/**
 * Live reload in development: an app's HTML pages carry a small script that
 * opens a websocket to /_quark/livereload?app=<app>; when a file under the
 * app's models/, controllers/, views/, modules/, languages/ or static/ is
 * saved, every page of that app open in a browser reloads.
 *
 * On when the app's private/realtime.json (or applications/realtime.json)
 * says `"liveReload": true`, or QUARK_LIVE_RELOAD=1 is set; always off for a
 * client that is not local, under `--workers`, and with QUARK_ENV=production.
 */
import fs from 'node:fs'
import path from 'node:path'
import cluster from 'node:cluster'
import type http from 'node:http'
import type { Duplex } from 'node:stream'
import type { WebSocketServer, WebSocket } from 'ws'
import { forwardedOf, isLocalAddress } from '../http/index'
import { realtimeConfig } from './hub'

export const LIVE_RELOAD_PATH = '/_quark/livereload'
const WATCHED = new Set(['models', 'controllers', 'views', 'modules', 'languages', 'static'])

// QUARK_LIVE_RELOAD=1 is a setting of the process, given before it starts: read once (reading
// process.env costs about half a microsecond, and this runs for every HTML page)
const LIVE_RELOAD_ENV = process.env.QUARK_LIVE_RELOAD === '1'

/** Is live reload on for this app and client? (the cheap tests first: it runs for every HTML page) */
export function liveReloadOn(appFolder: string, clientIsLocal: boolean): boolean {
  if (!clientIsLocal || cluster.isWorker) return false
  let configured: boolean | undefined
  try { configured = realtimeConfig(appFolder).liveReload } catch { return false }
  if (!(configured ?? LIVE_RELOAD_ENV)) return false
  // asked only when live reload would be on
  return process.env.QUARK_ENV !== 'production'
}

/** The script a page gets (before </body>): reconnects quietly, reloads on 'reload'. */
export function liveReloadScript(app: string, prefix = ''): string {
  const url = JSON.stringify(`${prefix}${LIVE_RELOAD_PATH}?app=${encodeURIComponent(app)}`).replace(/</g, '\\u003c')
  return `<script data-quark-livereload>(function(){var u=(location.protocol==='https:'?'wss://':'ws://')+location.host+${url};` +
    `function c(){var w=new WebSocket(u);w.onopen=function(){document.documentElement.setAttribute('data-quark-livereload','on')};` +
    `w.onmessage=function(e){if(e.data==='reload')location.reload()};` +
    `w.onclose=function(){setTimeout(c,1000)}}c()})()</script>`
}

/** `body` with the live-reload script before its </body> (or at its end), when live reload is on for the request. */
export function withLiveReload(body: string, app: string, appFolder: string, clientIsLocal: boolean, prefix: () => string = () => ''): string {
  if (!liveReloadOn(appFolder, clientIsLocal)) return body
  const i = body.lastIndexOf('</body>')
  const tag = liveReloadScript(app, prefix()) // the routes' prefix, asked only when the script is added
  return i < 0 ? body + tag : body.slice(0, i) + tag + body.slice(i)
}

// One watcher per app folder, shared by its open pages (process infrastructure, no request state).
const watchers = new Map<string, { watcher: fs.FSWatcher; sockets: Set<WebSocket>; timer?: NodeJS.Timeout }>()
let wss: WebSocketServer | undefined // made (and ws loaded) by the first live-reload channel

function watch(folder: string, ws: WebSocket): void {
  let w = watchers.get(folder)
  if (!w) {
    const sockets = new Set<WebSocket>()
    const watcher = fs.watch(folder, { recursive: true, persistent: false }, (_event, file) => {
      const top = String(file ?? '').split(path.sep)[0] ?? ''
      if (!WATCHED.has(top)) return // sessions, databases, errors, cache change on every request
      const entry = watchers.get(folder)
      if (!entry) return
      // an editor's save is several events: one reload for them
      clearTimeout(entry.timer)
      entry.timer = setTimeout(() => { for (const s of entry.sockets) s.send('reload') }, 100)
    })
    watcher.on('error', () => {})
    w = { watcher, sockets }
    watchers.set(folder, w)
  }
  w.sockets.add(ws)
  ws.on('close', () => {
    const e = watchers.get(folder)
    if (!e) return
    e.sockets.delete(ws)
    if (!e.sockets.size) { clearTimeout(e.timer); e.watcher.close(); watchers.delete(folder) }
  })
}

function refuse(socket: Duplex, status: string): void {
  if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
  setTimeout(() => socket.destroy(), 1000).unref()
}

/** The live-reload channel's handshake: a local client, same origin, an app with live reload on. */
export function serveLiveReload(req: http.IncomingMessage, socket: Duplex, head: Buffer, o: { appFolder(name: string): string | undefined }): void {
  const app = new URL(req.url ?? '/', 'http://x').searchParams.get('app') ?? ''
  const folder = /^[A-Za-z][A-Za-z0-9_]*$/.test(app) ? o.appFolder(app) : undefined
  if (!folder) return refuse(socket, '404 Not Found')
  const fw = forwardedOf(req)
  const local = isLocalAddress(fw ? fw.client : req.socket.remoteAddress ?? '')
  const origin = req.headers.origin
  let sameOrigin = origin === undefined
  try { if (origin !== undefined) sameOrigin = new URL(origin).host === (fw?.host ?? req.headers.host) } catch { sameOrigin = false }
  if (!sameOrigin || !liveReloadOn(folder, local)) return refuse(socket, '403 Forbidden')
  wss ??= new (require('ws') as typeof import('ws')).WebSocketServer({ noServer: true, maxPayload: 1024, clientTracking: false })
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.on('error', () => {})
    watch(folder, ws)
  })
}

/** Close the live-reload channels and their watchers (graceful shutdown). */
export function closeLiveReload(): void {
  for (const [folder, w] of watchers) {
    clearTimeout(w.timer)
    w.watcher.close()
    for (const s of w.sockets) { s.close(1001, 'server stopping'); setTimeout(() => s.terminate(), 1000).unref() }
    watchers.delete(folder)
  }
}
