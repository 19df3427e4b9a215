/** requires… over HTML and JSON, group and permission changes, API credentials, open redirects. */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { Agent, TestServer } from '../helpers/server'
import { startAuthApp, submit, logout } from './authApp'
import { signJwt } from '../../server/auth'

let s: TestServer
let ada: Agent
let adaId: number
const PW = 'correct horse 1'
before(async () => {
  s = await startAuthApp()
  ada = s.agent()
  const r = await submit(ada, '/shop/default/user/register', 'register', { first_name: 'Ada', last_name: 'L', email: 'ada@example.com', password: PW, password2: PW })
  assert.equal(r.status, 303, r.body)
  adaId = (await ada.request('/shop/default/whoami.json')).json().user.id
})
after(async () => { await s?.stop() })

test('requiresLogin: HTML redirects to login with _next, JSON answers 401, logged in passes', async () => {
  let r = await s.request('/shop/default/secret?x=1')
  assert.equal(r.status, 303)
  assert.equal(r.headers.location, '/shop/default/user/login?_next=%2Fshop%2Fdefault%2Fsecret%3Fx%3D1')
  r = await s.request('/shop/default/secret.json')
  assert.equal(r.status, 401)
  assert.equal(r.json().error, 'Not logged in')
  assert.match(String(r.headers['www-authenticate']), /Basic/)
  r = await ada.request('/shop/default/secret')
  assert.equal(r.status, 200)
  assert.match(r.body, /for ada@example.com/)
})

test('the navbar shows Log In / Sign Up to visitors', async () => {
  const r = await s.request('/shop/default/index')
  assert.match(r.body, /href="\/shop\/default\/user\/login"/)
  assert.match(r.body, /href="\/shop\/default\/user\/register"/)
  assert.doesNotMatch(r.body, /user\/logout/)
})

test('requiresMembership: 403 until the group is granted, again after it is revoked (next request)', async () => {
  let r = await ada.request('/shop/default/admin.json')
  assert.equal(r.status, 403)
  r = await ada.request('/shop/default/admin')
  assert.equal(r.status, 403)
  assert.match(r.body, /Not authorized/)
  assert.equal((await s.request('/shop/default/admin')).status, 303)
  assert.equal((await s.request('/shop/default/admin.json')).status, 401)
  await s.request(`/shop/default/grant?user=${adaId}&group=admin`)
  r = await ada.request('/shop/default/admin.json')
  assert.equal(r.status, 200)
  assert.equal(r.json().area, 'admin')
  assert.equal((await ada.request('/shop/default/admin')).status, 200)
  await s.request(`/shop/default/revoke?user=${adaId}&group=admin`)
  assert.equal((await ada.request('/shop/default/admin.json')).status, 403)
})

test('requiresPermission: table-wide and per-record permissions', async () => {
  assert.equal((await ada.request('/shop/default/edit.json')).status, 403)
  assert.equal((await ada.request('/shop/default/editOne.json')).status, 403)
  assert.equal((await s.request('/shop/default/edit')).status, 303)
  await s.request(`/shop/default/grant?user=${adaId}&perm=edit&table=thing&record=7`)
  assert.equal((await ada.request('/shop/default/editOne.json')).status, 200)
  assert.equal((await ada.request('/shop/default/edit.json')).status, 403, 'a record permission does not cover the table')
  await s.request(`/shop/default/grant?user=${adaId}&perm=edit&table=thing`)
  assert.equal((await ada.request('/shop/default/edit.json')).status, 200)
  assert.equal((await ada.request('/shop/default/edit')).status, 200)
  await s.request(`/shop/default/revoke?user=${adaId}&perm=edit&table=thing`)
  assert.equal((await ada.request('/shop/default/edit.json')).status, 403)
})

test('requiresSignature: a URL signed for this login passes, tampered or foreign ones do not', async () => {
  const link = (await ada.request('/shop/default/link')).body
  assert.match(link, /^\/shop\/default\/signed\/1\?_signature=/)
  let r = await ada.request(link.replace('.html', '') + '')
  assert.equal(r.status, 200, r.body)
  r = await ada.request(link.replace('/signed/1', '/signed/2'))
  assert.equal(r.status, 403)
  assert.equal((await ada.request('/shop/default/signed/1')).status, 403)
  assert.equal((await s.request(link)).status, 303, 'another session (not logged in) is sent to login')
})

