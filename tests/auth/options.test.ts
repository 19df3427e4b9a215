/** Registration options: approval, captcha hook, registration disabled, usernames and retrieve_username. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startAuthApp, submit, mails, logout } from './authApp'

const PW = 'correct horse 1'

test('approval by an administrator: pending until approved', async () => {
  const s = await startAuthApp('registrationRequiresApproval: true')
  try {
    const a = s.agent()
    let r = await submit(a, '/shop/default/user/register', 'register', { first_name: 'P', last_name: 'P', email: 'p@example.com', password: PW, password2: PW })
    assert.equal(r.status, 303)
    r = await a.request(String(r.headers.location))
    assert.match(r.body, /pending approval/)
    r = await submit(a, '/shop/default/user/login', 'login', { email: 'p@example.com', password: PW })
    assert.equal(r.status, 200)
    assert.match(r.body, /needs verification/)
    await s.request('/shop/default/approve?email=p@example.com')
    r = await submit(a, '/shop/default/user/login', 'login', { email: 'p@example.com', password: PW })
    assert.equal(r.status, 303)
  } finally { await s.stop() }
})

test('captcha hook and disabled registration', async () => {
  const s = await startAuthApp("captcha: (r: any) => (r.vars.captcha === '42' ? null : 'Wrong answer'), actionsDisabled: ['request_reset_password']")
  try {
    const a = s.agent()
    let r = await submit(a, '/shop/default/user/register', 'register', { first_name: 'C', last_name: 'C', email: 'c@example.com', password: PW, password2: PW, captcha: '41' })
    assert.equal(r.status, 200)
    assert.match(r.body, /Wrong answer/)
    r = await submit(a, '/shop/default/user/register', 'register', { first_name: 'C', last_name: 'C', email: 'c@example.com', password: PW, password2: PW, captcha: '42' })
    assert.equal(r.status, 303)
    assert.equal((await s.request('/shop/default/user/request_reset_password')).status, 404)
  } finally { await s.stop() }
  const t = await startAuthApp("actionsDisabled: ['register']")
  try {
    assert.equal((await t.request('/shop/default/user/register')).status, 404)
    const login = await t.request('/shop/default/user/login')
    assert.equal(login.status, 200)
    assert.doesNotMatch(login.body, /quark-auth-links[^]*user\/register/)
  } finally { await t.stop() }
})

test('usernames: log in with the username, retrieve it by mail', async () => {
  const s = await startAuthApp('username: true')
  try {
    const a = s.agent()
    let r = await submit(a, '/shop/default/user/register', 'register', { first_name: 'U', last_name: 'U', email: 'u@example.com', username: 'ulla', password: PW, password2: PW })
    assert.equal(r.status, 303, r.body)
    await logout(a)
    r = await submit(a, '/shop/default/user/register', 'register', { first_name: 'V', last_name: 'V', email: 'v@example.com', username: 'ulla', password: PW, password2: PW })
    assert.equal(r.status, 200, 'a taken username is refused')
    r = await submit(a, '/shop/default/user/login', 'login', { username: 'ulla', password: PW })
    assert.equal(r.status, 303)
    await logout(a)
    r = await submit(a, '/shop/default/user/retrieve_username', 'retrieve_username', { email: 'u@example.com' })
    assert.equal(r.status, 303)
    assert.match(mails(s).at(-1)!.message, /ulla/)
  } finally { await s.stop() }
})

test('extra user fields appear in register and profile, with their validators', async () => {
  const s = await startAuthApp('', {}, {}, "{ extraFields: { user: [Field('phone', 'string', { requires: IS_MATCH('^[0-9 +]+$', { errorMessage: 'Digits only' }) })] } }")
  try {
    const a = s.agent()
    let r = await submit(a, '/shop/default/user/register', 'register', { first_name: 'E', last_name: 'E', email: 'e@example.com', phone: 'abc', password: PW, password2: PW })
    assert.equal(r.status, 200)
    assert.match(r.body, /Digits only/)
    r = await submit(a, '/shop/default/user/register', 'register', { first_name: 'E', last_name: 'E', email: 'e@example.com', phone: '+39 123', password: PW, password2: PW })
    assert.equal(r.status, 303, r.body)
    assert.equal((await a.request('/shop/default/whoami.json')).json().user.phone, '+39 123')
    r = await a.request('/shop/default/user/profile')
    assert.match(r.body, /name="phone"[^>]*value="\+39 123"/)
    r = await submit(a, '/shop/default/user/profile', 'profile', { first_name: 'E', last_name: 'E', email: 'e@example.com', phone: '555' })
    assert.equal(r.status, 303, r.body)
    assert.equal((await a.request('/shop/default/whoami.json')).json().user.phone, '555')
  } finally { await s.stop() }
})
