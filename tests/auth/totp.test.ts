/**
 * Two-factor with TOTP (issue 22): RFC 6238's test vectors, agreement with an
 * independent implementation, then the pages over HTTP: set up from the
 * profile (QR code made locally), login asks for the code after the password,
 * a code serves once, ±1 step only, recovery codes (ten, each once),
 * "remember this device", the throttle, a group that requires two-factor, and
 * turning it off.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { Agent, TestServer } from '../helpers/server'
import { startAuthApp, submit, logout, formKey } from './authApp'
import { hotp, totp, matchStep, base32Encode, base32Decode, newSecret } from '../../server/auth'
import { codeAt, refTotp } from './totpRef'

test('RFC 6238 appendix B: the test vectors (SHA-1, SHA-256, SHA-512, 8 digits)', async () => {
  const keys = {
    sha1: Buffer.from('12345678901234567890'),
    sha256: Buffer.from('12345678901234567890123456789012'),
    sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'),
  }
  const vectors: [number, string, string, string][] = [
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ]
  for (const [t, s1, s256, s512] of vectors) {
    assert.equal(totp(base32Encode(keys.sha1), t * 1000, { digits: 8 }), s1, `sha1 at ${t}`)
    assert.equal(totp(base32Encode(keys.sha256), t * 1000, { digits: 8, algorithm: 'sha256' }), s256, `sha256 at ${t}`)
    assert.equal(totp(base32Encode(keys.sha512), t * 1000, { digits: 8, algorithm: 'sha512' }), s512, `sha512 at ${t}`)
    // and the independent implementation agrees with the RFC too
    assert.equal(await refTotp(keys.sha1, t, 8), s1)
  }
  // RFC 4226 appendix D: HOTP of counters 0..9
  const hotps = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489']
  hotps.forEach((h, i) => assert.equal(hotp(keys.sha1, i), h))
})

test('codes agree with an independent implementation for random secrets; the window is ±1 step', async () => {
  for (let i = 0; i < 20; i++) {
    const secret = newSecret()
    assert.equal(secret.length, 32)
    assert.deepEqual(base32Decode(secret).length, 20)
    const now = Date.now()
    assert.equal(totp(secret, now), await refTotp(base32Decode(secret), now / 1000))
    const step = Math.floor(now / 30000)
    assert.equal(matchStep(secret, await refTotp(base32Decode(secret), now / 1000 - 30), now), step - 1)
    assert.equal(matchStep(secret, await refTotp(base32Decode(secret), now / 1000 + 30), now), step + 1)
    const far = await refTotp(base32Decode(secret), now / 1000 + 90)
    if (![-1, 0, 1].some((d) => totp(secret, now + d * 30000) === far)) assert.equal(matchStep(secret, far, now), null, 'three steps away')
  }
  for (const bad of ['', '12345', '1234567', 'abcdef', '12 456', '１２３４５６']) assert.equal(matchStep(newSecret(), bad), null, bad)
})

let s: TestServer
const PW = 'correct horse 1'
before(async () => {
  s = await startAuthApp('addressMaxFailures: 1000', { 'models/z_methods.ts': "auth.enable('totp', { issuer: 'Shop', requireForGroup: 'staff' })\n" })
})
after(async () => { await s?.stop() })

async function register(a: Agent, email: string): Promise<void> {
  const r = await submit(a, '/shop/default/user/register', 'register', { first_name: 'T', last_name: 'O', email, password: PW, password2: PW })
  assert.equal(r.status, 303, r.body)
}
const loggedIn = async (a: Agent) => (await a.request('/shop/default/secret.json')).status === 200

/** Set up TOTP from the profile; returns the secret and the recovery codes. */
async function enrol(a: Agent): Promise<{ secret: string; codes: string[] }> {
  const profile = await a.request('/shop/default/user/profile')
  assert.match(profile.body, /href="\/shop\/default\/user\/totp"[^>]*>Two-factor authentication</)
  const page = await a.request('/shop/default/user/totp')
  assert.equal(page.status, 200)
  assert.match(page.body, /<img[^>]*src="data:image\/png;base64,[A-Za-z0-9+/=]+"/, 'the QR code is a data: URL, made locally')
  const secret = /class="quark-totp-secret">([A-Z2-7 ]+)</.exec(page.body)![1]!.replace(/ /g, '')
  const png = Buffer.from(/src="data:image\/png;base64,([^"]+)"/.exec(page.body)![1]!, 'base64')
  assert.equal(png.subarray(1, 4).toString(), 'PNG')
  let r = await a.request('/shop/default/user/totp', { form: { _formname: 'totp_enrol', _formkey: formKey(page.body, 'totp_enrol'), code: '000000' === await codeAt(secret) ? '111111' : '000000' } })
  assert.match(r.body, /Invalid code/)
  r = await a.request('/shop/default/user/totp', { form: { _formname: 'totp_enrol', _formkey: formKey(r.body, 'totp_enrol'), code: await codeAt(secret) } })
  assert.equal(r.status, 200)
  const codes = [...r.body.matchAll(/<li><code>([a-z2-7]{5}-[a-z2-7]{5})<\/code><\/li>/g)].map((m) => m[1]!)
  assert.equal(codes.length, 10, 'ten recovery codes, shown once')
  return { secret, codes }
}

/** Password login; returns the answer (a redirect to two_factor when a code is due). */
const passwordLogin = (a: Agent, email: string) => submit(a, '/shop/default/user/login', 'login', { email, password: PW })
const secondStep = (a: Agent, code: string, extra: Record<string, string> = {}) => submit(a, '/shop/default/user/two_factor', 'two_factor', { code, ...extra })

