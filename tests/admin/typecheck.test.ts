// The admin app is an ordinary Quark app: with the declaration file the core
// generates for it, tsc reports nothing in admin's own files (strict), and
// does report a wrong use in a probe file that sees the same declarations.
// Errors in other rooms' sources, which the declaration pulls in, are theirs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { writeAppTypes } from '../../server/environment'

test('the admin app type-checks against its generated declarations', () => {
  const checkout = path.resolve(__dirname, '..', '..')
  const admin = path.join(checkout, 'admin')
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-admin-tsc-'))
  try {
    writeAppTypes(admin)
    fs.writeFileSync(path.join(tmp, 'probe.ts'), 'export function probe() { return request.aplication }\n')
    const cfg = JSON.parse(fs.readFileSync(path.join(admin, 'tsconfig.json'), 'utf8'))
    cfg.compilerOptions.typeRoots = [path.join(checkout, 'node_modules', '@types')]
    cfg.include = [...cfg.include.map((p: string) => path.join(admin, p)), path.join(tmp, 'probe.ts')]
    fs.writeFileSync(path.join(tmp, 'tsconfig.json'), JSON.stringify(cfg))
    const tsc = require.resolve('typescript/bin/tsc')
    const r = spawnSync(process.execPath, [tsc, '--noEmit', '--pretty', 'false', '-p', path.join(tmp, 'tsconfig.json')], { encoding: 'utf8', timeout: 300000, cwd: admin })
    assert.notEqual(r.status, null, 'tsc finished in time')
    const mine = r.stdout.split('\n').filter((l) => /^(models|controllers|modules)\/.*\(\d+,\d+\): error/.test(l))
    assert.deepEqual(mine, [], mine.join('\n'))
    assert.match(r.stdout, /probe\.ts\(1,42\): error TS2551: Property 'aplication' does not exist on type 'QuarkRequest'/)
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
})
