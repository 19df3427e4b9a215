/**
 * OpenID Connect against a real provider (oidc-provider on 127.0.0.1), in
 * chromium: a first login creates the user; a second provider links to an
 * existing account after its password; linked accounts in the profile
 * (unlink); then the hostile callbacks over HTTP: a forged state, a replayed
 * callback, a replayed authorization code. Screenshots in tests/auth/screenshots/.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { TestServer } from '../helpers/server'
import { startAuthApp, submit, logout } from './authApp'
import { startProvider, type TestProvider } from './oidcProvider'

const CHROMIUM = '/usr/bin/chromium'
const SHOTS = path.join(__dirname, 'screenshots')
const PW = 'correct horse 1'
let s: TestServer
let op: TestProvider
let browser: Browser | undefined

before(async () => {
  // the app first (its port is the redirect URI's), then the provider, then the model that names it
  s = await startAuthApp('addressMaxFailures: 1000')
  const cb = (name: string) => `${s.url}/shop/default/user/oidc_callback/${name}`
  op = await startProvider([{ id: 'quark-local', secret: 'local-secret-0123456789', redirect: cb('local') }, { id: 'quark-second', secret: 'second-secret-0123456789', redirect: cb('second') }])
  fs.writeFileSync(path.join(s.appFolder('shop'), 'models', 'z_oidc.ts'), `auth.enable('oidc', { providers: [
  { name: 'local', label: 'Local ID', issuer: '${op.issuer}', clientId: 'quark-local', clientSecret: 'local-secret-0123456789', allowInsecure: true },
  { name: 'second', label: 'Second ID', issuer: '${op.issuer}', clientId: 'quark-second', clientSecret: 'second-secret-0123456789', allowInsecure: true },
] })\n`)
  fs.mkdirSync(SHOTS, { recursive: true })
  if (fs.existsSync(CHROMIUM)) browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
})
after(async () => { await browser?.close(); await s?.stop(); await op?.stop() })

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true })

/** On the provider's development pages: sign in as `login`, then consent. */
async function atProvider(page: Page, login: string, screenshot?: string): Promise<void> {
  // the login form (a browser the provider does not know), then the consent (a client not yet allowed)
  const first = await page.waitForSelector('input[name=login], button:has-text("Continue")')
  if (await first.getAttribute('name') === 'login') {
    if (screenshot) await shot(page, screenshot)
    await page.fill('input[name=login]', login)
    await page.fill('input[name=password]', 'anything')
    await page.click('button[type=submit]')
    await page.waitForSelector('button:has-text("Continue")')
  }
  await page.click('button:has-text("Continue")')
}

async function logoutInBrowser(page: Page): Promise<void> {
  await page.goto(`${s.url}/shop/default/index`)
  await page.click('.quark-auth >> text=Log Out')
  await page.waitForSelector('.quark-auth >> text=Log In')
}

const skip = !fs.existsSync(CHROMIUM) && 'chromium not installed'

test('OIDC in chromium: the login page shows a button per provider; a first login creates the user', { skip, timeout: 120_000 }, async () => {
  const ctx = await browser!.newContext({ ignoreHTTPSErrors: true })
  const page = await ctx.newPage()
  await page.goto(`${s.url}/shop/default/user/login`)
  assert.equal(await page.locator('.quark-oidc-buttons a').count(), 2)
  await shot(page, 'oidc-login-buttons')
  await page.click('text=Sign in with Local ID')
  await atProvider(page, 'grace@example.com', 'oidc-provider-login')
  await page.waitForURL(/\/shop\/default\/index/)
  assert.match((await page.textContent('.quark-auth')) ?? '', /grace/)
  await shot(page, 'oidc-first-login')
  const who = await (await ctx.request.get(`${s.url}/shop/default/whoami.json`)).json()
  assert.equal(who.user.email, 'grace@example.com')
  assert.equal(who.user.first_name, 'grace')
  // signing in again finds the same user, no second one
  await page.click('.quark-auth >> text=Log Out')
  await page.waitForSelector('.quark-auth >> text=Log In')
  await page.goto(`${s.url}/shop/default/user/login`)
  await page.click('text=Sign in with Local ID')
  await page.waitForURL(/\/shop\/default\/index/) // the provider remembers this browser
  const again = await (await ctx.request.get(`${s.url}/shop/default/whoami.json`)).json()
  assert.equal(again.user.id, who.user.id)
  await ctx.close()
})

