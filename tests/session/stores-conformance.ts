/**
 * One conformance suite for every session store (tests/session/<store>.test.ts each call it):
 * round trip, renew and forget, expiry and cleanup, hostile cookies, the lock released when a request
 * throws, and, for the stores that lock, N concurrent increments of one session's counter sent
 * alternately through two real Quark processes serving one applications folder: the count is exact.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { doRequest, writeApp, type TestResponse } from '../helpers/server'
import { startQuarkProcess, type QuarkProcess } from './processes'
import { closeSessionStores, makeStore } from '../../server/session'
import { closeAllConnections } from '../../server/dal'

export interface StoreUnderTest {
  name: string
  /** serialises requests of one session across processes */
  locks: boolean
  /** the app's private/session.json */
  config(): Record<string, unknown>
  /** make the session with this cookie value look older than its maxAge; the cookie to present then */
  age(appFolder: string, cookieValue: string): Promise<string>
  /** whether cleanupSessions removes something after age() (TTL stores remove by themselves) */
  cleanupRemoves: boolean
  /** a well-formed cookie value this store never issued */
  forged: string
  /** runs first (creates the test database) */
  setup?(): Promise<void>
  teardown?(): Promise<void>
}

const CONTROLLER = `
export async function inc() {
  const n = (session.n as number | undefined) ?? 0
  await new Promise((r) => setTimeout(r, 1))   // widen the window a torn session would show in
  session.n = n + 1
  return String(session.n)
}
export function read() { return JSON.stringify(session) }
export function set() { session.v = request.vars.v; return 'ok' }
export function renew() { session.renew(); return 'ok' }
export function forget() { session.forget(); session.lost = 1; return 'ok' }
export function boom() { session.x = 1; throw new Error('boom on purpose') }
`

export const N = 300
const APP = 'shop'
const COOKIE = `session_id_${APP}`

export function storeConformance(s: StoreUnderTest): void {
  let root: string
  let appFolder: string
  let a: QuarkProcess
  let b: QuarkProcess

  before(async () => {
    await s.setup?.()
    root = fs.mkdtempSync(path.join(os.tmpdir(), `quark-sessions-${s.name}-`))
    appFolder = path.join(root, 'applications', APP)
    writeApp(appFolder, { 'controllers/default.ts': CONTROLLER, 'private/session.json': JSON.stringify(s.config()) })
    // one after the other: the first creates the store's table (database store) before the second looks
    a = await startQuarkProcess(root)
    await get(a, '/read')
    b = await startQuarkProcess(root)
    await get(b, '/read')
  })
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await closeSessionStores()
    await closeAllConnections()
    await s.teardown?.()
    fs.rmSync(root, { recursive: true, force: true })
  })

  const get = (p: QuarkProcess, url: string, cookie?: string): Promise<TestResponse> =>
    doRequest({ url: p.url, isHttps: false }, `/${APP}/default${url}`, { cookies: cookie ? { [COOKIE]: cookie } : {}, timeout: 120_000 })

  /** a session holding v, through process a; its cookie */
  async function newSession(v: string): Promise<string> {
    const r = await get(a, `/set?v=${v}`)
    assert.equal(r.status, 200, r.body)
    const c = r.cookies[COOKIE]
    assert.ok(c, 'a session that was written gets a cookie')
    return c!
  }

  test(`${s.name}: what one process writes the other reads (round trip), and a request without a cookie gets none`, async () => {
    const c = await newSession('apple')
    const r = await get(b, '/read', c)
    assert.deepEqual(JSON.parse(r.body), { v: 'apple' })
    const none = await get(a, '/read')
    assert.equal(none.cookies[COOKIE], undefined)
  })

  test(`${s.name}: renew moves the data to a new cookie and the old one no longer reads it; forget writes nothing`, async () => {
    const c = await newSession('pear')
    const r = await get(a, '/renew', c)
    const fresh = r.cookies[COOKIE]
    assert.ok(fresh && fresh !== c)
    assert.deepEqual(JSON.parse((await get(b, '/read', fresh)).body), { v: 'pear' })
    if (s.name !== 'cookie') assert.deepEqual(JSON.parse((await get(b, '/read', c)).body), {}, 'the old id is gone')
    const f = await get(a, '/forget', fresh)
    assert.equal(f.cookies[COOKIE], undefined)
    assert.deepEqual(JSON.parse((await get(b, '/read', fresh)).body), { v: 'pear' })
  })

  test(`${s.name}: an expired session reads as empty, and cleanup removes it`, async () => {
    const c = await s.age(appFolder, await newSession('old'))
    if (s.cleanupRemoves) {
      const store = makeStore(appFolder, s.config())
      try { assert.ok(await store.cleanup(60) >= 1, 'cleanup removed the expired session') } finally { await store.close() }
    }
    assert.deepEqual(JSON.parse((await get(b, '/read', c)).body), {})
  })

  test(`${s.name}: forged and foreign cookies are never adopted (a write gets a new cookie, no data leaks)`, async () => {
    await newSession('victim')
    for (const bad of [s.forged, '../../private/session', 'abcdef0123456789abcdef0123456789/../../x', 'r' + 'a'.repeat(32), 'd' + 'b'.repeat(32), 'q1.AAAA', `q1.${'A'.repeat(5000)}`, '__proto__']) {
      const r = await get(a, '/read', bad)
      assert.equal(r.status, 200, `${bad}: ${r.body}`)
      assert.deepEqual(JSON.parse(r.body), {}, bad)
      const w = await get(b, '/set?v=x', bad)
      assert.equal(w.status, 200)
      assert.ok(w.cookies[COOKIE] && w.cookies[COOKIE] !== bad, `${bad}: a new id, never the forged one`)
    }
  })

  test(`${s.name}: a request that throws releases the session's lock and saves nothing`, async () => {
    const c = await newSession('keep')
    const r = await get(a, '/boom', c)
    assert.equal(r.status, 500)
    // both processes can take the session again (a lock left behind would make these wait, then 503)
    const ra = await get(a, '/read', c)
    const rb = await get(b, '/read', c)
    assert.equal(ra.status, 200)
    assert.equal(rb.status, 200)
    assert.deepEqual(JSON.parse(rb.body), { v: 'keep' })
  })

  test(`${s.name}: ${N} concurrent increments of one session through two processes`, { timeout: 600_000 }, async () => {
    const r0 = await get(a, '/inc')
    const c = r0.cookies[COOKIE]!
    const answers = await Promise.all(Array.from({ length: N }, (_, i) => get(i % 2 ? a : b, '/inc', c)))
    const failed = answers.filter((r) => r.status !== 200)
    assert.equal(failed.length, 0, failed.map((r) => `${r.status} ${r.body.slice(0, 200)}`).join('\n'))
    if (!s.locks) return // the cookie store: each response carries its own cookie; last write wins (documented)
    const final = JSON.parse((await get(b, '/read', c)).body) as { n: number }
    assert.equal(final.n, N + 1, `lost ${N + 1 - final.n} of ${N + 1} increments`)
    const seen = new Set(answers.map((r) => r.body))
    assert.equal(seen.size, N, 'every increment saw a different count (one request of the session at a time)')
  })
}
