/**
 * The ID token check (checkIdToken, by jose) against a JWKS served on
 * 127.0.0.1: a good token passes; an expired one, one issued in the future,
 * one for another audience or from another issuer, one answering another
 * login (nonce), one signed with another key, an unsigned one (alg: none)
 * and an HMAC one are each refused with a clear message.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import * as jose from 'jose'
import { checkIdToken } from '../../server/auth'

let server: http.Server
let jwksUri = ''
let key: CryptoKey, other: CryptoKey
const ISS = 'https://issuer.example', AUD = 'quark-client', NONCE = 'nonce-123'
before(async () => {
  const pair = await jose.generateKeyPair('RS256', { extractable: true })
  key = pair.privateKey as CryptoKey
  other = (await jose.generateKeyPair('RS256')).privateKey as CryptoKey
  const jwk = { ...(await jose.exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }
  server = http.createServer((_q, r) => { r.setHeader('content-type', 'application/json'); r.end(JSON.stringify({ keys: [jwk] })) })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`
})
after(() => new Promise<void>((r) => server.close(() => r())))

const now = () => Math.floor(Date.now() / 1000)
function token(claims: Record<string, unknown> = {}, k: CryptoKey = key, kid = 'k1'): Promise<string> {
  return new jose.SignJWT({ nonce: NONCE, email: 'a@example.com', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid })
    .setIssuer(String(claims.iss ?? ISS)).setAudience(String(claims.aud ?? AUD)).setSubject('user-1')
    .setIssuedAt(Number(claims.iat ?? now())).setExpirationTime(Number(claims.exp ?? now() + 300))
    .sign(k)
}
const check = (t: string) => checkIdToken(t, { issuer: ISS, audience: AUD, nonce: NONCE, jwksUri })

test('a good ID token passes and gives its claims', async () => {
  const c = await check(await token())
  assert.equal(c.sub, 'user-1')
  assert.equal(c.email, 'a@example.com')
})

test('hostile ID tokens are refused, each with a clear message', async () => {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const body = { iss: ISS, aud: AUD, sub: 'user-1', nonce: NONCE, iat: now(), exp: now() + 300 }
  const hmac = await new jose.SignJWT(body).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(new TextEncoder().encode('x'.repeat(32)))
  const cases: [string, string, RegExp][] = [
    ['expired', await token({ exp: now() - 3600, iat: now() - 7200 }), /expired/],
    ['issued in the future', await token({ iat: now() + 3600, exp: now() + 7200 }), /future|iat/],
    ['wrong audience', await token({ aud: 'another-client' }), /not for this site \(aud/],
    ['wrong issuer', await token({ iss: 'https://evil.example' }), /not for this site \(iss/],
    ['wrong nonce', await token({ nonce: 'other-nonce' }), /nonce/],
    ['signed with another key', await token({}, other), /not signed by the provider/],
    ['another key id', await token({}, other, 'k2'), /not signed by the provider/],
    ['alg: none', `${b64({ alg: 'none' })}.${b64(body)}.`, /refused algorithm|malformed/],
    ['HMAC with a guessed secret', hmac, /refused algorithm/],
    ['garbage', 'not.a.token', /malformed/],
  ]
  for (const [what, t, message] of cases) {
    await assert.rejects(check(t), (e: Error) => { assert.match(e.message, message, what); return true }, what)
  }
})
