/**
 * auth/methods/: the login-method seam (one interface, one conformance suite:
 * tests/auth/methods/) and the methods behind it.
 *
 *   auth.enable(name, options)     turn a method on ('totp', 'oidc', 'passkey', 'ldap')
 *   auth.loginMethods              the enabled names; auth.loginMethod(name) the method and its options
 *   LoginMethod / MethodResult     the interface every method implements
 *   METHOD_PAGES                   the extra pages of auth.form() (two_factor, totp, ...)
 *   secondFactorStep               what the login does after a first factor
 *   totp / hotp / base32           RFC 6238 / 4226 (tests compare them with the RFC's vectors)
 */
import './registry'
import type { Auth } from '../auth'
import { totpPage, twoFactorPage } from './totp-pages'
import { passkeyLoginButton, passkeyLoginPage, passkeySecondFactorPage, passkeysPage } from './passkey-pages'
import { accountsPage, oidcButtons, oidcCallbackPage, oidcLinkPage, oidcLoginPage } from './oidc-pages'
import { x509LoginLink, x509LoginPage, x509Method } from './x509'
import { registerLoginMethod } from './registry'
import { apiKeysPage, apikeyMethod } from './apikey'

registerLoginMethod(x509Method)
registerLoginMethod(apikeyMethod)

export { registerLoginMethod, loginMethodByName, type MethodOptions } from './registry'
export type { LoginMethod, MethodResult, MethodContext, RefusalCode, Factor } from './types'
export { passwordMethod } from './password'
export { totpMethod, newRecoveryCodes, RECOVERY_CODES, type TotpOptions } from './totp'
export { totp, hotp, matchStep, base32Encode, base32Decode, newSecret, otpauthUri } from './totp-core'
export { secondFactorStep, pendingLogin } from './second-factor'
export { CREDENTIAL_TABLE } from './credentials'
export { oidcMethod, checkIdToken, type OidcOptions, type Identity } from './oidc'
export type { ProviderOptions } from './oidc-providers'
export { passkeyMethod, type PasskeyOptions } from './passkey'
export { ldapMethod, escapeDnValue, escapeFilter, type LdapOptions } from './ldap'
export { x509Method, type X509Options } from './x509'
export { apikeyMethod } from './apikey'

/** Pages auth.form() serves for the enabled methods: action → [method that must be enabled, page]. */
export const METHOD_PAGES: Record<string, [string, (auth: Auth) => Promise<unknown>]> = {
  two_factor: ['totp', twoFactorPage],
  totp: ['totp', totpPage],
  oidc_login: ['oidc', oidcLoginPage],
  oidc_callback: ['oidc', oidcCallbackPage],
  oidc_link: ['oidc', oidcLinkPage],
  accounts: ['oidc', accountsPage],
  passkeys: ['passkey', passkeysPage],
  passkey_login: ['passkey', passkeyLoginPage],
  passkey_second_factor: ['passkey', passkeySecondFactorPage],
  x509_login: ['x509', x509LoginPage],
  api_keys: ['apikey', apiKeysPage],
}

/** What the login page adds under its form: provider buttons, the passkey button. */
export async function loginExtras(auth: Auth): Promise<unknown[]> {
  return [...oidcButtons(auth), ...await passkeyLoginButton(auth), ...x509LoginLink(auth)]
}

/** Links the profile page shows for the enabled methods. */
export function profileLinks(auth: Auth): [string, string][] {
  const out: [string, string][] = []
  if (auth.loginMethod('totp')) out.push(['totp', 'Two-factor authentication'])
  if (auth.loginMethod('oidc')) out.push(['accounts', 'Linked accounts'])
  if (auth.loginMethod('passkey')) out.push(['passkeys', 'Passkeys'])
  if (auth.loginMethod('apikey')) out.push(['api_keys', 'API keys'])
  return out
}

/**
 * The login form's first factor: the directory first when LDAP is enabled (web2py's login_methods
 * order), then the local password (accounts made locally, or when the directory does not know the login).
 */
export async function firstFactor(auth: Auth, login: string, password: string): ReturnType<Auth['checkLogin']> {
  const ldap = auth.loginMethod('ldap')
  if (ldap) {
    const r = await ldap.method.verify({ auth, options: ldap.options }, { login, password, fallback: true })
    if (r.ok) return { user: r.user, error: null }
    if (r.code === 'locked' || r.code === 'disabled') return { user: null, error: r.code }
  }
  return auth.checkLogin(login, password)
}
