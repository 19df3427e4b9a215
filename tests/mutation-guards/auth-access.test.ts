/**
 * Guards for auth/access.ts found by mutation testing (issue 17 item 6),
 * over the real server: who counts as an API client, the exact refusals
 * (redirect with _next, 401 with its challenge, 403), credentials in the
 * Authorization header (basic only when allowed, bearer tokens only for
 * active users), signed URLs, token issue. A cheap PBKDF2 keeps it quick.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { Agent, TestServer } from '../helpers/server'
import { startAuthApp, submit } from '../auth/authApp'
import { signJwt } from '../../server/auth'

const CHEAP = `digestAlg: 'pbkdf2(1000,32,sha512)'`
const SECRET = 'a-test-secret-of-32-characters!!'
const PW = 'correct horse 1'
const EXTRA = {
  'controllers/extra.ts': `
    export const open = auth.requires(true, () => ({ area: 'open' }), { requiresLogin: false })
    export const closed = auth.requires(false, () => ({ area: 'closed' }), { requiresLogin: false })
    export const asyncCond = auth.requires(async () => request.vars.ok === '1', () => ({ area: 'async' }))
    export const byId = auth.requiresMembership(Number(request.vars.g ?? 0), () => ({ area: 'by id' }))
    export const anyTable = auth.requiresPermission('read', () => ({ area: 'read' }))
    export function loginUrls() { return { plain: auth.loginUrl(), next: auth.loginUrl('/shop/x?a=1') } }
    export function signNobody() { try { return auth.signedURL('default', 'signed') } catch (e) { return { code: (e as any).code, message: (e as any).message } } }
    export const signPlain = auth.requiresLogin(() => auth.signedURL('default', 'signed'))
    export async function tokenNobody() { try { return await auth.issueToken() } catch (e) { return { code: (e as any).code, message: (e as any).message } } }
    export async function tokenFor() { return { token: await auth.issueToken(Number(request.vars.id)) } }
    export function badGuard() { try { auth.requiresMembership('x', 5 as any); return 'wrapped' } catch (e) { return { code: (e as any).code, message: (e as any).message } } }
    export function badRecord() { try { auth.requiresPermission('x', 'thing', 1.5, () => 1); return 'wrapped' } catch (e) { return { code: (e as any).code, message: (e as any).message } } }
    export async function block() { await db(db.auth_user.id.eq(Number(request.vars.id))).update({ registration_key: 'blocked' }); return 'ok' }
    export const loadable = auth.requiresLogin(() => 'fragment')
  `,
}

let s: TestServer
let noBasic: TestServer
let ada: Agent
let adaId: number
before(async () => {
  s = await startAuthApp(CHEAP, EXTRA)
  noBasic = await startAuthApp(`${CHEAP}, allowBasicLogin: false`, EXTRA)
  ada = s.agent()
  const r = await submit(ada, '/shop/default/user/register', 'register', { first_name: 'Ada', last_name: 'L', email: 'ada@example.com', password: PW, password2: PW })
  assert.equal(r.status, 303, r.body)
  adaId = (await ada.request('/shop/default/whoami.json')).json().user.id
})
after(async () => { await s?.stop(); await noBasic?.stop() })

test('refusals: HTML → login with _next; .load is HTML too; .json or an Authorization header → 401 JSON with a Basic or Bearer challenge', async () => {
  let r = await s.request('/shop/extra/loadable.load')
  assert.equal(r.status, 303)
  assert.equal(r.headers.location, '/shop/default/user/login?_next=%2Fshop%2Fextra%2Floadable.load')
  r = await s.request('/shop/default/secret.json')
  assert.equal(r.status, 401)
  assert.deepEqual(r.json(), { error: 'Not logged in' })
  assert.equal(r.headers['www-authenticate'], 'Basic realm="shop"')
  r = await noBasic.request('/shop/default/secret.json')
  assert.equal(r.headers['www-authenticate'], 'Bearer')
  r = await s.request('/shop/default/secret', { headers: { authorization: 'Bearer nonsense' } })
  assert.equal(r.status, 401, 'an Authorization header makes an API request even for .html')
  assert.equal((await ada.request('/shop/extra/loadable.load')).body, 'fragment')
})

test('403 for a logged-in user: JSON for API requests, an HTML page otherwise', async () => {
  let r = await ada.request('/shop/default/admin.json')
  assert.equal(r.status, 403)
  assert.deepEqual(r.json(), { error: 'Not authorized' })
  r = await ada.request('/shop/default/admin')
  assert.equal(r.status, 403)
  assert.match(String(r.headers['content-type']), /^text\/html; charset=utf-8/)
  assert.match(r.body, /^<!DOCTYPE html><title>403<\/title><h1>Not authorized<\/h1>/)
})

test('requires(condition): booleans, async conditions, with or without login', async () => {
  assert.equal((await s.request('/shop/extra/open.json')).status, 200, 'no login needed')
  assert.equal((await s.request('/shop/extra/asyncCond.json?ok=1')).status, 401, 'requires() needs a login unless told otherwise')
  assert.equal((await s.request('/shop/extra/closed.json')).status, 401, 'refused, and nobody is logged in')
  assert.equal((await ada.request('/shop/extra/closed.json')).status, 403)
  assert.equal((await ada.request('/shop/extra/asyncCond.json?ok=1')).status, 200)
  assert.equal((await ada.request('/shop/extra/asyncCond.json?ok=0')).status, 403)
  assert.equal((await ada.request('/shop/extra/anyTable.json')).status, 403)
})

test('loginUrl, and the errors of wrong use: signing or issuing a token with nobody logged in, wrapping a non-function, a fractional record id', async () => {
  assert.deepEqual((await s.request('/shop/extra/loginUrls.json')).json(), { plain: '/shop/default/user/login', next: '/shop/default/user/login?_next=%2Fshop%2Fx%3Fa%3D1' })
  const err = async (p: string) => (await s.request(p)).json() as { code: string; message: string }
  let e = await err('/shop/extra/signNobody.json')
  assert.equal(e.code, 'QK_AUTH_BAD_OPTION')
  assert.match(e.message, /signedURL/)
  assert.match(e.message, /only a logged-in session can sign URLs/)
  e = await err('/shop/extra/tokenNobody.json')
  assert.equal(e.code, 'QK_AUTH_BAD_TOKEN')
  assert.match(e.message, /nobody is logged in/)
  e = await err('/shop/extra/badGuard.json')
  assert.equal(e.code, 'QK_AUTH_BAD_OPTION')
  assert.match(e.message, /action/)
  assert.match(e.message, /requires… decorators wrap a function/)
  e = await err('/shop/extra/badRecord.json')
  assert.equal(e.code, 'QK_AUTH_BAD_OPTION')
  assert.match(e.message, /recordId/)
  assert.match(e.message, /requiresPermission\(name, table\?, recordId\?, fn\): recordId must be an integer/)
  // a URL signed without options: the last name is the function, not options
  assert.match((await ada.request('/shop/extra/signPlain')).body, /^\/shop\/default\/signed\?_signature=/)
})

test('basic credentials count only where allowed; bearer tokens only for an active user with a numeric sub', async () => {
  const basic = 'Basic ' + Buffer.from(`ada@example.com:${PW}`).toString('base64')
  assert.equal((await s.request('/shop/default/secret.json', { headers: { authorization: basic } })).status, 200)
  assert.equal((await noBasic.request('/shop/default/secret.json', { headers: { authorization: basic } })).status, 401, 'basic login not allowed')
  const wrong = 'Basic ' + Buffer.from('ada@example.com:not the password').toString('base64')
  assert.equal((await s.request('/shop/default/secret.json', { headers: { authorization: wrong } })).status, 401, 'wrong basic credentials')
  const token = signJwt({ sub: adaId }, SECRET)
  const ok = await s.request('/shop/default/secret.json', { headers: { authorization: `Bearer ${token}` } })
  assert.equal(ok.status, 200)
  assert.equal(ok.json().secret, 'for ada@example.com')
  assert.equal((await s.request('/shop/default/secret.json', { headers: { authorization: `Bearer ${signJwt({ sub: String(adaId) }, SECRET)}` } })).status, 401, 'a string sub is no user id')
  assert.equal((await s.request('/shop/default/secret.json', { headers: { authorization: `Bearer ${signJwt({ sub: 99999 }, SECRET)}` } })).status, 401, 'no such user')
  assert.equal((await s.request('/shop/default/secret.json', { headers: { authorization: 'Token abc' } })).status, 401, 'an unknown scheme')
  // a token issued by the app for a user
  const issued = (await s.request(`/shop/extra/tokenFor.json?id=${adaId}`)).json().token
  assert.equal((await s.request('/shop/default/secret.json', { headers: { authorization: `Bearer ${issued}` } })).status, 200)
  // a blocked user's tokens stop working
  const b = s.agent()
  await submit(b, '/shop/default/user/register', 'register', { first_name: 'Bo', last_name: 'B', email: 'bo@example.com', password: PW, password2: PW })
  const boId = (await b.request('/shop/default/whoami.json')).json().user.id
  const boToken = signJwt({ sub: boId }, SECRET)
  assert.equal((await s.request('/shop/default/secret.json', { headers: { authorization: `Bearer ${boToken}` } })).status, 200)
  await s.request(`/shop/extra/block?id=${boId}`)
  assert.equal((await s.request('/shop/default/secret.json', { headers: { authorization: `Bearer ${boToken}` } })).status, 401)
})

test('tokenAction: POST only (405 with Allow), the login field by settings, locked accounts told so', async () => {
  const r405 = await s.request('/shop/default/apiToken.json')
  assert.equal(r405.status, 405)
  assert.equal(r405.headers.allow, 'POST')
  assert.deepEqual(r405.json(), { error: 'POST the credentials' })
  const ok = await s.request('/shop/default/apiToken.json', { body: { email: 'ada@example.com', password: PW } })
  assert.equal(ok.status, 200)
  assert.equal((await s.request('/shop/default/secret.json', { headers: { authorization: `Bearer ${ok.json().token}` } })).status, 200)
  assert.equal((await s.request('/shop/default/apiToken.json', { body: { username: 'ada@example.com', password: PW } })).status, 401, 'the field is email here')
  const noPw = await s.request('/shop/default/apiToken.json', { form: { email: 'ada@example.com' } })
  assert.equal(noPw.status, 401, 'no password')
  assert.equal(noPw.json().error, 'Invalid login')
  for (let i = 0; i < 5; i++) await s.request('/shop/default/apiToken.json', { body: { email: 'ada@example.com', password: 'wrong' } })
  const locked = await s.request('/shop/default/apiToken.json', { body: { email: 'ada@example.com', password: PW } })
  assert.equal(locked.status, 401)
  assert.equal(locked.json().error, 'Account locked: too many failed logins, try again later')
})

test('requiresSignature: only URLs signed by this login', async () => {
  const link = (await ada.request('/shop/default/link')).body
  assert.equal((await ada.request(link)).status, 200)
  assert.equal((await ada.request(link.replace('/signed/1', '/signed/2'))).status, 403)
  const other = s.agent()
  await submit(other, '/shop/default/user/register', 'register', { first_name: 'Cy', last_name: 'C', email: 'cy@example.com', password: PW, password2: PW })
  assert.equal((await other.request(link)).status, 403, 'another login\'s signature')
})

test('requiresMembership passes once the user is in the group', async () => {
  const a = s.agent()
  await submit(a, '/shop/default/user/register', 'register', { first_name: 'Di', last_name: 'D', email: 'di@example.com', password: PW, password2: PW })
  const id = (await a.request('/shop/default/whoami.json')).json().user.id
  assert.equal((await a.request('/shop/default/admin.json')).status, 403)
  await s.request(`/shop/default/grant?user=${id}&group=admin`)
  assert.equal((await a.request('/shop/default/admin.json')).status, 200)
})
