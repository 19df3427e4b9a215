/**
 * Start-up figures of the binary: `node --import tsx build/measure-start.ts [options] [-- args]`
 *
 *   --bin <file>     the binary (default dist/quark)
 *   --path <url>     the page to wait for (default /welcome/default/index)
 *   --runs <n>       warm-folder starts to time (default 5)
 *   --timeout <s>    how long one start may take (default 30; a binary under qemu needs more)
 *   --trace          also print where each start's time went: the binary's start-up
 *                    marks (QUARK_STARTUP_TRACE=1, see server/sea/trace.ts), medians
 *   -- args...       the binary's arguments; {port} and {folder} are replaced
 *                    (default: run --no-browser -p {port} -f {folder})
 *
 * Each run copies nothing: the binary runs from a temporary folder with a fresh
 * HOME. Figures: the first boot (empty folder and cache: certificate, welcome
 * app, extraction), then the median of n starts of a new process in the now
 * prepared folder, each from exec to the first 200, and the idle RSS.
 */
import fs from 'node:fs'
import os from 'node:os'
import net from 'node:net'
import path from 'node:path'
import https from 'node:https'
import http from 'node:http'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'

interface Options { bin: string; urlPath: string; runs: number; args: string[]; https: boolean; trace?: boolean; timeoutMs?: number }

function parse(argv: string[]): Options {
  const root = path.resolve(__dirname, '..')
  const o: Options = { bin: path.join(root, 'dist', 'quark'), urlPath: '/welcome/default/index', runs: 5, args: [], https: true }
  const dash = argv.indexOf('--')
  const own = dash >= 0 ? argv.slice(0, dash) : argv
  o.args = dash >= 0 ? argv.slice(dash + 1) : ['run', '--no-browser', '-p', '{port}', '-f', '{folder}']
  for (let i = 0; i < own.length; i++) {
    const a = own[i]
    if (a === '--bin') o.bin = path.resolve(own[++i]!)
    else if (a === '--path') o.urlPath = own[++i]!
    else if (a === '--runs') o.runs = Number(own[++i])
    else if (a === '--http') o.https = false
    else if (a === '--trace') o.trace = true
    else if (a === '--timeout') o.timeoutMs = Number(own[++i]) * 1000
    else throw new Error(`measure-start: unknown option ${a}`)
  }
  if (!fs.existsSync(o.bin)) throw new Error(`measure-start: no binary at ${o.bin} (run npm run build first)`)
  if (!(o.runs >= 1)) throw new Error('measure-start: --runs must be a positive number')
  return o
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

function status(url: string): Promise<number> {
  const mod = url.startsWith('https:') ? https : http
  return new Promise((resolve, reject) => {
    const req = mod.get(url, { rejectUnauthorized: false, agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)) })
    req.on('error', reject)
  })
}

export interface StartResult {
  ms: number
  /** Linux: the main thread's time on a CPU and waiting for one (run queue) until the 200, from /proc/<pid>/schedstat */
  cpuMs?: number
  waitMs?: number
  child: ChildProcess
  output: () => string
}

/** The main thread's [on-CPU ms, run-queue wait ms] so far (Linux), to read a start's time on a loaded machine. */
function schedstat(pid: number): [number, number] | undefined {
  try {
    const [run, wait] = fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number)
    return [run! / 1e6, wait! / 1e6]
  } catch { return undefined }
}

