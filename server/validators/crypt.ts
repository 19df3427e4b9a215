/**
 * CRYPT: passwords are hashed with PBKDF2-HMAC-SHA512, a random salt and
 * many iterations, stored as `pbkdf2(iterations,keylen,sha512)$salt$hexhash`
 * (web2py's layout, so hashes made by web2py also verify). The validated value
 * is a LazyCrypt: it hashes only when stored (`String(v)`) and compares with a
 * stored hash in constant time (`v.verify(stored)`).
 */
import { createHash, createHmac, pbkdf2, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'
import { BaseValidator, messageOf, type MessageOption } from './base'
import { QK_VALIDATORS_BAD_ARGUMENT } from './errors'

const pbkdf2Async = promisify(pbkdf2)
/** OWASP's 2023 figure for PBKDF2-HMAC-SHA512. */
export const DEFAULT_DIGEST = 'pbkdf2(210000,32,sha512)'
const DIGESTS = new Set(['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'])
const BY_HEX_LENGTH: Record<number, string> = { 32: 'md5', 40: 'sha1', 56: 'sha224', 64: 'sha256', 96: 'sha384', 128: 'sha512' }

function parsePbkdf2(alg: string): [number, number, string] | null {
  const m = /^pbkdf2\((\d+),(\d+),(\w+)\)$/.exec(alg)
  if (!m || !DIGESTS.has(m[3].toLowerCase())) return null
  return [Number(m[1]), Number(m[2]), m[3].toLowerCase()]
}

/** web2py's simple_hash: pbkdf2 (key unused), HMAC when there is a key, else a salted plain digest. */
function simpleHash(text: string, key: string, salt: string, alg: string): string {
  const p = parsePbkdf2(alg)
  if (p) return pbkdf2Sync(text, salt, p[0], p[1], p[2]).toString('hex')
  const a = alg.toLowerCase()
  if (!DIGESTS.has(a)) throw new QK_VALIDATORS_BAD_ARGUMENT('CRYPT', `unknown digest algorithm ${JSON.stringify(alg)}`)
  if (key) return createHmac(a, key + salt).update(text).digest('hex')
  return createHash(a).update(text + salt).digest('hex')
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export interface CryptOptions extends MessageOption {
  /** HMAC key, optionally prefixed by an algorithm: 'sha512:secret' */
  key?: string
  digestAlg?: string
  minLength?: number
  maxLength?: number
  /** true: a random salt per password (default); a string: that salt; false: none */
  salt?: boolean | string
}

export class LazyCrypt {
  private crypted: string | null = null
  constructor(private readonly crypt: Crypt, readonly password: string) {}
  private algAndKey(): [string, string] {
    const key = this.crypt.opts.key
    if (key && key.includes(':')) { const i = key.indexOf(':'); return [key.slice(0, i), key.slice(i + 1)] }
    return [this.crypt.opts.digestAlg ?? DEFAULT_DIGEST, key ?? '']
  }
  private salt(): string {
    const s = this.crypt.opts.salt ?? true
    return s === true ? randomBytes(8).toString('hex') : s === false ? '' : s
  }
  /** The string to store: hashed once, then cached. */
  toString(): string {
    if (this.crypted) return this.crypted
    const [alg, key] = this.algAndKey()
    const salt = this.salt()
    this.crypted = `${alg}$${salt}$${simpleHash(this.password, key, salt, alg)}`
    return this.crypted
  }
  /** Same as toString() but without blocking the event loop for PBKDF2. */
  async hash(): Promise<string> {
    if (this.crypted) return this.crypted
    const [alg, key] = this.algAndKey()
    const p = parsePbkdf2(alg)
    if (!p) return this.toString()
    const salt = this.salt()
    const h = (await pbkdf2Async(this.password, salt, p[0], p[1], p[2])).toString('hex')
    this.crypted = `${alg}$${salt}$${h}`
    return this.crypted
  }
  toJSON(): string { return this.toString() }
  /** Does this password match a stored hash (salted `alg$salt$hash`, or a bare unsalted hex digest)? */
  verify(stored: unknown): boolean {
    if (stored instanceof LazyCrypt) return stored === this || (stored.password === this.password && stored.crypt.opts.key === this.crypt.opts.key)
    if (typeof stored !== 'string' || !stored) return false
    const key = this.algAndKey()[1]
    const parts = stored.split('$')
    try {
      if (parts.length === 3) return sameText(simpleHash(this.password, key, parts[1], parts[0]), parts[2])
      const alg = BY_HEX_LENGTH[stored.length]
      return !!alg && sameText(simpleHash(this.password, key, '', alg), stored)
    } catch {
      return false
    }
  }
  equals(stored: unknown): boolean { return this.verify(stored) }
}

export class Crypt extends BaseValidator {
  static readonly STARS = '******'
  private readonly message: string
  constructor(readonly opts: CryptOptions = {}) {
    super()
    this.message = messageOf(opts, 'Too short')
    const alg = opts.key?.includes(':') ? opts.key.split(':')[0] : opts.digestAlg ?? DEFAULT_DIGEST
    if (!parsePbkdf2(alg) && !DIGESTS.has(alg.toLowerCase())) throw new QK_VALIDATORS_BAD_ARGUMENT('CRYPT', `unknown digest algorithm ${JSON.stringify(alg)}`)
  }
  protected check(value: unknown) {
    if (value === Crypt.STARS) return null // the form showed stars: keep the stored password
    if (value instanceof LazyCrypt) return value
    const v = value === null || value === undefined || value === '' ? '' : String(value).slice(0, this.opts.maxLength ?? 1024)
    if (!v || v.length < (this.opts.minLength ?? 0)) this.fail(this.message)
    return new LazyCrypt(this, v)
  }
  formatter() { return Crypt.STARS }
  /** Check a plain password against a stored hash without building a validator by hand. */
  static verify(plain: string, stored: string, opts: CryptOptions = {}): boolean {
    return new LazyCrypt(new Crypt(opts), plain).verify(stored)
  }
}

export const CRYPT = Object.assign((opts?: CryptOptions) => new Crypt(opts), {
  prototype: Crypt.prototype,
  verify: Crypt.verify,
  STARS: Crypt.STARS,
})
