// Who may call a RestAPI (issue #23 item 1): HTTP basic against auth_user, JWTs checked with jose
// (signature, algorithm, expiry), API keys made and revoked in the profile page (stored hashed,
// limited to tables), and the per-caller rate limit (429 + Retry-After) in memory and in Redis.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { openSqlite } from '../../server/dal/drivers'
import Redis from 'ioredis'
import { SignJWT } from 'jose'
import { startRestApp, basic, JWT_SECRET, fetch } from './restApp'
import { submit } from '../auth/authApp'
import { createTestDatabase, type TestDatabase } from '../helpers/databases'
import type { TestServer } from '../helpers/server'
import { closeRateLimitClients } from '../../server/services'

const key = new TextEncoder().encode(JWT_SECRET)
const jwt = (claims: Record<string, unknown>, exp: number | string = '1h', secret = key) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(exp).sign(secret)

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`RestAPI authentication on ${kind}`, () => {
    let s: TestServer
    let pg: TestDatabase | undefined
    const diary = (headers: Record<string, string>) => fetch(s.url + '/shop/default/api/diary', { headers })

    before(async () => {
      if (kind === 'postgres') pg = await createTestDatabase('postgres', 'restauth')
      s = await startRestApp(pg?.uri)
    })
    after(async () => { await s?.stop(); await pg?.drop() })

    test('basic: the right password reads the user\'s rows, a wrong one is a 401', async () => {
      const ok = await diary({ authorization: basic('ann@example.com', 'ann-password-1') })
      assert.equal(ok.status, 200)
      assert.deepEqual((await ok.json()).items.map((i: { entry: string }) => i.entry), ['ann private'])
      const bad = await diary({ authorization: basic('ann@example.com', 'wrong') })
      assert.equal(bad.status, 401)
      assert.equal((await bad.json()).error.code, 'QK_REST_UNAUTHORIZED')
      assert.equal((await diary({ authorization: 'Digest x' })).status, 401)
    })

    test('JWT: Auth\'s own token and a jose-made one are accepted', async () => {
      const own = await (await fetch(s.url + '/shop/default/token?id=1')).text()
      const r = await diary({ authorization: `Bearer ${own}` })
      assert.equal(r.status, 200)
      assert.equal((await r.json()).items[0].entry, 'ann private')
      const bob = await diary({ authorization: `Bearer ${await jwt({ sub: '2' })}` })
      assert.equal((await bob.json()).items[0].entry, 'bob private')
    })

    test('JWT: forged, wrongly signed, expired, alg none and garbage tokens are 401', async () => {
      const good = await jwt({ sub: '2' })
      const [h, , sig] = good.split('.')
      const forged = `${h}.${Buffer.from(JSON.stringify({ sub: '1', exp: Math.floor(Date.now() / 1000) + 3600 })).toString('base64url')}.${sig}`
      const cases: [string, string, RegExp][] = [
        ['forged payload', forged, /signature/],
        ['other secret', await jwt({ sub: '1' }, '1h', new TextEncoder().encode('another-secret-of-32-characters!')), /signature/],
        ['expired', await jwt({ sub: '1' }, Math.floor(Date.now() / 1000) - 60), /expired/],
        ['alg none', `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"1"}').toString('base64url')}.`, /invalid token/],
        ['garbage', 'not.a.token', /invalid token/],
        ['unknown user', await jwt({ sub: '999' }), /does not exist/],
      ]
      for (const [what, token, why] of cases) {
        const r = await diary({ authorization: `Bearer ${token}` })
        assert.equal(r.status, 401, what)
        const e = (await r.json()).error
        assert.equal(e.code, 'QK_REST_UNAUTHORIZED', what)
        assert.match(e.message, why, what)
      }
    })

    test('API keys: made in the profile page, limited to a table, stored hashed, revoked', async () => {
      const a = s.agent()
      const login = await submit(a, '/shop/default/user/login', 'login', { email: 'ann@example.com', password: 'ann-password-1' })
      assert.equal(login.status, 303)
      // the session's login is a caller too
      const bySession = await a.request('/shop/default/api/diary')
      assert.equal(bySession.status, 200)
      assert.deepEqual(bySession.json().items.map((i: { entry: string }) => i.entry), ['ann private'])
      assert.equal((await s.request('/shop/default/api/diary')).status, 401, 'without the cookie: nobody')
      const profile = await a.request('/shop/default/user/profile')
      assert.match(profile.body, /href="\/shop\/default\/user\/api_keys"[^>]*>API keys</)
      const made = await submit(a, '/shop/default/user/api_keys', 'apikey_create', { name: 'my script', tables: 'diary' })
      assert.equal(made.status, 200)
      const k = /<code class="quark-apikey-new[^"]*">(qk_[A-Za-z0-9_-]+)<\/code>/.exec(made.body)?.[1]
      assert.ok(k, made.body.slice(0, 2000))
      assert.doesNotMatch(made.body, /value="my script"/, 'the form is empty again for the next key')
      const again = await a.request('/shop/default/user/api_keys')
      assert.doesNotMatch(again.body, new RegExp(k!), 'the key is shown once')
      assert.match(again.body, /my script/)
      assert.match(again.body, /tables: diary/)

      const viaHeader = await diary({ 'x-api-key': k! })
      assert.equal(viaHeader.status, 200)
      assert.equal((await viaHeader.json()).items[0].entry, 'ann private')
      assert.equal((await diary({ authorization: `Bearer ${k}` })).status, 200)
      const other = await fetch(s.url + '/shop/default/api/thing', { headers: { 'x-api-key': k! } })
      assert.equal(other.status, 403, 'the key is limited to diary')
      assert.match((await other.json()).error.message, /limited to diary/)
      for (const bad of ['qk_' + 'A'.repeat(32), 'nope', 'qk_<script>', 'x'.repeat(5000)]) {
        const r = await diary({ 'x-api-key': bad })
        assert.equal(r.status, 401, bad.slice(0, 20))
      }
      if (kind === 'sqlite') {
        // the DAL's own SQLite driver: better-sqlite3, or node:sqlite on the Node LTS (npm run test:lts)
        const db = openSqlite(path.join(s.appFolder('shop'), 'databases', 'storage.sqlite'))
        try {
          const rows = db.prepare("SELECT * FROM auth_credential WHERE method = 'apikey'").all([]) as Record<string, unknown>[]
          assert.equal(rows.length, 1)
          assert.doesNotMatch(JSON.stringify(rows), new RegExp(k!.slice(3)), 'only a hash of the key is stored')
          assert.match(String(rows[0]!.subject), /^[0-9a-f]{64}$/)
        } finally { db.close() }
      }
      const id = /apikey_revoke_(\d+)/.exec(again.body)![1]
      const revoked = await submit(a, '/shop/default/user/api_keys', `apikey_revoke_${id}`, {})
      assert.equal(revoked.status, 303)
      const after = await diary({ 'x-api-key': k! })
      assert.equal(after.status, 401)
      assert.match((await after.json()).error.message, /revoked/)
    })

    test('the rate limit per caller: 429 with Retry-After past the policy\'s count', async () => {
      const hit = () => fetch(s.url + '/shop/default/limited/thing')
      for (let i = 0; i < 3; i++) assert.equal((await hit()).status, 200, `request ${i + 1}`)
      const r = await hit()
      assert.equal(r.status, 429)
      const wait = Number(r.headers.get('retry-after'))
      assert.ok(Number.isInteger(wait) && wait > 0 && wait <= 3600, String(wait))
      assert.equal((await r.json()).error.code, 'QK_REST_RATE_LIMITED')
      // another caller (a logged-in user) has its own count
      assert.equal((await fetch(s.url + '/shop/default/limited/thing', { headers: { authorization: `Bearer ${await jwt({ sub: '1' })}` } })).status, 401, 'this API takes no credentials')
    })
  })
}

describe('RestAPI rate limit in Redis', () => {
  let s: TestServer
  let redis: Redis
  before(async () => {
    redis = new Redis('redis://127.0.0.1:6379/0')
    for (const k of await redis.keys('quark:rest:shop:*')) await redis.del(k)
    s = await startRestApp()
  })
  after(async () => {
    await s?.stop()
    for (const k of await redis.keys('quark:rest:shop:*')) await redis.del(k)
    redis.disconnect()
    await closeRateLimitClients()
  })

  test('the count lives in Redis, shared by every process', async () => {
    const hit = () => fetch(s.url + '/shop/default/limitedRedis/thing')
    assert.equal((await hit()).status, 200)
    assert.equal((await hit()).status, 200)
    const keys = await redis.keys('quark:rest:shop:*')
    assert.equal(keys.length, 1)
    assert.equal(await redis.get(keys[0]!), '2')
    const r = await hit()
    assert.equal(r.status, 429)
    assert.ok(Number(r.headers.get('retry-after')) > 0)
  })
})
