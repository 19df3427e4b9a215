/**
 * Starting a Quark server: the applications folder (with welcome on first
 * boot), the app registry (admin mounted from the checkout), the
 * certificate, the listening socket and the request lifecycle.
 * Used by `quark run` and by the tests' helper.
 */
import fs from 'node:fs'
import path from 'node:path'
import { AppRegistry } from '../dispatch'
import { listen, ensureCertificate, readCertificate, defaultLimits, assetTable, type Pem } from '../http'
import { createHandler, optionalRoom } from '../environment'

export const CHECKOUT = path.resolve(__dirname, '..', '..')
export const WELCOME_APP = path.join(CHECKOUT, 'welcome-app')

export interface StartOptions {
  /** the folder that holds applications/ */
  folder: string
  ip?: string
  port?: number
  /** HTTPS (default) or plain HTTP */
  https?: boolean
  cert?: string
  key?: string
  quiet?: boolean
  maxBodySize?: number
  maxFileSize?: number
  /** folder for upload temp files (default os.tmpdir()/quark-uploads) */
  uploadTmp?: string
  /** seconds (default 24 h) */
  sessionMaxAge?: number
  /** copy welcome-app to applications/welcome when missing (default true) */
  installWelcome?: boolean
  /** extra apps served from anywhere: name → folder */
  mount?: Record<string, string>
  log?: (line: string) => void
  logError?: (line: string) => void
}

export interface QuarkServer {
  url: string
  port: number
  folder: string
  isHttps: boolean
  registry: AppRegistry
  /** graceful: in-flight requests finish (at most graceMs), then databases close */
  close(graceMs?: number): Promise<void>
}

/** Copy the scaffold (welcome-app/) to `dest`, without generated files. */
export function copyScaffold(dest: string): void {
  fs.cpSync(WELCOME_APP, dest, {
    recursive: true,
    errorOnExist: true,
    force: false,
    filter: (src) => {
      const rel = path.relative(WELCOME_APP, src)
      const top = rel.split(path.sep)[0]
      return !['.quark', 'sessions', 'errors', 'databases', 'cache', 'uploads', 'tsconfig.json'].includes(top!)
    },
  })
}

export async function startQuark(o: StartOptions): Promise<QuarkServer> {
  const folder = path.resolve(o.folder)
  const apps = path.join(folder, 'applications')
  fs.mkdirSync(apps, { recursive: true })
  if ((o.installWelcome ?? true) && !fs.existsSync(path.join(apps, 'welcome')) && fs.existsSync(WELCOME_APP)) {
    copyScaffold(path.join(apps, 'welcome'))
  }
  const registry = new AppRegistry(folder)
  const admin = path.join(CHECKOUT, 'admin')
  if (fs.existsSync(path.join(admin, 'controllers'))) registry.mountApp('admin', admin)
  for (const [name, dir] of Object.entries(o.mount ?? {})) registry.mountApp(name, dir)
  const useHttps = o.https ?? true
  let tls: Pem | undefined
  if (useHttps) tls = o.cert && o.key ? readCertificate(o.cert, o.key) : await ensureCertificate(folder)
  const handler = createHandler({
    registry,
    isHttps: useHttps,
    quiet: o.quiet ?? false,
    sessionMaxAge: o.sessionMaxAge ?? 86400,
    limits: { ...defaultLimits, maxBodySize: o.maxBodySize ?? defaultLimits.maxBodySize, maxFileSize: o.maxFileSize ?? defaultLimits.maxFileSize, uploadTmp: o.uploadTmp ?? defaultLimits.uploadTmp },
    assets: assetTable(CHECKOUT),
    log: o.log,
    logError: o.logError,
  })
  const l = await listen({ ip: o.ip ?? '127.0.0.1', port: o.port ?? 8000, tls, handler })
  return {
    url: l.url,
    port: l.port,
    folder,
    isHttps: l.isHttps,
    registry,
    async close(graceMs = 10000) {
      await l.close(graceMs)
      const dal = optionalRoom('dal', () => require('../dal'))
      const closeAll = dal?.closeAllConnections as (() => Promise<void>) | undefined
      if (closeAll) await closeAll().catch(() => {})
      const cache = optionalRoom('cache', () => require('../cache'))
      const closeCaches = cache?.closeAllCaches as (() => Promise<void>) | undefined
      if (closeCaches) await closeCaches().catch(() => {})
    },
  }
}
