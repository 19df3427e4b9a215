/**
 * The two holes of the security review (issue 22): the lock-out told whether
 * an account exists (a known email was locked after a few tries and answered
 * at once; an unknown one kept answering "Invalid login" slowly), and a plain
 * GET of /user/logout logged the user out (cross-site logout).
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { TestResponse, TestServer } from '../helpers/server'
import { startAuthApp, submit, logout, SESSION } from './authApp'

let s: TestServer
const PW = 'correct horse 1'
before(async () => {
  // the address limit is raised so that this test meets the per-account limit (5) only
  s = await startAuthApp('addressMaxFailures: 1000')
  const r = await submit(s.agent(), '/shop/default/user/register', 'register', { first_name: 'Ada', last_name: 'L', email: 'ada@example.com', password: PW, password2: PW })
  assert.equal(r.status, 303, r.body)
})
after(async () => { await s?.stop() })

/** status + the visible error of a login answer, the email taken out */
function outcome(r: TestResponse, email: string): string {
  const alert = /class="alert alert-danger"[^>]*>([^<]*)</.exec(r.body)?.[1] ?? ''
  return `${r.status} ${alert}`.split(email).join('<email>')
}

test('a known and an unknown account: the same message and status on every try, locked or not, and the same time', { timeout: 240_000 }, async () => {
  const known: number[] = [], unknown: number[] = []
  const seen = new Set<string>()
  for (let i = 0; i < 20; i++) {
    // interleaved, so machine load falls on both alike
    let t0 = performance.now()
    const a = await submit(s.agent(), '/shop/default/user/login', 'login', { email: 'ada@example.com', password: `Wrong-${i}` })
    known.push(performance.now() - t0)
    t0 = performance.now()
    const b = await submit(s.agent(), '/shop/default/user/login', 'login', { email: 'nobody@example.com', password: `Wrong-${i}` })
    unknown.push(performance.now() - t0)
    const x = outcome(a, 'ada@example.com'), y = outcome(b, 'nobody@example.com')
    assert.equal(x, y, `try ${i}: a known and an unknown account answer differently`)
    seen.add(x)
  }
  // both were locked after the 5th failure, with one message
  assert.deepEqual([...seen].sort(), ['200 Account locked: too many failed logins, try again later', '200 Invalid login'])
  // the submitted login is locked even though no account has it: the lock-out is counted per submitted email
  const r = await submit(s.agent(), '/shop/default/user/login', 'login', { email: 'NOBODY@example.com ', password: 'x' })
  assert.match(outcome(r, 'nobody@example.com'), /Account locked/)
  const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[xs.length >> 1]
  const mk = median(known), mu = median(unknown)
  const ratio = Math.max(mk, mu) / Math.min(mk, mu)
  console.log(`# login timing over 20 tries each: known ${mk.toFixed(1)} ms, unknown ${mu.toFixed(1)} ms (median), ratio ${ratio.toFixed(2)}`)
  assert.ok(ratio <= 1.2, `known ${mk.toFixed(1)} ms vs unknown ${mu.toFixed(1)} ms: more than 20% apart`)
})

test('logout only by POST with the form key: a cross-site GET or a forged POST leaves the user logged in', async () => {
  const a = s.agent()
  let r = await submit(a, '/shop/default/user/register', 'register', { first_name: 'Bo', last_name: 'B', email: 'bo@example.com', password: PW, password2: PW })
  assert.equal(r.status, 303)
  const loggedIn = async () => (await a.request('/shop/default/secret.json')).status === 200
  assert.ok(await loggedIn())
  // a GET (a link or an <img> on another site) shows a confirmation form and logs nobody out
  r = await a.request('/shop/default/user/logout')
  assert.equal(r.status, 200)
  assert.match(r.body, /Log out of this site\?/)
  assert.ok(await loggedIn(), 'GET logged the user out')
  // a POST from another site carries no key, or a guessed one, or another session's key
  r = await a.request('/shop/default/user/logout', { form: {} })
  assert.equal(r.status, 200)
  assert.match(r.body, /invalid form key/)
  r = await a.request('/shop/default/user/logout', { form: { _formkey: '0'.repeat(64) } })
  assert.equal(r.status, 200)
  const eve = s.agent()
  await submit(eve, '/shop/default/user/register', 'register', { first_name: 'Eve', last_name: 'E', email: 'eve@example.com', password: PW, password2: PW })
  const evePage = await eve.request('/shop/default/index')
  const eveKey = /class="quark-logout[^"]*"[^>]*>[\s\S]*?name="_formkey"[^>]*value="([0-9a-f]+)"/.exec(evePage.body)![1]
  r = await a.request('/shop/default/user/logout', { form: { _formkey: eveKey } })
  assert.equal(r.status, 200)
  assert.ok(await loggedIn(), 'a forged POST logged the user out')
  // the layout's form, with this session's key, logs out and renews the session id
  const before = a.jar[SESSION]
  r = await logout(a)
  assert.equal(r.status, 303)
  assert.notEqual(a.jar[SESSION], before)
  assert.ok(!(await loggedIn()))
  // once logged out, the logout page just goes on
  r = await a.request('/shop/default/user/logout')
  assert.equal(r.status, 303)
})