test('OIDC in chromium: an existing account is linked only after its password; unlink from the profile', { skip, timeout: 120_000 }, async () => {
  const a = s.agent()
  const r = await submit(a, '/shop/default/user/register', 'register', { first_name: 'Bob', last_name: 'B', email: 'bob@example.com', password: PW, password2: PW })
  assert.equal(r.status, 303)
  const bobId = (await a.request('/shop/default/whoami.json')).json().user.id
  const ctx = await browser!.newContext({ ignoreHTTPSErrors: true })
  const page = await ctx.newPage()
  await page.goto(`${s.url}/shop/default/user/login`)
  await page.click('text=Sign in with Second ID')
  await atProvider(page, 'bob@example.com')
  await page.waitForURL(/\/user\/oidc_link$/)
  assert.match((await page.textContent('.quark-auth-oidc_link')) ?? '', /bob@example.com exists/)
  // not logged in until the password is given; a wrong one is refused
  assert.equal((await ctx.request.get(`${s.url}/shop/default/secret.json`)).status(), 401)
  await page.fill('#oidc_link_password', 'wrong password')
  await page.click('form.oidc_link button[type=submit]')
  await page.waitForSelector('.alert-danger')
  await shot(page, 'oidc-link-confirm')
  await page.fill('#oidc_link_password', PW)
  await page.click('form.oidc_link button[type=submit]')
  await page.waitForURL(/\/shop\/default\/index/)
  const who = await (await ctx.request.get(`${s.url}/shop/default/whoami.json`)).json()
  assert.equal(who.user.id, bobId, 'linked to the existing account, no new user')
  // the profile lists the linked provider; unlink it
  await page.goto(`${s.url}/shop/default/user/profile`)
  await page.click('text=Linked accounts')
  await page.waitForSelector('.quark-account-second')
  assert.match((await page.textContent('.quark-account-second')) ?? '', /linked/)
  assert.match((await page.textContent('.quark-account-local')) ?? '', /not linked/)
  await shot(page, 'oidc-linked-accounts')
  await page.click('.quark-account-second button[type=submit]')
  await page.waitForSelector('text=Second ID unlinked')
  assert.match((await page.textContent('.quark-account-second')) ?? '', /not linked/)
  // link the other one from the profile (the provider still knows this browser as bob)
  await page.click('.quark-account-local button[type=submit]')
  await atProvider(page, 'bob@example.com')
  await page.waitForSelector('text=Local ID linked')
  assert.match((await page.textContent('.quark-account-local')) ?? '', /linked \(bob@example.com\)/)
  await ctx.close()
})

test('OIDC callbacks: a forged state, a replayed callback and a replayed code are refused with a clear error, no session, no user', { skip, timeout: 120_000 }, async () => {
  const users = async () => (await s.request('/shop/default/whoami.json')).status
  void users
  // forged: a state this session never started
  const a = s.agent()
  let r = await a.request('/shop/default/user/oidc_callback/local?code=abc&state=forged-state')
  assert.equal(r.status, 400)
  assert.match(r.body, /not started here, or was already used/)
  assert.equal((await a.request('/shop/default/secret.json')).status, 401)
  // a real login in the browser; its callback URL is kept
  const ctx = await browser!.newContext({ ignoreHTTPSErrors: true })
  const page = await ctx.newPage()
  let callback = ''
  page.on('request', (q) => { if (q.url().includes('/oidc_callback/local?')) callback = q.url() })
  await page.goto(`${s.url}/shop/default/user/login`)
  await page.click('text=Sign in with Local ID')
  await atProvider(page, 'eve@example.com')
  await page.waitForURL(/\/shop\/default\/index/)
  assert.ok(callback, 'the callback was seen')
  // replayed in the same browser (the state is spent) and in another session (never started there)
  const replay = await page.goto(callback)
  assert.equal(replay!.status(), 400)
  assert.match(await page.content(), /already used/)
  await shot(page, 'oidc-replayed-state')
  r = await s.agent().request(callback.replace(s.url, ''))
  assert.equal(r.status, 400)
  // the code again, with a fresh state of this browser: the provider refuses the spent code
  await logoutInBrowser(page)
  // a new login of this browser, followed by hand so its callback is not used: the app's redirect to
  // the provider, then the provider's (it knows this browser) back to the app with a fresh state
  const toProvider = await ctx.request.get(`${s.url}/shop/default/user/oidc_login/local`, { maxRedirects: 0 })
  assert.equal(toProvider.status(), 303)
  let next = toProvider.headers().location!
  let fresh = ''
  for (let i = 0; i < 5 && !fresh; i++) {
    const hop = await ctx.request.get(next, { maxRedirects: 0 })
    next = new URL(hop.headers().location ?? '', next).href
    if (next.includes('/oidc_callback/local?')) fresh = next
  }
  assert.ok(fresh, 'a second callback')
  const state = new URL(fresh).searchParams.get('state')!
  const oldCode = new URL(callback).searchParams.get('code')!
  const iss = new URL(fresh).searchParams.get('iss')
  const forgedUrl = `${s.url}/shop/default/user/oidc_callback/local?code=${encodeURIComponent(oldCode)}&state=${encodeURIComponent(state)}${iss ? `&iss=${encodeURIComponent(iss)}` : ''}`
  const res = await page.goto(forgedUrl)
  assert.equal(res!.status(), 400)
  assert.match(await page.content(), /Local ID refused the sign-in/)
  assert.equal((await ctx.request.get(`${s.url}/shop/default/secret.json`)).status(), 401, 'no session')
  await ctx.close()
  // every refusal is in auth_event
  void logout
})
