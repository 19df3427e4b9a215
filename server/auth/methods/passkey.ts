/**
 * Passkeys (WebAuthn) with @simplewebauthn/server: a user registers one or
 * more in the profile (auth_credential, method 'passkey': the credential id
 * as subject, the public key as secret, the signature counter in data); logs
 * in with one instead of a password, or uses one as the second factor. The
 * challenge lives in the session and serves once; the origin and RP id are
 * checked; a signature counter that does not grow (a cloned authenticator,
 * a replayed assertion) is refused.
 */
import { current } from '../../current'
import { lazyPackage } from '../../errors'
import type { Row } from '../../dal'
import { QK_AUTH_BAD_OPTION } from '../errors'
import { throttleState, EVENTS } from '../throttle'
import type { Auth } from '../auth'
import { credentialBySubject, credentialTable, credentialsOf } from './credentials'
import { refuse, text, type LoginMethod, type MethodResult } from './types'

export interface PasskeyOptions {
  /** the name shown by the authenticator (default: the app's name) */
  rpName: string
  /** the relying party id: the site's host name (default: the request's) */
  rpID: string | null
  /** the origin assertions must come from (default: the request's scheme and host) */
  origin: string | null
  /** offer a passkey as the second factor after a password (default true) */
  secondFactor: boolean
}

/** @simplewebauthn/server (~16 MB of RSS) is loaded by the first passkey ceremony, not at start-up. */
const webauthn = lazyPackage('@simplewebauthn/server', 'passkeys', () => require('@simplewebauthn/server') as typeof import('@simplewebauthn/server'))

interface PasskeyData { counter: number; transports: string[] }
const CHALLENGE = '_passkey_challenge'

function site(o: PasskeyOptions): { rpID: string; origin: string } {
  const r = current.request as { isHttps?: boolean; env?: Record<string, string>; headers: Record<string, string | undefined> }
  const host = String(r.headers?.host ?? 'localhost')
  const origin = o.origin ?? `${r.isHttps ? 'https' : 'http'}://${host}`
  return { rpID: o.rpID ?? new URL(origin).hostname, origin }
}

/** Keep the challenge of a ceremony in the session (one per purpose, spent by takeChallenge). */
function keepChallenge(purpose: string, challenge: string): void {
  const s = current.session as Record<string, unknown>
  s[CHALLENGE] = { ...(s[CHALLENGE] as object | undefined), [purpose]: { challenge, until: Date.now() + 5 * 60_000 } }
}
export function takeChallenge(purpose: string): string {
  const s = current.session as Record<string, unknown>
  const all = { ...(s[CHALLENGE] as Record<string, { challenge: string; until: number }> | undefined) }
  const c = all[purpose]
  delete all[purpose]
  s[CHALLENGE] = all
  return c && c.until > Date.now() ? c.challenge : ''
}

