/**
 * A real Redis on a spare port, stopped and started again under a running server: while it is down a
 * request carrying a session answers 503 (and the session is not half-written); once it is back, service
 * resumes by itself with the session intact (append-only file: Redis kept it across the restart).
 */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn, type ChildProcess } from 'node:child_process'
import { Redis } from 'ioredis'
import { startServer, type TestServer } from '../helpers/server'
import { closeSessionStores } from '../../server/session'
import { freePort } from '../helpers/ports'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-redis-'))
let server: TestServer | undefined
let redis: ChildProcess | undefined
after(async () => {
  await server?.stop()
  await closeSessionStores()
  await stopRedis()
  fs.rmSync(dir, { recursive: true, force: true })
})

async function startRedis(port: number): Promise<void> {
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', ''], { stdio: 'ignore' })
  const deadline = Date.now() + 30_000
  for (;;) {
    const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    c.on('error', () => {})
    try { await c.connect(); if (await c.ping() === 'PONG') { c.disconnect(); return } } catch { /* not yet */ }
    c.disconnect()
    if (Date.now() > deadline) throw new Error('redis-server did not start')
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function stopRedis(): Promise<void> {
  const r = redis
  redis = undefined
  if (!r || r.exitCode !== null) return
  const exited = new Promise((res) => r.once('exit', res))
  r.kill('SIGTERM')
  await exited
}

test('Redis stopped: 503 for session requests; started again: the same session is served, without a restart of Quark', { timeout: 120_000 }, async () => {
  const port = await freePort()
  await startRedis(port)
  server = await startServer({
    https: false,
    apps: {
      shop: {
        'controllers/default.ts': `
          export function read() { return JSON.stringify(session) }
          export function inc() { session.n = ((session.n as number) ?? 0) + 1; return String(session.n) }`,
        'private/session.json': JSON.stringify({ store: 'redis', url: `redis://127.0.0.1:${port}` }),
      },
    },
    options: { logError: () => {} },
  })
  const first = await server.request('/shop/default/inc')
  const cookie = first.cookies.session_id_shop!
  assert.ok(cookie)
  await stopRedis()
  const down = await server.request('/shop/default/inc', { cookies: { session_id_shop: cookie } })
  assert.equal(down.status, 503)
  await startRedis(port)
  const deadline = Date.now() + 60_000
  let r = await server.request('/shop/default/inc', { cookies: { session_id_shop: cookie } })
  while (r.status !== 200 && Date.now() < deadline) {
    await new Promise((res) => setTimeout(res, 100))
    r = await server.request('/shop/default/inc', { cookies: { session_id_shop: cookie } })
  }
  assert.equal(r.status, 200, r.body)
  assert.equal(r.body, '2', 'the session written before the outage, incremented once: the failed request wrote nothing')
})
