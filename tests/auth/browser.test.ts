/** In real headless chromium, on the welcome app: sign up, log out, log in through the navbar, a protected page's redirect and back. */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { chromium, type Browser } from 'playwright-core'
import { startServer, type TestServer } from '../helpers/server'

const CHROMIUM = '/usr/bin/chromium'
let s: TestServer
let browser: Browser | undefined
before(async () => {
  s = await startServer({ welcome: true })
  // a protected page in the welcome app, to follow the login redirect and come back
  fs.appendFileSync(`${s.appFolder('welcome')}/controllers/default.ts`, "\nexport const members = auth.requiresLogin(() => 'members only: ' + auth.user!.email)\n")
  if (fs.existsSync(CHROMIUM)) browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
})
after(async () => { await browser?.close(); await s?.stop() })

test('sign up, log out, log in with _next, in a browser', { skip: !fs.existsSync(CHROMIUM) && 'chromium not installed' }, async () => {
  const ctx = await browser!.newContext({ ignoreHTTPSErrors: true })
  const page = await ctx.newPage()
  await page.goto(`${s.url}/welcome/default/index`)
  await page.click('.quark-auth >> text=Sign Up')
  await page.fill('#register_first_name', 'Linus')
  await page.fill('#register_last_name', 'T')
  await page.fill('#register_email', 'linus@example.com')
  await page.fill('#register_password', 'penguin-1991')
  await page.fill('#register_password2', 'penguin-1991')
  await page.click('button[type=submit]')
  await page.waitForURL(/\/welcome\/default\/index/)
  assert.match(await page.textContent('.quark-auth') ?? '', /Linus/)
  const cookieBefore = (await ctx.cookies()).find((c) => c.name === 'session_id_welcome')!
  assert.equal(cookieBefore.httpOnly, true)
  assert.equal(cookieBefore.secure, true)
  await page.click('.quark-auth >> text=Log Out')
  await page.waitForSelector('.quark-auth >> text=Log In')
  await page.goto(`${s.url}/welcome/default/members`)
  assert.match(page.url(), /\/user\/login\?_next=/)
  await page.fill('#login_email', 'linus@example.com')
  await page.fill('#login_password', 'penguin-1991')
  await page.click('button[type=submit]')
  await page.waitForURL(/\/welcome\/default\/members$/)
  assert.match(await page.textContent('body') ?? '', /members only: linus@example.com/)
  const cookieAfter = (await ctx.cookies()).find((c) => c.name === 'session_id_welcome')!
  assert.notEqual(cookieAfter.value, cookieBefore.value)
  await ctx.close()
})
