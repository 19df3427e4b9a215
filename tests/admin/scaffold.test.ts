// A new app calls itself by its name, not "Welcome": made in the admin (its
// page's brand and <title> say "Notes", its comments its own URLs, a README of
// its own) and by `quark new` spawned in an empty folder.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { startAdminServer, loggedIn } from './helpers'
import type { TestServer } from '../helpers/server'

let s: TestServer

before(async () => { s = await startAdminServer() })
after(async () => { await s?.stop() })

test('an app made in the admin is named in its brand, title, comments and README', async () => {
  const { agent, csrf } = await loggedIn(s)
  const r = await agent.request('/admin/default/create_app', { form: { _csrf: csrf, name: 'notes' } })
  assert.equal(r.status, 303)
  const page = await s.request('/notes/default/index')
  assert.equal(page.status, 200)
  assert.match(page.body, /<title>Notes/)
  assert.match(page.body, /class="navbar-brand"[^>]*>Notes</)
  assert.doesNotMatch(page.body, /Welcome/)
  const folder = s.appFolder('notes')
  assert.match(fs.readFileSync(path.join(folder, 'controllers', 'default.ts'), 'utf8'), /\/notes\/default\/<name>/)
  assert.match(fs.readFileSync(path.join(folder, 'models', 'db.ts'), 'utf8'), /\/notes\/default\/user\/login/)
  assert.match(fs.readFileSync(path.join(folder, 'README.md'), 'utf8'), /^# Notes\n/)
  // the welcome app itself is untouched
  assert.match(fs.readFileSync(path.join(s.appFolder('welcome'), 'models', '0_config.ts'), 'utf8'), /appName: 'Welcome'/)
})

test('`quark new my_notes` in an empty folder makes "My notes"', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-new-name-'))
  try {
    const env = { ...process.env }
    for (const k of ['NODE_TEST_CONTEXT', 'QUARK_TESTING', 'NODE_OPTIONS']) delete env[k]
    const r = spawnSync(process.execPath, [path.resolve(__dirname, '..', '..', 'server', 'cli', 'quark.js'), 'new', 'my_notes'], { cwd: dir, env, encoding: 'utf8' })
    assert.equal(r.status, 0, r.stderr)
    const app = path.join(dir, 'applications', 'my_notes')
    assert.match(fs.readFileSync(path.join(app, 'models', '0_config.ts'), 'utf8'), /appName: 'My notes'/)
    assert.match(fs.readFileSync(path.join(app, 'static', 'css', 'app.css'), 'utf8'), /The my_notes app's own look/)
    assert.match(fs.readFileSync(path.join(app, 'README.md'), 'utf8'), /`\/my_notes\/default\/index`/)
    const bad = spawnSync(process.execPath, [path.resolve(__dirname, '..', '..', 'server', 'cli', 'quark.js'), 'new', 'my notes'], { cwd: dir, env, encoding: 'utf8' })
    assert.notEqual(bad.status, 0)
    assert.match(bad.stderr, /Invalid app name/)
  } finally { fs.rmSync(dir, { recursive: true, force: true }) }
})
