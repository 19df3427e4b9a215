// The admin app is an ordinary Quark app: with the declaration file the core
// generates for it, `tsc --noEmit -p admin` reports nothing in admin's own
// files (strict). Errors inside other rooms' sources, which the declaration
// pulls in, are theirs to report, not this test's.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { writeAppTypes } from '../../server/environment'

test('the admin app type-checks against its generated declarations', () => {
  const admin = path.resolve(__dirname, '..', '..', 'admin')
  writeAppTypes(admin)
  const tsc = require.resolve('typescript/bin/tsc')
  const r = spawnSync(process.execPath, [tsc, '--noEmit', '--pretty', 'false', '-p', admin], { encoding: 'utf8', timeout: 300000, cwd: admin })
  assert.notEqual(r.status, null, 'tsc finished in time')
  const mine = r.stdout.split('\n').filter((l) => /^(models|controllers|modules)\/.*\(\d+,\d+\): error/.test(l))
  assert.deepEqual(mine, [], mine.join('\n'))
  // and tsc did look at the admin's files: a wrong use in one would be reported
  assert.ok(r.status === 0 || /error TS/.test(r.stdout), r.stdout + r.stderr)
})
