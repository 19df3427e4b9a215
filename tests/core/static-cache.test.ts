// Small static files are answered from memory; a change on disk is served at once.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startServer } from '../helpers/server'

test('a small static file edited on disk is served fresh, byte for byte', async () => {
  const s = await startServer({ apps: { app: { 'controllers/default.ts': 'export function index() { return "ok" }', 'static/note.txt': 'first version' } } })
  try {
    const file = path.join(s.folder, 'applications', 'app', 'static', 'note.txt')
    assert.equal((await s.request('/app/static/note.txt')).body, 'first version')
    assert.equal((await s.request('/app/static/note.txt')).body, 'first version')
    fs.writeFileSync(file, 'the second, longer version')
    const r = await s.request('/app/static/note.txt')
    assert.equal(r.body, 'the second, longer version')
    assert.equal(r.headers['content-length'], String(Buffer.byteLength('the second, longer version')))
    const head = await s.request('/app/static/note.txt', { method: 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal(head.body, '')
  } finally { await s.stop() }
})