/** Spawn the binary and poll until the page answers 200; the time is from exec to that response. */
export async function timedStart(o: Options, folder: string, env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<StartResult> {
  const port = await freePort()
  const args = o.args.map((a) => a.replace('{port}', String(port)).replace('{folder}', folder))
  const url = `${o.https ? 'https' : 'http'}://127.0.0.1:${port}${o.urlPath}`
  const t0 = performance.now()
  const child = spawn(o.bin, args, { cwd: folder, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (c: Buffer) => { out += c })
  child.stderr!.on('data', (c: Buffer) => { out += c })
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the binary exited (${child.exitCode}):\n${out}`)
    if (performance.now() - t0 > timeoutMs) { child.kill('SIGKILL'); throw new Error(`no 200 from ${url} within ${timeoutMs} ms:\n${out}`) }
    try {
      const s = await status(url)
      if (s === 200) {
        const ms = performance.now() - t0
        const st = schedstat(child.pid!)
        return { ms, cpuMs: st?.[0], waitMs: st?.[1], child, output: () => out }
      }
      if (s >= 500) { child.kill('SIGKILL'); throw new Error(`${url} answered ${s}:\n${out}`) }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ECONNREFUSED' && (e as NodeJS.ErrnoException).code !== 'ECONNRESET') throw e
    }
    await new Promise((r) => setTimeout(r, 3))
  }
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve()
    const t = setTimeout(() => child.kill('SIGKILL'), 5000)
    child.once('exit', () => { clearTimeout(t); resolve() })
    child.kill('SIGTERM')
  })
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : NaN
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

/** exec to exit of `<bin> --version` and of `node -e 0`: the machine's floor, to read the other figures against. */
function floors(bin: string, env: NodeJS.ProcessEnv, runs: number): { version: number; node: number } {
  const time = (cmd: string, args: string[], e?: NodeJS.ProcessEnv) => {
    const t = performance.now()
    spawnSync(cmd, args, { env: e, stdio: 'ignore' })
    return performance.now() - t
  }
  const v: number[] = []
  const n: number[] = []
  for (let i = 0; i < runs; i++) { v.push(time(bin, ['--version'], env)); n.push(time(process.execPath, ['-e', '0'])) }
  return { version: median(v), node: median(n) }
}

/** The `quark-startup <ms> <label>` lines of a traced start (server/sea/trace.ts). */
export function parseMarks(output: string): [string, number][] {
  const marks: [string, number][] = []
  for (const m of output.matchAll(/^quark-startup (\d+(?:\.\d+)?) (.+)$/gm)) marks.push([m[2]!.replace(/^first request .*/, 'first request'), Number(m[1])])
  return marks
}

export async function measure(o: Options): Promise<{ size: number; firstBoot: number; starts: number[]; median: number; idleRssMb: number; versionMs: number; nodeMs: number; marks: [string, number][]; cpuMs: number; waitMs: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-measure-'))
  try {
    const folder = path.join(dir, 'drive')
    const home = path.join(dir, 'home')
    fs.mkdirSync(folder)
    fs.mkdirSync(home)
    const bin = path.join(folder, path.basename(o.bin))
    fs.copyFileSync(o.bin, bin)
    fs.chmodSync(bin, 0o755)
    const local: Options = { ...o, bin }
    // QEMU_LD_PREFIX passes through: a linux-arm64 binary measured under qemu-user (build/cross-setup.sh)
    const env: NodeJS.ProcessEnv = { PATH: '/nonexistent', HOME: home, LANG: 'C.UTF-8', ...(o.trace ? { QUARK_STARTUP_TRACE: '1' } : {}), ...(process.env.QEMU_LD_PREFIX ? { QEMU_LD_PREFIX: process.env.QEMU_LD_PREFIX } : {}) }
    const first = await timedStart(local, folder, env, o.timeoutMs)
    await stop(first.child)
    const starts: number[] = []
    const cpu: number[] = []
    const wait: number[] = []
    const byLabel = new Map<string, number[]>()
    for (let i = 0; i < o.runs; i++) {
      const r = await timedStart(local, folder, env, o.timeoutMs)
      starts.push(r.ms)
      if (r.cpuMs !== undefined) { cpu.push(r.cpuMs); wait.push(r.waitMs!) }
      await stop(r.child)
      for (const [label, ms] of parseMarks(r.output())) byLabel.set(label, [...(byLabel.get(label) ?? []), ms])
    }
    const marks: [string, number][] = [...byLabel].map(([label, xs]) => [label, median(xs)])
    const idle = await timedStart(local, folder, env, o.timeoutMs)
    await new Promise((r) => setTimeout(r, 3000))
    const idleRssMb = process.platform === 'linux' ? rssMb(idle.child.pid!) : NaN
    await stop(idle.child)
    const f = floors(bin, env, o.runs)
    return {
      size: fs.statSync(o.bin).size, firstBoot: first.ms, starts, median: median(starts), idleRssMb, versionMs: f.version, nodeMs: f.node, marks,
      cpuMs: cpu.length ? median(cpu) : NaN, waitMs: wait.length ? median(wait) : NaN,
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

if (require.main === module) {
  const o = parse(process.argv.slice(2))
  measure(o).then((m) => {
    console.log(`binary:       ${o.bin} ${(m.size / 1e6).toFixed(1)} MB`)
    console.log(`first boot:   ${m.firstBoot.toFixed(0)} ms (empty folder, empty cache)`)
    console.log(`starts:       ${m.starts.map((x) => x.toFixed(0)).join(', ')} ms`)
    console.log(`median start: ${m.median.toFixed(0)} ms (exec to first 200 of ${o.urlPath})`)
    if (!Number.isNaN(m.cpuMs)) console.log(`main thread:  ${m.cpuMs.toFixed(0)} ms on a CPU, ${m.waitMs.toFixed(0)} ms waiting for one (medians, exec to the 200)`)
    console.log(`idle RSS:     ${m.idleRssMb.toFixed(1)} MB`)
    if (o.trace) {
      console.log('start-up marks (median ms since the process started):')
      let prev = 0
      for (const [label, ms] of m.marks) { console.log(`  ${ms.toFixed(1).padStart(8)}  +${(ms - prev).toFixed(1).padStart(6)}  ${label}`); prev = ms }
    }
    console.log(`floors:       quark --version ${m.versionMs.toFixed(0)} ms, node -e 0 ${m.nodeMs.toFixed(0)} ms (medians; load average ${os.loadavg()[0]!.toFixed(1)})`)
  }).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e)
    process.exit(1)
  })
}
