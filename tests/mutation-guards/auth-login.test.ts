/**
 * Guards of auth.ts's login checks (room auth-login, #17 item 6) that tests/mutation-guards/auth-actions.test.ts
 * leaves open, over HTTP against a real server: the login's expiry and its once-a-minute refresh to the
 * millisecond (the clock pinned inside one action, so no timing is assumed), the logout key's derivation
 * and its answer when nobody is logged in, checkLogin's answers (web2py's login_bare, also used by basic
 * auth, the JSON login and the login methods) and the audit event of a locked-out account, and a user row
 * whose registration_key is NULL (a row inserted by hand or by appadmin) logging in.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import type { TestServer } from '../helpers/server'
import { startAuthApp, submit, logout } from '../auth/authApp'

const PW = 'correct horse 1'

// test-only actions (a real app would never expose these)
const TOOLS = `
export function pinned() {
  // one clock reading for the whole check: the bound is compared to the millisecond
  const real = Date.now
  const t = real()
  Date.now = () => t
  try {
    const a = session.auth as { lastVisit: number } | undefined
    if (a) a.lastVisit = t - Number(request.vars.ms)
    const loggedIn = auth.isLoggedIn()
    const after = (session.auth as { lastVisit: number } | undefined)?.lastVisit ?? null
    return response.json({ loggedIn, refreshed: after === t })
  } finally { Date.now = real }
}
export function keys() {
  const a = session.auth as { hmacKey: string } | undefined
  return response.json({ logoutKey: auth.logoutKey(), hmacKey: a?.hmacKey ?? null, check: auth.checkLogoutKey(String(request.vars.k ?? '')) })
}
export async function check() {
  const r = await auth.checkLogin(request.vars.email as string, request.vars.password as string)
  return response.json({ keys: Object.keys(r).sort(), user: r.user ? r.user.email : null, error: r.error })
}
export async function events() {
  const rows = await db(db.auth_event.description.eq(String(request.vars.d))).select({ orderby: db.auth_event.id })
  return response.json(rows.map((r) => r.user_id))
}
export async function userId() { return String((await db.auth_user.get({ email: String(request.vars.email) }))!.id) }
export async function nullKey() { await db(db.auth_user.email.eq(String(request.vars.email))).update({ registration_key: null }); return 'ok' }
`

let s: TestServer
before(async () => {
  s = await startAuthApp(`digestAlg: 'pbkdf2(1000,32,sha512)', loginMaxFailures: 3, expiration: 600`, { 'controllers/t.ts': TOOLS })
})
after(async () => { await s?.stop() })

let n = 0
async function newUser(): Promise<string> {
  const a = s.agent()
  const email = `login${++n}.${Date.now()}@example.com`
  const r = await submit(a, '/shop/default/user/register', 'register', { first_name: 'Ada', last_name: 'L', email, password: PW, password2: PW })
  assert.equal(r.status, 303, r.body.slice(0, 500))
  await logout(a)
  return email
}
const login = (email: string, password = PW, a = s.agent()) => submit(a, '/shop/default/user/login', 'login', { email, password })
const check = async (email: string, password: string) => (await s.request(`/shop/t/check?${new URLSearchParams({ email, password })}`)).json()

test('expiry to the millisecond: exactly `expiration` after the last visit is still logged in; the refresh needs more than a minute', async () => {
  const email = await newUser()
  const a = s.agent()
  assert.equal((await login(email, PW, a)).status, 303)
  let j = (await a.request('/shop/t/pinned?ms=60000')).json()
  assert.deepEqual(j, { loggedIn: true, refreshed: false }, 'a minute exactly: not yet rewritten')
  j = (await a.request('/shop/t/pinned?ms=60001')).json()
  assert.deepEqual(j, { loggedIn: true, refreshed: true })
  j = (await a.request('/shop/t/pinned?ms=600000')).json()
  assert.deepEqual(j, { loggedIn: true, refreshed: true }, '600 s exactly: still logged in')
  j = (await a.request('/shop/t/pinned?ms=600001')).json()
  assert.deepEqual(j, { loggedIn: false, refreshed: false }, 'one millisecond more: logged out')
})

test('the logout key is HMAC-SHA256(the login\'s key, "logout"); logged out there is none and nothing matches', async () => {
  const anon = (await s.request('/shop/t/keys?k=')).json()
  assert.deepEqual(anon, { logoutKey: null, hmacKey: null, check: false })
  const email = await newUser()
  const a = s.agent()
  await login(email, PW, a)
  const j = (await a.request('/shop/t/keys')).json()
  assert.equal(j.logoutKey, createHmac('sha256', j.hmacKey).update('logout').digest('hex'))
  assert.notEqual(j.logoutKey, createHmac('sha256', j.hmacKey).update('').digest('hex'))
  assert.equal((await a.request(`/shop/t/keys?k=${j.logoutKey}`)).json().check, true)
})

test('checkLogin answers { user, error } exactly, and a locked-out known account is logged with its id', async () => {
  const email = await newUser()
  assert.deepEqual(await check(email, PW), { keys: ['error', 'user'], user: email, error: null })
  assert.deepEqual(await check(email, 'wrong password 1'), { keys: ['error', 'user'], user: null, error: 'invalid' })
  assert.deepEqual(await check(`nobody.${email}`, PW), { keys: ['error', 'user'], user: null, error: 'invalid' })
  await check(email, 'wrong password 2')
  await check(email, 'wrong password 3')
  assert.deepEqual(await check(email, PW), { keys: ['error', 'user'], user: null, error: 'locked' })
  const id = Number((await s.request(`/shop/t/userId?email=${encodeURIComponent(email)}`)).body)
  const ids = (await s.request(`/shop/t/events?d=${encodeURIComponent('Login refused: too many failures')}`)).json() as Array<number | null>
  assert.ok(ids.includes(id), `the lock-out event names user ${id}: ${JSON.stringify(ids)}`)
})

test('a user whose registration_key is NULL (not "") logs in', async () => {
  const email = await newUser()
  await s.request(`/shop/t/nullKey?email=${encodeURIComponent(email)}`)
  assert.deepEqual(await check(email, PW), { keys: ['error', 'user'], user: email, error: null })
  assert.equal((await login(email)).status, 303)
})
