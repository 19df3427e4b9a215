// `quark run --workers N` started as a user starts it (`node server/cli/quark.js run ...` from the
// checkout) in a temp folder holding one app; requests with keep-alive off, so each one may meet
// another worker.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import http from 'node:http'
import { Quark, poll, root, type Site } from '../cli/helpers'

export const QUARK_JS = path.join(root, 'server', 'cli', 'quark.js')

/** The app every cluster test serves: who answered, a slow action, a session counter. */
export const CLUSTER_APP: Record<string, string> = {
  'controllers/default.ts': [
    "export function index() { return 'hello' }",
    'export function pid() { return String(process.pid) }',
    "export async function slow() { await new Promise((r) => setTimeout(r, Number(request.vars.ms ?? 1500))); return 'slow done' }",
    'export function version() { return "v1" }',
  ].join('\n'),
}

export interface Cluster {
  q: Quark
  url: string
  folder: string
  get(p: string, headers?: Record<string, string>): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }>
  pids(n?: number): Promise<Set<string>>
  stop(): Promise<void>
}

export function site(): Site {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-workers-'))
  const env = { ...process.env }
  for (const k of ['NODE_TEST_CONTEXT', 'NODE_OPTIONS', 'QUARK_STARTUP_TRACE']) delete env[k]
  return { dir, env, command: process.execPath, prefix: [QUARK_JS], viaNpx: false, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) }
}

export function request(url: string, p: string, o: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url + p, { method: o.method ?? 'GET', headers: o.headers, agent: false, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    req.end(o.body)
  })
}

export async function startCluster(workers: number, extra: string[] = [], app: Record<string, string> = CLUSTER_APP, env: Record<string, string> = {}, quiet = true, siteFiles: Record<string, string> = {}): Promise<Cluster> {
  const s = site()
  Object.assign(s.env, env)
  for (const [rel, text] of Object.entries(siteFiles)) fs.writeFileSync(path.join(s.dir, rel), text)
  for (const [rel, text] of Object.entries(app)) {
    const f = path.join(s.dir, 'applications', 'app', rel)
    fs.mkdirSync(path.dirname(f), { recursive: true })
    fs.writeFileSync(f, text)
  }
  const q = new Quark(s, ['run', '--workers', String(workers), '--no-https', '-p', '0', '--no-browser', ...(quiet ? ['-q'] : []), ...extra])
  let url: string
  try {
    url = (await q.waitFor(/Quark serving \S+ at (http:\/\/[^/\s]+)\//))[1]!
  } catch (e) { await q.kill(); s.cleanup(); throw e }
  const c: Cluster = {
    q, url, folder: s.dir,
    get: (p, headers) => request(url, p, { headers }),
    /** the worker pids seen answering, polled until n distinct ones answered */
    async pids(n = workers) {
      const seen = new Set<string>()
      await poll(`${n} workers answering`, async () => {
        const r = await request(url, '/app/default/pid')
        if (r.status === 200) seen.add(r.body)
        return seen.size >= n ? true : undefined
      }, 60_000, 0)
      return seen
    },
    async stop() {
      if (!q.done) { q.signalGroup('SIGTERM'); await Promise.race([q.exited, new Promise((r) => setTimeout(r, 20_000))]) }
      await q.kill()
      s.cleanup()
    },
  }
  return c
}

/** Pids of the primary's children (the workers), read from /proc. */
export function workerPids(primary: number): number[] {
  const out: number[] = []
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8')
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const cmd = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8')
      if (f[0] !== 'Z' && Number(f[1]) === primary && cmd.includes('quark.js')) out.push(Number(name))
    } catch { /* gone */ }
  }
  return out
}

/** The admin's login form: a fresh admin cookie and its CSRF token (from whichever process answers). */
export async function adminLoginForm(url: string, cookie = ''): Promise<{ cookie: string; csrf: string; page: { status: number; body: string } }> {
  const page = await request(url, '/admin/default/login', { headers: cookie ? { cookie } : {} })
  for (const l of (page.headers['set-cookie'] as string[] | undefined) ?? []) { const m = /^quark_admin=([^;]*)/.exec(l); if (m) cookie = `quark_admin=${m[1]}` }
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
  return { cookie, csrf, page }
}

/** POST the admin's login form with `password`; the answer, and the logged-in cookie when it succeeded. */
export async function adminLogin(url: string, password: string, form?: { cookie: string; csrf: string }): Promise<{ status: number; body: string; cookie: string }> {
  const f = form ?? await adminLoginForm(url)
  const r = await request(url, '/admin/default/login', {
    method: 'POST', headers: { cookie: f.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: f.csrf, password }).toString(),
  })
  let cookie = f.cookie
  for (const l of (r.headers['set-cookie'] as string[] | undefined) ?? []) { const m = /^quark_admin=([^;]*)/.exec(l); if (m) cookie = `quark_admin=${m[1]}` }
  return { status: r.status, body: r.body, cookie }
}
