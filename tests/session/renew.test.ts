/**
 * renew() by a first-time visitor (a login form posted without a session cookie): the data is saved under a
 * new id and that id is sent as the cookie. Before the fix the id was drawn at renew() and never sent.
 */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'

let s: TestServer | undefined
after(() => s?.stop())

test('a visitor without a session cookie who logs in (renew) gets the session cookie and keeps the session', async () => {
  s = await startServer({
    https: false,
    apps: { shop: { 'controllers/default.ts': `
      export function login() { session.renew(); session.user = 7; return 'in' }
      export function me() { return String(session.user ?? 'nobody') }` } },
  })
  const r = await s.request('/shop/default/login')
  const cookie = r.cookies.session_id_shop
  assert.match(cookie ?? '', /^[0-9a-f]{32}$/)
  assert.equal((await s.request('/shop/default/me', { cookies: { session_id_shop: cookie! } })).body, '7')
})
