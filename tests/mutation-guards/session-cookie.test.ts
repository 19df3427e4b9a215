/**
 * Guards of the cookie session store and the store configuration (room session-cookie, #17 item 6): the
 * cookie's wire format (so an upgrade does not void every user's session, and a forged cookie needs the
 * secret), the exact bounds (maxAge to the millisecond, 4096 bytes, 16-character secrets) and what
 * private/session.json may say.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { CookieStore } from '../../server/session/stores/cookie'
import { makeStore, readConfig, storeFor, setSessionStore, closeSessionStores, configPath } from '../../server/session/stores/config'
import { FileStore } from '../../server/session/stores/file'
import { isQuarkError } from '../../server/errors'

const SECRET = 'a secret of sixteen+ characters'

/** A cookie made by hand as the store's header comment documents it. */
function forge(o: { secret?: string; app?: string; plain: string; aad?: string }): string {
  const app = o.app ?? 'shop'
  const key = Buffer.from(hkdfSync('sha256', o.secret ?? SECRET, 'quark-session-cookie', `app:${app}`, 32))
  const iv = randomBytes(12)
  const c = createCipheriv('aes-256-gcm', key, iv)
  c.setAAD(Buffer.from(o.aad ?? `session_id_${app}`))
  const body = Buffer.concat([c.update(o.plain, 'utf8'), c.final()])
  return 'q1.' + Buffer.concat([iv, body, c.getAuthTag()]).toString('base64url')
}

const store = (o: Partial<ConstructorParameters<typeof CookieStore>[0]> = {}) => new CookieStore({ secrets: [SECRET], app: 'shop', ...o })

test('the cookie is q1.<base64url(iv · AES-256-GCM · tag)>, key HKDF-SHA256(secret, "quark-session-cookie", "app:<app>"), AAD the cookie name', async () => {
  const now = Date.now()
  assert.deepEqual(await store().load(forge({ plain: JSON.stringify({ t: now, d: { user: 7 } }) })), { user: 7 })
  // and what the store writes reads back with the same derivation (checked by decoding its length)
  const written = await store().save('', '{"a":1}')
  assert.ok(written.startsWith('q1.'))
  assert.equal(Buffer.from(written.slice(3), 'base64url').length, 12 + Buffer.byteLength(`{"t":${now},"d":{"a":1}}`) + 16)
  // another AAD (cookie name) or another app in the key: refused
  assert.equal(await store().load(forge({ plain: JSON.stringify({ t: now, d: { user: 7 } }), aad: 'session_id_other' })), undefined)
  assert.equal(await store({ app: 'other' }).load(forge({ plain: JSON.stringify({ t: now, d: { user: 7 } }) })), undefined)
})

test('a cookie whose plaintext is not a fresh {t: number, d: object} is no session', async () => {
  const now = Date.now()
  for (const plain of ['not json', 'null', '5', JSON.stringify({ d: { a: 1 } }), JSON.stringify({ t: String(now), d: { a: 1 } }), JSON.stringify({ t: now, d: [1] }),
    JSON.stringify({ t: now, d: null }), JSON.stringify({ t: now, d: 'x' }), JSON.stringify({ t: now })]) {
    assert.equal(await store().load(forge({ plain })), undefined, plain)
  }
  assert.deepEqual(await store().load(forge({ plain: JSON.stringify({ t: now, d: {} }) })), {})
})

test('maxAge is exact to the millisecond: a cookie of exactly maxAge loads, one a millisecond older does not', async () => {
  const t = 1_700_000_000_000
  const cookie = await store({ now: () => t, maxAge: 60 }).save('', '{"n":1}')
  assert.deepEqual(await store({ now: () => t + 60_000, maxAge: 60 }).load(cookie), { n: 1 })
  assert.equal(await store({ now: () => t + 60_001, maxAge: 60 }).load(cookie), undefined)
  // the default maxAge is a day
  assert.deepEqual(await store({ now: () => t + 86_400_000 }).load(cookie), { n: 1 })
  assert.equal(await store({ now: () => t + 86_400_001 }).load(cookie), undefined)
})

test('accepts: the q1. prefix and at most 4096 characters; a too-short value reads as no session', async () => {
  const s = store()
  assert.equal(s.accepts('q1.' + 'a'.repeat(4093)), true)
  assert.equal(s.accepts('q1.' + 'a'.repeat(4094)), false)
  assert.equal(s.accepts('q2.' + 'a'.repeat(40)), false)
  assert.equal(s.accepts('xq1.' + 'a'.repeat(40)), false)
  assert.equal(await s.load('q1.' + Buffer.alloc(28).toString('base64url')), undefined)
  assert.equal(await s.load('q1.'), undefined)
  assert.equal(s.newId(), 'new')
  const unlock = await s.lock()
  assert.equal(typeof unlock, 'function', 'no lock, but a release function to call')
  unlock()
  assert.equal(s.locks, false)
  assert.equal(await s.cleanup(), 0, 'nothing to clean on the server')
})

