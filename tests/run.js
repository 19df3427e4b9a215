#!/usr/bin/env node
// `npm test`: the type check, then every *.test.ts under tests/ with node's test runner.
// Node 20's --test does not expand globs, so the files are found here.
'use strict'
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.resolve(__dirname, '..')
const only = process.argv.slice(2)

function findTests(dir, out) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'tmp' || entry.name === 'fixtures') continue
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) findTests(full, out)
    else if (entry.name.endsWith('.test.ts')) out.push(full)
  }
  return out
}

let files = findTests(path.join(root, 'tests'), []).sort()
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)))

if (!only.length) {
  console.log('# tsc --noEmit')
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '--noEmit', '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit', cwd: root })
  if (tsc.status !== 0) {
    console.error('# type check failed')
    process.exit(tsc.status || 1)
  }
  console.log('# type check passed')
}

const concurrency = process.env.QUARK_TEST_CONCURRENCY || '2'
const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files], { stdio: 'inherit', cwd: root, env: { ...process.env, QUARK_TESTING: '1' } })
process.exit(res.status === null ? 1 : res.status)
