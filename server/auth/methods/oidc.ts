/**
 * OpenID Connect / OAuth2 login (openid-client for the protocol, jose for the
 * ID token): authorization code flow with PKCE (S256), `state` bound to the
 * session and spent on use, `nonce`; the ID token's signature checked against
 * the provider's JWKS and its iss/aud/exp/iat/nonce checked (by openid-client,
 * then again by jose: never by hand). GitHub has no ID token: its user API
 * gives the id and the verified primary email.
 */
import type * as client from 'openid-client'
import type * as jose from 'jose'
import { current } from '../../current'
import { lazyPackage } from '../../errors'
import type { Row } from '../../dal'
import { QK_AUTH_BAD_OPTION } from '../errors'
import type { Auth } from '../auth'
import { credentialBySubject, credentialTable } from './credentials'
import { configOf, openidClient, provider, type Provider, type ProviderOptions } from './oidc-providers'
import { refuse, type LoginMethod, type MethodResult } from './types'

export interface OidcOptions {
  providers: Provider[]
  /** make an auth_user on a first login (default true); false: only linked accounts log in */
  createUsers: boolean
}

export interface Identity { provider: string; subject: string; email: string; emailVerified: boolean; firstName: string; lastName: string }

/** A pending login: what the callback must match, kept in the session under its state. */
export interface PendingAuthorization { provider: string; verifier: string; nonce: string; next: string; until: number; linkUser: number | null }

export class OidcRefused extends Error {
  constructor(readonly code: 'invalid' | 'replayed' | 'expired' | 'unavailable' | 'malformed', message: string) { super(message) }
}

/** jose checks ID tokens: loaded by the first OIDC callback, not at start-up. */
const joseLib = lazyPackage('jose', 'OpenID Connect ID tokens', () => require('jose') as typeof import('jose'))

const jwksByUri = new Map<string, ReturnType<typeof jose.createRemoteJWKSet>>()
function jwks(uri: string): ReturnType<typeof jose.createRemoteJWKSet> {
  let j = jwksByUri.get(uri)
  if (!j) { j = joseLib().createRemoteJWKSet(new URL(uri)); if (jwksByUri.size < 1000) jwksByUri.set(uri, j) }
  return j
}

/** Check an ID token with jose: signature by the JWKS (asymmetric algorithms only), iss, aud, exp, iat, nonce. */
export async function checkIdToken(idToken: string, o: { issuer: string; audience: string; nonce: string; jwksUri: string; clockTolerance?: number }): Promise<jose.JWTPayload> {
  let payload: jose.JWTPayload
  const { jwtVerify } = joseLib() // outside the try: a load failure is not a malformed token
  try {
    ({ payload } = await jwtVerify(idToken, jwks(o.jwksUri), {
      issuer: o.issuer, audience: o.audience, requiredClaims: ['iat', 'exp', 'sub'], clockTolerance: o.clockTolerance ?? 60,
      algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
    }))
  } catch (e) {
    const code = (e as { code?: string }).code
    if (code === 'ERR_JWT_EXPIRED') throw new OidcRefused('expired', 'The sign-in token has expired')
    if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') throw new OidcRefused('invalid', `The sign-in token is not for this site (${(e as { claim?: string }).claim} check failed)`)
    if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' || code === 'ERR_JWKS_NO_MATCHING_KEY') throw new OidcRefused('invalid', 'The sign-in token is not signed by the provider')
    if (code === 'ERR_JOSE_ALG_NOT_ALLOWED' || code === 'ERR_JOSE_NOT_SUPPORTED') throw new OidcRefused('invalid', 'The sign-in token uses a refused algorithm')
    throw new OidcRefused('invalid', 'The sign-in token is malformed')
  }
  if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + (o.clockTolerance ?? 60)) throw new OidcRefused('invalid', 'The sign-in token is issued in the future')
  if (payload.nonce !== o.nonce) throw new OidcRefused('invalid', 'The sign-in token does not answer this login (nonce)')
  return payload
}

const PENDING = '_oidc_pending'
const PENDING_MS = 10 * 60_000

