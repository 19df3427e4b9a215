/**
 * A database session store on PostgreSQL whose server goes away and comes back, under a running server:
 * the store's URI points at a TCP proxy the test cuts and restores on the same port. While it is cut, a
 * request carrying a session answers 503 (QK_SESSION_STORE_DOWN in the log line, nothing of the store on
 * the page), the action does not run and the session is not half-written; once the proxy is back, the
 * same session is served again without restarting Quark.
 */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import net from 'node:net'
import path from 'node:path'
import pg from 'pg'
import { startServer, type TestServer } from '../helpers/server'
import { createTestDatabase, type TestDatabase } from '../helpers/databases'
import { closeSessionStores } from '../../server/session'

let server: TestServer | undefined
let pgdb: TestDatabase | undefined
let cut: (() => Promise<void>) | undefined
after(async () => {
  await server?.stop()
  await closeSessionStores()
  await cut?.()
  await pgdb?.drop()
})

/** a TCP proxy to PostgreSQL on `port` (0: any); cut() destroys every connection and closes the port */
async function proxy(port: number): Promise<{ port: number; cut(): Promise<void> }> {
  const sockets = new Set<net.Socket>()
  const srv = net.createServer((client) => {
    const upstream = net.connect(5432, '127.0.0.1')
    for (const s of [client, upstream]) { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => s.destroy()) }
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r))
  return {
    port: (srv.address() as net.AddressInfo).port,
    cut: async () => {
      const closed = new Promise<void>((r) => srv.close(() => r()))
      for (const s of sockets) s.destroy()
      await closed
    },
  }
}

test('PostgreSQL session store cut and restored: 503 with a named error meanwhile, nothing half-written, then the same session again', { timeout: 120_000 }, async () => {
  pgdb = await createTestDatabase('postgres', 'sess_down')
  let p = await proxy(0)
  cut = p.cut
  const errors: string[] = []
  const marks = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'quark-sess-down-')), 'ran.txt')
  server = await startServer({
    https: false,
    apps: {
      shop: {
        'controllers/default.ts': `
          import fs from 'node:fs'
          export function inc() {
            fs.appendFileSync(${JSON.stringify(marks)}, 'ran\\n')
            session.n = ((session.n as number) ?? 0) + 1
            return String(session.n)
          }`,
        'private/session.json': JSON.stringify({ store: 'database', uri: pgdb.uri.replace(':5432/', `:${p.port}/`) }),
      },
    },
    options: { logError: (l: string) => { errors.push(l) } },
  })
  const ran = () => { try { return fs.readFileSync(marks, 'utf8').split('\n').filter(Boolean).length } catch { return 0 } }
  const first = await server.request('/shop/default/inc')
  assert.equal(first.body, '1')
  const cookie = first.cookies.session_id_shop!
  assert.ok(cookie)
  assert.equal((await server.request('/shop/default/inc', { cookies: { session_id_shop: cookie } })).body, '2')

  // the second request's unlock runs after its answer: let it land (an unlock cut off would leave the row locked
  // until its lockTtl, 60 s, before the session is served again; that case is the lock's, not the outage's)
  const unlocked = async () => {
    const c = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: pgdb!.name })
    await c.connect()
    try { return (await c.query('SELECT COUNT(*) AS n FROM qk_session WHERE lock_owner IS NOT NULL')).rows[0].n === '0' } finally { await c.end() }
  }
  for (const end = Date.now() + 30_000; !(await unlocked());) {
    if (Date.now() > end) throw new Error('the session stayed locked')
    await new Promise((res) => setTimeout(res, 50))
  }
  await p.cut()
  const down = await server.request('/shop/default/inc', { cookies: { session_id_shop: cookie } })
  assert.equal(down.status, 503)
  assert.ok(!down.body.includes(String(p.port)) && !/postgres/i.test(down.body), 'the page reveals nothing about the store')
  assert.ok(errors.some((l) => /QK_SESSION_STORE_DOWN/.test(l) && /database/.test(l)), errors.join('\n'))
  assert.equal(ran(), 2, 'the action did not run while the store was down')

  p = await proxy(p.port)
  cut = p.cut
  const deadline = Date.now() + 60_000
  let r = await server.request('/shop/default/inc', { cookies: { session_id_shop: cookie } })
  while (r.status !== 200 && Date.now() < deadline) {
    await new Promise((res) => setTimeout(res, 100))
    r = await server.request('/shop/default/inc', { cookies: { session_id_shop: cookie } })
  }
  assert.equal(r.status, 200, r.body)
  assert.equal(r.body, '3', 'the session as it was before the outage, incremented once more: the refused request wrote nothing')
  assert.equal(ran(), 3)
  fs.rmSync(path.dirname(marks), { recursive: true, force: true })
})
