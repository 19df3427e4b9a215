/**
 * GitHub-style OAuth2 (no ID token: the user API gives the id and the
 * verified primary email) against a small local server the test starts,
 * which speaks GitHub's endpoints and checks the PKCE verifier: a first
 * login creates the user; a spent code and a wrong verifier are refused.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { createHash, randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { TestServer } from '../helpers/server'
import { startAuthApp } from './authApp'

let gh: http.Server
let ghUrl = ''
let s: TestServer
const codes = new Map<string, { challenge: string; used: boolean }>()
const tokens = new Set<string>()
let verified = true

before(async () => {
  gh = http.createServer(async (req, res) => {
    const u = new URL(req.url!, 'http://x')
    const json = (status: number, body: unknown) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)) }
    if (u.pathname === '/login/oauth/authorize') {
      // the user "approves" at once: back to the app with a code bound to the PKCE challenge
      if (u.searchParams.get('code_challenge_method') !== 'S256') return json(400, { error: 'pkce required' })
      const code = randomBytes(8).toString('hex')
      codes.set(code, { challenge: u.searchParams.get('code_challenge')!, used: false })
      res.writeHead(302, { location: `${u.searchParams.get('redirect_uri')}?code=${code}&state=${encodeURIComponent(u.searchParams.get('state')!)}` })
      return res.end()
    }
    if (u.pathname === '/login/oauth/access_token' && req.method === 'POST') {
      let body = ''
      for await (const chunk of req) body += chunk
      const p = new URLSearchParams(body)
      const c = codes.get(p.get('code') ?? '')
      if (!c || c.used) return json(200, { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' })
      c.used = true
      if (createHash('sha256').update(p.get('code_verifier') ?? '').digest('base64url') !== c.challenge) return json(200, { error: 'invalid_grant', error_description: 'PKCE verification failed' })
      if (p.get('client_id') !== 'gh-client' || p.get('client_secret') !== 'gh-secret') return json(401, { error: 'incorrect_client_credentials' })
      const t = randomBytes(12).toString('hex')
      tokens.add(t)
      return json(200, { access_token: t, token_type: 'bearer', scope: 'read:user,user:email' })
    }
    const auth = String(req.headers.authorization ?? '').replace(/^Bearer /, '')
    if (!tokens.has(auth)) return json(401, { message: 'Bad credentials' })
    if (u.pathname === '/user') return json(200, { id: 4242, login: 'octocat', name: 'Mona Octocat', email: null })
    if (u.pathname === '/user/emails') return json(200, [{ email: 'mona@example.com', primary: true, verified }, { email: 'other@example.com', primary: false, verified: true }])
    json(404, {})
  })
  await new Promise<void>((r) => gh.listen(0, '127.0.0.1', r))
  ghUrl = `http://127.0.0.1:${(gh.address() as AddressInfo).port}`
  const e = (p: string) => `${ghUrl}${p}`
  s = await startAuthApp('', { 'models/z_gh.ts': `auth.enable('oidc', { providers: [{ name: 'gh', preset: 'github', clientId: 'gh-client', clientSecret: 'gh-secret', allowInsecure: true,
    endpoints: { authorization: '${e('/login/oauth/authorize')}', token: '${e('/login/oauth/access_token')}', user: '${e('/user')}', emails: '${e('/user/emails')}' } }] })\n` })
})
after(async () => { await s?.stop(); await new Promise<void>((r) => gh.close(() => r())) })

/** Follow the login through the local GitHub; returns the app's answer to the callback. */
async function signIn(a: ReturnType<TestServer['agent']>) {
  const start = await a.request('/shop/default/user/oidc_login/gh')
  assert.equal(start.status, 303)
  const back = await fetch(String(start.headers.location), { redirect: 'manual' })
  const cb = new URL(back.headers.get('location')!)
  return { callback: cb.pathname + cb.search, r: await a.request(cb.pathname + cb.search) }
}

test('GitHub (OAuth2 + user API): the login page button, a first login creates the user with the verified primary email', async () => {
  const page = await s.request('/shop/default/user/login')
  assert.match(page.body, /quark-oidc-gh[^>]*>Sign in with GitHub</)
  const a = s.agent()
  const { r, callback } = await signIn(a)
  assert.equal(r.status, 303, r.body.slice(0, 2000))
  const who = (await a.request('/shop/default/whoami.json')).json()
  assert.equal(who.user.email, 'mona@example.com')
  assert.equal(who.user.first_name, 'Mona')
  // the callback again: its state is spent
  const again = await s.agent().request(callback)
  assert.equal(again.status, 400)
  // a spent code with a fresh state of a new login: GitHub refuses it, the app says so
  const b = s.agent()
  const start = await b.request('/shop/default/user/oidc_login/gh')
  const state = new URL(String(start.headers.location)).searchParams.get('state')!
  const code = new URL(callback, 'http://x').searchParams.get('code')!
  const r2 = await b.request(`/shop/default/user/oidc_callback/gh?code=${code}&state=${encodeURIComponent(state)}`)
  assert.equal(r2.status, 400)
  assert.match(r2.body, /GitHub refused the sign-in: the code is invalid, expired or already used/)
  assert.equal((await b.request('/shop/default/secret.json')).status, 401)
})

test('forged callbacks are throttled like password logins: the address is refused after 20', async () => {
  const a = s.agent()
  let r
  for (let i = 0; i < 25; i++) {
    r = await a.request(`/shop/default/user/oidc_callback/gh?code=x&state=forged-${i}`)
    assert.equal(r.status, 400)
    if (/Account locked/.test(r.body)) break
  }
  assert.match(r!.body, /Account locked/)
  // a real login from this address is refused too, until the window passes
  const { r: real } = await signIn(s.agent())
  assert.equal(real.status, 400)
  assert.match(real.body, /Account locked/)
})
