// In-process CPU time of one request through the whole core path (dispatch, env, models, action, view,
// session, send) with fake req/res, no socket. Run: node --import tsx tests/core/hotpath-cpu.ts [paths...]
// PROF=/tmp/x writes a .cpuprofile of the measured loop per route.
import fs from 'node:fs'
import { createBenchFolder } from '../bench/bench-app'
import { createHandler } from '../../server/environment'
import { AppRegistry } from '../../server/dispatch'
import { copyScaffold } from '../../server/cli/start'
import { defaultLimits } from '../../server/http'
import path from 'node:path'

function fakeReq(url: string) {
  return { url, method: 'GET', headers: { host: 'localhost:8000', 'user-agent': 'x', accept: '*/*' }, socket: { remoteAddress: '127.0.0.1' }, once() {}, on() {} } as any
}
function fakeRes(done: () => void) {
  const h: Record<string, unknown> = {}
  return {
    statusCode: 200, headersSent: false, body: '' as unknown,
    setHeader(k: string, v: unknown) { h[k.toLowerCase()] = v },
    getHeader(k: string) { return h[k.toLowerCase()] }, hasHeader(k: string) { return k.toLowerCase() in h },
    writeHead(s: number, hs?: Record<string, unknown>) { this.statusCode = s; if (hs) for (const k in hs) h[k.toLowerCase()] = hs[k]; this.headersSent = true; return this },
    end(b?: unknown) { this.body = b; this.headersSent = true; done() },
    once() {}, on() {}, destroy() {}, headers: h,
  } as any
}
async function main() {
  const folder = createBenchFolder()
  copyScaffold(path.join(folder.root, 'applications', 'welcome'))
  const registry = new AppRegistry(folder.root)
  const handler = createHandler({ registry, isHttps: false, quiet: true, sessionMaxAge: 86400, limits: defaultLimits, assets: {} })
  const one = (url: string) => new Promise<any>((resolve) => { const res = fakeRes(() => resolve(res)); handler(fakeReq(url), res) })
  await one('/bench/default/seed')
  const routes = process.argv.slice(2).length ? process.argv.slice(2) : ['/welcome/default/hello', '/welcome/default/index', '/bench/default/rows']
  for (const r of routes) {
    const first = await one(r)
    if (first.statusCode !== 200) console.log(r, first.statusCode, String(first.body).slice(0, 300))
    for (let i = 0; i < 3000; i++) await one(r)
    let session: any
    if (process.env.PROF) {
      const inspector = await import('node:inspector')
      session = new inspector.Session(); session.connect()
      await new Promise((r) => session.post('Profiler.enable', () => session.post('Profiler.start', r)))
    }
    const N = 5000
    const best: number[] = []
    for (let k = 0; k < 5; k++) {
      const c0 = process.cpuUsage()
      for (let i = 0; i < N / 5; i++) await one(r)
      const c = process.cpuUsage(c0)
      best.push((c.user + c.system) / (N / 5))
    }
    if (session) {
      await new Promise((done) => session.post("Profiler.stop", (_e: unknown, p: any) => { fs.writeFileSync(process.env.PROF + r.replace(/\W/g, '_') + '.cpuprofile', JSON.stringify(p.profile)); done(0) }))
    }
    best.sort((a, b) => a - b)
    console.log(`${r.padEnd(28)} cpu µs/req median ${best[2]!.toFixed(1)} min ${best[0]!.toFixed(1)}`)
  }
  folder.remove()
  process.exit(0)
}
main()
