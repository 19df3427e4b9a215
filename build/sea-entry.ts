/**
 * The binary's entry. Order matters: esbuild reads ESBUILD_BINARY_PATH when
 * its module first runs, so the extracted executable is set up before the
 * main module (and everything it imports) is required.
 */
import '../server/cli/v8flags.js'  // first: V8 settings of a server process (see the file)
import './sea-quiet'
import { prepareEsbuild, runSelftestCommand, INTERNAL_ENTRY_PREFIX, startupMark, pauseIfDoubleClicked, mayBeDoubleClicked } from '../server/sea/index'

interface MainModule { main?: (argv: string[]) => unknown }

function setExit(code: unknown): void {
  if (typeof code === 'number') process.exitCode = code
}

/**
 * A double-clicked .exe that fails would close its console before anyone
 * reads why: say so and wait for a key (server/sea/console.ts decides).
 * Elsewhere, or when started from a shell, fail as usual.
 */
function failed(e: unknown): void {
  console.error(e instanceof Error && 'code' in e && String((e as { code: unknown }).code).startsWith('QK_') ? `quark: ${e.message}` : e)
  process.exitCode = 1
  pauseIfDoubleClicked()
}

startupMark('entry')
// double-clicked on Windows: an error thrown later (a port already in use) must not close the console unread either
if (mayBeDoubleClicked({ platform: process.platform, argv: process.argv, stdinIsTTY: process.stdin.isTTY === true })) process.on('uncaughtException', failed)
prepareEsbuild()
startupMark('esbuild prepared')

// A forked framework process (childEntry): fork() puts the marker before the child's own arguments.
const internal = process.argv.findIndex((a, i) => i >= 2 && a.startsWith(INTERNAL_ENTRY_PREFIX))

if (internal >= 0) {
  const name = process.argv[internal]!.slice(INTERNAL_ENTRY_PREFIX.length)
  const entries = require('quark:internal-entries') as Record<string, () => unknown>
  process.argv.splice(2, internal - 1)
  if (!entries[name]) {
    console.error(`quark: no internal entry "${name}" in this binary`)
    process.exitCode = 2
  } else {
    entries[name]()
  }
} else if (process.argv[2] === '--selftest') {
  // The binary's own parts, then the real server booted as a child through the
  // public CLI (`run --no-browser -p <port> -f <tmp>`). QUARK_SELFTEST_NO_BOOT=1 skips the boot.
  const boot = process.env.QUARK_SELFTEST_NO_BOOT === '1' ? undefined : { command: process.execPath }
  void runSelftestCommand({ boot })
} else {
  // `quark:main` is resolved by build/bundle.ts to server/cli/main.ts (or the probe).
  const mod = require('quark:main') as MainModule
  startupMark('main loaded')
  if (typeof mod.main === 'function') {
    Promise.resolve(mod.main(process.argv.slice(2))).then((code) => {
      setExit(code)
      if (process.exitCode) pauseIfDoubleClicked()
    }, failed)
  }
}
