/**
 * Wiring the live channel into a listening server: the one call the core
 * makes after listen():
 *
 *   attachAdminLive(listening.server, { isHttps })
 *
 * Upgrades to /admin/live (and the web shell's /admin/live?shell=<app>) are served when the admin session cookie belongs
 * to a logged-in admin and the client is local or on HTTPS; upgrades to any
 * other path are refused (closed) unless someone else listens for them.
 */
import type http from 'node:http'
import type { Duplex } from 'node:stream'
import { createAdminLive, type AdminLive } from './live'
import { adminAllowed } from './access'
import { forwardedOf } from '../http'
import { ADMIN_COOKIE, csrfValid, readCookie, type AdminSessions } from './adminsession'
import { createAdminShell } from './shell'
import { appFolderOf } from './apps'

export interface AttachOptions {
  isHttps: boolean
  sessions: AdminSessions
  applicationsFolder: () => string
}

export function attachLive(server: http.Server, o: AttachOptions): AdminLive {
  const live = createAdminLive({
    authorize(req) {
      const fw = forwardedOf(req) // a trusted proxy's word on the client (--trust-proxy), as request.client
      if (!adminAllowed(fw ? fw.client : req.socket.remoteAddress, fw?.proto ? fw.proto === 'https' : o.isHttps)) return false
      const s = o.sessions.get(readCookie(req.headers.cookie, ADMIN_COOKIE))
      return !!s?.loggedIn
    },
    appFolder: (name) => appFolderOf(o.applicationsFolder(), name),
  })
  // the web shell (shell.ts): the same checks, plus the page's CSRF token
  const shell = createAdminShell({
    authorize(req, csrf) {
      const fw = forwardedOf(req)
      if (!adminAllowed(fw ? fw.client : req.socket.remoteAddress, fw?.proto ? fw.proto === 'https' : o.isHttps)) return false
      const s = o.sessions.get(readCookie(req.headers.cookie, ADMIN_COOKIE))
      return !!s?.loggedIn && csrfValid(s, csrf)
    },
    appFolder: (name) => appFolderOf(o.applicationsFolder(), name),
  })
  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (shell.handleUpgrade(req, socket, head) || live.handleUpgrade(req, socket, head)) return
    // Nobody else handles this upgrade: do not leave the socket hanging.
    if (server.listenerCount('upgrade') === 1) socket.destroy()
  }
  server.on('upgrade', onUpgrade)
  server.once('close', () => { live.close(); shell.close() })
  return {
    handleUpgrade: (req, socket, head) => shell.handleUpgrade(req, socket, head) || live.handleUpgrade(req, socket, head),
    close() { server.off('upgrade', onUpgrade); live.close(); shell.close() },
  }
}
