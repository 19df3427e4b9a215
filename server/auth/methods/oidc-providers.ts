/**
 * OpenID Connect providers: presets (Google, Microsoft Entra ID, GitLab; GitHub
 * is OAuth2 with its user API, no ID token) or any issuer by URL. Discovery
 * documents are fetched once per issuer and client and kept for an hour (a
 * failure is not kept, so the next login tries again).
 */
import type * as client from 'openid-client'
import { lazyPackage } from '../../errors'
import { QK_AUTH_BAD_OPTION } from '../errors'

/** openid-client is loaded when a configured provider is first used (a login, a callback), not at start-up. */
export const openidClient = lazyPackage('openid-client', 'OpenID Connect login', () => require('openid-client') as typeof import('openid-client'))

export interface ProviderOptions {
  /** the name in URLs and in auth_credential ('google', 'corp', ...) */
  name: string
  /** the button's text (default: the preset's name, else the name) */
  label?: string
  preset?: 'google' | 'microsoft' | 'gitlab' | 'github'
  /** the issuer URL (discovery at <issuer>/.well-known/openid-configuration); presets set it */
  issuer?: string
  /** Microsoft: the tenant id (or 'organizations'/'consumers' with their fixed issuers) */
  tenant?: string
  clientId: string
  clientSecret?: string
  scope?: string
  /** GitHub-style OAuth2 endpoints (a GitHub Enterprise server, or a test server) */
  endpoints?: { authorization: string; token: string; user: string; emails?: string }
  /** allow http:// for a provider on this machine (tests, development): never in production */
  allowInsecure?: boolean
}

export interface Provider extends Required<Pick<ProviderOptions, 'name' | 'clientId' | 'scope'>> {
  label: string
  kind: 'oidc' | 'github'
  issuer: string
  clientSecret: string
  endpoints?: ProviderOptions['endpoints']
  allowInsecure: boolean
}

const GITHUB = { authorization: 'https://github.com/login/oauth/authorize', token: 'https://github.com/login/oauth/access_token', user: 'https://api.github.com/user', emails: 'https://api.github.com/user/emails' }
const LABELS: Record<string, string> = { google: 'Google', microsoft: 'Microsoft', gitlab: 'GitLab', github: 'GitHub' }

export function provider(o: ProviderOptions): Provider {
  if (!o || typeof o !== 'object') throw new QK_AUTH_BAD_OPTION('oidc.providers', 'each provider is an object { name, clientId, issuer or preset }')
  if (typeof o.name !== 'string' || !/^[a-z0-9_-]{1,40}$/.test(o.name)) throw new QK_AUTH_BAD_OPTION('oidc.providers.name', `'${String(o.name)}': lower-case letters, digits, - and _`)
  if (typeof o.clientId !== 'string' || !o.clientId) throw new QK_AUTH_BAD_OPTION(`oidc.providers.${o.name}.clientId`, 'the client id the provider gave you is needed')
  let issuer = o.issuer ?? ''
  let kind: Provider['kind'] = 'oidc'
  let scope = o.scope ?? 'openid email profile'
  if (o.preset === 'google') issuer ||= 'https://accounts.google.com'
  else if (o.preset === 'gitlab') issuer ||= 'https://gitlab.com'
  else if (o.preset === 'microsoft') {
    // the 'common' endpoint's issuer is a template ({tenantid}): an ID token cannot be checked against it
    if (!o.tenant && !o.issuer) throw new QK_AUTH_BAD_OPTION(`oidc.providers.${o.name}.tenant`, "Microsoft needs your tenant id (Entra ID > Overview), or 'consumers' for personal accounts")
    issuer ||= `https://login.microsoftonline.com/${o.tenant === 'consumers' ? '9188040d-6c67-4c5b-b112-36a304b66dad' : o.tenant}/v2.0`
  } else if (o.preset === 'github') { kind = 'github'; scope = o.scope ?? 'read:user user:email' } else if (o.preset !== undefined) throw new QK_AUTH_BAD_OPTION(`oidc.providers.${o.name}.preset`, `'${String(o.preset)}': google, microsoft, gitlab or github`)
  if (kind === 'oidc') {
    let u: URL
    try { u = new URL(issuer) } catch { throw new QK_AUTH_BAD_OPTION(`oidc.providers.${o.name}.issuer`, `'${issuer}' is not a URL`) }
    if (u.protocol !== 'https:' && !(o.allowInsecure && u.protocol === 'http:')) throw new QK_AUTH_BAD_OPTION(`oidc.providers.${o.name}.issuer`, 'an https:// URL (allowInsecure: true only for a provider on this machine)')
  }
  return { name: o.name, label: o.label ?? LABELS[o.preset ?? ''] ?? o.name, kind, issuer: issuer || 'https://github.com', clientId: o.clientId, clientSecret: o.clientSecret ?? '', scope, endpoints: kind === 'github' ? { ...GITHUB, ...o.endpoints } : undefined, allowInsecure: !!o.allowInsecure }
}

const TTL = 3600_000
const configs = new Map<string, { at: number; config: Promise<client.Configuration> }>()

/** The provider's client configuration (discovery for OIDC; the fixed endpoints for GitHub). */
export function configOf(p: Provider): Promise<client.Configuration> {
  // loaded here, outside the promise: a load failure is thrown as itself, not taken for an unreachable provider
  const client = openidClient()
  const key = `${p.kind} ${p.issuer} ${p.clientId} ${p.clientSecret} ${p.endpoints?.token ?? ''}`
  const hit = configs.get(key)
  if (hit && Date.now() - hit.at < TTL) return hit.config
  const make = async () => {
    if (p.kind === 'github') {
      const c = new client.Configuration({ issuer: p.issuer, authorization_endpoint: p.endpoints!.authorization, token_endpoint: p.endpoints!.token }, p.clientId, p.clientSecret, client.ClientSecretPost(p.clientSecret))
      if (p.allowInsecure) client.allowInsecureRequests(c)
      return c
    }
    return client.discovery(new URL(p.issuer), p.clientId, p.clientSecret, client.ClientSecretBasic(p.clientSecret), p.allowInsecure ? { execute: [client.allowInsecureRequests] } : undefined)
  }
  const config = make()
  config.catch(() => configs.delete(key))
  if (configs.size > 1000) configs.clear()
  configs.set(key, { at: Date.now(), config })
  return config
}
