/**
 * The real server as a separate OS process (`node server/cli/quark.js run`,
 * as a user starts it), so that load comes from another process and a
 * kill -9 is a real one. Also: a keep-alive HTTP(S) client with its own
 * cookie jar, free ports, a process's resident memory.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import path from 'node:path'

export const CHECKOUT = path.resolve(__dirname, '..', '..', '..')
export const QUARK = path.join(CHECKOUT, 'server', 'cli', 'quark.js')

import { freePort } from '../../helpers/ports'
export { freePort }

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(everyMs)
  }
}

export interface QuarkProcess {
  child: ChildProcess
  pid: number
  port: number
  https: boolean
  folder: string
  output(): string
  exited: Promise<{ code: number | null; signal: string | null }>
  /** resident memory in bytes (/proc/<pid>/status VmRSS) */
  rss(): number
  kill9(): Promise<void>
  /** SIGTERM and wait for the exit */
  stop(): Promise<void>
}

/** Start `quark run` on a free port in `folder` and wait until it answers. */
export async function startQuarkProcess(o: { folder: string; https: boolean; env?: Record<string, string>; args?: string[] }): Promise<QuarkProcess> {
  const port = await freePort()
  const args = [QUARK, 'run', '-f', o.folder, '-p', String(port), '-q', '--no-browser', '--cron', 'none', '--password', 'reliability-admin-password', ...(o.https ? [] : ['--no-https']), ...(o.args ?? [])]
  const child = spawn(process.execPath, args, { cwd: o.folder, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let tail = ''
  const keep = (c: Buffer) => { tail = (tail + c.toString()).slice(-8000) }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const exited = new Promise<{ code: number | null; signal: string | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })))
  let gone = false
  void exited.then(() => { gone = true })
  const p: QuarkProcess = {
    child, pid: child.pid!, port, https: o.https, folder: o.folder, exited,
    output: () => tail,
    rss() {
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))
      return m ? Number(m[1]) * 1024 : 0
    },
    async kill9() { if (!gone) { child.kill('SIGKILL'); await exited } },
    async stop() { if (!gone) { child.kill('SIGTERM'); const t = setTimeout(() => child.kill('SIGKILL'), 20_000); await exited; clearTimeout(t) } },
  }
  await waitFor(`quark on port ${port}`, async () => {
    if (gone) throw new Error(`quark exited: ${tail}`)
    return new Promise<boolean>((res) => { const s = net.connect(port, '127.0.0.1', () => { s.destroy(); res(true) }); s.on('error', () => res(false)) })
  }, 120_000, 100)
  return p
}

export interface Answer { status: number; body: string; ms: number; error?: string }

/** One virtual user: a keep-alive connection of its own and a cookie jar. */
export class Client {
  readonly jar: Record<string, string> = {}
  private agent: http.Agent
  constructor(private port: number, private secure: boolean) {
    this.agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false }) : new http.Agent({ keepAlive: true, maxSockets: 1 })
  }
  request(p: string, o: { method?: string; timeoutMs?: number; body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
    const t0 = process.hrtime.bigint()
    const headers: Record<string, string> = { ...o.headers }
    const cookie = Object.entries(this.jar).map(([k, v]) => `${k}=${v}`).join('; ')
    if (cookie) headers.cookie = cookie
    if (o.body !== undefined) headers['content-length'] = String(Buffer.byteLength(o.body))
    return new Promise((resolve) => {
      const lib = this.secure ? https : http
      const req = lib.request({ host: '127.0.0.1', port: this.port, path: p, method: o.method ?? 'GET', agent: this.agent, headers, timeout: o.timeoutMs ?? 60_000 } as https.RequestOptions, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', (e) => resolve({ status: 0, body: '', ms: Number(process.hrtime.bigint() - t0) / 1e6, error: e.message }))
        res.on('end', () => {
          for (const line of res.headers['set-cookie'] ?? []) {
            const first = line.split(';')[0]!
            const eq = first.indexOf('=')
            this.jar[first.slice(0, eq)] = first.slice(eq + 1)
          }
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), ms: Number(process.hrtime.bigint() - t0) / 1e6 })
        })
      })
      req.on('timeout', () => req.destroy(new Error('timeout')))
      req.on('error', (e) => resolve({ status: 0, body: '', ms: Number(process.hrtime.bigint() - t0) / 1e6, error: e.message }))
      req.end(o.body)
    })
  }
  close(): void { this.agent.destroy() }
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}
