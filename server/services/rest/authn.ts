/**
 * Who is calling a RestAPI: an API key (`X-API-Key: qk_...` or `Authorization:
 * Bearer qk_...`), a JWT (`Authorization: Bearer <jwt>`, HS256 checked with
 * jose: signature, algorithm and expiry), HTTP basic against auth_user, or the
 * session's login. Credentials that are present but do not check out are a
 * 401 at once: a forged token never falls back to the session.
 */
import { jwtVerify, errors as joseErrors } from 'jose'
import type { AuthLike, RestPolicy } from './policy'
import { QK_REST_UNAUTHORIZED } from './errors'

export interface Caller {
  userId: number | null
  /** how the caller proved who they are */
  via: 'session' | 'basic' | 'jwt' | 'apikey' | 'anonymous'
  /** the API key's id and the tables it is limited to (empty: every table) */
  keyId?: number
  keyTables?: string[]
}

interface HeaderRequest { headers?: Record<string, string | undefined> }

const API_KEY_RE = /^qk_[A-Za-z0-9_-]{16,128}$/

function basicOf(header: string): [string, string] | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header)
  if (!m) return null
  const text = Buffer.from(m[1]!, 'base64').toString('utf8')
  const i = text.indexOf(':')
  return i < 0 ? null : [text.slice(0, i), text.slice(i + 1)]
}

async function byApiKey(auth: AuthLike, key: string): Promise<Caller> {
  if (!API_KEY_RE.test(key) || !auth.verifyApiKey) throw new QK_REST_UNAUTHORIZED('unknown or revoked API key')
  const found = await auth.verifyApiKey(key)
  if (!found) throw new QK_REST_UNAUTHORIZED('unknown or revoked API key')
  const row = await auth.tableUser.get(found.userId)
  if (!row || (row as Record<string, unknown>).registration_key) throw new QK_REST_UNAUTHORIZED('the key\'s user is disabled')
  auth.setRequestUser(row)
  return { userId: found.userId, via: 'apikey', keyId: found.id, keyTables: found.tables }
}

async function byJwt(auth: AuthLike, token: string, secret: string): Promise<Caller> {
  if (!secret) throw new QK_REST_UNAUTHORIZED('bearer tokens are not enabled (no JWT key)')
  let sub: unknown
  try {
    const r = await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: ['HS256'] })
    sub = r.payload.sub
  } catch (e) {
    const why = e instanceof joseErrors.JWTExpired ? 'the token has expired'
      : e instanceof joseErrors.JWSSignatureVerificationFailed ? 'bad token signature'
      : 'invalid token'
    throw new QK_REST_UNAUTHORIZED(why)
  }
  // sub is a string in RFC 7519; Auth's own tokens carry the number
  const id = typeof sub === 'number' ? sub : typeof sub === 'string' && /^\d{1,15}$/.test(sub) ? Number(sub) : NaN
  const row = Number.isSafeInteger(id) ? await auth.tableUser.get(id) : null
  if (!row || (row as Record<string, unknown>).registration_key) throw new QK_REST_UNAUTHORIZED('the token\'s user does not exist or is disabled')
  auth.setRequestUser(row)
  return { userId: id, via: 'jwt' }
}

export async function authenticate(policy: RestPolicy, request: HeaderRequest): Promise<Caller> {
  const auth = policy.auth
  const headers = request.headers ?? {}
  const apiKey = headers['x-api-key']
  const authorization = headers.authorization
  if (!auth) {
    if (apiKey || authorization) throw new QK_REST_UNAUTHORIZED('this API takes no credentials (no auth in its policy)')
    return { userId: null, via: 'anonymous' }
  }
  if (apiKey) return byApiKey(auth, apiKey.trim())
  if (authorization) {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1]
    if (bearer) return bearer.startsWith('qk_') ? byApiKey(auth, bearer) : byJwt(auth, bearer, policy.jwtSecret ?? auth.settings.jwtSecret)
    const basic = policy.basic !== false ? basicOf(authorization) : null
    if (!basic) throw new QK_REST_UNAUTHORIZED('unsupported Authorization scheme (Basic, Bearer)')
    const r = await auth.checkLogin(basic[0], basic[1])
    const user = r.user as { id: number } | null
    if (!user) throw new QK_REST_UNAUTHORIZED('bad login or password')
    auth.setRequestUser(user)
    return { userId: user.id, via: 'basic' }
  }
  const u = auth.user
  return u ? { userId: u.id, via: 'session' } : { userId: null, via: 'anonymous' }
}
