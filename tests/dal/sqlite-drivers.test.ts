// Both SQLite drivers of the seam (server/dal/drivers) pass the DAL conformance
// suite: better-sqlite3 in this process's Node (tests/dal/sqlite.test.ts), and
// node:sqlite here, run by the binaries' pinned Node (build/targets.ts; fetched
// with `npm pack` into the build cache on first use) with the same test files.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { hostTarget, nodeExecutable, NODE_VERSION } from '../../build/targets'

const root = path.resolve(__dirname, '..', '..')
const host = hostTarget()

test(`the DAL conformance suite passes on node:sqlite under Node ${NODE_VERSION}`, { skip: !host && 'no pinned Node for this machine', timeout: 600_000 }, () => {
  const node = nodeExecutable(host!)
  const files = ['tests/dal/sqlite.test.ts', 'tests/dal/sqlite-concurrency.test.ts', 'tests/dal/sqlite-node-driver.test.ts']
  const env: NodeJS.ProcessEnv = { ...process.env, QUARK_SQLITE_DRIVER: 'node:sqlite', QUARK_TEST_CONCURRENCY: '1' }
  delete env.NODE_TEST_CONTEXT  // else the child's runner thinks it is nested in this one and runs nothing
  const r = spawnSync(node, ['tests/run.js', ...files], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env })
  const out = `${r.stdout}\n${r.stderr}`
  assert.equal(r.status, 0, out.slice(-6000))
  assert.match(out, /[ℹ#] fail 0/)
  assert.match(out, /[ℹ#] pass [1-9]/)
  assert.match(out, /[ℹ#] skipped 0/, 'the node:sqlite cases ran')
})
