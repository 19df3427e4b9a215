/**
 * Guards of the login, registration, reset and lock-out flows (auth.ts and actions.ts; room auth-actions,
 * #17 item 6), over HTTP against a real server: where `_next` may lead, what a reset key must look like
 * and how long it lives, which accounts may log in or get a reset mail, what a logout needs, and what a
 * login keeps in the session. tests/auth/flows.test.ts walks the happy path; these aim at the checks.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { TestServer, Agent } from '../helpers/server'
import { startAuthApp, submit, mails, linkIn, SESSION, logout } from '../auth/authApp'
import { Auth } from '../../server/auth'

const PW = 'correct horse 1'
const HEX48 = 'ab'.repeat(24)

// test-only actions: plant keys and read a user's record (a real app would never expose these)
const TOOLS = `
export async function plant() {
  const v: Record<string, unknown> = {}
  for (const k of ['registration_key', 'reset_password_key']) if (typeof request.vars[k] === 'string') v[k] = request.vars[k]
  await db(db.auth_user.email.eq(String(request.vars.email))).update(v)
  return 'ok'
}
export async function row() {
  const r = await db.auth_user.get({ email: String(request.vars.email) })
  return response.json(r ? { registration_key: r.registration_key, reset_password_key: r.reset_password_key } : null)
}
export function age() {
  const a = session.auth as { lastVisit: number } | undefined
  if (a) a.lastVisit = Date.now() - Number(request.vars.ms)
  return response.json({ lastVisit: a?.lastVisit ?? null })
}
export function sess() { return response.json({ auth: session.auth ?? null, reset: session._reset_password_key ?? null }) }
`

const FAST = "digestAlg: 'pbkdf2(1000,32,sha512)'"
let s: TestServer
let approval: TestServer
before(async () => {
  // a cheap hash (1000 rounds): every mutant runs this file, and the hash's strength is not what it checks
  s = await startAuthApp(`${FAST}, loginMaxFailures: 3, expiration: 600, longExpiration: 7200`, { 'controllers/t.ts': TOOLS })
  approval = await startAuthApp(`${FAST}, registrationRequiresApproval: true, registrationRequiresVerification: true`, { 'controllers/t.ts': TOOLS })
})
after(async () => { await s?.stop(); await approval?.stop() })

let n = 0
async function newUser(server: TestServer, a: Agent = server.agent()): Promise<{ a: Agent; email: string }> {
  const email = `user${++n}.${Date.now()}@example.com`
  const r = await submit(a, '/shop/default/user/register', 'register', { first_name: 'Ada', last_name: 'L', email, password: PW, password2: PW })
  assert.equal(r.status, 303, r.body.slice(0, 500))
  if (server === s) await logout(a)
  return { a: server.agent(), email }
}
const plant = (server: TestServer, email: string, vars: Record<string, string>) => server.request(`/shop/t/plant?${new URLSearchParams({ email, ...vars })}`)
const row = async (server: TestServer, email: string) => (await server.request(`/shop/t/row?email=${encodeURIComponent(email)}`)).json()
const login = (a: Agent, email: string, password = PW, next = '') => submit(a, `/shop/default/user/login${next ? `?_next=${encodeURIComponent(next)}` : ''}`, 'login', { email, password })

test('safeNext: same-site paths only', () => {
  const auth = Object.create(Auth.prototype) as Auth
  const ok = ['/x', '/shop/default/secret?a=1&b=2', '/a/b#frag', '/%2F%2Fevil.example']
  const bad = ['', '//evil.example', '///evil.example', '/\\evil.example', '\\\\evil', 'https://evil.example/', 'javascript:alert(1)', 'x/y', '/a\r\nSet-Cookie: x=1',
    '/a\tb', '/a\nb', '/a\rb', '/a\u0000b', ' /x']
  for (const u of ok) assert.equal(auth.safeNext(u, 'FALLBACK'), u, u)
  for (const u of bad) assert.equal(auth.safeNext(u, 'FALLBACK'), 'FALLBACK', JSON.stringify(u))
  for (const u of [undefined, null, 5, ['/x'], { toString: () => '/x' }]) assert.equal(auth.safeNext(u, 'FALLBACK'), 'FALLBACK')
})

test('login: _next is followed when it is a path of this site, else the default', async () => {
  const { email } = await newUser(s)
  let r = await login(s.agent(), email, PW, '/shop/default/secret')
  assert.equal(r.status, 303)
  assert.equal(r.headers.location, '/shop/default/secret')
  r = await login(s.agent(), email, PW, '//evil.example/x')
  assert.equal(r.headers.location, '/shop/default/index')
  // a logged-in GET of the login page goes on to _next (never the form again)
  const a = s.agent()
  await login(a, email)
  r = await a.request('/shop/default/user/login?_next=/shop/default/secret')
  assert.equal(r.status, 303)
  assert.equal(r.headers.location, '/shop/default/secret')
  r = await a.request('/shop/default/user/register?_next=https://evil.example')
  assert.equal(r.status, 303)
  assert.equal(r.headers.location, '/shop/default/index')
})

test('login keeps the user without secrets, a fresh hmac key, and the expiration of the remember-me choice', async () => {
  const { email } = await newUser(s)
  const a = s.agent()
  await login(a, email)
  let j = (await a.request('/shop/t/sess')).json()
  assert.equal(j.auth.user.email, email)
  for (const k of ['password', 'registration_key', 'reset_password_key', 'registration_id']) assert.equal(k in j.auth.user, false, k)
  assert.match(j.auth.hmacKey, /^[0-9a-f]{32}$/)
  assert.equal(j.auth.expiration, 600)
  assert.equal(j.auth.remember, false)
  const b = s.agent()
  const r = await submit(b, '/shop/default/user/login', 'login', { email, password: PW, remember_me: 'on' })
  assert.equal(r.status, 303)
  j = (await b.request('/shop/t/sess')).json()
  assert.equal(j.auth.expiration, 7200)
  assert.equal(j.auth.remember, true)
  assert.notEqual(j.auth.hmacKey, (await a.request('/shop/t/sess')).json().auth.hmacKey, 'one key per login')
})

test('a login lasts `expiration` seconds after the last visit, which is refreshed at most once a minute', async () => {
  const { email } = await newUser(s)
  const a = s.agent()
  await login(a, email)
  // 30 s ago: logged in, the visit not rewritten
  let set = (await a.request('/shop/t/age?ms=30000')).json().lastVisit
  assert.equal((await a.request('/shop/default/secret.json')).status, 200)
  assert.equal((await a.request('/shop/t/sess')).json().auth.lastVisit, set, 'not refreshed within the minute')
  // 90 s ago: refreshed to now
  set = (await a.request('/shop/t/age?ms=90000')).json().lastVisit
  assert.equal((await a.request('/shop/default/secret.json')).status, 200)
  const refreshed = (await a.request('/shop/t/sess')).json().auth.lastVisit
  assert.ok(refreshed > set + 60_000, 'refreshed after a minute')
  // 5 s short of the 600 s expiration: still logged in; 5 s past it: logged out, the login gone from the session
  await a.request('/shop/t/age?ms=595000')
  assert.equal((await a.request('/shop/default/secret.json')).status, 200)
  await a.request('/shop/t/age?ms=605000')
  assert.equal((await a.request('/shop/default/secret.json')).status, 401)
  assert.equal((await a.request('/shop/t/sess')).json().auth, null)
})

test('the email login is case- and space-insensitive; a wrong password or an unknown account is "Invalid login"', async () => {
  const { email } = await newUser(s)
  let r = await login(s.agent(), `  ${email.toUpperCase()} `)
  assert.equal(r.status, 303, r.body.slice(0, 300))
  r = await login(s.agent(), email, 'wrong password!')
  assert.match(r.body, /Invalid login/)
  r = await login(s.agent(), `nobody.${email}`)
  assert.match(r.body, /Invalid login/)
})

test('registration keys: pending, disabled, blocked and an unverified email never log in, each with its message', async () => {
  const { email } = await newUser(s)
  for (const [key, msg] of [['pending', /Registration needs verification/], ['disabled', /Account disabled/], ['blocked', /Account disabled/], [HEX48, /Registration needs verification/]] as const) {
    await plant(s, email, { registration_key: key })
    const r = await login(s.agent(), email)
    assert.equal(r.status, 200, key)
    assert.match(r.body, msg, key)
  }
  await plant(s, email, { registration_key: '' })
  assert.equal((await login(s.agent(), email)).status, 303)
})

test('lock-out: the failures of one account lock it for the right password too, and an unknown login likewise', async () => {
  const { email } = await newUser(s)
  const a = s.agent()
  for (let i = 0; i < 3; i++) assert.match((await login(a, email, `wrong ${i} password`)).body, /Invalid login/)
  const r = await login(a, email)
  assert.equal(r.status, 200)
  assert.match(r.body, /Account locked/)
  const ghost = `ghost.${email}`
  for (let i = 0; i < 3; i++) assert.match((await login(a, ghost, `wrong ${i} password`)).body, /Invalid login/)
  assert.match((await login(a, ghost)).body, /Account locked/, 'an unknown account locks the same way (no enumeration)')
})

test('logout: only a POST with this login\'s key; a GET, a forged or a foreign key leave the user logged in', async () => {
  const { email } = await newUser(s)
  const a = s.agent()
  await login(a, email)
  const other = s.agent()
  await login(other, email)
  const page = await a.request('/shop/default/user/logout')
  assert.equal(page.status, 200)
  assert.match(page.body, /Log out of this site\?/)
  assert.doesNotMatch(page.body, /invalid form key/)
  const key = /name="_formkey"[^>]*value="([0-9a-f]{64})"/.exec(page.body)![1]!
  const otherKey = /name="_formkey"[^>]*value="([0-9a-f]{64})"/.exec((await other.request('/shop/default/user/logout')).body)![1]!
  assert.notEqual(key, otherKey)
  for (const given of ['', 'f'.repeat(64), otherKey, key.slice(0, 63), key + '0']) {
    const r = await a.request('/shop/default/user/logout', { form: { _formkey: given } })
    assert.equal(r.status, 200, given)
    assert.match(r.body, /Session expired or invalid form key/)
    assert.equal((await a.request('/shop/default/secret.json')).status, 200, `still logged in after ${JSON.stringify(given)}`)
  }
  // the right key in a query string is not a POST
  assert.equal((await a.request(`/shop/default/user/logout?_formkey=${key}`)).status, 200)
  assert.equal((await a.request('/shop/default/secret.json')).status, 200)
  const before = a.jar[SESSION]
  const r = await a.request('/shop/default/user/logout?_next=/shop/default/secret', { form: { _formkey: key } })
  assert.equal(r.status, 303)
  assert.equal(r.headers.location, '/shop/default/secret')
  assert.notEqual(a.jar[SESSION], before, 'a new session id after logout')
  assert.equal((await a.request('/shop/default/secret.json')).status, 401)
  assert.equal((await a.request('/shop/t/sess')).json().auth, null)
  // not logged in: the logout page only redirects
  const g = await s.agent().request('/shop/default/user/logout')
  assert.equal(g.status, 303)
  assert.equal((await other.request('/shop/default/secret.json')).status, 200, 'the other session is untouched')
})

test('reset keys: only <future ms>-<48 hex> is looked up; expired, malformed or unknown keys are refused', async () => {
  const { email } = await newUser(s)
  const future = Date.now() + 3_600_000
  const cases = [`${Date.now() - 1000}-${HEX48}`, `${future}-${HEX48.slice(1)}`, `${future}-${HEX48}0`, `${future}-${HEX48.toUpperCase()}`, `x${future}-${HEX48}`,
    `${future}-${HEX48}\n`, `-${HEX48}`, `${future}${HEX48}`, `${future}-${HEX48.replace('a', 'g')}`,
    // a prefix that Number() reads past: the key must start with its digits
    `+${future}-${HEX48}`, ` ${future}-${HEX48}`]
  for (const key of cases) {
    await plant(s, email, { reset_password_key: key })
    const a = s.agent()
    const r = await a.request(`/shop/default/user/reset_password?key=${encodeURIComponent(key)}`)
    assert.equal(r.status, 303, key)
    assert.match(String(r.headers.location), /user\/request_reset_password$/, key)
    assert.match((await a.request(String(r.headers.location))).body, /Invalid or expired reset password link/, key)
    assert.equal((await row(s, email)).reset_password_key, key, 'a refused key changes nothing')
  }
  // a well-formed, live key: spent at once (the record gets a fresh key of the same expiry, kept in the session only)
  const key = `${future}-${HEX48}`
  await plant(s, email, { reset_password_key: key })
  const a = s.agent()
  const r = await a.request(`/shop/default/user/reset_password?key=${key}`)
  assert.equal(r.status, 303)
  assert.match(String(r.headers.location), /user\/reset_password$/)
  const fresh = (await row(s, email)).reset_password_key
  assert.match(fresh, new RegExp(`^${future}-[0-9a-f]{48}$`))
  assert.notEqual(fresh, key)
  assert.equal((await a.request('/shop/t/sess')).json().reset, fresh)
  const form = await a.request('/shop/default/user/reset_password')
  assert.equal(form.status, 200)
  assert.doesNotMatch(form.body, new RegExp(fresh.split('-')[1]!), 'the key is not in the page')
  // the reset page without a key in the session, or with one that expired meanwhile, sends back
  const none = await s.agent().request('/shop/default/user/reset_password')
  assert.equal(none.status, 303)
  assert.match(String(none.headers.location), /request_reset_password$/)
  await plant(s, email, { reset_password_key: `${Date.now() - 1}-${fresh.split('-')[1]}` })
  const expired = await a.request('/shop/default/user/reset_password')
  assert.equal(expired.status, 303)
  assert.equal((await a.request('/shop/t/sess')).json().reset, null, 'the dead key is dropped from the session')
})

test('a reset ends a pending verification but never lifts pending approval, disabled or blocked; mismatch refused', async () => {
  for (const [before, after] of [[HEX48, ''], ['pending', 'pending'], ['disabled', 'disabled'], ['blocked', 'blocked'], ['', '']] as const) {
    const { email } = await newUser(s)
    const key = `${Date.now() + 3_600_000}-${HEX48}`
    await plant(s, email, { reset_password_key: key, registration_key: before })
    const a = s.agent()
    const url = String((await a.request(`/shop/default/user/reset_password?key=${key}`)).headers.location)
    let r = await submit(a, url, 'reset_password', { new_password: 'new password 123', new_password2: 'new password 124' })
    assert.equal(r.status, 200)
    assert.match(r.body, /fields don(&#x27;|&#39;|')t match/)
    r = await submit(a, url, 'reset_password', { new_password: 'new password 123', new_password2: 'new password 123' })
    assert.equal(r.status, 303, r.body.slice(0, 300))
    const after2 = await row(s, email)
    assert.equal(after2.registration_key, after, `registration_key ${before}`)
    assert.equal(after2.reset_password_key, '')
    assert.equal((await a.request('/shop/t/sess')).json().reset, null)
    if (after === '') assert.equal((await login(s.agent(), email, 'new password 123')).status, 303)
  }
})

test('request_reset_password: a mail with a live key for an active account only, the same answer for every address', async () => {
  const { email } = await newUser(s)
  const sent = mails(s).length
  let r = await submit(s.agent(), '/shop/default/user/request_reset_password', 'request_reset_password', { email: email.toUpperCase() })
  assert.equal(r.status, 303)
  const answer = r.headers.location
  assert.equal(mails(s).length, sent + 1)
  const key = new URLSearchParams(linkIn(mails(s).at(-1)!.message).split('?')[1]).get('key')!
  const [ms] = key.split('-')
  // a day by default: the expiry is now + 24 h (within the test's own run time)
  assert.ok(Math.abs(Number(ms) - (Date.now() + 86_400_000)) < 120_000, `expiry ${ms}`)
  assert.equal((await row(s, email)).reset_password_key, key)
  for (const state of ['pending', 'disabled', 'blocked']) {
    await plant(s, email, { registration_key: state })
    r = await submit(s.agent(), '/shop/default/user/request_reset_password', 'request_reset_password', { email })
    assert.equal(r.headers.location, answer, state)
    assert.equal(mails(s).length, sent + 1, `no mail for a ${state} account`)
  }
  r = await submit(s.agent(), '/shop/default/user/request_reset_password', 'request_reset_password', { email: `nobody.${email}` })
  assert.equal(r.headers.location, answer)
  assert.equal(mails(s).length, sent + 1)
})

test('verify_email: a 48-hex key only; with approval required the account stays pending', async () => {
  const a = approval.agent()
  const email = `v${++n}@example.com`
  let r = await submit(a, '/shop/default/user/register', 'register', { first_name: 'V', last_name: 'W', email, password: PW, password2: PW })
  assert.equal(r.status, 303)
  const key = (await row(approval, email)).registration_key
  assert.match(key, /^[0-9a-f]{48}$/, 'verification wins over approval: a key to mail')
  for (const bad of [key.slice(1), key + '0', key.toUpperCase(), 'pending', '']) {
    r = await a.request(`/shop/default/user/verify_email/${bad}`)
    assert.equal(r.status, 303)
    assert.match((await a.request(String(r.headers.location))).body, /Invalid verification link/, bad)
  }
  assert.equal((await row(approval, email)).registration_key, key)
  r = await a.request(linkIn(mails(approval).at(-1)!.message))
  assert.equal(r.status, 303)
  assert.match((await a.request(String(r.headers.location))).body, /Registration is pending approval/)
  assert.equal((await row(approval, email)).registration_key, 'pending')
  assert.match((await login(approval.agent(), email)).body, /Registration needs verification/)
})

test('change_password: the old password is checked and the two new ones must match', async () => {
  const { email } = await newUser(s)
  const a = s.agent()
  await login(a, email)
  let r = await submit(a, '/shop/default/user/change_password', 'change_password', { old_password: 'not it at all', new_password: 'next password 1', new_password2: 'next password 1' })
  assert.match(r.body, /Invalid password/)
  r = await submit(a, '/shop/default/user/change_password', 'change_password', { old_password: PW, new_password: 'next password 1', new_password2: 'next password 2' })
  assert.match(r.body, /fields don(&#x27;|&#39;|')t match/)
  assert.equal((await login(s.agent(), email)).status, 303, 'the password is unchanged')
  r = await submit(a, '/shop/default/user/change_password', 'change_password', { old_password: PW, new_password: 'next password 1', new_password2: 'next password 1' })
  assert.equal(r.status, 303)
  assert.equal((await login(s.agent(), email, 'next password 1')).status, 303)
  // not logged in: sent to the login page, back here after
  const g = await s.agent().request('/shop/default/user/change_password')
  assert.equal(g.status, 303)
  assert.match(String(g.headers.location), /user\/login\?_next=/)
})

test('unknown or disabled actions are 404', async () => {
  assert.equal((await s.request('/shop/default/user/nope')).status, 404)
  assert.equal((await s.request('/shop/default/user/retrieve_username')).status, 404, 'no username login: no username retrieval')
  assert.equal((await s.request('/shop/default/user/not_authorized')).status, 403)
})
