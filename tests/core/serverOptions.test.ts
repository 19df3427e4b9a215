import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startServer, writeApp } from '../helpers/server'

test('plain HTTP: served, one log line per request, session cookie without Secure', async () => {
  const lines: string[] = []
  const s = await startServer({
    https: false,
    apps: { app: { 'controllers/default.ts': `export function index() { session.x = 1; return 'plain' }` } },
    options: { quiet: false, log: (l) => lines.push(l) },
  })
  try {
    assert.match(s.url, /^http:/)
    const r = await s.request('/app/default/index?q=1')
    assert.equal(r.body, 'plain')
    const cookie = r.setCookie.find((l) => l.startsWith('session_id_app='))!
    assert.ok(cookie)
    assert.doesNotMatch(cookie, /Secure/)
    assert.match(cookie, /HttpOnly/)
    await s.request('/app/nothing')
    assert.match(lines[0]!, /^GET \/app\/default\/index\?q=1 200 \d+\.\dms$/)
    assert.match(lines[1]!, /^GET \/app\/nothing 404 /)
  } finally { await s.stop() }
})

test('an app mounted from any folder is served under its name and wins over applications/', async () => {
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-mounted-'))
  writeApp(outside, { 'controllers/default.ts': `export function index() { return 'mounted ' + request.application }` })
  const s = await startServer({
    apps: { tools: { 'controllers/default.ts': `export function index() { return 'from applications' }` } },
    options: { mount: { tools: outside } },
  })
  try {
    assert.equal((await s.request('/tools')).body, 'mounted tools')
    assert.throws(() => s.server.registry.mountApp('bad-name', outside), /Invalid application name/)
    // apps created while the server runs are found without a restart
    writeApp(path.join(s.folder, 'applications', 'fresh'), { 'controllers/default.ts': `export function index() { return 'fresh' }` })
    await new Promise((r) => setTimeout(r, 1100))
    assert.equal((await s.request('/fresh')).body, 'fresh')
  } finally {
    await s.stop()
    fs.rmSync(outside, { recursive: true, force: true })
  }
})
