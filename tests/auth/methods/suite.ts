/**
 * The conformance suite every login method runs (auth/methods/ seam): the
 * same checks for password, TOTP, OIDC, passkey and LDAP. A method is given
 * its fixture (how to make a valid credential and wrong ones) and must:
 * be registered under its name with its factors; refuse bad options with
 * QK_AUTH_BAD_OPTION; accept the valid credential with the right user;
 * refuse each wrong and each malformed credential with a known code and a
 * message, never throwing; never write the session; log every refusal.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DAL, closeAllConnections } from '../../../server/dal'
import { newState, runInContext } from '../../../server/current'
import { Auth, loginMethodByName, type LoginMethod } from '../../../server/auth'
import type { Row } from '../../../server/dal'

export const REFUSAL_CODES = ['invalid', 'locked', 'pending', 'disabled', 'malformed', 'replayed', 'expired', 'not-enrolled', 'unavailable']

export interface MethodEnv { auth: Auth; db: DAL; inRequest<T>(fn: () => Promise<T>): Promise<T>; userId: number }

export interface MethodFixture {
  name: string
  factor: 'first' | 'second'
  options?: unknown
  badOptions: unknown[]
  /** runs once with a fresh app database and a registered user (password 'correct horse 1') */
  setup?(env: MethodEnv): Promise<void>
  /** a credential the method accepts (made fresh for each call) */
  valid(env: MethodEnv): Promise<Record<string, unknown>>
  /** credentials it must refuse */
  wrong(env: MethodEnv): Promise<Record<string, unknown>[]>
  /** cleaned up after the suite */
  teardown?(): Promise<void>
}

const MALFORMED: Record<string, unknown>[] = [
  {}, { code: ['1', '2'] }, { email: { $ne: 1 }, password: { x: 1 } }, { code: 'x'.repeat(100_000), password: 'y'.repeat(100_000), email: 'z'.repeat(100_000) },
  { code: null, email: null, password: null, response: null, state: null, username: null }, { response: '{"id":', state: '\u0000' },
]

export function conformance(f: MethodFixture): void {
  test(`login method ${f.name}: conformance`, { timeout: 120_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `quark-method-${f.name}-`))
    const db = new DAL('sqlite://storage.sqlite', { folder: dir } as never)
    const session: Record<string, unknown> = {}
    async function inRequest<T>(fn: () => Promise<T>): Promise<T> {
      const state = newState(dir, 'conf', { request: { client: '10.7.7.7', headers: {}, extension: 'html', cookies: {}, vars: {}, postVars: {}, args: [] }, session, response: { setCookie() {} } } as never)
      try { const r = await runInContext(state, fn); for (const t of state.transactionals) await t.commit(); return r } finally { for (const t of state.transactionals) await t.release() }
    }
    const auth = await inRequest(async () => {
      const a = new Auth(db, { digestAlg: 'pbkdf2(1000,32,sha512)', loginMaxFailures: 1000, addressMaxFailures: 1000 })
      a.defineTables()
      return a
    })
    try {
      // registered, with its factors, and options checked
      const m = loginMethodByName(f.name) as LoginMethod<unknown>
      assert.ok(m, `${f.name} is registered`)
      assert.equal(m.name, f.name)
      assert.ok(m.factors.includes(f.factor), `${f.name} is a ${f.factor} factor`)
      for (const bad of f.badOptions) assert.throws(() => m.configure(bad), (e: { code?: string }) => e.code === 'QK_AUTH_BAD_OPTION', `bad options ${JSON.stringify(bad)}`)
      await inRequest(async () => { auth.enable(f.name, f.options) })
      const userId = await inRequest(() => auth.registerUser({ first_name: 'C', last_name: 'F', email: `conf-${f.name}@example.com`, password: 'correct horse 1' }))
      const env: MethodEnv = { auth, db, inRequest, userId }
      await f.setup?.(env)
      const options = m.configure(f.options)
      const user = (await inRequest(() => auth.tableUser.get(userId))) as Row
      const ctx = { auth, options, user: f.factor === 'second' ? user : undefined }
      const events = () => inRequest(() => db(auth.tableEvent.id.gt(0)).count())
      // the credentials are made first (a flow may keep its checks in the session), then the session is watched
      const validCredential = await f.valid(env)
      const cases = [...await f.wrong(env), ...MALFORMED]
      const before = JSON.stringify(session)
      // the valid credential: the user
      const ok = await inRequest(async () => m.verify(ctx, validCredential))
      assert.equal(ok.ok, true, `valid credential refused: ${JSON.stringify(ok)}`)
      if (ok.ok) assert.equal(ok.user.id, userId)
      // wrong and malformed: refused with a code and a message, never a throw, each logged
      for (const c of cases) {
        const n = await events()
        const r = await inRequest(() => m.verify(ctx, c))
        assert.equal(r.ok, false, `accepted: ${JSON.stringify(c).slice(0, 200)}`)
        if (!r.ok) {
          assert.ok(REFUSAL_CODES.includes(r.code), `unknown refusal code ${r.code}`)
          assert.ok(typeof r.message === 'string' && r.message.length > 0 && r.message.length < 300, 'a short message')
          if (r.code !== 'malformed') assert.ok((await events()) > n, `refusal ${r.code} of ${JSON.stringify(c).slice(0, 100)} not logged in auth_event`)
        }
      }
      // no method writes the session: logging in is Auth's job once every factor passed
      assert.equal(JSON.stringify(session), before, 'the session was written')
      assert.equal(session.auth, undefined)
    } finally {
      await f.teardown?.()
      await closeAllConnections()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
}
