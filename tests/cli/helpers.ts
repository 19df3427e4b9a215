// The `quark` command run as a user runs it, as a separate process: from a checkout
// `npx --prefix <checkout> quark ...` in an empty folder (README: `npx quark <command>` in a
// checkout), or the binary copied alone into an empty folder. Shared by checkout.test.ts and
// binary.test.ts, which run the same cases (suite.ts) against each.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import http from 'node:http'
import https from 'node:https'
import { spawn, type ChildProcess } from 'node:child_process'
import { sandbox } from '../binary/helpers'

export const root = path.resolve(__dirname, '..', '..')

/** A place to run `quark` in: an empty folder, the environment, how to call the command. */
export interface Site {
  /** the folder commands run in (cwd); applications/ is made there */
  dir: string
  env: NodeJS.ProcessEnv
  command: string
  /** arguments before the quark command's own */
  prefix: string[]
  /** true for npx: the quark process is a grandchild (npm exec → sh → node) */
  viaNpx: boolean
  cleanup(): void
}

export interface Target { name: string; site(): Site }

/** The environment of a user's shell: without what the test runner adds for its own children. */
function userEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const k of ['NODE_TEST_CONTEXT', 'QUARK_TESTING', 'NODE_OPTIONS', 'QUARK_STARTUP_TRACE']) delete env[k]
  return env
}

export const checkout: Target = {
  name: 'checkout (npx quark)',
  site() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-cli-'))
    return {
      dir, env: userEnv(), command: 'npx', prefix: ['--prefix', root, 'quark'], viaNpx: true,
      cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
    }
  },
}

/** The binary copied alone into an empty folder, no node on PATH (tests/binary/helpers sandbox). */
export function binaryTarget(binary: () => string): Target {
  return {
    name: 'binary',
    site() {
      const box = sandbox(binary())
      return { dir: box.appDir, env: box.env, command: box.bin, prefix: [], viaNpx: false, cleanup: box.cleanup }
    },
  }
}

export interface Result { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Commands not yet ended: killed if the test process exits first (a cancelled run leaves no orphans). */
const running = new Set<Quark>()
process.on('exit', () => {
  for (const q of running) {
    try { process.kill(-q.child.pid!, 'SIGKILL') } catch { /* gone */ }
  }
})

/**
 * A running `quark` command. Started in its own process group (detached), as a
 * terminal starts a job, so that the whole tree (npm exec, sh, quark, its
 * workers) can be signalled or cleaned up at once.
 */
export class Quark {
  readonly child: ChildProcess
  stdout = ''
  stderr = ''
  readonly exited: Promise<Result>
  private listeners = new Set<() => void>()

  constructor(readonly site: Site, args: string[], opts: { input?: string } = {}) {
    this.child = spawn(site.command, [...site.prefix, ...args], {
      cwd: site.dir, env: site.env, detached: true, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    if (opts.input !== undefined) this.child.stdin!.end(opts.input)
    running.add(this)
    this.child.stdout!.on('data', (c: Buffer) => { this.stdout += c.toString(); this.changed() })
    this.child.stderr!.on('data', (c: Buffer) => { this.stderr += c.toString(); this.changed() })
    // 'close': every byte of both pipes has been read
    this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => {
      running.delete(this)
      this.changed()
      resolve({ code, signal, stdout: this.stdout, stderr: this.stderr })
    }))
  }

  get output(): string { return this.stdout + this.stderr }
  get done(): boolean { return this.child.exitCode !== null || this.child.signalCode !== null }

  private changed(): void { for (const l of [...this.listeners]) l() }

