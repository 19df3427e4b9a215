/**
 * A second, independent TOTP implementation for the tests (RFC 6238 read again, written
 * differently from server/auth/methods/totp-core.ts): base32 by a bit string, the counter
 * by BigInt arithmetic, HMAC through WebCrypto.
 */
import { webcrypto } from 'node:crypto'

export function fromBase32(s: string): Uint8Array {
  const bits = s.replace(/=+$/, '').toUpperCase().split('').map((ch) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'.indexOf(ch).toString(2).padStart(5, '0')).join('')
  const out = new Uint8Array(Math.floor(bits.length / 8))
  for (let i = 0; i < out.length; i++) out[i] = parseInt(bits.slice(i * 8, i * 8 + 8), 2)
  return out
}

export async function refTotp(key: Uint8Array, unixSeconds: number, digits = 6, hash: 'SHA-1' | 'SHA-256' | 'SHA-512' = 'SHA-1'): Promise<string> {
  let t = BigInt(Math.floor(unixSeconds / 30))
  const msg = new Uint8Array(8)
  for (let i = 7; i >= 0; i--) { msg[i] = Number(t & 0xffn); t >>= 8n }
  const k = await webcrypto.subtle.importKey('raw', key, { name: 'HMAC', hash }, false, ['sign'])
  const mac = new Uint8Array(await webcrypto.subtle.sign('HMAC', k, msg))
  const o = mac[mac.length - 1]! % 16
  const n = (mac[o]! % 128) * 2 ** 24 + mac[o + 1]! * 2 ** 16 + mac[o + 2]! * 2 ** 8 + mac[o + 3]!
  return (n % 10 ** digits).toString().padStart(digits, '0')
}

/** The code of a base32 secret `steps` time steps from now. */
export const codeAt = (secret: string, steps = 0) => refTotp(fromBase32(secret), Date.now() / 1000 + steps * 30)
