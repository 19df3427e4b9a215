/**
 * One process for a room's test files (QUARK_MUTATION_TESTS, space separated):
 * Stryker runs this once per mutant, so the tsx start and the server's load
 * are paid once per mutant, not once per file. node:test runs what the files
 * register and sets the exit code when a test fails.
 */
import path from 'node:path'

const files = (process.env.QUARK_MUTATION_TESTS ?? '').split(' ').filter(Boolean)
if (!files.length) throw new Error('QUARK_MUTATION_TESTS names no test file')
for (const f of files) require(path.resolve(f))
