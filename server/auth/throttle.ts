/**
 * Login throttling, counted from auth_event itself so that it holds across
 * requests, processes and restarts with no in-memory state: an account is
 * locked after `loginMaxFailures` failed logins within `loginFailureWindow`
 * seconds (failures before its last successful login or password reset do
 * not count), and an address after `addressMaxFailures`.
 */
import { createHash } from 'node:crypto'
import type { Auth } from './auth'

/**
 * The auth_event origin a failed login is recorded under: a digest of the
 * login as submitted (normalised), so that failures are counted per submitted
 * login whether or not an account has it. An unknown address is locked after
 * as many tries as a known one, and the lock-out says nothing about existence.
 */
export function loginOrigin(login: string): string {
  return 'login:' + createHash('sha256').update(String(login).trim().toLowerCase()).digest('hex').slice(0, 32)
}

/** The descriptions written to auth_event (throttling queries them). */
export const EVENTS = {
  loggedIn: 'Logged in',
  loggedOut: 'Logged out',
  loginFailed: 'Login failed',
  lockedOut: 'Login refused: too many failures',
  registered: 'Registered',
  verified: 'Email verified',
  profile: 'Profile updated',
  passwordChanged: 'Password changed',
  resetRequested: 'Password reset requested',
  passwordReset: 'Password reset',
  tokenIssued: 'Token issued',
} as const

export async function throttleState(auth: Auth, userId: number | null, client: string, origin?: string): Promise<{ locked: boolean; accountFailures: number; addressFailures: number }> {
  const ev = auth.tableEvent
  const db = auth.db
  const since = new Date(Date.now() - auth.settings.loginFailureWindow * 1000)
  let accountFailures = 0
  if (userId !== null) {
    const lastOk = (await db(ev.user_id.eq(userId).and(ev.description.belongs([EVENTS.loggedIn, EVENTS.passwordReset])))
      .select(ev.time_stamp, { orderby: ev.time_stamp.desc(), limitby: [0, 1] })).first()
    const from = lastOk && lastOk.time_stamp > since ? lastOk.time_stamp as Date : since
    accountFailures = await db(ev.user_id.eq(userId).and(ev.description.eq(EVENTS.loginFailed)).and(ev.time_stamp.gt(from))).count()
  } else if (origin) {
    // no such account: the failures of this submitted login, so it locks exactly as an account would
    accountFailures = await db(ev.origin.eq(origin).and(ev.description.eq(EVENTS.loginFailed)).and(ev.time_stamp.gt(since))).count()
  }
  const addressFailures = client ? await db(ev.client_ip.eq(client).and(ev.description.eq(EVENTS.loginFailed)).and(ev.time_stamp.gt(since))).count() : 0
  const locked = accountFailures >= auth.settings.loginMaxFailures || addressFailures >= auth.settings.addressMaxFailures
  return { locked, accountFailures, addressFailures }
}
