/**
 * Real Quark server processes for the session and cron tests: `node server/cli/quark.js run` spawned as a
 * user runs it, on one applications folder, each on its own ephemeral port.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'

const REPO = path.resolve(__dirname, '..', '..')

export interface QuarkProcess {
  url: string
  child: ChildProcess
  /** everything written to stdout and stderr so far */
  output(): string
  stop(signal?: NodeJS.Signals): Promise<void>
}

export function startQuarkProcess(folder: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<QuarkProcess> {
  const child = spawn(process.execPath, ['server/cli/quark.js', 'run', '-p', '0', '--no-https', '-f', folder, '--no-browser', '-q', ...extra],
    { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr!.on('data', (d: Buffer) => { out += d.toString() })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return new Promise((resolve, reject) => {
    const onData = () => {
      const m = /at (http:\/\/[^\s/]+)\//.exec(out)
      if (!m) return
      child.stdout!.off('data', onData)
      resolve({
        url: m[1]!, child, output: () => out,
        async stop(signal = 'SIGTERM') {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal)
          await exited
        },
      })
    }
    child.stdout!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`quark exited (${code}) before listening:\n${out}`)))
  })
}
