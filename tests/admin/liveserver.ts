// A Quark server assembled from the core's public parts exactly as
// server/cli/start.ts does, plus the two admin calls the startup is to make
// (ensureAdminPassword, attachAdminLive) and the request log fed to the live
// channel: the browser test needs the WebSocket, which startQuark does not
// attach yet.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { AppRegistry } from '../../server/dispatch'
import { listen, ensureCertificate, defaultLimits, assetTable } from '../../server/http'
import { createHandler } from '../../server/environment'
import { copyScaffold, CHECKOUT } from '../../server/cli'
import { ensureAdminPassword, attachAdminLive, publishLogLine } from '../../server/adminlib/index'
import { PASSWORD } from './helpers'

export interface LiveAdminServer { url: string; folder: string; appFolder(name: string): string; stop(): Promise<void> }

export async function startLiveAdminServer(): Promise<LiveAdminServer> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-admin-live-'))
  const apps = path.join(folder, 'applications')
  fs.mkdirSync(apps, { recursive: true })
  copyScaffold(path.join(apps, 'welcome'))
  const registry = new AppRegistry(folder)
  registry.mountApp('admin', path.join(CHECKOUT, 'admin'))
  ensureAdminPassword(folder, PASSWORD)
  const tls = await ensureCertificate(path.join(os.tmpdir(), `quark-admin-test-cert-${process.getuid?.() ?? 0}`))
  const handler = createHandler({
    registry, isHttps: true, quiet: false, sessionMaxAge: 86400, limits: defaultLimits, assets: assetTable(CHECKOUT),
    log: publishLogLine, logError: publishLogLine,
  })
  const l = await listen({ ip: '127.0.0.1', port: 0, tls, handler })
  attachAdminLive(l.server, { isHttps: true })
  return {
    url: l.url,
    folder,
    appFolder: (name) => path.join(apps, name),
    async stop() { await l.close(2000); fs.rmSync(folder, { recursive: true, force: true }) },
  }
}