export async function registrationOptions(auth: Auth, o: PasskeyOptions, user: Row): Promise<unknown> {
  const existing = await credentialsOf(auth.db, user.id as number, 'passkey')
  const { rpID } = site(o)
  const opts = await webauthn().generateRegistrationOptions({
    rpName: o.rpName || String(current.application ?? 'Quark'), rpID, userName: String(user.email ?? user.username ?? user.id),
    userDisplayName: `${user.first_name ?? ''} ${user.last_name ?? ''}`.trim(), userID: new TextEncoder().encode(`quark-user-${user.id}`),
    attestationType: 'none', excludeCredentials: existing.map((c) => ({ id: String(c.subject) })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
  })
  keepChallenge('register', opts.challenge)
  return opts
}

/** Check a registration and store the passkey; an error message when refused. */
export async function registerPasskey(auth: Auth, o: PasskeyOptions, user: Row, responseJson: string, label: string): Promise<string | null> {
  const expectedChallenge = takeChallenge('register')
  if (!expectedChallenge) return 'The passkey request expired: try again'
  let response: any
  try { response = JSON.parse(responseJson) } catch { return 'Malformed passkey answer' }
  const { rpID, origin } = site(o)
  const { verifyRegistrationResponse } = webauthn() // outside the try: a load failure is not a refused passkey
  try {
    const v = await verifyRegistrationResponse({ response, expectedChallenge, expectedOrigin: origin, expectedRPID: rpID, requireUserVerification: false })
    if (!v.verified || !v.registrationInfo) return 'The passkey could not be verified'
    const c = v.registrationInfo.credential
    if (await credentialBySubject(auth.db, 'passkey', c.id)) return 'This passkey is already registered'
    await credentialTable(auth.db).insert({ user_id: user.id, method: 'passkey', subject: c.id, label: label || 'Passkey', secret: Buffer.from(c.publicKey).toString('base64url'), data: { counter: c.counter, transports: c.transports ?? [] } satisfies PasskeyData })
    await auth.logEvent('Passkey registered', user.id as number, 'passkey')
    return null
  } catch (e) {
    await auth.logEvent(`Passkey registration refused: ${(e as Error).message}`.slice(0, 500), user.id as number, 'passkey')
    return `The passkey was refused: ${(e as Error).message}`
  }
}

export async function authenticationOptions(auth: Auth, o: PasskeyOptions, purpose: 'login' | 'second', user?: Row): Promise<unknown> {
  const { rpID } = site(o)
  const allow = user ? (await credentialsOf(auth.db, user.id as number, 'passkey')).map((c) => ({ id: String(c.subject), transports: (c.data as PasskeyData).transports as never })) : undefined
  const opts = await webauthn().generateAuthenticationOptions({ rpID, allowCredentials: allow, userVerification: 'preferred' })
  keepChallenge(purpose, opts.challenge)
  return opts
}

export const passkeyMethod: LoginMethod<PasskeyOptions> = {
  name: 'passkey',
  factors: ['first', 'second'],
  configure(o: unknown): PasskeyOptions {
    const x = (o ?? {}) as Partial<PasskeyOptions>
    if (typeof x !== 'object') throw new QK_AUTH_BAD_OPTION('passkey', 'options must be an object')
    if (x.origin != null) { try { new URL(x.origin) } catch { throw new QK_AUTH_BAD_OPTION('passkey.origin', `'${x.origin}' is not an origin (https://host)`) } }
    if (x.rpID != null && (typeof x.rpID !== 'string' || !/^[a-z0-9.-]+$/i.test(x.rpID))) throw new QK_AUTH_BAD_OPTION('passkey.rpID', 'a host name')
    return { rpName: String(x.rpName ?? ''), rpID: x.rpID ?? null, origin: x.origin ?? null, secondFactor: x.secondFactor ?? true }
  },
  /** credential: { response (the browser's JSON), challenge (the one kept for this ceremony) }; with ctx.user, the passkey must be that user's */
  async verify({ auth, options, user }, credential): Promise<MethodResult> {
    const json = text(credential, 'response', 20_000)
    const challenge = text(credential, 'challenge', 200)
    let response: any
    try { response = JSON.parse(json) } catch { return refuse('malformed', 'Malformed passkey answer') }
    if (!response || typeof response.id !== 'string' || !challenge) return refuse('malformed', 'Malformed passkey answer')
    const row = await credentialBySubject(auth.db, 'passkey', response.id)
    if (!row || (user && row.user_id !== user.id)) {
      await auth.logEvent('Passkey login refused: unknown passkey', user?.id as number ?? null, 'passkey')
      return refuse('invalid', 'This passkey is not registered here')
    }
    const client = (current.request as { client?: string } | undefined)?.client ?? ''
    if ((await throttleState(auth, row.user_id as number, client)).locked) {
      await auth.logEvent(EVENTS.lockedOut, row.user_id as number, 'passkey')
      return refuse('locked', 'Account locked: too many failed logins, try again later')
    }
    const data = row.data as PasskeyData
    const { rpID, origin } = site(options)
    let newCounter: number
    const { verifyAuthenticationResponse } = webauthn() // outside the try: a load failure is not a refused passkey
    try {
      const v = await verifyAuthenticationResponse({
        response, expectedChallenge: challenge, expectedOrigin: origin, expectedRPID: rpID, requireUserVerification: false,
        credential: { id: String(row.subject), publicKey: new Uint8Array(Buffer.from(String(row.secret), 'base64url')), counter: data.counter, transports: data.transports as never },
      })
      if (!v.verified) throw new Error('not verified')
      newCounter = v.authenticationInfo.newCounter
    } catch (e) {
      await auth.logEvent(EVENTS.loginFailed, row.user_id as number, 'passkey')
      const m = (e as Error).message
      return /counter/i.test(m) ? refuse('replayed', 'This passkey answer was replayed or the passkey was cloned') : refuse('invalid', `The passkey was refused: ${m}`.slice(0, 250))
    }
    await auth.db(credentialTable(auth.db).id.eq(row.id)).update({ data: { ...data, counter: newCounter }, last_used_on: new Date() })
    const u = await auth.tableUser.get(row.user_id as number)
    if (!u) return refuse('invalid', 'This passkey is not registered here')
    return { ok: true, user: u }
  },
}