test('requires(condition)', async () => {
  assert.equal((await ada.request('/shop/default/cond.json?ok=1')).status, 200)
  assert.equal((await ada.request('/shop/default/cond.json?ok=0')).status, 403)
  assert.equal((await s.request('/shop/default/cond.json?ok=1')).status, 401)
})

test('basic auth and bearer tokens for JSON actions', async () => {
  const basic = 'Basic ' + Buffer.from(`ada@example.com:${PW}`).toString('base64')
  let r = await s.request('/shop/default/secret.json', { headers: { authorization: basic } })
  assert.equal(r.status, 200)
  assert.equal(r.headers['set-cookie'], undefined, 'basic auth does not open a session')
  r = await s.request('/shop/default/secret.json', { headers: { authorization: 'Basic ' + Buffer.from('ada@example.com:wrong').toString('base64') } })
  assert.equal(r.status, 401)
  r = await s.request('/shop/default/secret', { headers: { authorization: 'Basic ' + Buffer.from('ada@example.com:wrong').toString('base64') } })
  assert.equal(r.status, 401, 'a request with credentials is an API request even as .html')
  const token = (await ada.request('/shop/default/token.json')).json().token as string
  r = await s.request('/shop/default/secret.json', { headers: { authorization: `Bearer ${token}` } })
  assert.equal(r.status, 200)
  assert.equal(r.json().secret, 'for ada@example.com')
  const forged = signJwt({ sub: adaId }, 'another-secret-of-32-characters!!')
  assert.equal((await s.request('/shop/default/secret.json', { headers: { authorization: `Bearer ${forged}` } })).status, 401)
  const [h, p] = token.split('.')
  const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${p}.`
  assert.equal((await s.request('/shop/default/secret.json', { headers: { authorization: `Bearer ${none}` } })).status, 401)
  const expired = signJwt({ sub: adaId }, 'a-test-secret-of-32-characters!!', -10)
  assert.equal((await s.request('/shop/default/secret.json', { headers: { authorization: `Bearer ${expired}` } })).status, 401)
  void h
  // tokens for a password, over JSON, throttled like the form
  r = await s.request('/shop/default/apiToken.json', { body: { email: 'ada@example.com', password: PW } })
  assert.equal(r.status, 200, r.body)
  assert.equal((await s.request('/shop/default/secret.json', { headers: { authorization: `Bearer ${r.json().token}` } })).status, 200)
  r = await s.request('/shop/default/apiToken.json', { body: { email: 'ada@example.com', password: 'nope' } })
  assert.equal(r.status, 401)
  assert.equal(r.json().error, 'Invalid login')
  assert.equal((await s.request('/shop/default/apiToken.json')).status, 405)
})

test('_next to another host is refused (open redirect)', async () => {
  const b = s.agent()
  await submit(b, '/shop/default/user/register', 'register', { first_name: 'Eve', last_name: 'E', email: 'eve@example.com', password: PW, password2: PW })
  await logout(b)
  for (const next of ['https://evil.example/x', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', '/%0d%0aSet-Cookie:x']) {
    const r = await submit(b, `/shop/default/user/login?_next=${encodeURIComponent(next)}`, 'login', { email: 'eve@example.com', password: PW })
    assert.equal(r.status, 303)
    const loc = String(r.headers.location)
    assert.ok(loc.startsWith('/') && !loc.startsWith('//') && !loc.includes('evil'), `${next} → ${loc}`)
    await logout(b)
  }
  const r = await submit(b, `/shop/default/user/login?_next=${encodeURIComponent('/shop/default/secret?a=1')}`, 'login', { email: 'eve@example.com', password: PW })
  assert.equal(r.headers.location, '/shop/default/secret?a=1')
})

test('disabled or unknown actions answer 404; not_authorized answers 403', async () => {
  assert.equal((await s.request('/shop/default/user/nope')).status, 404)
  assert.equal((await s.request('/shop/default/user/retrieve_username')).status, 404)
  assert.equal((await s.request('/shop/default/user/not_authorized')).status, 403)
})
