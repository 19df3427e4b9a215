/**
 * StrykerJS configuration for one room (QUARK_MUTATION_ROOM, set by run.mjs).
 * The command runner runs the room's own test files with node's test runner
 * through tsx; the active mutant reaches them (and any server they start in
 * process) through the environment. No coverage analysis exists for the
 * command runner, so every mutant runs the room's whole (short) test list.
 */
import { ROOMS } from './rooms.mjs'

const name = process.env.QUARK_MUTATION_ROOM
const room = ROOMS[name]
if (!room) throw new Error(`QUARK_MUTATION_ROOM must be one of ${Object.keys(ROOMS).join(', ')}`)

export default {
  testRunner: 'command',
  commandRunner: {
    // one process for the room's test files (suite.ts); the dot reporter keeps the output small
    // (exec's buffer is 1 MB); QUARK_TESTING as tests/run.js sets it
    command: `QUARK_TESTING=1 QUARK_MUTATION_TESTS="${room.tests.join(' ')}" node --import tsx --test-reporter=dot tests/mutation/suite.ts`,
  },
  mutate: room.mutate,
  coverageAnalysis: 'off',
  // two workers: each runs the room's tests in one process (the machine has 2 cores, shared)
  concurrency: Number(process.env.QUARK_MUTATION_CONCURRENCY || 2),
  // a busy 2-core machine: a slow run must not pass for an infinite loop
  timeoutMS: 20000,
  timeoutFactor: 2,
  dryRunTimeoutMinutes: 5,
  incremental: true,
  incrementalFile: `tests/mutation/incremental/${name}.json`,
  reporters: ['json', 'clear-text', 'progress-append-only'],
  jsonReporter: { fileName: `tests/mutation/reports/${name}.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: true },
  // the sandbox needs the server and the tests only
  ignorePatterns: ['/dist', '/build', '/applications', '/quark-data', '/.quark', '/tests/bench', '/tests/views', '/tests/binary', '/tests/mutation/incremental', '/tests/mutation/reports', '*.log'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  disableTypeChecks: true,
  warnings: { slow: false },
}
