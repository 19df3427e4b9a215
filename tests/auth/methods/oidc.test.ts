/**
 * The conformance suite run by the OIDC/OAuth2 method, through a local
 * server speaking GitHub's OAuth2 endpoints (PKCE checked): the valid
 * credential is a real callback; the wrong ones a tampered state and a
 * wrong PKCE verifier.
 */
import { before, after } from 'node:test'
import http from 'node:http'
import { createHash, randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { conformance, type MethodEnv } from './suite'
import { CREDENTIAL_TABLE, oidcMethod } from '../../../server/auth'
import { authorizationUrl, takePending } from '../../../server/auth/methods/oidc'

let gh: http.Server
let base = ''
const codes = new Map<string, string>()
const tokens = new Set<string>()
before(async () => {
  gh = http.createServer(async (req, res) => {
    const u = new URL(req.url!, 'http://x')
    const json = (body: unknown) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)) }
    if (u.pathname === '/authorize') {
      const code = randomBytes(8).toString('hex')
      codes.set(code, u.searchParams.get('code_challenge')!)
      res.writeHead(302, { location: `${u.searchParams.get('redirect_uri')}?code=${code}&state=${encodeURIComponent(u.searchParams.get('state')!)}` })
      return res.end()
    }
    if (u.pathname === '/token') {
      let body = ''
      for await (const chunk of req) body += chunk
      const p = new URLSearchParams(body)
      const challenge = codes.get(p.get('code') ?? '')
      codes.delete(p.get('code') ?? '')
      if (!challenge || createHash('sha256').update(p.get('code_verifier') ?? '').digest('base64url') !== challenge) return json({ error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' })
      const t = randomBytes(12).toString('hex')
      tokens.add(t)
      return json({ access_token: t, token_type: 'bearer' })
    }
    if (!tokens.has(String(req.headers.authorization ?? '').replace(/^Bearer /, ''))) { res.writeHead(401); return res.end() }
    if (u.pathname === '/user') return json({ id: 77, login: 'conf', name: 'Con Formance' })
    return json([{ email: 'conf-oidc@example.com', primary: true, verified: true }])
  })
  await new Promise<void>((r) => gh.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(gh.address() as AddressInfo).port}`
})
after(() => new Promise<void>((r) => gh.close(() => r())))

const options = () => ({ providers: [{ name: 'gh', preset: 'github' as const, clientId: 'c', clientSecret: 's', allowInsecure: true, endpoints: { authorization: `${base}/authorize`, token: `${base}/token`, user: `${base}/user`, emails: `${base}/emails` } }] })

/** A login started in the env's session and answered by the local server: the callback's credential. */
async function callback(env: MethodEnv, o: { tamperState?: boolean; otherVerifier?: boolean } = {}) {
  const p = oidcMethod.configure(options()).providers[0]!
  const url = await env.inRequest(() => authorizationUrl(p, 'https://app.example/shop/default/user/oidc_callback/gh', '/', null))
  const back = await fetch(url, { redirect: 'manual' })
  const cb = new URL(back.headers.get('location')!)
  const state = cb.searchParams.get('state')!
  const pending = await env.inRequest(async () => takePending(state, 'gh'))
  if (o.otherVerifier) pending.verifier = randomBytes(32).toString('base64url')
  if (o.tamperState) cb.searchParams.set('state', 'tampered')
  return { provider: 'gh', url: cb.href, state, pending }
}

conformance({
  name: 'oidc',
  factor: 'first',
  get options() { return options() },
  badOptions: [undefined, {}, { providers: [] }, { providers: [{ name: 'Bad Name', clientId: 'x', issuer: 'https://x.example' }] }, { providers: [{ name: 'x', clientId: '' , issuer: 'https://x.example' }] },
    { providers: [{ name: 'x', clientId: 'c', issuer: 'http://insecure.example' }] }, { providers: [{ name: 'm', preset: 'microsoft', clientId: 'c' }] }, { providers: [{ name: 'x', preset: 'nope', clientId: 'c' }] },
    { providers: [{ name: 'x', clientId: 'c', issuer: 'https://a.example' }, { name: 'x', clientId: 'c', issuer: 'https://b.example' }] }],
  async setup({ inRequest, db, userId }) {
    // the conformance user has linked this GitHub account
    await inRequest(() => (db as any)[CREDENTIAL_TABLE].insert({ user_id: userId, method: 'oidc:gh', subject: '77' }))
  },
  valid: (env) => callback(env),
  wrong: async (env) => [await callback(env, { tamperState: true }), await callback(env, { otherVerifier: true }), { provider: 'other', url: 'https://x/', state: 's', pending: {} }],
})