test('the 4 KB bound is exact: a cookie of 4096 bytes with its name and attributes is written, 4097 is refused', async () => {
  const t = 1_700_000_000_000
  const s = store({ now: () => t })
  const sizeOf = (json: string) => 3 + Math.ceil((4 * (12 + Buffer.byteLength(`{"t":${t},"d":${json}}`) + 16)) / 3) + 'session_id_shop'.length + 160
  let exact = '', over = ''
  for (let n = 2000; n < 4000 && !(exact && over); n++) {
    const json = JSON.stringify({ x: 'y'.repeat(n) })
    if (sizeOf(json) === 4096) exact = json
    if (sizeOf(json) === 4097) over = json
  }
  assert.ok(exact && over, 'lengths found')
  assert.ok((await s.save('', exact)).startsWith('q1.'))
  await assert.rejects(s.save('', over), (e: unknown) => isQuarkError(e) && e.code === 'QK_SESSION_COOKIE_TOO_LARGE' && e.message.includes('4097'))
})

test('key rotation: the first secret encrypts, each decrypts', async () => {
  const OLD = 'the previous secret, 16+ chars'
  const both = store({ secrets: [SECRET, OLD] })
  const written = await both.save('', '{"k":1}')
  assert.deepEqual(await store({ secrets: [SECRET] }).load(written), { k: 1 })
  assert.equal(await store({ secrets: [OLD] }).load(written), undefined)
  assert.deepEqual(await both.load(await store({ secrets: [OLD] }).save('', '{"k":2}')), { k: 2 })
})

function tmpApp(name = 'shop'): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-session-cookie-guard-'))
  const app = path.join(root, name)
  fs.mkdirSync(path.join(app, 'private'), { recursive: true })
  return app
}

const badConfig = (e: unknown, text: string) => isQuarkError(e) && e.code === 'QK_SESSION_BAD_CONFIG' && e.message.includes(text)

test('session.json: none means files; not JSON, not an object: QK_SESSION_BAD_CONFIG naming the file', () => {
  const app = tmpApp()
  assert.deepEqual(readConfig(app), {})
  for (const [text, why] of [['{', 'JSON'], ['[1]', 'not a JSON object'], ['null', 'not a JSON object'], ['"file"', 'not a JSON object']] as const) {
    fs.writeFileSync(configPath(app), text)
    // a text that does not parse is told with the parser's message, not as "not a JSON object"
    assert.throws(() => readConfig(app), (e: unknown) => badConfig(e, configPath(app)) && (why === 'JSON' ? !badConfig(e, 'not a JSON object') : badConfig(e, why)), text)
  }
  assert.equal(configPath(app), path.join(app, 'private', 'session.json'))
})

test('session.json: "$NAME" values (and in lists) come from the environment, missing ones empty; __proto__ is dropped', () => {
  const app = tmpApp()
  process.env.QK_GUARD_SECRET = 'from the environment, long enough'
  delete process.env.QK_GUARD_MISSING
  fs.writeFileSync(configPath(app), '{"store":"cookie","secret":"$QK_GUARD_SECRET","secrets":["$QK_GUARD_SECRET","$QK_GUARD_MISSING","$not a name","plain",3,"a$QK_GUARD_SECRET",["$QK_GUARD_SECRET"]],"url":"$QK_GUARD_MISSING","x":"a$QK_GUARD_SECRET","y":"$QK_GUARD_SECRET-x","one":["$QK_GUARD_SECRET"],"n":5,"__proto__":{"polluted":1}}')
  const c = readConfig(app) as Record<string, unknown>
  assert.equal(c.secret, 'from the environment, long enough')
  assert.deepEqual(c.secrets, ['from the environment, long enough', '', '$not a name', 'plain', 3, 'a$QK_GUARD_SECRET', ['$QK_GUARD_SECRET']])
  assert.equal(c.url, '')
  assert.equal(c.x, 'a$QK_GUARD_SECRET')
  assert.equal(c.y, '$QK_GUARD_SECRET-x', 'the whole value must be $NAME')
  assert.deepEqual(c.one, ['from the environment, long enough'], 'a list of one stays a list')
  assert.equal(c.n, 5)
  assert.equal(Object.getPrototypeOf(c), Object.prototype)
  assert.equal((c as { polluted?: unknown }).polluted, undefined)
  assert.equal(Object.hasOwn(c, '__proto__'), false)
})

