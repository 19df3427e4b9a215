/**
 * A session store that is down: a request that needs its session gets 503 and a log line naming the store,
 * nothing runs; a request without a session is served as usual.
 */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'
import { closeSessionStores } from '../../server/session'
import { deadPort } from '../helpers/ports'

let s: TestServer | undefined
const errors: string[] = []
after(async () => { await s?.stop(); await closeSessionStores() })

test('Redis down: a request carrying a session answers 503 and runs nothing; one without a session is served', async () => {
  const port = await deadPort()
  s = await startServer({
    https: false,
    apps: {
      shop: {
        'controllers/default.ts': `export function read() { return 'ran ' + JSON.stringify(session) }`,
        'private/session.json': JSON.stringify({ store: 'redis', url: `redis://127.0.0.1:${port}` }),
      },
    },
    options: { logError: (l: string) => { errors.push(l) } },
  })
  const r = await s.request('/shop/default/read', { cookies: { session_id_shop: 'r' + 'a'.repeat(32) } })
  assert.equal(r.status, 503)
  assert.ok(!r.body.includes('ran'), 'the action did not run')
  assert.ok(!r.body.includes(String(port)), 'the page reveals nothing about the store')
  assert.ok(errors.some((l) => /session/.test(l) && /redis/.test(l)), errors.join('\n'))
  const plain = await s.request('/shop/default/read')
  assert.equal(plain.status, 200)
  assert.equal(plain.body, 'ran {}')
})
