/**
 * Bearer tokens for API calls: JWT (RFC 7519) signed with HMAC-SHA256, and
 * the parsing of `Authorization: Basic`. Only HS256 is accepted, whatever
 * the token's header says (no "alg: none" downgrade).
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { QK_AUTH_BAD_OPTION, QK_AUTH_BAD_TOKEN } from './errors'

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url')

export interface JwtPayload { sub?: number | string; iat?: number; exp?: number; [claim: string]: unknown }

export function signJwt(payload: JwtPayload, secret: string, expiresInSeconds?: number): string {
  if (!secret || typeof secret !== 'string' || secret.length < 16) throw new QK_AUTH_BAD_OPTION('jwtSecret', 'a secret of at least 16 characters is needed to sign tokens')
  const now = Math.floor(Date.now() / 1000)
  const body: JwtPayload = { iat: now, ...payload }
  if (expiresInSeconds !== undefined) body.exp = now + expiresInSeconds
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  const data = `${head}.${b64url(JSON.stringify(body))}`
  return `${data}.${b64url(createHmac('sha256', secret).update(data).digest())}`
}

/** The payload of a valid, unexpired token; throws QK_AUTH_BAD_TOKEN otherwise. */
export function verifyJwt(token: string, secret: string): JwtPayload {
  if (!secret) throw new QK_AUTH_BAD_TOKEN('tokens are not enabled (no jwtSecret)')
  const parts = typeof token === 'string' ? token.split('.') : []
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) throw new QK_AUTH_BAD_TOKEN('malformed')
  let head: { alg?: string }
  let payload: JwtPayload
  try {
    head = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'))
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))
  } catch { throw new QK_AUTH_BAD_TOKEN('malformed') }
  if (head?.alg !== 'HS256') throw new QK_AUTH_BAD_TOKEN('unsupported algorithm')
  const expected = createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest()
  const given = Buffer.from(parts[2], 'base64url')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new QK_AUTH_BAD_TOKEN('bad signature')
  if (!payload || typeof payload !== 'object') throw new QK_AUTH_BAD_TOKEN('malformed')
  if (typeof payload.exp === 'number' && payload.exp < Date.now() / 1000) throw new QK_AUTH_BAD_TOKEN('expired')
  return payload
}

/** [login, password] of an `Authorization: Basic ...` header, or null. */
export function parseBasic(header: unknown): [string, string] | null {
  if (typeof header !== 'string') return null
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header)
  if (!m) return null
  const text = Buffer.from(m[1], 'base64').toString('utf8')
  const i = text.indexOf(':')
  return i < 0 ? null : [text.slice(0, i), text.slice(i + 1)]
}

/** The token of an `Authorization: Bearer ...` header, or null. */
export function parseBearer(header: unknown): string | null {
  if (typeof header !== 'string') return null
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return m ? m[1] : null
}
