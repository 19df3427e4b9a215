/**
 * A real OpenID provider for the tests: the `oidc-provider` package on
 * 127.0.0.1, an ephemeral port, with its development login pages (any login
 * name signs in; its email is the login name, verified).
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface TestProvider { issuer: string; stop(): Promise<void> }

export async function startProvider(clients: { id: string; secret: string; redirect: string }[]): Promise<TestProvider> {
  // oidc-provider ships no type declarations
  const { default: Provider } = (await import('oidc-provider' as string)) as { default: new (issuer: string, config: unknown) => { callback(): http.RequestListener } }
  const server = http.createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const provider = new Provider(issuer, {
    clients: clients.map((c) => ({ client_id: c.id, client_secret: c.secret, redirect_uris: [c.redirect], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' })),
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['given_name', 'family_name', 'name'] },
    async findAccount(_ctx: unknown, sub: string) {
      return { accountId: sub, async claims() { return { sub, email: sub, email_verified: true, given_name: sub.split('@')[0], family_name: 'Tester' } } }
    },
    cookies: { keys: ['a-test-cookie-key-of-some-length'] },
    features: { devInteractions: { enabled: true } },
  } as never)
  // silence the development-mode warnings on stderr but keep errors visible
  server.on('request', provider.callback())
  return {
    issuer,
    stop: () => new Promise<void>((r) => { server.closeAllConnections?.(); server.close(() => r()) }),
  }
}
