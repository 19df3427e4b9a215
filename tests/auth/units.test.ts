/** Auth's parts without HTTP: hashing, groups and permissions, throttling, tokens, signature and versioning, expiry, bad input. */
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DAL, Field, closeAllConnections } from '../../server/dal'
import { CRYPT, DEFAULT_DIGEST } from '../../server/validators'
import { newState, runInContext } from '../../server/current'
import {
  Auth, hashPassword, verifyPassword, needsRehash, signJwt, verifyJwt, parseBasic, parseBearer, enableRecordVersioning,
  QK_AUTH_BAD_OPTION, QK_AUTH_NO_GROUP, QK_AUTH_NO_TABLES, QK_AUTH_BAD_TOKEN, EVENTS,
} from '../../server/auth'

let dir: string
let db: DAL
let auth: Auth
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-auth-'))
  db = new DAL('sqlite://auth.sqlite', { folder: dir })
  auth = new Auth(db, { loginMaxFailures: 3, addressMaxFailures: 5 })
  auth.defineTables()
})
after(async () => { await closeAllConnections(); fs.rmSync(dir, { recursive: true, force: true }) })

/** run fn as if inside a request from `client`, with a session */
async function asRequest<T>(fn: () => Promise<T>, client = '10.0.0.1', session: Record<string, unknown> = {}): Promise<T> {
  const state = newState(dir, 'app', { request: { client, headers: {}, extension: 'html' }, session })
  try {
    const r = await runInContext(state, fn)
    for (const t of state.transactionals) await t.commit()
    return r
  } catch (e) {
    for (const t of state.transactionals) await t.rollback()
    throw e
  } finally {
    for (const t of state.transactionals) await t.release()
  }
}

test('passwords: PBKDF2-SHA512 with a random salt, constant-time verify, legacy hashes verify and need a rehash', async () => {
  const h1 = await hashPassword('s3cret pass'), h2 = await hashPassword('s3cret pass')
  assert.match(h1, /^pbkdf2\(210000,32,sha512\)\$[0-9a-f]{32}\$[0-9a-f]{64}$/)
  assert.notEqual(h1, h2, 'salted')
  assert.equal(await verifyPassword('s3cret pass', h1), true)
  assert.equal(await verifyPassword('s3cret pasS', h1), false)
  assert.equal(await verifyPassword('s3cret pass', 'pbkdf2(1000,32,sha512)$ab$zz'), false)
  assert.equal(await verifyPassword('s3cret pass', ''), false)
  assert.equal(await verifyPassword('s3cret pass', null), false)
  assert.equal(needsRehash(h1), false)
  const legacy = String(CRYPT({ digestAlg: 'sha512' }).validate('old pass')[0])
  assert.equal(await verifyPassword('old pass', legacy), true)
  assert.equal(needsRehash(legacy), true)
  // web2py's default of old: pbkdf2 with fewer iterations
  const web2py = String(CRYPT({ digestAlg: 'pbkdf2(1000,20,sha512)' }).validate('old pass')[0])
  assert.equal(await verifyPassword('old pass', web2py), true)
  assert.equal(needsRehash(web2py), true)
})

test('a weak hash is upgraded at login', async () => {
  const legacy = String(CRYPT({ digestAlg: 'sha512' }).validate('old pass 1')[0])
  const id = await auth.tableUser.insert({ first_name: 'Old', last_name: 'Timer', email: 'old@example.com', password: legacy })
  const r = await asRequest(() => auth.checkLogin('old@example.com', 'old pass 1'))
  assert.equal(r.error, null)
  const stored = (await auth.tableUser.get(id))!.password as string
  assert.ok(stored.startsWith(DEFAULT_DIGEST + '$'), stored)
  assert.equal(await verifyPassword('old pass 1', stored), true)
})

