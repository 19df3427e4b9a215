/**
 * Start a real Quark server for a test: a temp folder of apps, an ephemeral
 * port, real HTTPS (self-signed certificate accepted by the client) or plain
 * HTTP, and a small client.
 *
 *   const s = await startServer({ apps: { shop: { 'controllers/default.ts': 'export function index() { return "hi" }' } } })
 *   const r = await s.request('/shop/default/index')       // { status, headers, body, cookies, json() }
 *   const a = s.agent(); await a.request('/shop/...')     // keeps cookies between requests
 *   await s.stop()                                        // closes the server, removes the folder
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import http from 'node:http'
import https from 'node:https'
import { startQuark, type StartOptions, type QuarkServer } from '../../server/cli'
import { ensureCertificate } from '../../server/http'

export type AppFiles = Record<string, string | Buffer>

export interface StartServerOptions {
  /** app name → { 'controllers/default.ts': source, ... } written under applications/<name>/ */
  apps?: Record<string, AppFiles>
  /** HTTPS (default true) */
  https?: boolean
  /** also install the welcome app (default false) */
  welcome?: boolean
  /** files beside applications/ written before the server starts, e.g. { 'routes.json': '...' } */
  siteFiles?: Record<string, string>
  options?: Partial<StartOptions>
}

export interface RequestOptions {
  method?: string
  headers?: Record<string, string>
  /** a string or Buffer is sent as is; an object as JSON */
  body?: string | Buffer | object
  /** sent urlencoded */
  form?: Record<string, string>
  cookies?: Record<string, string>
  /** ms before the request is aborted (default 15000) */
  timeout?: number
}

export interface TestResponse {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
  buffer: Buffer
  /** name → value of every Set-Cookie */
  cookies: Record<string, string>
  /** the raw Set-Cookie lines */
  setCookie: string[]
  json(): any
}

export interface Agent {
  jar: Record<string, string>
  request(p: string, o?: RequestOptions): Promise<TestResponse>
}

export interface TestServer {
  url: string
  port: number
  /** the folder that holds applications/ */
  folder: string
  server: QuarkServer
  appFolder(name: string): string
  /** write (or overwrite) a file of an app */
  writeFile(app: string, rel: string, content: string | Buffer): void
  request(p: string, o?: RequestOptions): Promise<TestResponse>
  agent(): Agent
  stop(): Promise<void>
}

let sharedPem: Promise<{ cert: string; key: string }> | undefined

/** One certificate for every test server of the process (making one costs ~100 ms). */
function testCertificate() {
  sharedPem ??= ensureCertificate(path.join(os.tmpdir(), `quark-test-cert-${process.getuid?.() ?? 0}`))
  return sharedPem
}

export function writeApp(appFolder: string, files: AppFiles): void {
  for (const [rel, content] of Object.entries(files)) {
    const f = path.join(appFolder, rel)
    fs.mkdirSync(path.dirname(f), { recursive: true })
    fs.writeFileSync(f, content)
  }
}

export async function startServer(o: StartServerOptions = {}): Promise<TestServer> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-test-'))
  const useHttps = o.https ?? true
  if (useHttps) {
    const pem = await testCertificate()
    fs.writeFileSync(path.join(folder, 'quark-cert.pem'), pem.cert)
    fs.writeFileSync(path.join(folder, 'quark-key.pem'), pem.key)
  }
  for (const [name, files] of Object.entries(o.apps ?? {})) writeApp(path.join(folder, 'applications', name), files)
  for (const [rel, content] of Object.entries(o.siteFiles ?? {})) fs.writeFileSync(path.join(folder, rel), content)
  let server: QuarkServer
  try {
    server = await startQuark({ folder, port: 0, https: useHttps, quiet: true, installWelcome: o.welcome ?? false, cron: 'none', logError: () => {}, ...o.options })
  } catch (e) {
    fs.rmSync(folder, { recursive: true, force: true })
    throw e
  }
  const request = (p: string, ro: RequestOptions = {}) => doRequest(server, p, ro)
  return {
    url: server.url,
    port: server.port,
    folder,
    server,
    appFolder: (name) => path.join(folder, 'applications', name),
    writeFile: (app, rel, content) => writeApp(path.join(folder, 'applications', app), { [rel]: content }),
    request,
    agent() {
      const jar: Record<string, string> = {}
      return {
        jar,
        async request(p, ro = {}) {
          const r = await request(p, { ...ro, cookies: { ...jar, ...ro.cookies } })
          Object.assign(jar, r.cookies)
          return r
        },
      }
    },
    async stop() {
      await server.close(2000)
      fs.rmSync(folder, { recursive: true, force: true })
    },
  }
}

export function doRequest(server: { url: string; isHttps: boolean }, p: string, o: RequestOptions = {}): Promise<TestResponse> {
  const headers: Record<string, string> = { ...o.headers }
  let payload: Buffer | undefined
  if (o.form) {
    payload = Buffer.from(new URLSearchParams(o.form).toString())
    headers['content-type'] ??= 'application/x-www-form-urlencoded'
  } else if (typeof o.body === 'string' || Buffer.isBuffer(o.body)) {
    payload = Buffer.isBuffer(o.body) ? o.body : Buffer.from(o.body)
  } else if (o.body !== undefined) {
    payload = Buffer.from(JSON.stringify(o.body))
    headers['content-type'] ??= 'application/json'
  }
  if (payload) headers['content-length'] = String(payload.length)
  if (o.cookies && Object.keys(o.cookies).length) headers.cookie = Object.entries(o.cookies).map(([k, v]) => `${k}=${v}`).join('; ')
  // the path is sent exactly as given (no normalisation of '..' or %2e), so traversal can be tested
  const base = new URL(server.url)
  const lib = server.isHttps ? https : http
  return new Promise((resolve, reject) => {
    const req = lib.request({ hostname: base.hostname, port: base.port, path: p, method: o.method ?? (payload ? 'POST' : 'GET'), headers, rejectUnauthorized: false, agent: false, timeout: o.timeout ?? 15000 } as https.RequestOptions, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => {
        const buffer = Buffer.concat(chunks)
        const setCookie = res.headers['set-cookie'] ?? []
        const cookies: Record<string, string> = {}
        for (const line of setCookie) {
          const first = line.split(';')[0]!
          const eq = first.indexOf('=')
          cookies[first.slice(0, eq)] = decodeURIComponent(first.slice(eq + 1))
        }
        const body = buffer.toString('utf8')
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, buffer, cookies, setCookie, json: () => JSON.parse(body) })
      })
    })
    req.on('timeout', () => req.destroy(new Error(`request ${p} timed out`)))
    req.on('error', reject)
    req.end(payload)
  })
}
