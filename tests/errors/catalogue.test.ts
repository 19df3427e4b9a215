// Every error code is declared once, maps to a real HTTP status, and the
// README's table is the current catalogue.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { catalogue } from '../../server/errors'
import { catalogueMarkdown, loadAllRooms } from '../../build/error-catalogue'

test('every code is QK_-prefixed with an HTTP status', () => {
  loadAllRooms()
  const all = catalogue()
  assert.ok(all.length > 50, `only ${all.length} codes registered`)
  for (const e of all) {
    assert.match(e.code, /^QK_[A-Z0-9_]+$/)
    assert.ok(Number.isInteger(e.status) && e.status >= 400 && e.status < 600, `${e.code}: status ${e.status}`)
  }
})

test("the README's error table is the current catalogue", () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8')
  const m = /<!-- error-catalogue:start -->\n([\s\S]*?)<!-- error-catalogue:end -->/.exec(readme)
  assert.ok(m, 'README has the error-catalogue markers')
  assert.equal(m[1]!.trim(), catalogueMarkdown().trim(), 'run `node --import tsx build/error-catalogue.ts` and paste its output into README.md')
})
