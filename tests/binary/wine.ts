// Running a win-x64 binary under Debian's wine for tests/binary/targets.test.ts:
// a wine prefix of the test's own (Windows 10, so Node starts), the test-only
// bcryptprimitives.dll esbuild.exe needs (wine/bcryptprimitives.c), and the
// program's output in a file (under wine, Node's stdout on a Unix pipe fails
// with EBADF; a file works).
import fs from 'node:fs'
import path from 'node:path'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'

export interface Wine { cmd: string; env: NodeJS.ProcessEnv; prefix: string }

/** A prepared prefix, or why there is none. */
export function setUpWine(prefix: string): Wine | string {
  if (process.platform !== 'linux') return 'wine runs on Linux here'
  const cmd = ['/usr/bin/wine', '/usr/bin/wine64'].find((c) => fs.existsSync(c))
  if (!cmd) return 'no wine: build/cross-setup.sh --wine installs wine64'
  const gcc = '/usr/bin/x86_64-w64-mingw32-gcc'
  if (!fs.existsSync(gcc)) return 'no mingw-w64 for the test DLL: build/cross-setup.sh --wine installs it'
  const env: NodeJS.ProcessEnv = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all', DISPLAY: '', WAYLAND_DISPLAY: '' }
  const reg = spawnSync(cmd, ['reg', 'add', 'HKCU\\Software\\Wine', '/v', 'Version', '/d', 'win10', '/f'], { env, stdio: 'ignore', timeout: 300_000 })
  if (reg.status !== 0) return 'wine cannot set up a prefix'
  const dll = path.join(prefix, 'drive_c', 'windows', 'system32', 'bcryptprimitives.dll')
  if (!fs.existsSync(dll)) {
    const cc = spawnSync(gcc, ['-shared', '-O2', '-o', dll, path.join(__dirname, 'wine', 'bcryptprimitives.c'), '-ladvapi32'], { encoding: 'utf8' })
    if (cc.status !== 0) return `the test DLL does not compile: ${cc.stderr}`
  }
  return { cmd, env, prefix }
}

/** Run `exe args` to completion under wine; stdout and stderr together. */
export function runWine(wine: Wine, exe: string, args: string[], cwd: string, logFile: string, timeout = 600_000): { status: number | null; out: string } {
  const fd = fs.openSync(logFile, 'w')
  try {
    const r = spawnSync(wine.cmd, [exe, ...args], { env: wine.env, cwd, stdio: ['ignore', fd, fd], timeout })
    return { status: r.status, out: fs.readFileSync(logFile, 'utf8') }
  } finally { fs.closeSync(fd) }
}

export interface WineServer { child: ChildProcess; output(): string; waitFor(re: RegExp, ms: number): Promise<RegExpMatchArray>; stop(): Promise<void> }

/** Start `exe args` under wine in the background, its output in logFile. */
export function startWine(wine: Wine, exe: string, args: string[], cwd: string, logFile: string): WineServer {
  const fd = fs.openSync(logFile, 'w')
  const child = spawn(wine.cmd, [exe, ...args], { env: wine.env, cwd, stdio: ['ignore', fd, fd] })
  fs.closeSync(fd)
  const output = () => fs.readFileSync(logFile, 'utf8')
  return {
    child,
    output,
    waitFor(re, ms) {
      return new Promise((resolve, reject) => {
        const t0 = Date.now()
        const tick = () => {
          const m = re.exec(output())
          if (m) return resolve(m)
          if (child.exitCode !== null) return reject(new Error(`exited (${child.exitCode}) before ${re}:\n${output()}`))
          if (Date.now() - t0 > ms) return reject(new Error(`timed out waiting for ${re}:\n${output()}`))
          setTimeout(tick, 100)
        }
        tick()
      })
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const closed = new Promise((r) => child.once('close', r))
        child.kill('SIGTERM')
        await Promise.race([closed, new Promise((r) => setTimeout(r, 10_000))])
      }
      // every process of this prefix (the .exe's own children too)
      spawnSync('wineserver', ['-k'], { env: wine.env, stdio: 'ignore', timeout: 60_000 })
    },
  }
}
