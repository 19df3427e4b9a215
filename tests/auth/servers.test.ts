/** Auth on PostgreSQL and MariaDB: tables, groups and permissions, throttling, hash upgrade, versioning (databases made for the run, dropped after). */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createTestDatabase, testDatabaseName, type TestDatabase } from '../helpers/databases'
import { DAL, Field, closeAllConnections } from '../../server/dal'
import { CRYPT, DEFAULT_DIGEST } from '../../server/validators'
import { Auth, enableRecordVersioning } from '../../server/auth'

const name = testDatabaseName('auth')
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-auth-srv-'))
const databases: TestDatabase[] = []

after(async () => {
  await closeAllConnections()
  for (const d of databases) await d.drop()
  fs.rmSync(folder, { recursive: true, force: true })
})

async function exercise(uri: string): Promise<void> {
  const db = new DAL(uri, { folder })
  const auth = new Auth(db, { loginMaxFailures: 2 })
  auth.defineTables({ username: true })
  const u1 = await auth.registerUser({ first_name: 'A', last_name: 'A', email: 'a@example.com', username: 'ann', password: 'password-a' })
  const legacy = String(CRYPT({ digestAlg: 'sha256' }).validate('password-b')[0])
  const u2 = await auth.tableUser.insert({ first_name: 'B', last_name: 'B', email: 'b@example.com', username: 'bob', password: legacy })
  assert.equal((await auth.checkLogin('ann', 'password-a')).error, null)
  assert.equal((await auth.checkLogin('bob', 'password-b')).error, null)
  assert.ok(String((await auth.tableUser.get(u2))!.password).startsWith(DEFAULT_DIGEST), 'legacy hash upgraded')
  await auth.checkLogin('bob', 'x'); await auth.checkLogin('bob', 'y')
  assert.equal((await auth.checkLogin('bob', 'password-b')).error, 'locked')
  const g = await auth.addGroup('staff')
  await auth.addMembership('staff', u1)
  assert.equal(await auth.hasMembership(g, u1), true)
  assert.equal(await auth.hasMembership(g, u2), false)
  const t = db.defineTable('note', Field('body', 'text'), ...auth.signature)
  const archive = enableRecordVersioning(t)
  const n1 = await t.insert({ body: 'one' }), n2 = await t.insert({ body: 'two' })
  await auth.addPermission(g, 'read', t, n2)
  assert.deepEqual((await db(await auth.accessibleQuery('read', t, u1)).select()).asList().map((r: any) => r.id), [n2])
  await db(t.id.eq(n1)).update({ body: 'one!' })
  assert.deepEqual((await db(archive.current_record.eq(n1)).select()).asList().map((r: any) => r.body), ['one'])
}

test('PostgreSQL', async () => {
  const d = await createTestDatabase('postgres', '', name); databases.push(d)
  await exercise(d.uri)
})

test('MariaDB', async () => {
  const d = await createTestDatabase('mysql', '', name); databases.push(d)
  await exercise(d.uri)
})
