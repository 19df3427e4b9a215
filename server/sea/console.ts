/**
 * A double-clicked quark-win-x64.exe gets a console window of its own, which
 * Windows closes the moment the process exits: a start that fails (a port in
 * use, a folder it cannot write) would vanish before anyone reads why. So on
 * failure the binary says so and waits for a key, but only when it was
 * double-clicked: run from cmd, PowerShell or a script, it fails at once with
 * its exit code, as a command should.
 *
 * "Double-clicked" is: Windows, no arguments, a console on stdin, and the
 * parent process is Explorer (asked of `tasklist` only once the start has
 * failed, so a start that works pays nothing). When the parent cannot be
 * named (tasklist missing or slow), the environment decides: cmd.exe puts
 * PROMPT in its children's environment, MSYS/Cygwin shells SHLVL and TERM,
 * Windows Terminal WT_SESSION; none of them is set for a program Explorer
 * starts.
 */

export interface LaunchInfo {
  platform: NodeJS.Platform
  /** process.argv */
  argv: string[]
  stdinIsTTY: boolean
  env: NodeJS.ProcessEnv
  /** the parent process's image name (explorer.exe), undefined when unknown */
  parentName?: string
}

/** Whether this process may have its own console that closes with it: the cheap part, checked at start. */
export function mayBeDoubleClicked(info: Omit<LaunchInfo, 'env' | 'parentName'>): boolean {
  return info.platform === 'win32' && info.argv.length <= 2 && info.stdinIsTTY
}

const SHELL_MARKERS = ['PROMPT', 'SHLVL', 'TERM', 'WT_SESSION', 'PSExecutionPolicyPreference']

export function launchedByDoubleClick(info: LaunchInfo): boolean {
  if (!mayBeDoubleClicked(info)) return false
  if (info.parentName) return /^explorer(\.exe)?$/i.test(info.parentName.trim())
  return !SHELL_MARKERS.some((k) => info.env[k] !== undefined)
}

/** The image name in `tasklist /FI "PID eq n" /FO CSV /NH` output ("explorer.exe","1234",...), undefined when none. */
export function parseTasklist(out: string): string | undefined {
  const m = /^\s*"([^"]+)","(\d+)"/m.exec(out)
  return m ? m[1] : undefined
}

/** The parent's image name on Windows, undefined when tasklist cannot say within 5 s. */
export function parentProcessName(ppid: number = process.ppid): string | undefined {
  try {
    // required here: a start that works never loads child_process for this
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process')
    const r = spawnSync('tasklist', ['/FI', `PID eq ${ppid}`, '/FO', 'CSV', '/NH'], { encoding: 'utf8', timeout: 5000, windowsHide: true })
    return r.status === 0 ? parseTasklist(r.stdout) : undefined
  } catch {
    return undefined
  }
}

/**
 * After a failed start: in a double-clicked console, say why the window stays
 * and wait for a key (then exit with the code already set). Returns whether it waits.
 */
export function pauseIfDoubleClicked(): boolean {
  const cheap = { platform: process.platform, argv: process.argv, stdinIsTTY: process.stdin.isTTY === true }
  if (!mayBeDoubleClicked(cheap)) return false
  if (!launchedByDoubleClick({ ...cheap, env: process.env, parentName: parentProcessName() })) return false
  process.stderr.write('\nQuark could not start (see above). Press any key to close this window.\n')
  process.stdin.setRawMode(true)
  process.stdin.resume()
  process.stdin.once('data', () => process.exit())
  return true
}