  /** Resolves with the first match of re in stdout+stderr; rejects if the process ends first, or after ms. */
  waitFor(re: RegExp, ms = 120_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = re.exec(this.output)
        if (m) { finish(); resolve(m); return }
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
          // the pipes may still hold the line: wait for 'close' before giving up
          void this.exited.then(() => {
            const late = re.exec(this.output)
            finish()
            if (late) resolve(late)
            else reject(new Error(`quark ${this.describe()} ended (${this.child.exitCode ?? this.child.signalCode}) before ${re}:\n${this.output}`))
          })
        }
      }
      const timer = setTimeout(() => { finish(); reject(new Error(`timed out after ${ms} ms waiting for ${re}:\n${this.output}`)) }, ms)
      const finish = () => { clearTimeout(timer); this.listeners.delete(check) }
      this.listeners.add(check)
      check()
    })
  }

  private describe(): string { return this.child.spawnargs.slice(1 + this.site.prefix.length).join(' ') }

  /** The pid of the quark process itself (under npx: the node grandchild running quark's bin). */
  async quarkPid(ms = 60_000): Promise<number> {
    if (!this.site.viaNpx) return this.child.pid!
    return poll(`the quark process under npx (pid ${this.child.pid})`, () => descendants(this.child.pid!).find((p) => isQuarkProcess(p)), ms)
  }

  /** Signal every process of the command's group (a terminal's Ctrl-C does this with SIGINT). */
  signalGroup(signal: NodeJS.Signals): void {
    try { process.kill(-this.child.pid!, signal) } catch { /* already gone */ }
  }

  /** Kill whatever is left of the command's process tree (test clean-up). */
  async kill(): Promise<void> {
    for (const pid of [...groupMembers(this.child.pid!), this.child.pid!]) {
      try { process.kill(pid, 'SIGKILL') } catch { /* gone */ }
    }
    if (!this.done) await this.exited
  }
}

/** Resolves as p does, or rejects after ms (the caller's finally then cleans up; a test's own timeout does not). */
export function within<V>(p: Promise<V>, ms: number, what: string): Promise<V> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: still not done after ${ms} ms`)), ms) })
  return Promise.race([p, late]).finally(() => clearTimeout(timer))
}

/** Run a command to its end; the process tree is killed if it outlives ms. */
export async function quark(site: Site, args: string[], opts: { input?: string; ms?: number } = {}): Promise<Result> {
  const q = new Quark(site, args, opts)
  const timer = setTimeout(() => { void q.kill() }, opts.ms ?? 180_000)
  try { return await q.exited } finally { clearTimeout(timer) }
}

/** Call fn until it returns a value other than undefined (or throw after ms). */
export async function poll<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, ms = 120_000, every = 100): Promise<T> {
  const t0 = Date.now()
  for (;;) {
    const v = await fn()
    if (v !== undefined) return v
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, every))
  }
}

interface ProcStat { pid: number; ppid: number; pgrp: number }

function procStats(): ProcStat[] {
  const out: ProcStat[] = []
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8')
      // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after the last ')'
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (f[0] === 'Z') continue // a zombie has exited: it is not running
      out.push({ pid: Number(name), ppid: Number(f[1]), pgrp: Number(f[2]) })
    } catch { /* exited meanwhile */ }
  }
  return out
}

/** Living processes below pid, parents before children. */
export function descendants(pid: number): number[] {
  const stats = procStats()
  const found: number[] = []
  let level = [pid]
  while (level.length) {
    const next = stats.filter((s) => level.includes(s.ppid)).map((s) => s.pid)
    found.push(...next)
    level = next
  }
  return found
}

/** Living processes of the process group pgid (a detached command's pid is its group's id). */
export function groupMembers(pgid: number): number[] {
  return procStats().filter((s) => s.pgrp === pgid).map((s) => s.pid)
}

export function isAlive(pid: number): boolean {
  return procStats().some((s) => s.pid === pid)
}

function cmdline(pid: number): string[] {
  try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0') } catch { return [] }
}

/** node running quark's bin (npx links it as node_modules/.bin/quark, or server/cli/quark.js itself). */
function isQuarkProcess(pid: number): boolean {
  const argv = cmdline(pid)
  return path.basename(argv[0] ?? '') === 'node' && /(^|\/)(quark|quark\.js)$/.test(argv[1] ?? '')
}

export interface Reply { status: number; body: string }

/** GET over HTTP or HTTPS (the self-signed certificate accepted), a new connection each time. */
export function get(url: string): Promise<Reply> {
  const lib = url.startsWith('https:') ? https : http
  return new Promise((resolve, reject) => {
    const req = lib.get(url, { rejectUnauthorized: false, agent: false } as https.RequestOptions, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => { body += c.toString() })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.setTimeout(60_000, () => req.destroy(new Error(`timeout: ${url}`)))
  })
}

/** Write a file of an app under site/applications/<app>/. */
export function writeAppFile(site: Site, app: string, rel: string, text: string): string {
  const file = path.join(site.dir, 'applications', app, ...rel.split('/'))
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, text)
  return file
}
