/**
 * LDAP login against Debian's slapd (started here on a spare port with its
 * own directory): bind by a DN template and by search-then-bind, the local
 * user created then updated, an LDAP group mapped to an Auth group, a wrong
 * password and an LDAP injection in the login refused, in chromium with a
 * screenshot; and the method's conformance suite.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { chromium } from 'playwright-core'
import type { TestServer } from '../helpers/server'
import { startAuthApp, submit, logout } from './authApp'
import { startSlapd, SUFFIX, type Slapd } from './slapd'
import { conformance } from './methods/suite'
import { escapeDnValue, escapeFilter } from '../../server/auth'

let slapd: Slapd | undefined
let reason = ''
let s: TestServer | undefined
before(async () => {
  const r = await startSlapd()
  if (typeof r === 'string') { reason = r; console.log(`# LDAP tests skipped: ${r}`); return }
  slapd = r
})
after(async () => { await s?.stop(); await slapd?.stop() })

test('escaping: DN values (RFC 4514) and filter values (RFC 4515)', () => {
  assert.equal(escapeFilter('*)(uid=*'), '\\2a\\29\\28uid=\\2a')
  assert.equal(escapeFilter('a\\b\u0000'), 'a\\5cb\\00')
  assert.equal(escapeDnValue('a,b+c="x"<y>;#'), 'a\\,b\\+c\\=\\"x\\"\\<y\\>\\;\\#')
  assert.equal(escapeDnValue(' lead'), '\\ lead')
})

test('LDAP: search-then-bind by email, a group mapped, the user created then updated; bad logins refused', { timeout: 120_000 }, async (t) => {
  if (!slapd) return t.skip(reason)
  s = await startAuthApp('addressMaxFailures: 1000', { 'models/z_ldap.ts': `auth.enable('ldap', { url: '${slapd.url}', search: { base: 'ou=people,${SUFFIX}', filter: '(mail=%s)', bindDn: 'cn=admin,${SUFFIX}', bindPassword: 'admin-secret' }, groups: { base: 'ou=groups,${SUFFIX}', map: { codebreakers: 'staff' } } })\n` })
  const a = s.agent()
  let r = await submit(a, '/shop/default/user/login', 'login', { email: 'alan@example.com', password: 'enigma-1912' })
  assert.equal(r.status, 303, r.body)
  let who = (await a.request('/shop/default/whoami.json')).json()
  assert.equal(who.user.email, 'alan@example.com')
  assert.equal(who.user.first_name, 'Alan')
  assert.equal(who.user.last_name, 'Turing')
  assert.ok(Object.values(who.groups).includes('staff'), `mapped group: ${JSON.stringify(who.groups)}`)
  await logout(a)
  // a second login finds the same user
  r = await submit(a, '/shop/default/user/login', 'login', { email: 'alan@example.com', password: 'enigma-1912' })
  assert.equal((await a.request('/shop/default/whoami.json')).json().user.id, who.user.id)
  await logout(a)
  // joan is not in the group
  r = await submit(a, '/shop/default/user/login', 'login', { email: 'joan@example.com', password: 'bombe-1917' })
  who = (await a.request('/shop/default/whoami.json')).json()
  assert.equal(who.user.email, 'joan@example.com')
  assert.ok(!Object.values(who.groups).includes('staff'))
  await logout(a)
  // refused: a wrong password, an empty one, an injection that would match every entry
  for (const [email, password] of [['alan@example.com', 'wrong'], ['*', 'enigma-1912'], ['*)(mail=*', 'enigma-1912'], ['alan@example.com)(|(mail=*', 'enigma-1912']]) {
    const b = s.agent()
    r = await submit(b, '/shop/default/user/login', 'login', { email, password })
    assert.equal(r.status, 200, `${email}: ${r.status}`)
    assert.match(r.body, /Invalid login/)
    assert.equal((await b.request('/shop/default/secret.json')).status, 401)
  }
})

test('LDAP in chromium: a directory user logs in through the login page (DN template)', { timeout: 120_000 }, async (t) => {
  if (!slapd) return t.skip(reason)
  if (!fs.existsSync('/usr/bin/chromium')) return t.skip('chromium not installed')
  const s2 = await startAuthApp('', { 'models/z_ldap.ts': `auth.enable('ldap', { url: '${slapd.url}', userDn: 'uid=%s,ou=people,${SUFFIX}', groups: { base: 'ou=groups,${SUFFIX}', map: { codebreakers: 'staff' } } })\n` }, {}, '{ username: true }')
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
  try {
    const ctx = await browser.newContext({ ignoreHTTPSErrors: true })
    const page = await ctx.newPage()
    await page.goto(`${s2.url}/shop/default/user/login`)
    await page.fill('#login_username', 'alan')
    await page.fill('#login_password', 'enigma-1912')
    await page.click('form.login button[type=submit]')
    await page.waitForURL(/\/shop\/default\/index/)
    assert.match((await page.textContent('.quark-auth')) ?? '', /Alan/)
    const who = await (await ctx.request.get(`${s2.url}/shop/default/whoami.json`)).json()
    assert.equal(who.user.username, 'alan')
    await page.goto(`${s2.url}/shop/default/whoami`)
    fs.mkdirSync(path.join(__dirname, 'screenshots'), { recursive: true })
    await page.screenshot({ path: path.join(__dirname, 'screenshots', 'ldap-logged-in.png'), fullPage: true })
    assert.match((await page.textContent('body')) ?? '', /staff/)
  } finally { await browser.close(); await s2.stop() }
})

conformance({
  name: 'ldap',
  factor: 'first',
  get options() { return { url: slapd?.url ?? 'ldap://127.0.0.1:1', userDn: `uid=%s,ou=people,${SUFFIX}` } },
  badOptions: [{}, { url: 'http://x' }, { url: 'ldap://x' }, { url: 'ldap://x', userDn: 'uid=x' }, { url: 'ldap://x', userDn: 'uid=%s', search: { base: 'x', filter: '(uid=%s)' } }],
  async setup({ inRequest, auth, db, userId }) {
    // the conformance user is alan's local account (same email)
    await inRequest(() => db(auth.tableUser.id.eq(userId)).update({ email: 'alan@example.com' }))
  },
  valid: async () => ({ username: 'alan', password: 'enigma-1912' }),
  wrong: async () => [{ username: 'alan', password: 'wrong' }, { username: '*', password: 'enigma-1912' }, { username: 'nobody', password: 'x' }, { username: 'alan,ou=people', password: 'enigma-1912' }],
})
