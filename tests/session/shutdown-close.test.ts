/**
 * Quark's shutdown closes the session stores: a Redis session store's connection to a private redis-server
 * (spare port, --save "") is gone once the server has stopped, without the test calling closeSessionStores.
 */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { Redis } from 'ioredis'
import { startServer } from '../helpers/server'
import { freePort } from '../helpers/ports'

let redis: ChildProcess | undefined
let checker: Redis | undefined
after(async () => {
  // a failed assertion must not leave the checker's connection holding the test process open
  checker?.disconnect()
  if (redis && redis.exitCode === null) { const gone = new Promise((r) => redis!.once('exit', r)); redis.kill('SIGTERM'); await gone }
})

test('stopping the server closes its Redis session store connection', { timeout: 120_000 }, async () => {
  const port = await freePort()
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  checker = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => 100 })
  const c = checker
  c.on('error', () => {})
  for (const end = Date.now() + 30_000; ;) {
    try { await c.connect(); if (await c.ping() === 'PONG') break } catch { /* not yet */ }
    if (Date.now() > end) throw new Error('redis-server did not start')
    await new Promise((r) => setTimeout(r, 50))
  }
  await c.client('SETNAME', 'checker')
  const others = async () => String(await c.client('LIST')).split('\n').filter((l) => l.includes('addr=') && !/ name=checker /.test(l)).length
  const s = await startServer({
    https: false,
    apps: { shop: {
      'controllers/default.ts': 'export function inc() { session.n = ((session.n as number) ?? 0) + 1; return String(session.n) }',
      'private/session.json': JSON.stringify({ store: 'redis', url: `redis://127.0.0.1:${port}` }),
    } },
  })
  try {
    assert.equal((await s.request('/shop/default/inc')).body, '1')
    assert.ok(await others() >= 1, 'the store is connected')
  } finally { await s.stop() }
  for (const end = Date.now() + 30_000; (await others()) > 0;) {
    if (Date.now() > end) throw new Error(`still connected after the server stopped: ${await c.client('LIST')}`)
    await new Promise((r) => setTimeout(r, 50))
  }
})
