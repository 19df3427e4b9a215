/**
 * Guards for auth/ found by mutation testing (issue 17 item 6): password
 * hashes (format, malformed stored values answer false and never throw),
 * JWT (only HS256, every malformed part, signature length, payload shape,
 * expiry), the Authorization header parsers, and login throttling counted
 * from auth_event (window, reset by a successful login, both limits).
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createHmac } from 'node:crypto'
import { DAL, closeAllConnections } from '../../server/dal'
import { newState, runInContext } from '../../server/current'
import { Auth, hashPassword, verifyPassword, needsRehash, signJwt, verifyJwt, parseBasic, parseBearer, EVENTS } from '../../server/auth'
import { throttleState } from '../../server/auth/throttle'

const CHEAP = 'pbkdf2(1000,32,sha512)'
const code = (e: unknown) => (e as { code?: string }).code

test('hashPassword: <alg>$<32 hex salt>$<keylen*2 hex>, any pbkdf2 digest, other algorithms through CRYPT', async () => {
  const h = await hashPassword('pw', CHEAP)
  assert.match(h, /^pbkdf2\(1000,32,sha512\)\$[0-9a-f]{32}\$[0-9a-f]{64}$/)
  assert.equal(await verifyPassword('pw', h), true)
  for (const digest of ['sha1', 'sha256', 'sha384', 'SHA512']) {
    const alg = `pbkdf2(10,16,${digest})`
    const hd = await hashPassword('pw', alg)
    assert.match(hd, new RegExp(`^pbkdf2\\(10,16,${digest}\\)\\$[0-9a-f]{32}\\$[0-9a-f]{32}$`))
    assert.equal(await verifyPassword('pw', hd), true, digest)
    assert.equal(await verifyPassword('pW', hd), false, digest)
  }
  // not pbkdf2: CRYPT's own format, which verifies too
  const md5 = await hashPassword('pw', 'md5')
  assert.ok(!md5.startsWith('pbkdf2'), md5)
  assert.equal(await verifyPassword('pw', md5), true)
  // the algorithm string must be exactly pbkdf2(n,n,digest)
  for (const alg of ['xpbkdf2(10,16,sha1)', 'pbkdf2(10,16,sha1)x', 'pbkdf2(a,16,sha1)']) {
    const other = await hashPassword('pw', alg).catch(() => 'refused')
    assert.ok(!other.startsWith(alg + '$'), `${alg}: not hashed as pbkdf2`)
  }
})

test('verifyPassword answers false, without throwing, for every malformed stored hash', async () => {
  const good = await hashPassword('pw', CHEAP)
  const [alg, salt, hex] = good.split('$')
  const cases: unknown[] = [
    `${alg}$${salt}$${hex!.slice(2)}`, // too short: timingSafeEqual would throw on a length mismatch
    `${alg}$${salt}$${hex}00`, // too long
    `${alg}$${salt}$${'z'.repeat(64)}`, // not hex
    `${alg}$${salt}$${'g' + hex!.slice(1)}`,
    `${alg}$${salt}$${hex!.slice(1)}x`,
    `${alg}$${salt}`, `${alg}$${salt}$${hex}$x`, '$$', '', null, undefined, 42, {},
  ]
  for (const stored of cases) assert.equal(await verifyPassword('pw', stored), false, String(stored))
  assert.equal(await verifyPassword(42 as unknown as string, good), false, 'a non-string password')
  assert.equal(await verifyPassword('pw', `${alg}$${salt}$${hex!.toUpperCase()}`), true, 'hex in capitals is still hex')
})

test('needsRehash: anything but the current algorithm followed by $', async () => {
  const h = await hashPassword('pw', CHEAP)
  assert.equal(needsRehash(h, CHEAP), false)
  assert.equal(needsRehash(h, 'pbkdf2(2000,32,sha512)'), true)
  assert.equal(needsRehash(CHEAP + 'x$abc', CHEAP), true)
  assert.equal(needsRehash('x' + h, CHEAP), true)
  assert.equal(needsRehash(null, CHEAP), true)
  assert.equal(needsRehash(undefined), true)
})

// ---- JWT ----

const SECRET = 'k'.repeat(16)
const b64 = (o: unknown) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)).toString('base64url')
const sign = (head: unknown, payload: unknown, secret = SECRET) => {
  const data = `${b64(head)}.${b64(payload)}`
  return `${data}.${createHmac('sha256', secret).update(data).digest('base64url')}`
}
const bad = (token: string, why: RegExp) => assert.throws(() => verifyJwt(token, SECRET), (e) => code(e) === 'QK_AUTH_BAD_TOKEN' && why.test((e as Error).message), token)

test('signJwt: a secret of at least 16 characters; iat, and exp when asked; HS256 header', () => {
  for (const s of ['', 'k'.repeat(15), 42 as unknown as string]) assert.throws(() => signJwt({ sub: 1 }, s), (e) => code(e) === 'QK_AUTH_BAD_OPTION' && /jwtSecret/.test((e as Error).message) && /a secret of at least 16 characters is needed to sign tokens/.test((e as Error).message))
  const before = Math.floor(Date.now() / 1000)
  const t = signJwt({ sub: 7, role: 'x' }, SECRET, 100)
  const after = Math.floor(Date.now() / 1000)
  const [h, p] = t.split('.')
  assert.deepEqual(JSON.parse(Buffer.from(h!, 'base64url').toString()), { alg: 'HS256', typ: 'JWT' })
  const payload = JSON.parse(Buffer.from(p!, 'base64url').toString())
  assert.ok(payload.iat >= before && payload.iat <= after)
  assert.equal(payload.exp, payload.iat + 100)
  assert.equal(payload.sub, 7)
  assert.equal(payload.role, 'x')
  const noExp = JSON.parse(Buffer.from(signJwt({ sub: 1 }, SECRET).split('.')[1]!, 'base64url').toString())
  assert.ok(!('exp' in noExp))
  assert.equal(JSON.parse(Buffer.from(signJwt({ sub: 1, iat: 5 }, SECRET).split('.')[1]!, 'base64url').toString()).iat, 5, 'a given iat is kept')
  assert.deepEqual(verifyJwt(signJwt({ sub: 'u' }, SECRET, 0 + 60), SECRET).sub, 'u')
})

test('verifyJwt refuses malformed tokens, other algorithms, bad or short signatures, non-object payloads, expired tokens', () => {
  assert.throws(() => verifyJwt(signJwt({ sub: 1 }, SECRET), ''), (e) => code(e) === 'QK_AUTH_BAD_TOKEN' && /not enabled/.test((e as Error).message))
  const good = sign({ alg: 'HS256' }, { sub: 1 })
  assert.equal(verifyJwt(good, SECRET).sub, 1)
  const [h, p, sig] = good.split('.') as [string, string, string]
  for (const t of ['', 'a.b', 'a.b.c.d', `${h}.${p}.`, `.${p}.${sig}`, `${h}..${sig}`, `${h}.${p}.${sig}=`, `${h}+.${p}.${sig}`, `${h}.${p}/.${sig}`, `${h} .${p}.${sig}`])
    bad(t, /malformed/)
  assert.throws(() => verifyJwt(42 as unknown as string, SECRET), (e) => code(e) === 'QK_AUTH_BAD_TOKEN')
  bad(`${b64('not json')}.${p}.${sig}`, /malformed/)
  bad(`${good}.x`, /malformed/) // a valid token with a fourth part
  bad(` ${h}.${p}.${sig}`, /malformed/) // a character before the first part (base64 would skip it)
  bad(`${h}.${b64('{nope')}.${sig}`, /malformed/)
  bad(sign({ alg: 'none' }, { sub: 1 }), /unsupported algorithm/)
  bad(sign({ alg: 'HS512' }, { sub: 1 }), /unsupported algorithm/)
  bad(sign({}, { sub: 1 }), /unsupported algorithm/)
  bad(sign(null, { sub: 1 }), /unsupported algorithm/)
  bad(sign({ alg: 'HS256' }, { sub: 1 }, 'z'.repeat(16)), /bad signature/)
  bad(`${h}.${p}.${sig.slice(0, 10)}`, /bad signature/)
  bad(`${h}.${p}.${sig}AAAA`, /bad signature/)
  bad(sign({ alg: 'HS256' }, 5), /malformed/)
  bad(sign({ alg: 'HS256' }, null), /malformed/)
  bad(sign({ alg: 'HS256' }, { sub: 1, exp: Math.floor(Date.now() / 1000) - 10 }), /expired/)
  assert.equal(verifyJwt(sign({ alg: 'HS256' }, { sub: 2, exp: Math.floor(Date.now() / 1000) + 3600 }), SECRET).sub, 2)
})

test('parseBasic and parseBearer: the scheme (any case), one credential, nothing else', () => {
  const enc = (s: string) => Buffer.from(s).toString('base64')
  assert.deepEqual(parseBasic(`Basic ${enc('ann:pw')}`), ['ann', 'pw'])
  assert.deepEqual(parseBasic(`basic   ${enc('ann:p:w')}  `), ['ann', 'p:w'])
  assert.deepEqual(parseBasic(`BASIC ${enc(':')}`), ['', ''])
  for (const h of [undefined, 42, '', 'Basic', `Basic ${enc('nocolon')}`, `xBasic ${enc('a:b')}`, `Basic ${enc('a:b')} x`, `Basic${enc('a:b')}`, `Basic ${enc('a:b')}!`, `Bearer ${enc('a:b')}`])
    assert.equal(parseBasic(h), null, String(h))
  assert.equal(parseBearer('Bearer abc.def'), 'abc.def')
  assert.equal(parseBearer('bearer   tok  '), 'tok')
  for (const h of [undefined, 42, '', 'Bearer', 'Bearer ', 'Bearer a b', 'xBearer a', 'Bearera', 'Basic abc'])
    assert.equal(parseBearer(h), null, String(h))
  // only strings are headers (an object that prints as one is not)
  assert.equal(parseBasic({ toString: () => `Basic ${enc('a:b')}` }), null)
  assert.equal(parseBearer({ toString: () => 'Bearer tok' }), null)
})

// ---- throttling, against a real SQLite database ----

let dir: string
let db: DAL
let auth: Auth
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-auth-guard-'))
  db = new DAL('sqlite://auth.sqlite', { folder: dir })
  auth = new Auth(db, { loginMaxFailures: 3, addressMaxFailures: 4, loginFailureWindow: 600 })
  auth.defineTables()
})
after(async () => { await closeAllConnections(); fs.rmSync(dir, { recursive: true, force: true }) })

async function inRequest<T>(fn: () => Promise<T>): Promise<T> {
  const state = newState(dir, 'app', { request: { client: '10.9.9.9', headers: {}, extension: 'html' }, session: {} })
  try {
    const r = await runInContext(state, fn)
    for (const t of state.transactionals) await t.commit()
    return r
  } finally {
    for (const t of state.transactionals) await t.release()
  }
}
async function event(userId: number | null, client: string, description: string, secondsAgo: number): Promise<void> {
  await inRequest(() => auth.tableEvent.insert({ user_id: userId, client_ip: client, description, time_stamp: new Date(Date.now() - secondsAgo * 1000), origin: 'auth' }))
}
let users = 0
const newUser = () => inRequest(() => auth.tableUser.insert({ first_name: 'U', last_name: 'U', email: `u${++users}@example.com`, password: 'x' })) as Promise<number>
const state = (userId: number | null, client: string) => inRequest(() => throttleState(auth, userId, client))

test('the descriptions written to auth_event are web2py-like sentences an admin can read', () => {
  assert.deepEqual({ ...EVENTS }, {
    loggedIn: 'Logged in', loggedOut: 'Logged out', loginFailed: 'Login failed', lockedOut: 'Login refused: too many failures',
    registered: 'Registered', verified: 'Email verified', profile: 'Profile updated', passwordChanged: 'Password changed',
    resetRequested: 'Password reset requested', passwordReset: 'Password reset', tokenIssued: 'Token issued',
  })
})

test('throttleState: failures within the window count, older ones and other users\' do not; the limit locks at exactly max', async () => {
  const u = await newUser()
  const other = await newUser()
  await event(u, '10.1.0.1', EVENTS.loginFailed, 10)
  await event(u, '10.1.0.2', EVENTS.loginFailed, 20)
  await event(u, '10.1.0.3', EVENTS.loginFailed, 5000) // outside the 600 s window
  await event(u, '10.1.0.4', EVENTS.loggedOut, 5) // not a failure
  await event(other, '10.1.0.5', EVENTS.loginFailed, 5) // another account
  let st = await state(u, '')
  assert.deepEqual(st, { locked: false, accountFailures: 2, addressFailures: 0 })
  await event(u, '10.1.0.6', EVENTS.loginFailed, 1)
  st = await state(u, '')
  assert.deepEqual(st, { locked: true, accountFailures: 3, addressFailures: 0 })
})

test('throttleState: a successful login or a password reset restarts the account\'s count; an old one does not', async () => {
  const u = await newUser()
  await event(u, '10.2.0.1', EVENTS.loginFailed, 50)
  await event(u, '10.2.0.1', EVENTS.loginFailed, 40)
  await event(u, '10.2.0.1', EVENTS.loginFailed, 30)
  assert.equal((await state(u, '')).locked, true)
  await event(u, '10.2.0.1', EVENTS.loggedIn, 20)
  await event(u, '10.2.0.1', EVENTS.loginFailed, 10)
  assert.deepEqual(await state(u, ''), { locked: false, accountFailures: 1, addressFailures: 0 })
  const v = await newUser()
  await event(v, '10.3.0.1', EVENTS.passwordReset, 5000) // before the window: the window start applies
  await event(v, '10.3.0.1', EVENTS.loginFailed, 1000) // after that reset but outside the window: not counted
  await event(v, '10.3.0.1', EVENTS.loginFailed, 20)
  await event(v, '10.3.0.1', EVENTS.loginFailed, 10)
  assert.equal((await state(v, '')).accountFailures, 2)
  await event(v, '10.3.0.1', EVENTS.passwordReset, 5)
  assert.equal((await state(v, '')).accountFailures, 0)
  // the latest of several successes counts
  const w = await newUser()
  await event(w, '10.4.0.1', EVENTS.loggedIn, 100)
  await event(w, '10.4.0.1', EVENTS.loginFailed, 50)
  await event(w, '10.4.0.1', EVENTS.loggedIn, 40)
  await event(w, '10.4.0.1', EVENTS.loginFailed, 30)
  assert.equal((await state(w, '')).accountFailures, 1)
})

test('throttleState: an address is locked after addressMaxFailures within the window, whoever it tried; no user: address only', async () => {
  const ip = '10.5.0.1'
  for (let i = 0; i < 3; i++) await event(await newUser(), ip, EVENTS.loginFailed, 10 + i)
  await event(null, ip, EVENTS.loginFailed, 5000)
  assert.deepEqual(await state(null, ip), { locked: false, accountFailures: 0, addressFailures: 3 })
  await event(null, ip, EVENTS.loginFailed, 1)
  assert.deepEqual(await state(null, ip), { locked: true, accountFailures: 0, addressFailures: 4 })
  assert.deepEqual(await state(null, '10.5.0.2'), { locked: false, accountFailures: 0, addressFailures: 0 })
})
