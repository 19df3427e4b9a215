/**
 * auth.enable(name, options): turn on a login method for this Auth (per
 * request, as the model runs), web2py's auth.settings.login_methods in a
 * typed form. The methods themselves are stateless module objects; what an
 * app enabled lives on its Auth object.
 */
import { Auth } from '../auth'
import { QK_AUTH_BAD_OPTION } from '../errors'
import { declareCredentialTable } from './credentials'
import { passwordMethod } from './password'
import { totpMethod, type TotpOptions } from './totp'
import { oidcMethod } from './oidc'
import { passkeyMethod, type PasskeyOptions } from './passkey'
import { ldapMethod, type LdapOptions } from './ldap'
import type { ProviderOptions } from './oidc-providers'
import type { LoginMethod } from './types'

export interface MethodOptions {
  password: Record<string, never>
  totp: Partial<TotpOptions>
  oidc: { providers: ProviderOptions[]; createUsers?: boolean }
  passkey: Partial<PasskeyOptions>
  ldap: LdapOptions
}

/** Every method Quark knows, by name (more register themselves: registerLoginMethod). */
const METHODS = new Map<string, LoginMethod<any>>([[passwordMethod.name, passwordMethod], [totpMethod.name, totpMethod], [oidcMethod.name, oidcMethod], [passkeyMethod.name, passkeyMethod], [ldapMethod.name, ldapMethod]])

export function registerLoginMethod(m: LoginMethod<any>): void { METHODS.set(m.name, m) }
export function loginMethodByName(name: string): LoginMethod<any> | undefined { return METHODS.get(name) }

interface Enabled { method: LoginMethod<any>; options: unknown }
// keyed by the request's Auth object: gone with it
const enabledByAuth = new WeakMap<Auth, Map<string, Enabled>>()

declare module '../auth' {
  interface Auth {
    /** turn on a login method: auth.enable('totp', { requireForGroup: 'admin' }) */
    enable<K extends keyof MethodOptions>(name: K, options?: MethodOptions[K]): this
    enable(name: string, options?: unknown): this
    /** the enabled method `name` with its checked options, or undefined */
    loginMethod<O = unknown>(name: string): { method: LoginMethod<O>; options: O } | undefined
    /** names of the enabled methods ('password' always first) */
    readonly loginMethods: string[]
  }
}

Auth.prototype.enable = function (this: Auth, name: string, options?: unknown) {
  const method = METHODS.get(name)
  if (!method) throw new QK_AUTH_BAD_OPTION(`enable('${name}')`, `unknown login method; known: ${[...METHODS.keys()].join(', ')}`)
  let m = enabledByAuth.get(this)
  if (!m) { m = new Map(); enabledByAuth.set(this, m) }
  m.set(name, { method, options: method.configure(options) })
  if (name !== 'password') declareCredentialTable(this.db, this.tableNames.user)
  return this
} as Auth['enable']

Auth.prototype.loginMethod = function (this: Auth, name: string) {
  if (name === 'password') return { method: passwordMethod, options: {} } as never
  return enabledByAuth.get(this)?.get(name) as never
}

Object.defineProperty(Auth.prototype, 'loginMethods', {
  get(this: Auth) { return ['password', ...[...(enabledByAuth.get(this)?.keys() ?? [])].filter((n) => n !== 'password')] },
  configurable: true,
})