test('groups, memberships, permissions and accessibleQuery', async () => {
  const u1 = await auth.registerUser({ first_name: 'A', last_name: 'A', email: 'a@example.com', password: 'password-a' })
  const u2 = await auth.registerUser({ first_name: 'B', last_name: 'B', email: 'b@example.com', password: 'password-b' })
  assert.equal(await auth.hasMembership(`user_${u1}`, u1), true, 'personal group')
  const g = await auth.addGroup('managers', 'they manage')
  assert.equal(await auth.idGroup('managers'), g)
  assert.equal(await auth.hasMembership('managers', u1), false)
  await auth.addMembership('managers', u1)
  await auth.addMembership(g, u1)  // twice: one membership
  assert.equal(await auth.hasMembership('managers', u1), true)
  assert.equal(await auth.hasMembership(g, u2), false)
  assert.deepEqual(Object.values(await auth.userGroups(u1)).sort(), ['managers', `user_${u1}`])
  db.defineTable('doc', Field('title', 'string'))
  const d1 = await db.doc.insert({ title: 'one' }), d2 = await db.doc.insert({ title: 'two' })
  await auth.addPermission('managers', 'read', db.doc, d2)
  assert.equal(await auth.hasPermission('read', 'doc', d2, u1), true)
  assert.equal(await auth.hasPermission('read', 'doc', d1, u1), false)
  assert.equal(await auth.hasPermission('read', 'doc', d2, u2), false)
  let rows = await db(await auth.accessibleQuery('read', db.doc, u1)).select()
  assert.deepEqual(rows.asList().map((r: any) => r.title), ['two'])
  assert.equal((await db(await auth.accessibleQuery('read', db.doc, u2)).select()).length, 0)
  await auth.addPermission(g, 'read', 'doc')
  rows = await db(await auth.accessibleQuery('read', db.doc, u1)).select()
  assert.equal(rows.length, 2)
  assert.equal(await auth.hasPermission('read', 'doc', d1, u1), true, 'a table permission covers each record')
  await auth.delPermission(g, 'read', 'doc')
  await auth.delMembership('managers', u1)
  assert.equal(await auth.hasMembership('managers', u1), false)
  assert.equal(await auth.hasPermission('read', 'doc', d2, u1), false)
  await assert.rejects(auth.addMembership('no such role', u1), QK_AUTH_NO_GROUP)
  await assert.rejects(auth.addGroup('  '), QK_AUTH_BAD_OPTION)
  await assert.rejects(auth.addMembership('managers', null), QK_AUTH_BAD_OPTION)
  assert.equal(await auth.hasMembership('managers', null), false, 'nobody is in no group')
})

test('throttling per account and per address, logged in auth_event', async () => {
  await auth.registerUser({ first_name: 'C', last_name: 'C', email: 'c@example.com', password: 'password-c' })
  for (let i = 0; i < 3; i++) assert.equal((await asRequest(() => auth.checkLogin('c@example.com', 'bad'), '10.0.0.2')).error, 'invalid')
  assert.equal((await asRequest(() => auth.checkLogin('c@example.com', 'password-c'), '10.0.0.3')).error, 'locked')
  const ev = auth.tableEvent
  assert.equal(await db(ev.description.eq(EVENTS.lockedOut)).count(), 1)
  assert.equal(await db(ev.description.eq(EVENTS.loginFailed).and(ev.client_ip.eq('10.0.0.2'))).count(), 3)
  // one address guessing at several accounts
  await auth.registerUser({ first_name: 'D', last_name: 'D', email: 'd@example.com', password: 'password-d' })
  for (let i = 0; i < 5; i++) await asRequest(() => auth.checkLogin(`nobody${i}@example.com`, 'x'), '10.0.0.9')
  assert.equal((await asRequest(() => auth.checkLogin('d@example.com', 'password-d'), '10.0.0.9')).error, 'locked')
  assert.equal((await asRequest(() => auth.checkLogin('d@example.com', 'password-d'), '10.0.0.8')).error, null)
})

test('session login: expiry and remember-me', async () => {
  const u = (await auth.tableUser.get({ email: 'd@example.com' }))!
  const session: Record<string, unknown> = {}
  await asRequest(async () => {
    await auth.loginUser(u, true)
    assert.equal(auth.userId, u.id)
    assert.equal((auth.user as any).password, undefined)
    assert.equal((session.auth as any).expiration, 30 * 24 * 3600)
  }, '10.0.0.8', session)
  ;(session.auth as any).lastVisit = Date.now() - 31 * 24 * 3600 * 1000
  await asRequest(async () => {
    assert.equal(auth.isLoggedIn(), false)
    assert.equal(session.auth, undefined)
  }, '10.0.0.8', session)
  await asRequest(async () => {
    await auth.loginUser(u)
    assert.equal((session.auth as any).expiration, 3600)
    ;(session.auth as any).lastVisit = Date.now() - 3601 * 1000
    assert.equal(auth.user, null)
  }, '10.0.0.8', session)
})

