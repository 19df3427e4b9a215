/**
 * Server processes for the macro suite: start one in its own child process,
 * wait until its port answers, read its memory, stop it. Every failure is
 * returned as text so the runner can report a contender as failed instead of
 * crashing.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'

export interface ServerProcess {
  name: string
  child: ChildProcess
  port: number
  https: boolean
  /** last lines the process wrote, for error reports */
  output(): string
  exited(): boolean
}

/** A free TCP port on 127.0.0.1, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port
      srv.close(() => resolve(port))
    })
  })
}

export function startProcess(name: string, cmd: string, args: string[], opts: { port: number; https: boolean; cwd: string; env?: Record<string, string> }): ServerProcess {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let tail = ''
  let done = false
  const keep = (chunk: Buffer) => { tail = (tail + chunk.toString()).slice(-4000) }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  child.on('exit', () => { done = true })
  child.on('error', (e) => { done = true; tail += `\nspawn error: ${e.message}` })
  return { name, child, port: opts.port, https: opts.https, output: () => tail.trim(), exited: () => done }
}

export interface Probe { status: number; body: string; headers: http.IncomingHttpHeaders }

/** One GET, self-signed certificates accepted; rejects on network errors or after `timeoutMs`. */
export function get(port: number, path: string, secure: boolean, timeoutMs = 5000): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const mod = secure ? https : http
    const req = mod.get({ host: '127.0.0.1', port, path, rejectUnauthorized: false, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out after ${timeoutMs} ms`)))
    req.on('error', reject)
  })
}

/**
 * Wait until the server answers any HTTP request (a 404 counts: the port is
 * served). Returns null when ready, or the reason it never became ready.
 */
export async function waitReady(p: ServerProcess, timeoutMs = 20000): Promise<string | null> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (p.exited()) return `exited before serving (code ${p.child.exitCode}): ${lastLines(p.output())}`
    try {
      await get(p.port, '/', p.https, 1000)
      return null
    } catch {
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  return `did not answer on port ${p.port} within ${timeoutMs} ms: ${lastLines(p.output())}`
}

export function lastLines(text: string, n = 3): string {
  const lines = text.split('\n').filter((l) => l.trim())
  return lines.slice(-n).join(' / ').slice(0, 300) || '(no output)'
}

export async function stop(p: ServerProcess): Promise<void> {
  if (p.exited()) return
  const gone = new Promise<void>((r) => p.child.once('exit', () => r()))
  p.child.kill('SIGTERM')
  const timer = setTimeout(() => { if (!p.exited()) p.child.kill('SIGKILL') }, 5000)
  await gone
  clearTimeout(timer)
}

function readStatusField(pid: number, field: string): number | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)
    return m ? Number(m[1]) * 1024 : undefined
  } catch {
    return undefined
  }
}

/** pid and every descendant, found through /proc/<pid>/stat parent ids. */
export function processTree(root: number): number[] {
  const parentOf = new Map<number, number>()
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8')
      // the command name may contain spaces and parentheses: fields start after the last ')'
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      parentOf.set(Number(entry), Number(rest[1]))
    } catch { /* process ended while scanning */ }
  }
  const tree = [root]
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parentOf) if (ppid === tree[i]) tree.push(pid)
  return tree
}

/**
 * Resident memory of a server: VmRSS of its process and of every child it
 * started (a launcher re-executing node, esbuild's service), in bytes.
 */
export function treeRss(root: number): number | undefined {
  let sum = 0
  let any = false
  for (const pid of processTree(root)) {
    const rss = readStatusField(pid, 'VmRSS')
    if (rss !== undefined) { sum += rss; any = true }
  }
  return any ? sum : undefined
}

/** Linux reports /proc/<pid>/stat times in USER_HZ, which is 100 on every Linux ABI. */
const USER_HZ = 100

/**
 * CPU time (user + system, ms) used so far by the server process and its
 * children: the cost of serving, which, unlike requests per second, does
 * not depend on what else runs on the machine.
 */
export function treeCpuMs(root: number): number | undefined {
  let ticks = 0
  let any = false
  for (const pid of processTree(root)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      // fields 14 and 15 of stat (utime, stime) are at 11 and 12 after the command name
      ticks += Number(f[11]) + Number(f[12])
      any = true
    } catch { /* ended while reading */ }
  }
  return any ? (ticks * 1000) / USER_HZ : undefined
}
