// When a failed start waits for a key (server/sea/console.ts): only for a
// quark-win-x64.exe double-clicked in Explorer, never from a shell or on
// another OS. The decision is pure; tasklist's output is parsed as Windows
// (and wine) print it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { launchedByDoubleClick, mayBeDoubleClicked, parseTasklist, type LaunchInfo } from '../../server/sea/index'

const exe = 'C:\\Users\\ana\\Desktop\\quark\\quark-win-x64.exe'
const base: LaunchInfo = { platform: 'win32', argv: [exe, exe], stdinIsTTY: true, env: { LOCALAPPDATA: 'C:\\Users\\ana\\AppData\\Local' } }

test('double-clicked in Explorer: waits', () => {
  assert.equal(launchedByDoubleClick({ ...base, parentName: 'explorer.exe' }), true)
  assert.equal(launchedByDoubleClick({ ...base, parentName: 'EXPLORER.EXE' }), true)
})

test('from cmd, PowerShell, Windows Terminal or git bash: fails at once', () => {
  for (const parentName of ['cmd.exe', 'powershell.exe', 'pwsh.exe', 'bash.exe', 'WindowsTerminal.exe']) {
    assert.equal(launchedByDoubleClick({ ...base, parentName }), false, parentName)
  }
  // parent unknown: the shells' own variables say so
  for (const k of ['PROMPT', 'SHLVL', 'TERM', 'WT_SESSION']) {
    assert.equal(launchedByDoubleClick({ ...base, env: { ...base.env, [k]: 'x' } }), false, k)
  }
  assert.equal(launchedByDoubleClick(base), true, 'parent unknown and no shell variable: treated as double-clicked')
})

test('with arguments, without a console, or not on Windows: never waits', () => {
  assert.equal(launchedByDoubleClick({ ...base, argv: [exe, exe, 'run', '-p', '8080'], parentName: 'explorer.exe' }), false)
  assert.equal(launchedByDoubleClick({ ...base, stdinIsTTY: false, parentName: 'explorer.exe' }), false)
  for (const platform of ['linux', 'darwin'] as const) {
    assert.equal(launchedByDoubleClick({ ...base, platform, parentName: 'explorer.exe' }), false, platform)
    assert.equal(mayBeDoubleClicked({ ...base, platform }), false)
  }
  assert.equal(mayBeDoubleClicked(base), true)
})

test('tasklist /FO CSV /NH output: the image name, or none', () => {
  assert.equal(parseTasklist('"explorer.exe","4312","Console","1","98,112 K"\r\n'), 'explorer.exe')
  assert.equal(parseTasklist('\r\n"cmd.exe","77","Console","1","4,020 K"\r\n'), 'cmd.exe')
  assert.equal(parseTasklist('INFO: No tasks are running which match the specified criteria.\r\n'), undefined)
  assert.equal(parseTasklist(''), undefined)
})
