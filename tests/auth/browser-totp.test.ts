/**
 * Two-factor in real chromium on the welcome app: set up from the profile
 * (QR code page), recovery codes, log out through the navbar's form, log in
 * with a code, then with a recovery code. Screenshots in tests/auth/screenshots/.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { startServer, type TestServer } from '../helpers/server'
import { codeAt } from './totpRef'

const CHROMIUM = '/usr/bin/chromium'
const SHOTS = path.join(__dirname, 'screenshots')
let s: TestServer
let browser: Browser | undefined
before(async () => {
  s = await startServer({ welcome: true })
  fs.writeFileSync(`${s.appFolder('welcome')}/models/z_identity.ts`, "auth.enable('totp', { issuer: 'Welcome' })\n")
  fs.mkdirSync(SHOTS, { recursive: true })
  if (fs.existsSync(CHROMIUM)) browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
})
after(async () => { await browser?.close(); await s?.stop() })

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true })

async function login(page: Page, email: string, password: string) {
  await page.goto(`${s.url}/welcome/default/user/login`)
  await page.fill('#login_email', email)
  await page.fill('#login_password', password)
  await page.click('form.login button[type=submit]')
}

test('TOTP: set up with the QR code, log in with a code and with a recovery code, in a browser', { skip: !fs.existsSync(CHROMIUM) && 'chromium not installed', timeout: 120_000 }, async () => {
  const ctx = await browser!.newContext({ ignoreHTTPSErrors: true })
  const page = await ctx.newPage()
  await page.goto(`${s.url}/welcome/default/user/register`)
  await page.fill('#register_first_name', 'Ada')
  await page.fill('#register_last_name', 'L')
  await page.fill('#register_email', 'ada@example.com')
  await page.fill('#register_password', 'engine-1843')
  await page.fill('#register_password2', 'engine-1843')
  await page.click('form.register button[type=submit]')
  await page.waitForURL(/\/welcome\/default\/index/)
  await page.goto(`${s.url}/welcome/default/user/profile`)
  await page.click('main >> text=Two-factor authentication')  // the profile page's link (the user menu has a hidden one too)
  await page.waitForSelector('img.quark-totp-qr')
  // the QR code image decodes in the browser (a real PNG of 200 px)
  const width = await page.$eval('img.quark-totp-qr', (img) => (img as HTMLImageElement).naturalWidth)
  assert.ok(width >= 100, `QR code image width ${width}`)
  await shot(page, 'totp-setup')
  const secret = (await page.textContent('.quark-totp-secret'))!.replace(/\s/g, '')
  await page.fill('#totp_enrol_code', await codeAt(secret))
  await page.click('form.totp_enrol button[type=submit]')
  await page.waitForSelector('.quark-recovery-codes')
  const codes = await page.$$eval('.quark-recovery-codes code', (els) => els.map((e) => e.textContent ?? ''))
  assert.equal(codes.length, 10)
  await shot(page, 'totp-recovery-codes')
  // log out through the navbar (a POST form), then log in: the code is asked after the password
  await page.click('.quark-auth >> text=Log Out')
  await page.waitForSelector('.quark-auth >> text=Log In')
  await login(page, 'ada@example.com', 'engine-1843')
  await page.waitForURL(/\/user\/two_factor$/)
  await shot(page, 'totp-login-code')
  await page.fill('#two_factor_code', await codeAt(secret, 1))
  await page.click('form.two_factor button[type=submit]')
  await page.waitForURL(/\/welcome\/default\/index/)
  assert.match((await page.textContent('.quark-auth')) ?? '', /Ada/)
  // again, with a recovery code
  await page.click('.quark-auth >> text=Log Out')
  await page.waitForSelector('.quark-auth >> text=Log In')
  await login(page, 'ada@example.com', 'engine-1843')
  await page.waitForURL(/\/user\/two_factor$/)
  await page.fill('#two_factor_code', codes[3]!)
  await page.click('form.two_factor button[type=submit]')
  await page.waitForURL(/\/welcome\/default\/index/)
  await shot(page, 'totp-logged-in')
  assert.match((await page.textContent('.quark-auth')) ?? '', /Ada/)
  await ctx.close()
})
