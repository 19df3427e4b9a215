// The admin app is an ordinary Quark app: with the declaration file the core
// generates for it, `tsc --noEmit -p admin` passes (strict).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { writeAppTypes } from '../../server/environment'

test('the admin app type-checks against its generated declarations', () => {
  const admin = path.resolve(__dirname, '..', '..', 'admin')
  writeAppTypes(admin)
  const tsc = require.resolve('typescript/bin/tsc')
  const r = spawnSync(process.execPath, [tsc, '--noEmit', '-p', admin], { encoding: 'utf8', timeout: 120000 })
  assert.equal(r.status, 0, r.stdout + r.stderr)
})
