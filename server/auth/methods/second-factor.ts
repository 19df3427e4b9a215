/**
 * The second step of a login: after the first factor (password, LDAP, ...)
 * found the user, a user with a second factor is not logged in yet; the
 * session holds only who is half-way (for five minutes) and /user/two_factor
 * asks for the code. "Remember this device" is a cookie signed with the
 * user's own TOTP secret, so turning two-factor off or on again voids it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { current } from '../../current'
import type { Row } from '../../dal'
import { URL } from '../../html'
import type { Auth } from '../auth'
import { totpCredential, type TotpOptions } from './totp'

export interface PendingLogin { id: number; remember: boolean; next: string; until: number; via: string }
const PENDING = '_auth_second_factor'
const PENDING_MS = 5 * 60_000

export function pendingLogin(): PendingLogin | null {
  const s = current.session as Record<string, unknown> | undefined
  const p = s?.[PENDING] as PendingLogin | undefined
  if (!p || typeof p.id !== 'number' || p.until < Date.now()) return null
  return p
}
export function clearPendingLogin(): void { delete (current.session as Record<string, unknown>)[PENDING] }

const cookieName = () => `quark_2fa_${current.application ?? ''}`
const sign = (secret: string, payload: string) => createHmac('sha256', secret).update(payload).digest('base64url')

export function rememberDevice(userId: number, secret: string, days: number): void {
  const until = Date.now() + days * 86400_000
  const payload = `${userId}.${until}`
  const request = current.request as { isHttps?: boolean }
  const response = current.response as { setCookie(n: string, v: string, o: Record<string, unknown>): void }
  response.setCookie(cookieName(), `${payload}.${sign(secret, payload)}`, { maxAge: days * 86400, secure: !!request.isHttps, httpOnly: true, sameSite: 'Lax', path: `/${current.application}/` })
}

function deviceRemembered(userId: number, secret: string): boolean {
  const v = (current.request as { cookies?: Record<string, string> }).cookies?.[cookieName()]
  const m = typeof v === 'string' ? /^(\d+)\.(\d+)\.([A-Za-z0-9_-]{43})$/.exec(v) : null
  if (!m || Number(m[1]) !== userId || Number(m[2]) < Date.now()) return false
  const want = Buffer.from(sign(secret, `${m[1]}.${m[2]}`)), got = Buffer.from(m[3]!)
  return want.length === got.length && timingSafeEqual(want, got)
}

/**
 * After a first factor accepted `user`: the URL of the second step when one is needed (the
 * pending login is in the session), else null (log in now). `mustEnrol` says the user's
 * group requires a second factor the user has not set up.
 */
export async function secondFactorStep(auth: Auth, user: Row, remember: boolean, next: string, via = 'password'): Promise<{ url: string | null; mustEnrol: boolean }> {
  const totp = auth.loginMethod<TotpOptions>('totp')
  const passkey = auth.loginMethod('passkey')
  if (!totp && !passkey) return { url: null, mustEnrol: false }
  const id = user.id as number
  const cred = totp ? await totpCredential(auth, id) : null
  const hasPasskey = passkey ? await (await import('./credentials')).credentialsOf(auth.db, id, 'passkey').then((r) => r.length > 0 && (passkey.options as { secondFactor?: boolean }).secondFactor === true) : false
  if (!cred && !hasPasskey) {
    const group = totp?.options.requireForGroup
    return { url: null, mustEnrol: !!group && await auth.hasMembership(group, id) }
  }
  if (cred && deviceRemembered(id, String(cred.secret))) return { url: null, mustEnrol: false }
  ;(current.session as Record<string, unknown>)[PENDING] = { id, remember, next, until: Date.now() + PENDING_MS, via } satisfies PendingLogin
  const [c, f] = auth.settings.formAction
  return { url: URL(c, f, { args: [cred ? 'two_factor' : 'passkey_second_factor'] }), mustEnrol: false }
}
