/**
 * The login-method seam: every way of proving who you are (password, TOTP,
 * OIDC, passkey, LDAP) is one LoginMethod, checked by one conformance suite
 * (tests/auth/methods/). A method checks a credential and answers a user row
 * or a refusal with a reason; it never writes the session (Auth.loginUser
 * does, after every factor has passed), so the flows around it stay the same
 * for each method.
 */
import type { Row } from '../../dal'
import type { Auth } from '../auth'

export type Factor = 'first' | 'second'

/** Why a credential was refused: a code for the logs and a message for the user. */
export type RefusalCode = 'invalid' | 'locked' | 'pending' | 'disabled' | 'malformed' | 'replayed' | 'expired' | 'not-enrolled' | 'unavailable'

export type MethodResult =
  | { ok: true; user: Row }
  | { ok: false; code: RefusalCode; message: string }

export interface MethodContext<O> {
  auth: Auth
  options: O
  /** the user the first factor found, for a second factor */
  user?: Row
}

export interface LoginMethod<O = unknown> {
  /** 'password', 'totp', 'oidc', 'passkey', 'ldap' */
  readonly name: string
  /** first: finds the user; second: confirms the user a first factor found */
  readonly factors: readonly Factor[]
  /** the options an app passes to auth.enable(name, options), checked: throws QK_AUTH_BAD_OPTION */
  configure(options: unknown): O
  /**
   * Check one credential (the fields the method's form or callback posts). Never throws for bad
   * input, never writes the session; every refusal is logged in auth_event.
   */
  verify(ctx: MethodContext<O>, credential: Record<string, unknown>): Promise<MethodResult>
}

export const refuse = (code: RefusalCode, message: string): MethodResult => ({ ok: false, code, message })

/** A string field of a credential, or '' (never an array, an object or a huge value). */
export function text(credential: Record<string, unknown>, name: string, max = 4096): string {
  let v = credential?.[name]
  if (Array.isArray(v)) v = v[0]
  return typeof v === 'string' && v.length <= max ? v : ''
}
