// Shared by the binary tests: gating, a clean environment, running a binary and talking to it.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import https from 'node:https'
import http from 'node:http'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'

export const root = path.resolve(__dirname, '..', '..')

/** Building a binary takes ~40 s and 100+ MB: only when asked (QUARK_BINARY_TEST=1). */
export const binarySkip: string | false =
  process.env.QUARK_BINARY_TEST === '1'
    ? false
    : 'builds the single binary (slow): set QUARK_BINARY_TEST=1 to run it (.ci/run does)'

export interface Sandbox { dir: string; bin: string; home: string; appDir: string; env: NodeJS.ProcessEnv; cleanup(): void }

/**
 * An empty folder under os.tmpdir() holding `binary` alone, a fresh HOME (so the
 * user cache starts empty) and a PATH holding nothing (no node, no npm).
 * Asserts there is no node_modules in any folder above it.
 */
export function sandbox(binary: string, name = 'quark'): Sandbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-bin-'))
  const appDir = path.join(dir, 'drive')
  const home = path.join(dir, 'home')
  const emptyBin = path.join(dir, 'path')
  for (const d of [appDir, home, emptyBin]) fs.mkdirSync(d)
  for (let d = appDir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'node_modules'))) throw new Error(`node_modules found above the sandbox: ${d}`)
    if (path.dirname(d) === d) break
  }
  const bin = path.join(appDir, name)
  fs.copyFileSync(binary, bin)
  fs.chmodSync(bin, 0o755)
  const env: NodeJS.ProcessEnv = { PATH: emptyBin, HOME: home, LANG: 'C.UTF-8', TMPDIR: os.tmpdir() }
  return { dir, bin, home, appDir, env, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) }
}

/** Build with build/build.ts (a child node process, as `npm run build` would). */
export function buildBinary(out: string, args: string[] = []): void {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'build', 'build.ts'), '--out', out, ...args], {
    cwd: root, encoding: 'utf8', timeout: 900_000,
  })
  if (r.status !== 0) throw new Error(`build failed (${r.status}):\n${r.stdout}\n${r.stderr}`)
}

export interface Running { child: ChildProcess; output(): string; waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>; stop(): Promise<void> }

export function start(bin: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Running {
  const child = spawn(bin, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (c: Buffer) => { out += c.toString() })
  child.stderr!.on('data', (c: Buffer) => { out += c.toString() })
  return {
    child,
    output: () => out,
    waitFor(re, ms = 20_000) {
      return new Promise((resolve, reject) => {
        const t0 = Date.now()
        const tick = () => {
          const m = re.exec(out)
          if (m) return resolve(m)
          if (child.exitCode !== null) return reject(new Error(`process exited (${child.exitCode}) before ${re}:\n${out}`))
          if (Date.now() - t0 > ms) return reject(new Error(`timed out waiting for ${re}:\n${out}`))
          setTimeout(tick, 25)
        }
        tick()
      })
    },
    stop() {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        const kill = setTimeout(() => child.kill('SIGKILL'), 5000)
        // 'close', not 'exit': after 'exit' the last lines may still be on their way through the pipes
        child.once('close', () => { clearTimeout(kill); resolve() })
        child.kill('SIGTERM')
      })
    },
  }
}

export interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string; raw: Buffer }

/** GET/POST over HTTPS (self-signed certificate accepted) or HTTP. */
export function request(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  const u = new URL(url)
  const mod = u.protocol === 'https:' ? https : http
  return new Promise((resolve, reject) => {
    // agent: false, a new connection each time: a reused keep-alive socket may be closed by the server just then
    const req = mod.request(u, { method: opts.method ?? 'GET', headers: opts.headers, rejectUnauthorized: false, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const raw = Buffer.concat(chunks)
        resolve({ status: res.statusCode!, headers: res.headers, body: raw.toString('utf8'), raw })
      })
    })
    req.on('error', reject)
    req.setTimeout(20_000, () => req.destroy(new Error(`timeout: ${url}`)))
    req.end(opts.body)
  })
}
