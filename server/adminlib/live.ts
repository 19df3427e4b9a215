/**
 * The admin's live channel over WebSocket (`ws`), at /admin/live:
 *   client → {type:'watch', app, path, hash?}  tell me when this file changes on disk (or differs from hash now)
 *   client → {type:'unwatch', app, path}
 *   client → {type:'follow', app}         send me the app's log lines
 *   server → {type:'changed', app, path, hash}   (hash null: the file is gone)
 *   server → {type:'log', app, line}
 *   server → {type:'error', message}
 * The core's HTTP server hands every upgrade request to `handleUpgrade`;
 * it answers false for other paths so the core can refuse them.
 */
import fs from 'node:fs'
import type http from 'node:http'
import type { Duplex } from 'node:stream'
import { EventEmitter } from 'node:events'
import { WebSocketServer, type WebSocket } from 'ws'
import { resolveInApp } from './paths'
import { contentHash } from './files'
import { isAdminLivePath } from '../realtime'
import { requestedHost } from '../http'

const logBus = new EventEmitter()
logBus.setMaxListeners(0)

/** Open live channels that follow some app's log, and who wants to know when that count changes. */
let followers = 0
const followerWatchers = new Set<(count: number) => void>()

/**
 * Told the number of live channels following a log whenever it changes: under `--workers`
 * a worker then asks the others for their log lines only while someone watches.
 */
export function onLogFollowers(fn: (count: number) => void): void {
  followerWatchers.add(fn)
}

function followersChanged(delta: number): void {
  followers += delta
  for (const fn of followerWatchers) fn(followers)
}

/** The core (request log, tickets) calls this for each log line of an app. */
export function publishAppLog(app: string, line: string): void {
  logBus.emit('line', app, line)
}

/** The app a core log line is about: "GET /shop/default/index 200 1.2ms" or "... [ticket shop/<id>]". */
export function logLineApp(line: string): string | undefined {
  const t = /\[ticket ([A-Za-z][A-Za-z0-9_]*)\//.exec(line)
  if (t) return t[1]
  const m = /^[A-Z]+ \/([A-Za-z][A-Za-z0-9_]*)(?:[/?. ]|$)/.exec(line)
  return m?.[1]
}

/** For the core's request/error log: publish each line to the app it is about. */
export function publishLogLine(line: string): void {
  const app = logLineApp(line)
  if (app) publishAppLog(app, line)
}

export interface AdminLiveOptions {
  /** true when the upgrade request comes from a logged-in admin over an allowed connection */
  authorize(req: http.IncomingMessage): boolean
  /** the folder of an app by name; throws for an unknown or invalid name */
  appFolder(app: string): string
  /** URL path of the channel (default /admin/live) */
  path?: string
  /** polling interval for watched files in ms (default 300) */
  intervalMs?: number
}

export interface AdminLive {
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): boolean
  close(): void
}

const MAX_WATCHES = 50

/**
 * A browser's upgrade must come from a page of this very site: its Origin names the Host the
 * request names (behind a trusted proxy, the proxy's X-Forwarded-Host; the Host itself was
 * already checked against --allowed-hosts before any upgrade listener ran).
 */
function sameOrigin(req: http.IncomingMessage): boolean {
  const origin = req.headers.origin
  if (!origin) return true // not a browser: cookies and the local/HTTPS check still apply
  const host = requestedHost(req)
  try { return host !== undefined && new URL(origin).host === host.toLowerCase() } catch { return false }
}

export function createAdminLive(opts: AdminLiveOptions): AdminLive {
  const isApp = (name: string): boolean => { try { opts.appFolder(name); return true } catch { return false } }
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 })
  const livePath = opts.path ?? '/admin/live'
  const interval = opts.intervalMs ?? 300

  wss.on('connection', (ws: WebSocket) => {
    const watches = new Map<string, { file: string; listener: (cur: fs.Stats, prev: fs.Stats) => void }>()
    const followed = new Set<string>()
    const send = (msg: object) => { if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg)) }
    const onLog = (app: string, line: string) => { if (followed.has(app)) send({ type: 'log', app, line }) }
    logBus.on('line', onLog)

    ws.on('message', (data) => {
      let msg: { type?: unknown; app?: unknown; path?: unknown }
      try { msg = JSON.parse(String(data)) } catch { return send({ type: 'error', message: 'messages are JSON' }) }
      try {
        const app = String(msg.app ?? '')
        if (msg.type === 'watch') {
          const key = `${app}\0${String(msg.path)}`
          if (watches.has(key)) return
          if (watches.size >= MAX_WATCHES) return send({ type: 'error', message: 'too many watched files' })
          const file = resolveInApp(opts.appFolder(app), msg.path)
          const rel = String(msg.path)
          const listener = (cur: fs.Stats, prev: fs.Stats) => {
            if (cur.mtimeMs === prev.mtimeMs && cur.size === prev.size) return
            let hash: string | null = null
            try { hash = contentHash(fs.readFileSync(file)) } catch { hash = null }
            send({ type: 'changed', app, path: rel, hash })
          }
          fs.watchFile(file, { interval, persistent: false }, listener)
          watches.set(key, { file, listener })
          send({ type: 'watching', app, path: rel })
          // The editor says which version it holds: a change made before the watch began is reported too.
          if (typeof (msg as { hash?: unknown }).hash === 'string') {
            let now: string | null = null
            try { now = contentHash(fs.readFileSync(file)) } catch { now = null }
            if (now !== (msg as { hash?: unknown }).hash) send({ type: 'changed', app, path: rel, hash: now })
          }
        } else if (msg.type === 'unwatch') {
          const key = `${app}\0${String(msg.path)}`
          const w = watches.get(key)
          if (w) { fs.unwatchFile(w.file, w.listener); watches.delete(key) }
        } else if (msg.type === 'follow') {
          opts.appFolder(app) // refuses unknown apps
          if (!followed.size) followersChanged(1)
          followed.add(app)
          send({ type: 'following', app })
        } else send({ type: 'error', message: 'unknown message type' })
      } catch (e) {
        send({ type: 'error', message: (e as Error).message })
      }
    })
    ws.on('close', () => {
      logBus.off('line', onLog)
      if (followed.size) { followed.clear(); followersChanged(-1) }
      for (const w of watches.values()) fs.unwatchFile(w.file, w.listener)
      watches.clear()
    })
  })

  return {
    handleUpgrade(req, socket, head) {
      const url = new URL(req.url ?? '/', 'http://x')
      // <prefix>/admin/live under the routes' path_prefix (realtime/ leaves the same paths to us)
      if (url.pathname !== livePath && !(livePath === '/admin/live' && isAdminLivePath(url.pathname, isApp))) return false
      if (!sameOrigin(req) || !opts.authorize(req)) {
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
        return true
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
      return true
    },
    close() {
      for (const c of wss.clients) c.terminate()
      wss.close()
    },
  }
}
