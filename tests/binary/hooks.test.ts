// build/apply-sea-hooks.ts against the current tree, on a copy (the real files belong to other rooms).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { HOOKS, applyHooks } from '../../build/apply-sea-hooks'
import { root } from './helpers'

test('every SEA hook matches the current tree, applies once, and is idempotent', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-hooks-'))
  try {
    for (const rel of Object.keys(HOOKS)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true })
      fs.copyFileSync(path.join(root, rel), path.join(dir, rel))
    }
    const total = Object.values(HOOKS).reduce((n, h) => n + h.length, 0)
    const check = applyHooks(dir, true)
    assert.deepEqual(check.missing, [], 'a hook no longer matches its file: update build/apply-sea-hooks.ts')
    assert.equal(check.applied.length + check.already.length, total)
    const first = applyHooks(dir, false)
    assert.deepEqual(first.missing, [])
    const second = applyHooks(dir, false)
    assert.equal(second.applied.length, 0)
    assert.equal(second.already.length, total)
    const start = fs.readFileSync(path.join(dir, 'server/cli/start.ts'), 'utf8')
    assert.match(start, /projectFolder\('welcome-app'\)/)
    assert.match(start, /projectFolder\('admin'\)/)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
