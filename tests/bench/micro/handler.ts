/**
 * The whole request handler without sockets: `createHandler` (the lifecycle of
 * server/environment) driven with plain request/response objects, for the
 * welcome app's hello and index. What is left when node's HTTP parsing and the
 * socket write are taken away: dispatch, session, models, action, view, send.
 * The event loop turns every few requests, as it does under real load.
 */
import fs from 'node:fs'
import { Session } from 'node:inspector'
import os from 'node:os'
import path from 'node:path'
import { importRoom, measure, result, skipped, ROOT, type MicroResult } from './measure'

class PlainResponse {
  statusCode = 200
  headersSent = false
  body: unknown
  private readonly h: Record<string, unknown> = {}
  constructor(private readonly done: (r: PlainResponse) => void) {}
  setHeader(k: string, v: unknown) { this.h[k.toLowerCase()] = v }
  getHeader(k: string) { return this.h[k.toLowerCase()] }
  hasHeader(k: string) { return k.toLowerCase() in this.h }
  removeHeader(k: string) { delete this.h[k.toLowerCase()] }
  writeHead(status: number, headers?: Record<string, unknown>) {
    this.statusCode = status
    if (headers) for (const k in headers) this.h[k.toLowerCase()] = headers[k]
    return this
  }
  write() { return true }
  end(body?: unknown) { this.headersSent = true; this.body = body; this.done(this) }
  once() { return this }
  on() { return this }
  destroy() { this.done(this) }
}

export async function handlerMicros(): Promise<MicroResult[]> {
  const routes = [
    { id: 'handler-hello', path: '/welcome/default/hello', name: 'request handler without sockets: /welcome/default/hello' },
    { id: 'handler-index', path: '/welcome/default/index', name: 'request handler without sockets: /welcome/default/index' },
  ]
  const env = await importRoom('environment')
  const dispatch = await importRoom('dispatch')
  const http = await importRoom('http')
  const missing = env.why ?? dispatch.why ?? http.why
  if (missing || typeof env.mod?.createHandler !== 'function') return routes.map((r) => skipped(r.id, r.name, missing ?? 'no createHandler'))
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-bench-handler-'))
  fs.cpSync(path.join(ROOT, 'welcome-app'), path.join(root, 'applications', 'welcome'), { recursive: true })
  const prevTypes = process.env.QUARK_NO_TYPES
  process.env.QUARK_NO_TYPES = '1'
  try {
    const handler = env.mod.createHandler({
      registry: new dispatch.mod!.AppRegistry(root), isHttps: false, quiet: true, sessionMaxAge: 86400,
      limits: http.mod!.defaultLimits, assets: {},
    }) as (req: unknown, res: unknown) => void
    const headers = { host: '127.0.0.1:8000', 'user-agent': 'bench', accept: '*/*', 'accept-language': 'en-US,en;q=0.9' }
    const socket = { remoteAddress: '127.0.0.1' }
    const out: MicroResult[] = []
    for (const r of routes) {
      let n = 0
      const one = () => new Promise<PlainResponse>((resolve) => {
        handler({ url: r.path, method: 'GET', headers, socket, httpVersion: '1.1' }, new PlainResponse(resolve))
      }).then((res) => (++n % 8 === 0 ? new Promise<PlainResponse>((t) => setImmediate(() => t(res))) : res))
      const first = await one()
      if (first.statusCode !== 200) { out.push(skipped(r.id, r.name, `answered ${first.statusCode}`)); continue }
      const us = await measure(one, { warmupMs: 500, runMs: 1000 })
      const allocated = await bytesPerCall(one, 20000)
      out.push(result(r.id, r.name, us, { note: `${String(first.body).length} bytes; ${allocated === undefined ? 'allocation not measured' : `${Math.round(allocated).toLocaleString('en-US')} B allocated per request`}` }))
    }
    return out
  } finally {
    if (prevTypes === undefined) delete process.env.QUARK_NO_TYPES
    else process.env.QUARK_NO_TYPES = prevTypes
    fs.rmSync(root, { recursive: true, force: true })
  }
}

/**
 * Bytes allocated per call of `op` (what GC has to sweep; the figure to watch along with time):
 * V8's sampling heap profiler, told to keep the samples of objects already collected, over `n` calls.
 */
async function bytesPerCall(op: () => Promise<unknown>, n: number): Promise<number | undefined> {
  const session = new Session()
  const post = (method: string, params?: object) => new Promise<any>((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))))
  try {
    session.connect()
    await post('HeapProfiler.enable')
    await post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true })
    for (let i = 0; i < n; i++) await op()
    const { profile } = await post('HeapProfiler.stopSampling')
    let total = 0
    const walk = (node: { selfSize: number; children: unknown[] }) => { total += node.selfSize; for (const c of node.children) walk(c as typeof node) }
    walk(profile.head)
    return total / n
  } catch {
    return undefined // an inspector without these options (older V8): the time is still measured
  } finally {
    session.disconnect()
  }
}
