/**
 * TOTP (RFC 6238) over HOTP (RFC 4226): HMAC of the time step, dynamically
 * truncated to 6 (or 8) digits; secrets in base32 (RFC 4648) as authenticator
 * apps read them from an otpauth:// URI.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

export function base32Encode(buf: Buffer): string {
  let bits = 0, value = 0, out = ''
  for (const byte of buf) {
    value = (value << 8) | byte; bits += 8
    while (bits >= 5) { out += B32[(value >>> (bits - 5)) & 31]; bits -= 5 }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31]
  return out
}

export function base32Decode(s: string): Buffer {
  const clean = s.toUpperCase().replace(/[\s=-]/g, '')
  let bits = 0, value = 0
  const out: number[] = []
  for (const ch of clean) {
    const i = B32.indexOf(ch)
    if (i < 0) throw new Error('not base32')
    value = (value << 5) | i; bits += 5
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 255); bits -= 8 }
  }
  return Buffer.from(out)
}

/** A fresh 160-bit secret (RFC 4226's recommended length), base32. */
export const newSecret = (): string => base32Encode(randomBytes(20))

export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512'

/** HOTP value of counter `step` for the raw key. */
export function hotp(key: Buffer, step: number, digits = 6, algorithm: TotpAlgorithm = 'sha1'): string {
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(step))
  const mac = createHmac(algorithm, key).update(counter).digest()
  const offset = mac[mac.length - 1]! & 0x0f
  const bin = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!
  return String(bin % 10 ** digits).padStart(digits, '0')
}

export const timeStep = (nowMs: number, period = 30): number => Math.floor(nowMs / 1000 / period)

/** TOTP of a base32 secret at a time (ms). */
export function totp(secret: string, nowMs = Date.now(), o: { digits?: number; period?: number; algorithm?: TotpAlgorithm } = {}): string {
  return hotp(base32Decode(secret), timeStep(nowMs, o.period), o.digits, o.algorithm)
}

/**
 * The time step a code matches within ±window steps of now, or null. The caller
 * refuses a step not after the last one used, so each code serves once.
 */
export function matchStep(secret: string, code: string, nowMs = Date.now(), o: { window?: number; digits?: number; period?: number } = {}): number | null {
  const digits = o.digits ?? 6
  if (!new RegExp(`^\\d{${digits}}$`).test(code)) return null
  const key = base32Decode(secret)
  const now = timeStep(nowMs, o.period)
  const w = o.window ?? 1
  let found: number | null = null
  // every candidate is computed (no early exit), so timing does not tell which step matched
  for (let s = now - w; s <= now + w; s++) {
    const c = hotp(key, s, digits)
    if (timingSafeEqual(Buffer.from(c), Buffer.from(code)) && found === null) found = s
  }
  return found
}

export function otpauthUri(secret: string, account: string, issuer: string): string {
  const label = encodeURIComponent(`${issuer}:${account}`)
  return `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=6&period=30`
}
