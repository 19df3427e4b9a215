/**
 * The cookie store's own guarantees (beyond the conformance suite): authenticated encryption bound to the
 * app, key rotation, the 4 KB limit with a clear error, maxAge enforced by the server, and what a replayed
 * cookie does (documented: accepted until its maxAge).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { CookieStore } from '../../server/session/stores/cookie'
import { loadSession, saveSession, setSessionStore, QK_SESSION_COOKIE_TOO_LARGE, makeStore, QK_SESSION_BAD_CONFIG } from '../../server/session'

const OLD = 'the previous secret, long enough'
const NEW = 'the current secret, long enough!'

test('a flipped bit anywhere in the cookie, or a cookie of another app or secret, reads as no session', async () => {
  const s = new CookieStore({ secrets: [NEW], app: 'shop' })
  const c = await s.save('', JSON.stringify({ user: 7 }))
  assert.deepEqual(await s.load(c), { user: 7 })
  const raw = Buffer.from(c.slice(3), 'base64url')
  for (const i of [0, 13, raw.length - 1]) {
    const t = Buffer.from(raw); t[i] ^= 1
    assert.equal(await s.load('q1.' + t.toString('base64url')), undefined, `byte ${i} flipped`)
  }
  assert.equal(await new CookieStore({ secrets: [NEW], app: 'blog' }).load(c), undefined, 'another app')
  assert.equal(await new CookieStore({ secrets: [OLD], app: 'shop' }).load(c), undefined, 'another secret')
  assert.ok(!c.includes('user'), 'the content is not readable')
})

test('key rotation: cookies of the old secret still load, new writes use the new secret only', async () => {
  const before = await new CookieStore({ secrets: [OLD], app: 'shop' }).save('', '{"n":1}')
  const rotated = new CookieStore({ secrets: [NEW, OLD], app: 'shop' })
  assert.deepEqual(await rotated.load(before), { n: 1 })
  const after = await rotated.save('', '{"n":2}')
  assert.deepEqual(await new CookieStore({ secrets: [NEW], app: 'shop' }).load(after), { n: 2 })
  assert.equal(await new CookieStore({ secrets: [NEW], app: 'shop' }).load(before), undefined, 'the old secret retired: its cookies are void')
})

test('past ~4 KB the write fails with QK_SESSION_COOKIE_TOO_LARGE, not a cookie the browser would drop', async () => {
  const s = new CookieStore({ secrets: [NEW], app: 'shop' })
  await assert.rejects(s.save('', JSON.stringify({ big: 'x'.repeat(4000) })), (e: unknown) => e instanceof QK_SESSION_COOKIE_TOO_LARGE && /4096/.test((e as Error).message))
  assert.ok((await s.save('', JSON.stringify({ small: 'x'.repeat(2500) }))).length < 4096)
})

test('replay: an older cookie is accepted until its maxAge (no server state to revoke it), refused after', async () => {
  let now = Date.now()
  const s = new CookieStore({ secrets: [NEW], app: 'shop', maxAge: 3600, now: () => now })
  const loggedIn = await s.save('', '{"user":7}')
  now += 60_000
  const loggedOut = await s.save('', '{}')
  assert.deepEqual(await s.load(loggedOut), {})
  assert.deepEqual(await s.load(loggedIn), { user: 7 }, 'documented: a replayed cookie is valid until it expires')
  now += 3600_000
  assert.equal(await s.load(loggedIn), undefined, 'past maxAge since its write it is refused, whatever the browser kept')
})

test('a cookie session holding __proto__ never reaches the session object\'s prototype', async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-cookie-'))
  try {
    const store = new CookieStore({ secrets: [NEW], app: path.basename(folder) })
    setSessionStore(folder, store)
    const c = await store.save('', '{"__proto__":{"admin":true},"a":1}')
    const session = await loadSession(folder, c)
    assert.equal((session as Record<string, unknown>).admin, undefined)
    assert.equal(session.a, 1)
    session.a = 2
    const r = await saveSession(folder, session)
    assert.ok(r.setCookie?.startsWith('q1.') && r.setCookie !== c, 'a changed cookie session is sent again')
  } finally { fs.rmSync(folder, { recursive: true, force: true }) }
})

test('a configuration naming an unknown store, or a cookie store without a long secret, is refused clearly', () => {
  assert.throws(() => makeStore('/x/applications/a', { store: 'memcached' as never }), QK_SESSION_BAD_CONFIG)
  assert.throws(() => makeStore('/x/applications/a', { store: 'cookie', secret: 'short' }), QK_SESSION_BAD_CONFIG)
  assert.throws(() => makeStore('/x/applications/a', { store: 'redis' }), QK_SESSION_BAD_CONFIG)
})