/** Start a login (or a link): the provider's authorization URL; the checks are kept in the session under the state. */
export async function authorizationUrl(p: Provider, redirectUri: string, next: string, linkUser: number | null): Promise<string> {
  const config = await configOf(p)
  const client = openidClient()
  const verifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const nonce = client.randomNonce()
  const session = current.session as Record<string, unknown>
  const pending = { ...(session[PENDING] as Record<string, PendingAuthorization> | undefined) }
  // a few at once (several tabs), the oldest dropped
  for (const k of Object.keys(pending)) if (pending[k]!.until < Date.now()) delete pending[k]
  const keys = Object.keys(pending)
  if (keys.length >= 5) delete pending[keys[0]!]
  pending[state] = { provider: p.name, verifier, nonce, next, until: Date.now() + PENDING_MS, linkUser }
  session[PENDING] = pending
  const params: Record<string, string> = { redirect_uri: redirectUri, scope: p.scope, state, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' }
  if (p.kind === 'oidc') params.nonce = nonce
  return client.buildAuthorizationUrl(config, params).href
}

/** Take (and spend) the pending authorization of a callback's state: a forged or replayed state has none. */
export function takePending(state: string, providerName: string): PendingAuthorization {
  const session = current.session as Record<string, unknown>
  const pending = session[PENDING] as Record<string, PendingAuthorization> | undefined
  const p = state && pending && Object.prototype.hasOwnProperty.call(pending, state) ? pending[state] : undefined
  if (!p) throw new OidcRefused('replayed', 'This sign-in was not started here, or was already used: start again')
  const rest = { ...pending }
  delete rest[state]
  session[PENDING] = rest
  if (p.provider !== providerName) throw new OidcRefused('invalid', 'This sign-in was started with another provider')
  if (p.until < Date.now()) throw new OidcRefused('expired', 'This sign-in took too long: start again')
  return p
}

/** The callback: exchange the code (PKCE, state, nonce checked), check the ID token, read who it is. */
export async function identityFromCallback(p: Provider, callbackUrl: string, pending: PendingAuthorization, state: string): Promise<Identity> {
  const client = openidClient() // first, so that a load failure is not reported as an unreachable provider
  const config = await configOf(p).catch(() => { throw new OidcRefused('unavailable', `${p.label} cannot be reached`) })
  let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>
  try {
    tokens = await client.authorizationCodeGrant(config, new URL(callbackUrl), { pkceCodeVerifier: pending.verifier, expectedState: state, ...(p.kind === 'oidc' ? { expectedNonce: pending.nonce, idTokenExpected: true } : {}) })
  } catch (e) {
    const err = e as { error?: string; error_description?: string; message?: string; code?: string; cause?: unknown }
    // GitHub answers a refused code with 200 and an error body, which openid-client reports as an invalid response
    const why = err.error_description ?? err.error ?? (p.kind === 'github' && err.code === 'OAUTH_INVALID_RESPONSE' ? 'the code is invalid, expired or already used' : err.message ?? 'refused')
    throw new OidcRefused(/expired/i.test(why) ? 'expired' : 'invalid', `${p.label} refused the sign-in: ${why}`)
  }
  if (p.kind === 'github') return githubIdentity(p, tokens.access_token)
  const meta = config.serverMetadata()
  if (!tokens.id_token || !meta.jwks_uri) throw new OidcRefused('invalid', `${p.label} sent no ID token`)
  const c = await checkIdToken(tokens.id_token, { issuer: meta.issuer, audience: p.clientId, nonce: pending.nonce, jwksUri: meta.jwks_uri })
  let claims: Record<string, unknown> = c
  if (!c.email && meta.userinfo_endpoint) {
    try { claims = { ...(await client.fetchUserInfo(config, tokens.access_token, String(c.sub))), ...c } } catch { /* the ID token's claims are enough */ }
  }
  return identity(p.name, claims)
}

function identity(providerName: string, c: Record<string, unknown>): Identity {
  const name = String(c.name ?? '')
  return {
    provider: providerName, subject: String(c.sub), email: String(c.email ?? '').trim().toLowerCase(),
    emailVerified: c.email_verified === true || c.email_verified === 'true',
    firstName: String(c.given_name ?? name.split(' ')[0] ?? ''), lastName: String(c.family_name ?? name.split(' ').slice(1).join(' ') ?? ''),
  }
}

async function githubIdentity(p: Provider, token: string): Promise<Identity> {
  const get = async (url: string) => {
    const r = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json', 'user-agent': 'Quark' } })
    if (!r.ok) throw new OidcRefused('invalid', `${p.label} refused the user request (${r.status})`)
    return r.json() as Promise<any>
  }
  const u = await get(p.endpoints!.user)
  if (!u || (typeof u.id !== 'number' && typeof u.id !== 'string')) throw new OidcRefused('invalid', `${p.label} sent no user id`)
  let email = '', verified = false
  if (p.endpoints!.emails) {
    const list = await get(p.endpoints!.emails).catch(() => [])
    const primary = Array.isArray(list) ? list.find((e: any) => e?.primary) : undefined
    if (primary) { email = String(primary.email); verified = primary.verified === true }
  }
  return identity(p.name, { sub: String(u.id), email: email || u.email || '', email_verified: verified, name: u.name ?? u.login ?? '' })
}

/** The user of a linked identity; or, on a first login, a new user (when no account has its email). */
export async function userOfIdentity(auth: Auth, o: OidcOptions, id: Identity): Promise<MethodResult & { identity?: Identity }> {
  const method = `oidc:${id.provider}`
  const linked = await credentialBySubject(auth.db, method, id.subject)
  if (linked) {
    const user = await auth.tableUser.get(linked.user_id as number)
    if (!user) return refuse('invalid', 'The linked account no longer exists')
    const key = String(user.registration_key ?? '')
    if (key) { await auth.logEvent(`OIDC login refused: account ${key || 'pending'}`, user.id as number, method); return refuse(key === 'pending' ? 'pending' : 'disabled', key === 'pending' ? 'Registration is pending approval' : 'Account disabled') }
    await auth.db(credentialTable(auth.db).id.eq(linked.id)).update({ last_used_on: new Date() })
    return { ok: true, user }
  }
  const existing = id.email ? await auth.tableUser.get({ email: id.email }) : null
  if (existing) {
    await auth.logEvent(`OIDC login: ${id.provider} account not linked`, existing.id as number, method)
    return { ...refuse('not-enrolled', id.emailVerified
      ? `An account with this email exists: confirm with its password to link ${id.provider}`
      : `An account with this email exists, and ${id.provider} does not say the email is verified: log in with your password and link ${id.provider} from your profile`), identity: id }
  }
  if (!o.createUsers) { await auth.logEvent(`OIDC login refused: no linked account`, null, method); return refuse('invalid', 'No account is linked to this sign-in') }
  const uid = await auth.registerUser({ first_name: id.firstName || id.email.split('@')[0] || id.provider, last_name: id.lastName, email: id.email || '', password: '', registration_key: '' })
  await auth.logEvent(`Registered with ${id.provider}`, uid, method)
  await linkIdentity(auth, uid, id)
  return { ok: true, user: (await auth.tableUser.get(uid)) as Row }
}

export async function linkIdentity(auth: Auth, userId: number, id: Identity): Promise<void> {
  const t = credentialTable(auth.db)
  await t.insert({ user_id: userId, method: `oidc:${id.provider}`, subject: id.subject, label: id.email, data: { email: id.email, emailVerified: id.emailVerified } })
  await auth.logEvent(`Linked ${id.provider}`, userId, `oidc:${id.provider}`)
}

export const oidcMethod: LoginMethod<OidcOptions> = {
  name: 'oidc',
  factors: ['first'],
  configure(o: unknown): OidcOptions {
    const x = o as { providers?: ProviderOptions[]; createUsers?: boolean } | undefined
    if (!x || !Array.isArray(x.providers) || x.providers.length === 0) throw new QK_AUTH_BAD_OPTION('oidc.providers', 'a list of providers: [{ name, preset or issuer, clientId, clientSecret }]')
    const providers = x.providers.map(provider)
    if (new Set(providers.map((p) => p.name)).size !== providers.length) throw new QK_AUTH_BAD_OPTION('oidc.providers', 'two providers have the same name')
    return { providers, createUsers: x.createUsers ?? true }
  },
  /** credential: { provider, url (the callback URL as received), state, pending (takePending's, spent from the session by the page) } */
  async verify({ auth, options }, credential): Promise<MethodResult> {
    const name = typeof credential?.provider === 'string' ? credential.provider : ''
    const p = options.providers.find((x) => x.name === name)
    const url = typeof credential?.url === 'string' ? credential.url : ''
    const state = typeof credential?.state === 'string' ? credential.state : ''
    const pending = credential?.pending as PendingAuthorization | undefined
    if (!p || !url || !state || !pending || typeof pending !== 'object' || typeof pending.verifier !== 'string') return refuse('malformed', 'Incomplete sign-in answer')
    try {
      const id = await identityFromCallback(p, url, pending, state)
      return await userOfIdentity(auth, options, id)
    } catch (e) {
      if (!(e instanceof OidcRefused)) throw e
      await auth.logEvent(`OIDC login refused: ${e.message}`.slice(0, 500), null, `oidc:${p.name}`)
      return refuse(e.code, e.message)
    }
  },
}
