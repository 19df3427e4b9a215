/**
 * Two-factor with TOTP (RFC 6238): a secret per user in auth_credential
 * (method 'totp'), a code accepted within ±1 time step and only once (the
 * last step used is kept), ten recovery codes stored as SHA-256 hashes (they
 * are random, 50 bits each, so a slow hash adds nothing) and spent on use.
 * Wrong codes count as failed logins of the account, so the password
 * throttle locks the second step too.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { current } from '../../current'
import type { Row } from '../../dal'
import { QK_AUTH_BAD_OPTION } from '../errors'
import { throttleState, EVENTS } from '../throttle'
import type { Auth } from '../auth'
import { credentialTable, credentialsOf } from './credentials'
import { matchStep, newSecret } from './totp-core'
import { refuse, text, type LoginMethod, type MethodResult } from './types'

export interface TotpOptions {
  /** the name authenticator apps show (default: the app's name) */
  issuer: string
  /** time steps accepted either side of now (default 1) */
  window: number
  /** members of this group must use a second factor (web2py's two_factor_authentication_group) */
  requireForGroup: string | null
  /** days a "remember this device" cookie spares the second step (0: never offered) */
  rememberDays: number
}

export const RECOVERY_CODES = 10

interface TotpData { confirmed: boolean; lastStep: number; recovery: string[] }

const hashCode = (c: string) => createHash('sha256').update(c.toLowerCase().replace(/[^a-z2-7]/g, '')).digest('hex')

/** Ten fresh recovery codes (shown once) and their hashes (stored). */
export function newRecoveryCodes(): { codes: string[]; hashes: string[] } {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
  const codes: string[] = []
  for (let i = 0; i < RECOVERY_CODES; i++) {
    const b = randomBytes(10)
    let s = ''
    for (const x of b) s += alphabet[x & 31]
    codes.push(`${s.slice(0, 5)}-${s.slice(5)}`)
  }
  return { codes, hashes: codes.map(hashCode) }
}

export async function totpCredential(auth: Auth, userId: number): Promise<Row | null> {
  const rows = await credentialsOf(auth.db, userId, 'totp')
  return rows.find((r) => (r.data as TotpData | null)?.confirmed) ?? null
}

/** Store a confirmed secret for the user (replacing any other) and return the recovery codes to show once. */
export async function enrolTotp(auth: Auth, userId: number, secret: string, step: number): Promise<string[]> {
  const t = credentialTable(auth.db)
  await auth.db(t.user_id.eq(userId).and(t.method.eq('totp'))).delete()
  const { codes, hashes } = newRecoveryCodes()
  await t.insert({ user_id: userId, method: 'totp', secret, label: 'Authenticator app', data: { confirmed: true, lastStep: step, recovery: hashes } satisfies TotpData })
  return codes
}

export async function newRecoveryCodesFor(auth: Auth, row: Row): Promise<string[]> {
  const { codes, hashes } = newRecoveryCodes()
  const data = { ...(row.data as TotpData), recovery: hashes }
  await auth.db(credentialTable(auth.db).id.eq(row.id)).update({ data })
  return codes
}

export const totpMethod: LoginMethod<TotpOptions> = {
  name: 'totp',
  factors: ['second'],
  configure(o: unknown): TotpOptions {
    const x = (o ?? {}) as Partial<TotpOptions>
    if (typeof x !== 'object') throw new QK_AUTH_BAD_OPTION('totp', 'options must be an object')
    const window = x.window ?? 1
    if (!Number.isInteger(window) || window < 0 || window > 10) throw new QK_AUTH_BAD_OPTION('totp.window', 'an integer from 0 to 10')
    return { issuer: String(x.issuer ?? ''), window, requireForGroup: x.requireForGroup ?? null, rememberDays: x.rememberDays ?? 30 }
  },
  async verify({ auth, options, user }, credential): Promise<MethodResult> {
    if (!user) return refuse('malformed', 'No user to confirm')
    const code = text(credential, 'code', 64).trim().replace(/\s+/g, '')
    if (!code) return refuse('malformed', 'Enter the code of your authenticator app')
    const client = (current.request as { client?: string } | undefined)?.client ?? ''
    if ((await throttleState(auth, user.id as number, client)).locked) {
      await auth.logEvent(EVENTS.lockedOut, user.id as number, 'totp')
      return refuse('locked', 'Account locked: too many failed logins, try again later')
    }
    const row = await totpCredential(auth, user.id as number)
    if (!row) return refuse('not-enrolled', 'Two-factor authentication is not set up for this account')
    const data = row.data as TotpData
    const t = credentialTable(auth.db)
    if (/^\d{6}$/.test(code)) {
      const step = matchStep(String(row.secret), code, Date.now(), { window: options.window })
      if (step !== null && step > data.lastStep) {
        await auth.db(t.id.eq(row.id)).update({ data: { ...data, lastStep: step }, last_used_on: new Date() })
        return { ok: true, user }
      }
      await auth.logEvent(EVENTS.loginFailed, user.id as number, 'totp')
      return step !== null ? refuse('replayed', 'This code was already used: wait for the next one') : refuse('invalid', 'Invalid code')
    }
    // a recovery code: spent on use
    const h = Buffer.from(hashCode(code))
    const i = data.recovery.findIndex((x) => x.length === h.length && timingSafeEqual(Buffer.from(x), h))
    if (i >= 0) {
      const recovery = data.recovery.filter((_, j) => j !== i)
      await auth.db(t.id.eq(row.id)).update({ data: { ...data, recovery }, last_used_on: new Date() })
      await auth.logEvent('Recovery code used', user.id as number, 'totp')
      return { ok: true, user }
    }
    await auth.logEvent(EVENTS.loginFailed, user.id as number, 'totp')
    return refuse('invalid', 'Invalid code')
  },
}

export { newSecret }
