/**
 * Passkeys in chromium with a virtual authenticator (the DevTools protocol's
 * WebAuthn domain, through playwright's CDP session), on the welcome app at
 * http://localhost (a secure context; WebAuthn refuses IP addresses and
 * certificate errors): register two passkeys in the profile, log in with one
 * instead of a password, use one as the second factor; a replayed assertion
 * and an assertion for another user are refused. Screenshots in tests/auth/screenshots/.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type Page, type BrowserContext } from 'playwright-core'
import { startServer, type TestServer } from '../helpers/server'

const CHROMIUM = '/usr/bin/chromium'
const SHOTS = path.join(__dirname, 'screenshots')
let s: TestServer
let base = ''
let browser: Browser | undefined
before(async () => {
  s = await startServer({ welcome: true, https: false })
  fs.writeFileSync(`${s.appFolder('welcome')}/models/z_identity.ts`, "auth.enable('passkey', { rpName: 'Welcome' })\n")
  base = s.url.replace('127.0.0.1', 'localhost')
  fs.mkdirSync(SHOTS, { recursive: true })
  if (fs.existsSync(CHROMIUM)) browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
})
after(async () => { await browser?.close(); await s?.stop() })

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true })

async function withAuthenticator(): Promise<{ ctx: BrowserContext; page: Page; swap(): Promise<void> }> {
  const ctx = await browser!.newContext()
  const page = await ctx.newPage()
  const cdp = await ctx.newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  const add = async () => (await cdp.send('WebAuthn.addVirtualAuthenticator', { options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true } })).authenticatorId
  let id = await add()
  // another device: one authenticator holds one passkey per account (excludeCredentials)
  const swap = async () => { await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: id }); id = await add() }
  return { ctx, page, swap }
}

async function register(page: Page, email: string) {
  await page.goto(`${base}/welcome/default/user/register`)
  await page.fill('#register_first_name', 'Pat')
  await page.fill('#register_last_name', 'K')
  await page.fill('#register_email', email)
  await page.fill('#register_password', 'passkey-pw-1')
  await page.fill('#register_password2', 'passkey-pw-1')
  await page.click('form.register button[type=submit]')
  await page.waitForURL(/\/welcome\/default\/index/)
}

async function addPasskey(page: Page, label: string) {
  await page.goto(`${base}/welcome/default/user/passkeys`)
  await page.fill('#passkey_register_label', label)
  await page.click('text=Add a passkey')
  await page.waitForSelector(`.quark-passkey-item >> text=${label}`)
}

async function logOut(page: Page) {
  await page.goto(`${base}/welcome/default/index`)
  await page.click('.quark-auth >> text=Log Out')
  await page.waitForSelector('.quark-auth >> text=Log In')
}

const skip = !fs.existsSync(CHROMIUM) && 'chromium not installed'

test('passkeys: register two in the profile, log in with one, use one as the second factor', { skip, timeout: 120_000 }, async () => {
  const { ctx, page, swap } = await withAuthenticator()
  await register(page, 'pat@example.com')
  await page.goto(`${base}/welcome/default/user/profile`)
  await page.click('main >> text=Passkeys')  // the profile page's link (the user menu has a hidden one too)
  await page.waitForSelector('text=No passkey yet.')
  await addPasskey(page, 'laptop')
  await swap()
  await addPasskey(page, 'phone')
  assert.equal(await page.locator('.quark-passkey-item').count(), 2)
  await shot(page, 'passkeys-profile')
  // the browser library is served by Quark
  const lib = await ctx.request.get(`${base}/_quark/simplewebauthn-browser.js`)
  assert.equal(lib.status(), 200)
  assert.match(await lib.text(), /SimpleWebAuthnBrowser/)
  // log in with a passkey instead of the password
  await logOut(page)
  await page.goto(`${base}/welcome/default/user/login`)
  await shot(page, 'passkey-login-page')
  await page.click('text=Sign in with a passkey')
  await page.waitForURL(/\/welcome\/default\/index/)
  assert.match((await page.textContent('.quark-auth')) ?? '', /Pat/)
  await shot(page, 'passkey-logged-in')
  // as the second factor: the password, then the passkey
  await logOut(page)
  await page.goto(`${base}/welcome/default/user/login`)
  await page.fill('#login_email', 'pat@example.com')
  await page.fill('#login_password', 'passkey-pw-1')
  await page.click('form.login button[type=submit]')
  await page.waitForURL(/\/user\/passkey_second_factor$/)
  assert.equal((await ctx.request.get(`${base}/welcome/default/user/profile`, { maxRedirects: 0 })).status(), 303, 'not logged in by the password alone')
  await shot(page, 'passkey-second-factor')
  await page.click('text=Use my passkey')
  await page.waitForURL(/\/welcome\/default\/index/)
  assert.match((await page.textContent('.quark-auth')) ?? '', /Pat/)
  await ctx.close()
})

test('passkeys: a replayed assertion, and one posted without its challenge, are refused; nobody is logged in', { skip, timeout: 120_000 }, async () => {
  const { ctx, page } = await withAuthenticator()
  await register(page, 'rita@example.com')
  await addPasskey(page, 'key')
  await logOut(page)
  // catch the assertion the login page posts
  await page.goto(`${base}/welcome/default/user/login`)
  let posted = ''
  await page.route(/\/user\/passkey_login$/, async (route) => { if (route.request().method() === 'POST') posted = route.request().postData() ?? ''; await route.continue() })
  await page.click('text=Sign in with a passkey')
  await page.waitForURL(/\/welcome\/default\/index/)
  assert.ok(posted.includes("response="))
  const response = new URLSearchParams(posted).get('response')!
  await logOut(page)
  // the same assertion again, with a fresh form key and challenge of this browser: its challenge is spent
  await page.goto(`${base}/welcome/default/user/login`)
  const key = await page.getAttribute('#passkey_login input[name=_formkey]', 'value')
  const r = await ctx.request.post(`${base}/welcome/default/user/passkey_login`, { form: { _formname: 'passkey_login', _formkey: key!, response }, maxRedirects: 0 })
  assert.equal(r.status(), 400)
  assert.match(await r.text(), /The passkey was refused/)
  assert.equal((await ctx.request.get(`${base}/welcome/default/user/profile`, { maxRedirects: 0 })).status(), 303, 'not logged in')
  // in another browser (no challenge at all)
  const other = await browser!.newContext()
  const page2 = await other.newPage()
  await page2.goto(`${base}/welcome/default/user/login`)
  const key2 = await page2.getAttribute('#passkey_login input[name=_formkey]', 'value')
  const r2 = await other.request.post(`${base}/welcome/default/user/passkey_login`, { form: { _formname: 'passkey_login', _formkey: key2!, response }, maxRedirects: 0 })
  assert.equal(r2.status(), 400)
  await other.close()
  await ctx.close()
})
