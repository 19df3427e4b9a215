/**
 * Upgrades to app URLs: the handshake request is served by the ordinary
 * request handler (routes, models, session, auth all run as for any
 * request), with a response whose bytes go to the upgrade's socket. A
 * `websocket()` action claims the socket and completes the handshake; any
 * other answer (404, 403 for a foreign Origin, 426 for a page, a redirect)
 * is written as a plain HTTP response and the connection is closed.
 *
 * The Host check and trusted proxies of http/ apply before this listener
 * (they guard every 'upgrade' event). /admin/live is the admin's channel and
 * /_quark/livereload the live-reload channel (livereload.ts).
 */
import http from 'node:http'
import { Writable, type Duplex } from 'node:stream'
import { LIVE_RELOAD_PATH, serveLiveReload } from './livereload'

export const UPGRADE = Symbol.for('quark.realtime.upgrade')

/** What a websocket() action finds on the raw request of a handshake. */
export interface PendingUpgrade {
  socket: Duplex
  head: Buffer
  /** from now on the handler's response is not written: the socket belongs to the websocket */
  claim(): void
}

export type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void

export interface UpgradeOptions {
  /** the folder of an app by name (undefined: no such app) */
  appFolder(name: string): string | undefined
  /** the routes' path_prefix ('' without one): the live-reload channel answers under it too */
  pathPrefix?: () => string
}

const ADMIN_LIVE_PATH = '/admin/live'

/**
 * The admin's live channel: /admin/live, or <prefix>/admin/live when the site's routes put the site
 * under a path_prefix (the admin links it there, and its cookie's Path). A path whose part before
 * /admin/live names an installed app (/shop/admin/live, /w/shop/admin/live) is that app's URL.
 */
export function isAdminLivePath(pathname: string, isApp: (name: string) => boolean): boolean {
  if (pathname === ADMIN_LIVE_PATH) return true
  if (!pathname.endsWith(ADMIN_LIVE_PATH)) return false
  const prefix = pathname.slice(0, -ADMIN_LIVE_PATH.length)
  return /^(\/[\w.-]+)+$/.test(prefix) && !prefix.split('/').some((seg) => seg !== '' && isApp(seg))
}

export function upgradeOf(raw: unknown): PendingUpgrade | undefined {
  return (raw as { [UPGRADE]?: PendingUpgrade } | undefined)?.[UPGRADE]
}

/** Serve the handshake `req` through `handler`, its answer written on `socket` unless a websocket claims it. */
export function routeUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, handler: RequestHandler): void {
  let claimed = false
  // the response writes here: to the client until a websocket claims the socket, then nowhere
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) { if (claimed || !socket.writable) return done(); socket.write(chunk, () => done()) },
  })
  const res = new http.ServerResponse(req)
  res.shouldKeepAlive = false
  res.assignSocket(sink as unknown as import('node:net').Socket)
  res.once('finish', () => {
    if (claimed) return
    socket.end()
    // end() waits for the client's side: one that never closes is cut a moment later
    setTimeout(() => socket.destroy(), 1000).unref()
  })
  socket.on('error', () => socket.destroy())
  ;(req as http.IncomingMessage & { [UPGRADE]?: PendingUpgrade })[UPGRADE] = { socket, head, claim() { claimed = true } }
  handler(req, res)
}

/** Listen for upgrades on `server`: app URLs through `handler`, the live-reload channel, the admin's left to the admin. */
export function attachAppUpgrades(server: http.Server, handler: RequestHandler, o: UpgradeOptions): () => void {
  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (socket.destroyed) return
    const pathname = (req.url ?? '/').split('?')[0]
    if (isAdminLivePath(pathname, (name) => o.appFolder(name) !== undefined)) {
      // the admin's listener serves it; before the admin is loaded nobody does
      if (server.listenerCount('upgrade') === 1) socket.destroy()
      return
    }
    if (pathname === LIVE_RELOAD_PATH || (pathname.endsWith(LIVE_RELOAD_PATH) && pathname === (o.pathPrefix?.() ?? '') + LIVE_RELOAD_PATH)) return serveLiveReload(req, socket, head, o)
    routeUpgrade(req, socket, head, handler)
  }
  server.on('upgrade', onUpgrade)
  return () => server.off('upgrade', onUpgrade)
}
