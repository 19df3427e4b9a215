#!/usr/bin/env node
// `npm run test:lts [-- <filter>...]`: the checkout's tests (tests/run.js) on the
// Node LTS the binaries embed (build/targets.ts: the pinned node package,
// fetched into the build cache on first use). SQLite is node:sqlite there:
// better-sqlite3's addon is compiled for the Node that installed it.
'use strict'
const { spawnSync } = require('node:child_process')
const path = require('node:path')

const root = path.resolve(__dirname, '..')
const found = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'build', 'targets.ts'), 'node'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
if (found.status !== 0) process.exit(found.status || 1)
const node = found.stdout.trim().split('\n').pop()
// QUARK_TEST_NODE=lts: the few tests of better-sqlite3 itself skip (its addon is built for the Node that installed it)
const r = spawnSync(node, [path.join(root, 'tests', 'run.js'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', env: { ...process.env, QUARK_TEST_NODE: 'lts' } })
process.exit(r.status === null ? 1 : r.status)
