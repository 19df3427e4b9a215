import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { copyScaffold } from '../../server/cli'
import { writeAppTypes, exportedNames } from '../../server/environment'

const root = path.resolve(__dirname, '..', '..')
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-types-test-'))
after(() => fs.rmSync(tmp, { recursive: true, force: true }))

function tsc(app: string) {
  const r = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '--noEmit', '-p', app], { encoding: 'utf8', cwd: root })
  const out = r.stdout + r.stderr
  // only the app's own diagnostics: a framework room being edited elsewhere must not fail this test
  const appErrors = out.split('\n').filter((l) => l.includes('applications/welcome/') && l.includes('error TS'))
  return { code: r.status, out, appErrors }
}

test('exportedNames finds declarations and export lists', () => {
  assert.deepEqual(exportedNames('export const a = 1\nexport function b() {}\nexport async function c() {}\nexport class D {}\nconst e = 1, f = 2\nexport { e, f as g }'), ['a', 'b', 'c', 'D', 'e', 'g'])
})

test('the generated declarations let tsc check the welcome app, and a wrong use is reported', () => {
  const app = path.join(tmp, 'applications', 'welcome')
  copyScaffold(app)
  const dts = writeAppTypes(app)
  const text = fs.readFileSync(dts, 'utf8')
  assert.match(text, /const request: import\(/)
  assert.match(text, /const settings: typeof import\('\.\.\/models\/0_config'\)\['settings'\]/)
  assert.match(text, /const menu: typeof import\('\.\.\/models\/menu'\)\['menu'\]/)
  const ok = tsc(app)
  assert.deepEqual(ok.appErrors, [], ok.out)
  fs.writeFileSync(path.join(app, 'controllers', 'wrong.ts'), [
    'export function bad() {',
    '  const n: number = settings.appName',      // a model export used with the wrong type
    '  return request.args(0).toUpperCase() + n', // args(i) may be undefined
    '}',
  ].join('\n'))
  const bad = tsc(app)
  assert.notEqual(bad.code, 0)
  assert.equal(bad.appErrors.length, 2, bad.out)
  assert.match(bad.appErrors[0]!, /wrong\.ts\(2,9\): error TS2322/)
  assert.match(bad.appErrors[1]!, /wrong\.ts\(3,10\): error TS(2532|18048)/)
})