test('set up from the profile, then login asks for the code; each code once, ±1 step, recovery codes once', async () => {
  const a = s.agent()
  await register(a, 'tia@example.com')
  const { secret, codes } = await enrol(a)
  // the recovery codes are stored hashed: the page of the set-up is the only place they appear
  const again = await a.request('/shop/default/user/totp')
  assert.match(again.body, /Two-factor authentication is on/)
  assert.match(again.body, /10 recovery codes left/)
  for (const c of codes) assert.doesNotMatch(again.body, new RegExp(c))
  await logout(a)
  let r = await passwordLogin(a, 'tia@example.com')
  assert.equal(r.status, 303)
  assert.equal(r.headers.location, '/shop/default/user/two_factor')
  assert.ok(!(await loggedIn(a)), 'the password alone does not log in')
  // three steps away: refused
  r = await secondStep(a, await codeAt(secret, 3))
  assert.equal(r.status, 200)
  assert.match(r.body, /Invalid code/)
  assert.ok(!(await loggedIn(a)))
  // the code of the next step (clock skew): accepted
  const next = await codeAt(secret, 1)
  r = await secondStep(a, next)
  assert.equal(r.status, 303, r.body)
  assert.ok(await loggedIn(a))
  await logout(a)
  // the same code again: refused (each code serves once), and so is the older one of this step
  await passwordLogin(a, 'tia@example.com')
  r = await secondStep(a, next)
  assert.match(r.body, /already used/)
  r = await secondStep(a, await codeAt(secret, 0))
  assert.match(r.body, /already used|Invalid code/)
  assert.ok(!(await loggedIn(a)))
  // a recovery code logs in, once
  r = await secondStep(a, codes[0]!.toUpperCase())
  assert.equal(r.status, 303, r.body)
  assert.ok(await loggedIn(a))
  await logout(a)
  await passwordLogin(a, 'tia@example.com')
  r = await secondStep(a, codes[0]!)
  assert.match(r.body, /Invalid code/)
  assert.ok(!(await loggedIn(a)))
  // the second step without a pending login (another browser): back to the login page
  const b = s.agent()
  r = await b.request('/shop/default/user/two_factor')
  assert.equal(r.status, 303)
  assert.match(String(r.headers.location), /user\/login/)
})

test('"remember this device": a signed cookie spares the code for that browser only', async () => {
  const a = s.agent()
  await register(a, 'rem@example.com')
  const { codes } = await enrol(a)
  await logout(a)
  await passwordLogin(a, 'rem@example.com')
  let r = await secondStep(a, codes[1]!, { remember_device: 'on' })
  assert.equal(r.status, 303)
  const cookie = a.jar.quark_2fa_shop
  assert.match(String(cookie), /^\d+\.\d+\.[A-Za-z0-9_-]{43}$/)
  await logout(a)
  r = await passwordLogin(a, 'rem@example.com')
  assert.equal(r.status, 303)
  assert.notEqual(r.headers.location, '/shop/default/user/two_factor')
  assert.ok(await loggedIn(a), 'a remembered device skips the code')
  // a tampered cookie, or the cookie of another browser for another user, does not
  const b = s.agent()
  b.jar.quark_2fa_shop = String(cookie).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))
  r = await passwordLogin(b, 'rem@example.com')
  assert.equal(r.headers.location, '/shop/default/user/two_factor')
  const c = s.agent()
  await register(c, 'other@example.com')
  await enrol(c)
  await logout(c)
  c.jar.quark_2fa_shop = String(cookie)
  r = await passwordLogin(c, 'other@example.com')
  assert.equal(r.headers.location, '/shop/default/user/two_factor')
})

test('wrong codes count as failed logins: the account locks after five', async () => {
  const a = s.agent()
  await register(a, 'lock@example.com')
  const { secret } = await enrol(a)
  await logout(a)
  let r = await passwordLogin(a, 'lock@example.com')
  let last = ''
  for (let i = 0; i < 6; i++) {
    r = await a.request('/shop/default/user/two_factor')
    if (r.status === 303) break
    r = await a.request('/shop/default/user/two_factor', { form: { _formname: 'two_factor', _formkey: formKey(r.body, 'two_factor'), code: String(100000 + i) } })
    last = r.body
  }
  assert.match(last, /Account locked/)
  // even the right code is refused now, and the password step is locked too
  r = await passwordLogin(a, 'lock@example.com')
  assert.match(r.body, /Account locked/)
  void secret
})

test('a group that requires two-factor sends its members to set it up; turning it off needs the password', async () => {
  const a = s.agent()
  await register(a, 'staff@example.com')
  const id = (await a.request('/shop/default/whoami.json')).json().user.id
  assert.equal((await s.request(`/shop/default/grant?user=${id}&group=staff`)).status, 200)
  await logout(a)
  let r = await passwordLogin(a, 'staff@example.com')
  assert.equal(r.headers.location, '/shop/default/user/totp')
  await enrol(a)
  // off: a wrong password is refused, the right one turns it off
  let page = await a.request('/shop/default/user/totp')
  r = await a.request('/shop/default/user/totp', { form: { _formname: 'totp_off', _formkey: formKey(page.body, 'totp_off'), password: 'wrong password' } })
  assert.match(r.body, /Invalid password/)
  page = r
  r = await a.request('/shop/default/user/totp', { form: { _formname: 'totp_off', _formkey: formKey(page.body, 'totp_off'), password: PW } })
  assert.equal(r.status, 303)
  r = await a.request('/shop/default/user/totp')
  assert.match(r.body, /quark-totp-secret/, 'set-up again')
})