test('signature fields and record versioning', async () => {
  const u = (await auth.tableUser.get({ email: 'd@example.com' }))!
  const session = { auth: { user: { id: u.id }, lastVisit: Date.now(), expiration: 3600, remember: false, hmacKey: 'k' } }
  await asRequest(async () => {
    const t = db.defineTable('post', Field('title', 'string'), ...auth.signature)
    const archive = enableRecordVersioning(t)
    assert.equal(archive._tablename, 'post_archive')
    const id = await t.insert({ title: 'v1' })
    let row = (await t.get(id))!
    assert.equal(row.created_by, u.id)
    assert.equal(row.is_active, true)
    assert.ok(row.created_on instanceof Date)
    await db(t.id.eq(id)).update({ title: 'v2' })
    await (await t.get(id))!.updateRecord({ title: 'v3' })
    row = (await t.get(id))!
    assert.equal(row.title, 'v3')
    assert.equal(row.modified_by, u.id)
    let versions = await db(archive.current_record.eq(id)).select({ orderby: archive.id })
    assert.deepEqual(versions.asList().map((r: any) => r.title), ['v1', 'v2'])
    await db(t.id.eq(id)).delete()
    versions = await db(archive.current_record.eq(id)).select({ orderby: archive.id })
    assert.deepEqual(versions.asList().map((r: any) => r.title), ['v1', 'v2', 'v3'], 'the last version is kept when the record is deleted')
    assert.equal(versions.last()!.modified_by, u.id)
    assert.throws(() => enableRecordVersioning({} as never), QK_AUTH_BAD_OPTION)
    // web2py's spelling on the table
    const other = db.defineTable('page', Field('body', 'text'))
    const pageArchive = (other as any).enableRecordVersioning({ archiveName: 'page_history' })
    const pid = await other.insert({ body: 'a' })
    await db(other.id.eq(pid)).update({ body: 'b' })
    assert.deepEqual((await db(pageArchive.current_record.eq(pid)).select()).asList().map((r: any) => r.body), ['a'])
  }, '10.0.0.8', session)
})

test('tokens: HS256 only, signature and expiry checked; basic and bearer headers parsed', () => {
  const secret = 'x'.repeat(32)
  const t = signJwt({ sub: 5 }, secret, 60)
  assert.equal(verifyJwt(t, secret).sub, 5)
  assert.throws(() => verifyJwt(t, 'y'.repeat(32)), QK_AUTH_BAD_TOKEN)
  assert.throws(() => verifyJwt(signJwt({ sub: 5 }, secret, -1), secret), /expired/)
  assert.throws(() => verifyJwt('a.b', secret), /malformed/)
  const [, p, sig] = t.split('.')
  assert.throws(() => verifyJwt(`${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.${sig}`, secret), /algorithm/)
  assert.throws(() => signJwt({ sub: 1 }, 'short'), QK_AUTH_BAD_OPTION)
  assert.deepEqual(parseBasic('Basic ' + Buffer.from('a@b.c:p:w').toString('base64')), ['a@b.c', 'p:w'])
  assert.equal(parseBasic('Bearer x'), null)
  assert.equal(parseBearer('Bearer abc.def.ghi'), 'abc.def.ghi')
})

test('bad arguments fail clearly', () => {
  assert.throws(() => new Auth(null as never), QK_AUTH_BAD_OPTION)
  assert.throws(() => auth.requiresLogin('index' as never), QK_AUTH_BAD_OPTION)
  assert.throws(() => auth.requiresPermission('edit', 'doc', 1.5, () => 1), QK_AUTH_BAD_OPTION)
  assert.throws(() => new Auth(new DAL('sqlite://other.sqlite', { folder: dir })).tableUser, QK_AUTH_NO_TABLES)
})

test('settings: the defaults and the options, made on first use, each Auth its own (arrays included)', () => {
  const other = new DAL('sqlite://memory')
  const a = runInContext(newState(dir, 'shop'), () => new Auth(other, { username: true, passwordMinLength: 12 }))
  const b = runInContext(newState(dir, 'shop'), () => new Auth(other))
  runInContext(newState(dir, 'shop'), () => a.defineTables())
  // defineTables took username and the minimum length from the options before anything read the settings
  assert.ok(other.auth_user.username, 'a username field')
  assert.equal(a.settings.username, true)
  assert.equal(a.settings.passwordMinLength, 12)
  assert.equal(a.settings.loginNext, '/shop/default/index', 'defaults of the app the Auth was made in')
  assert.equal(b.settings.passwordMinLength, 8)
  a.settings.actionsDisabled.push('register')
  assert.deepEqual(b.settings.actionsDisabled, [], 'arrays are not shared between Auths')
  assert.equal(a.settings, a.settings, 'made once')
})
