// What cluster.fork() runs for a worker (server/cli/cluster.ts workerCommand): from a checkout the script
// and the user's arguments; inside the single binary the user's arguments alone (Node repeats the binary's
// path as argv[1] there: forking `exe exe run ...` made every worker read its own path as the command), and
// no node options (the binary reads none from its command line: they would reach main() as arguments).
// The binary itself is started with --workers 2 by tests/binary/workers.test.ts (QUARK_BINARY_TEST=1).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { workerCommand } from '../../server/cli/cluster'

test('a checkout\'s worker runs the same script with the same arguments', () => {
  assert.deepEqual(workerCommand(['/usr/bin/node', '/w/server/cli/quark.js', 'run', '--workers', '2', '-p', '8000'], false),
    { exec: '/w/server/cli/quark.js', args: ['run', '--workers', '2', '-p', '8000'] })
})

test('the binary\'s worker is the binary with the user\'s arguments: argv as the primary had it, not its path twice', () => {
  const argv = ['/d/quark', '/d/quark', 'run', '--workers', '2', '-p', '8000']
  const c = workerCommand(argv, true)
  assert.deepEqual(c, { exec: 'run', args: ['--workers', '2', '-p', '8000'], execArgv: [] })
  // cluster spawns execPath [...execArgv, exec, ...args]; the binary then repeats its path as argv[1]
  const workerArgv = [argv[0]!, argv[0]!, ...c.execArgv!, c.exec, ...c.args]
  assert.deepEqual(workerArgv, argv)
  // `quark --workers 2` (no command word: run is the default) too
  const bare = ['/d/quark', '/d/quark', '--workers', '2']
  const b = workerCommand(bare, true)
  assert.deepEqual([bare[0], bare[0], ...b.execArgv!, b.exec, ...b.args], bare)
})