test('makeStore: each store and what it needs; secrets of at least 16 characters', async () => {
  const app = tmpApp('myapp')
  assert.ok(makeStore(app, {}) instanceof FileStore)
  assert.ok(makeStore(app, { store: 'file' }) instanceof FileStore)
  assert.throws(() => makeStore(app, { store: 'database' }), (e: unknown) => badConfig(e, 'the database store needs "uri"') && badConfig(e, configPath(app)))
  assert.throws(() => makeStore(app, { store: 'redis' }), (e: unknown) => badConfig(e, 'the redis store needs "url"'))
  assert.throws(() => makeStore(app, { store: 'cookie' }), (e: unknown) => badConfig(e, 'at least 16 characters'))
  assert.throws(() => makeStore(app, { store: 'cookie', secrets: [] }), (e: unknown) => badConfig(e, 'at least 16 characters'))
  assert.throws(() => makeStore(app, { store: 'cookie', secret: 'fifteen chars!!' }), (e: unknown) => badConfig(e, 'at least 16 characters'))
  assert.throws(() => makeStore(app, { store: 'cookie', secrets: ['sixteen chars!!!', 'short'] }), (e: unknown) => badConfig(e, 'at least 16 characters'))
  assert.throws(() => makeStore(app, { store: 'cookie', secrets: ['sixteen chars!!!', 5 as unknown as string] }), (e: unknown) => badConfig(e, 'at least 16 characters'))
  assert.throws(() => makeStore(app, { store: 'nope' as 'file' }), (e: unknown) => badConfig(e, 'unknown store "nope" (file, database, redis or cookie)'))
  // a secret of exactly 16 characters, given as `secret` or `secrets`; the cookie bound to the app's name
  const one = makeStore(app, { store: 'cookie', secret: 'sixteen chars!!!' })
  assert.equal(one.kind, 'cookie')
  const value = await one.save('', '{"v":1}', undefined)
  assert.deepEqual(await new CookieStore({ secrets: ['sixteen chars!!!'], app: 'myapp' }).load(value!), { v: 1 })
  assert.equal(await new CookieStore({ secrets: ['sixteen chars!!!'], app: 'other' }).load(value!), undefined)
  const list = makeStore(app, { store: 'cookie', secrets: ['sixteen chars!!!'], secret: 'ignored when secrets are given' })
  assert.deepEqual(await list.load(value!), { v: 1 })
  // redis and database: given uri or url alike, the redis prefix per app by default
  const r = makeStore(app, { store: 'redis', uri: 'redis://127.0.0.1:1/0' }) as unknown as { opts: { url: string; prefix: string } }
  assert.equal(r.opts.url, 'redis://127.0.0.1:1/0')
  assert.equal(r.opts.prefix, 'quark:session:myapp:')
  const r2 = makeStore(app, { store: 'redis', url: 'redis://127.0.0.1:1/0', prefix: 'mine:' }) as unknown as { opts: { prefix: string } }
  assert.equal(r2.opts.prefix, 'mine:')
  const d = makeStore(app, { store: 'database', url: 'sqlite://sessions.sqlite' }) as unknown as { opts: { uri: string; folder: string } }
  assert.equal(d.opts.uri, 'sqlite://sessions.sqlite')
  assert.equal(d.opts.folder, path.join(app, 'databases'))
  await (r as unknown as { close(): Promise<void> }).close?.()
  await (r2 as unknown as { close(): Promise<void> }).close?.()
  await (d as unknown as { close(): Promise<void> }).close?.()
})

test('storeFor reads session.json once per app; setSessionStore replaces it; closeSessionStores forgets every store', async () => {
  const app = tmpApp()
  fs.writeFileSync(configPath(app), JSON.stringify({ store: 'cookie', secrets: [SECRET] }))
  const first = storeFor(app)
  assert.equal(first.kind, 'cookie')
  fs.writeFileSync(configPath(app), '{}')
  assert.equal(storeFor(app), first, 'read once')
  const mine = new FileStore(app)
  setSessionStore(app, mine)
  assert.equal(storeFor(app), mine)
  let closed = 0
  setSessionStore(app, Object.assign(Object.create(mine), { close: async () => { closed++; throw new Error('a close that fails is ignored') } }))
  await closeSessionStores()
  assert.equal(closed, 1)
  assert.equal(storeFor(app).kind, 'file', 'the configuration is read again after closeSessionStores')
  await closeSessionStores()
})
