/**
 * Password hashing for Auth, on CRYPT's stored format
 * (`pbkdf2(iterations,keylen,sha512)$salt$hex`), but hashed and verified
 * with the asynchronous pbkdf2 so a login never blocks the event loop for the
 * ~0.2 s PBKDF2 costs. Hashes of any weaker kind CRYPT understands (salted or
 * bare md5/sha…, fewer iterations) still verify, and `needsRehash` tells the
 * login to upgrade them.
 */
import { pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'
import { CRYPT, DEFAULT_DIGEST } from '../validators'

const pbkdf2Async = promisify(pbkdf2)

function parse(alg: string): { iterations: number; keylen: number; digest: string } | null {
  const m = /^pbkdf2\((\d+),(\d+),(sha512|sha384|sha256|sha1)\)$/i.exec(alg)
  // Stryker disable next-line MethodExpression: OpenSSL's digest names are case-insensitive ('SHA512' hashes as 'sha512')
  return m ? { iterations: Number(m[1]), keylen: Number(m[2]), digest: m[3].toLowerCase() } : null
}

/** Hash a plain password with a fresh 16-byte salt. */
export async function hashPassword(plain: string, digestAlg = DEFAULT_DIGEST): Promise<string> {
  const p = parse(digestAlg)
  if (!p) return String(CRYPT({ digestAlg }).validate(plain)[0])
  const salt = randomBytes(16).toString('hex')
  const h = await pbkdf2Async(plain, salt, p.iterations, p.keylen, p.digest)
  return `${digestAlg}$${salt}$${h.toString('hex')}`
}

/** Constant-time check of a plain password against a stored hash; false for anything malformed. */
export async function verifyPassword(plain: string, stored: unknown): Promise<boolean> {
  if (typeof plain !== 'string' || typeof stored !== 'string' || !stored) return false
  const parts = stored.split('$')
  const p = parts.length === 3 ? parse(parts[0]) : null
  if (!p) return CRYPT.verify(plain, stored) // legacy digests: cheap, CRYPT knows them
  if (!/^[0-9a-f]+$/i.test(parts[2]) || parts[2].length !== p.keylen * 2) return false
  const h = await pbkdf2Async(plain, parts[1], p.iterations, p.keylen, p.digest)
  return timingSafeEqual(h, Buffer.from(parts[2], 'hex'))
}

/** A stored hash made with anything but the current algorithm should be replaced at the next login. */
export function needsRehash(stored: unknown, digestAlg = DEFAULT_DIGEST): boolean {
  return typeof stored !== 'string' || !stored.startsWith(digestAlg + '$')
}
