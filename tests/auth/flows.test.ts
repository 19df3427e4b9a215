/** Every login flow over HTTP, as a browser does it. */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { TestServer } from '../helpers/server'
import { startAuthApp, submit, mails, linkIn, SESSION, formKey, logout } from './authApp'

let s: TestServer
before(async () => { s = await startAuthApp('registrationRequiresVerification: true, loginMaxFailures: 3') })
after(async () => { await s?.stop() })

const PW = 'correct horse 1'
const PW2 = 'battery staple 2'

test('register → verify → login → profile → change password → logout → reset → login', async () => {
  const a = s.agent()
  // register
  let r = await submit(a, '/shop/default/user/register', 'register', { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', password: PW, password2: PW })
  assert.equal(r.status, 303, r.body)
  assert.match(String(r.headers.location), /\/shop\/default\/user\/login/)
  // cannot log in before verifying
  r = await submit(a, '/shop/default/user/login', 'login', { email: 'ada@example.com', password: PW })
  assert.equal(r.status, 200)
  assert.match(r.body, /Registration needs verification/)
  // the mailed link verifies
  const m1 = mails(s).at(-1)!
  assert.deepEqual(m1.to, ['ada@example.com'])
  r = await a.request(linkIn(m1.message))
  assert.equal(r.status, 303)
  r = await a.request(String(r.headers.location))
  assert.match(r.body, /Email verified/)
  // login: a new session id
  const before = a.jar[SESSION]
  assert.ok(before)
  r = await submit(a, '/shop/default/user/login?_next=/shop/default/secret', 'login', { email: 'ada@example.com', password: PW })
  assert.equal(r.status, 303, r.body)
  assert.equal(r.headers.location, '/shop/default/secret')
  assert.ok(a.jar[SESSION] && a.jar[SESSION] !== before, 'session id renewed at login')
  r = await a.request('/shop/default/secret.json')
  assert.equal(r.status, 200)
  assert.equal(r.json().secret, 'for ada@example.com')
  // the navbar shows the user and a logout link
  r = await a.request('/shop/default/index')
  assert.match(r.body, /Ada/)
  assert.match(r.body, /user\/logout/)
  assert.doesNotMatch(r.body, /user\/register/)
  // profile
  r = await submit(a, '/shop/default/user/profile', 'profile', { first_name: 'Augusta', last_name: 'King', email: 'ada@example.com' })
  assert.equal(r.status, 303, r.body)
  r = await a.request('/shop/default/whoami.json')
  assert.equal(r.status, 200, r.body)
  assert.equal(r.json().user.first_name, 'Augusta')
  assert.equal(r.json().user.password, undefined)
  // change password: wrong old one refused, then accepted
  r = await submit(a, '/shop/default/user/change_password', 'change_password', { old_password: 'nope nope', new_password: PW2, new_password2: PW2 })
  assert.equal(r.status, 200)
  assert.match(r.body, /Invalid password/)
  r = await submit(a, '/shop/default/user/change_password', 'change_password', { old_password: PW, new_password: PW2, new_password2: PW2 })
  assert.equal(r.status, 303, r.body)
  // logout: the session id changes again and the user is gone
  const loggedIn = a.jar[SESSION]
  r = await logout(a)
  assert.equal(r.status, 303)
  assert.notEqual(a.jar[SESSION], loggedIn)
  r = await a.request('/shop/default/secret.json')
  assert.equal(r.status, 401)
  // reset by the mailed link
  const b = s.agent()
  r = await submit(b, '/shop/default/user/request_reset_password', 'request_reset_password', { email: 'ada@example.com' })
  assert.equal(r.status, 303)
  const m2 = mails(s).at(-1)!
  const link = linkIn(m2.message)
  assert.match(link, /reset_password\?key=/)
  r = await b.request(link)
  assert.equal(r.status, 303)
  assert.doesNotMatch(String(r.headers.location), /key=/)
  const PW3 = 'a third one 333'
  r = await submit(b, String(r.headers.location), 'reset_password', { new_password: PW3, new_password2: PW3 })
  assert.equal(r.status, 303, r.body)
  // the link works once only
  r = await b.request(link)
  assert.equal(r.status, 303)
  assert.match(String(r.headers.location), /user\/request_reset_password$/)
  r = await b.request(String(r.headers.location))
  assert.match(r.body, /Invalid or expired reset password link/)
  // old passwords refused, the new one accepted
  r = await submit(b, '/shop/default/user/login', 'login', { email: 'ada@example.com', password: PW2 })
  assert.match(r.body, /Invalid login/)
  r = await submit(b, '/shop/default/user/login', 'login', { email: 'ada@example.com', password: PW3 })
  assert.equal(r.status, 303, r.body)
  r = await b.request('/shop/default/secret.json')
  assert.equal(r.status, 200)
})

test('a form posted without its key, or with a stale key, is refused', async () => {
  const a = s.agent()
  const page = await a.request('/shop/default/user/register')
  const key = formKey(page.body, 'register')
  let r = await a.request('/shop/default/user/register', { form: { _formname: 'register', _formkey: 'f'.repeat(32), first_name: 'X', last_name: 'Y', email: 'x@example.com', password: PW, password2: PW } })
  assert.equal(r.status, 200)
  assert.match(r.body, /invalid form key/)
  // the form open in a second tab has its own key; each key serves once
  const tab2 = formKey((await a.request('/shop/default/user/register')).body, 'register')
  r = await a.request('/shop/default/user/register', { form: { _formname: 'register', _formkey: key, first_name: 'X', last_name: 'Y', email: 'x@example.com', password: PW, password2: PW + 'x' } })
  assert.doesNotMatch(r.body, /invalid form key/)
  const again = await a.request('/shop/default/user/register', { form: { _formname: 'register', _formkey: key, first_name: 'X', last_name: 'Y', email: 'x@example.com', password: PW, password2: PW } })
  assert.match(again.body, /invalid form key/, 'a used key is refused')
  r = await a.request('/shop/default/user/register', { form: { _formname: 'register', _formkey: tab2, first_name: 'X', last_name: 'Y', email: 'x@example.com', password: PW, password2: PW + 'x' } })
  assert.equal(r.status, 200)
  assert.match(r.body, /fields don(&#x27;|&#39;|')t match/)
})

test('repeated failures lock the account, even for the right password', async () => {
  const a = s.agent()
  let r = await submit(a, '/shop/default/user/register', 'register', { first_name: 'Bob', last_name: 'B', email: 'bob@example.com', password: PW, password2: PW })
  r = await a.request(linkIn(mails(s).at(-1)!.message))
  for (let i = 0; i < 3; i++) {
    r = await submit(a, '/shop/default/user/login', 'login', { email: 'bob@example.com', password: 'wrong password ' + i })
    assert.match(r.body, /Invalid login/)
  }
  r = await submit(a, '/shop/default/user/login', 'login', { email: 'bob@example.com', password: PW })
  assert.equal(r.status, 200)
  assert.match(r.body, /Account locked/)
  // basic auth is locked out too
  r = await s.request('/shop/default/secret.json', { headers: { authorization: 'Basic ' + Buffer.from(`bob@example.com:${PW}`).toString('base64') } })
  assert.equal(r.status, 401)
})
