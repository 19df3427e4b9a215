/**
 * E-mail addresses and IP addresses, with web2py's rules and messages.
 */
import { domainToASCII } from 'node:url'
import { BaseValidator, factory, messageOf, pyFormat, safeString, tr, type MessageOption } from './base'

const EMAIL_BODY = /^(?!\.)([-a-z0-9!#$%&'*+/=?^_`{|}~]|(?<!\.)\.)+(?<!\.)$/i
const EMAIL_DOMAIN = /^(localhost|([a-z0-9]([-\w]*[a-z0-9])?\.)+[a-z]{2,})$/i

/** web2py's `regex.match`: anchored at the start only. */
function anchored(r: string | RegExp): RegExp {
  const src = r instanceof RegExp ? r.source : r
  return new RegExp(`^(?:${src})`, r instanceof RegExp ? r.flags.replace(/[gy]/g, '') : '')
}

export function isEmail(value: unknown): boolean {
  if (typeof value !== 'string' || !value.includes('@')) return false
  const at = value.lastIndexOf('@')
  const body = value.slice(0, at)
  const domain = value.slice(at + 1)
  if (!EMAIL_BODY.test(body)) return false
  if (EMAIL_DOMAIN.test(domain)) return true
  // internationalised domain names are checked in their punycode form
  const ascii = /[^\x00-\x7f]/.test(domain) ? domainToASCII(domain) : ''
  return !!ascii && EMAIL_DOMAIN.test(ascii)
}

export class IsEmail extends BaseValidator {
  private readonly banned?: RegExp
  private readonly forced?: RegExp
  private readonly message: string
  constructor(opts: MessageOption & { banned?: string | RegExp; forced?: string | RegExp } | string = {}) {
    super()
    const o = typeof opts === 'string' ? { errorMessage: opts } : opts
    this.banned = o.banned === undefined ? undefined : anchored(o.banned)
    this.forced = o.forced === undefined ? undefined : anchored(o.forced)
    this.message = messageOf(o, 'Enter a valid email address')
  }
  protected check(value: unknown) {
    if (!isEmail(value)) this.fail(this.message)
    const domain = (value as string).slice((value as string).lastIndexOf('@') + 1)
    if (this.banned?.test(domain) || (this.forced && !this.forced.test(domain))) this.fail(this.message)
    return value
  }
}

/** Addresses separated by commas, semicolons or blanks (or a list of them): the result is the list of addresses. */
export class IsListOfEmails extends BaseValidator {
  private readonly message: string
  constructor(opts?: string | MessageOption) {
    super()
    this.message = typeof opts === 'string' ? opts : messageOf(opts, 'Invalid emails: %s')
  }
  protected check(value: unknown) {
    const emails: string[] = []
    // a Set keeps a huge list of repeated bad addresses linear
    const bad = new Set<string>()
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === null || item === undefined) continue
      for (const email of safeString(item).match(/[^,;\s]+/g) ?? []) {
        if (isEmail(email)) emails.push(email)
        else bad.add(email)
      }
    }
    if (bad.size) this.failRaw(pyFormat(tr(this.message), [[...bad].join(', ')]))
    return emails
  }
  formatter(value: unknown) {
    return Array.isArray(value) ? value.join(', ') : value ?? ''
  }
}

const IPV4 = /^(([1-9]?\d|1\d\d|2[0-4]\d|25[0-5])\.){3}([1-9]?\d|1\d\d|2[0-4]\d|25[0-5])$/
const LOCALHOST = 2130706433
const PRIVATE: Array<[number, number]> = [[2886729728, 2886795263], [3232235520, 3232301055]]
const AUTOMATIC: [number, number] = [2851995648, 2852061183]

function ipv4Number(parts: Array<string | number>): number {
  return parts.slice(0, 4).reduce<number>((n, p, i) => n + Number(p) * [16777216, 65536, 256, 1][i], 0)
}

type IpBound = string | number[] | Array<string | number[]>
/** minip / maxip as web2py takes them: 'a.b.c.d', [a,b,c,d], or a list of either for several ranges. */
function ipBounds(v: IpBound): number[] {
  if (typeof v === 'string') return [ipv4Number(v.split('.'))]
  if (v.length === 4 && v.every((x) => typeof x === 'number')) return [ipv4Number(v as number[])]
  return (v as Array<string | number[]>).map((x) => ipv4Number(typeof x === 'string' ? x.split('.') : x))
}

export interface Ipv4Options extends MessageOption {
  minip?: IpBound; maxip?: IpBound; invert?: boolean
  isLocalhost?: boolean | null; isPrivate?: boolean | null; isAutomatic?: boolean | null
}

export class IsIpv4 extends BaseValidator {
  private readonly minip: number[]
  private readonly maxip: number[]
  private readonly message: string
  constructor(private readonly opts: Ipv4Options = {}) {
    super()
    this.minip = ipBounds(opts.minip ?? '0.0.0.0')
    this.maxip = ipBounds(opts.maxip ?? '255.255.255.255')
    this.message = messageOf(opts, 'Enter valid IPv4 address')
  }
  protected check(value: unknown) {
    if (typeof value !== 'string' || !IPV4.test(value)) this.fail(this.message)
    const n = ipv4Number(value.split('.'))
    const o = this.opts
    let ok = false
    for (let i = 0; i < Math.min(this.minip.length, this.maxip.length); i++) {
      if (!!o.invert !== (this.minip[i] <= n && n <= this.maxip[i])) ok = true
    }
    if (ok && o.isLocalhost != null && o.isLocalhost !== (n === LOCALHOST)) ok = false
    const priv = PRIVATE.some(([a, b]) => a <= n && n <= b)
    if (ok && o.isPrivate != null && o.isPrivate !== priv) ok = false
    const auto = AUTOMATIC[0] <= n && n <= AUTOMATIC[1]
    if (ok && o.isAutomatic != null && o.isAutomatic !== auto) ok = false
    if (!ok) this.fail(this.message)
    return value
  }
}

/** An IPv6 address as a 128-bit integer, or null when the text is not one. */
export function parseIpv6(text: string): bigint | null {
  if (typeof text !== 'string' || !text.includes(':') || /[^0-9a-fA-F:.]/.test(text)) return null
  let s = text
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s)
  if (v4) {
    if (!IPV4.test(v4[2])) return null
    const p = v4[2].split('.').map(Number)
    s = v4[1] + ((p[0] << 8) | p[1]).toString(16) + ':' + ((p[2] << 8) | p[3]).toString(16)
  }
  const halves = s.split('::')
  if (halves.length > 2) return null
  const head = halves[0] ? halves[0].split(':') : []
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : []
  const groups = halves.length === 2 ? [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail] : head
  if (groups.length !== 8 || (halves.length === 2 && head.length + tail.length > 7)) return null
  let n = 0n
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null
    n = (n << 16n) | BigInt(parseInt(g, 16))
  }
  return n
}

function inNet(ip: bigint, base: bigint, bits: number): boolean {
  const shift = BigInt(128 - bits)
  return ip >> shift === base >> shift
}
const net = (s: string): [bigint, number] => { const [a, b] = s.split('/'); return [parseIpv6(a)!, Number(b)] }
const RESERVED = ['::/8', '100::/8', '200::/7', '400::/6', '800::/5', '1000::/4', '4000::/3', '6000::/3', '8000::/3', 'a000::/3', 'c000::/3', 'e000::/4', 'f000::/5', 'f800::/6', 'fe00::/9'].map(net)
const IN = (ip: bigint, n: string) => { const [b, l] = net(n); return inNet(ip, b, l) }

export interface Ipv6Options extends MessageOption {
  isPrivate?: boolean | null; isLinkLocal?: boolean | null; isReserved?: boolean | null; isMulticast?: boolean | null
  isRouteable?: boolean | null; is6to4?: boolean | null; isTeredo?: boolean | null; subnets?: string | string[]
}

export class IsIpv6 extends BaseValidator {
  private readonly message: string
  constructor(private readonly opts: Ipv6Options = {}) {
    super()
    this.message = messageOf(opts, 'Enter valid IPv6 address')
  }
  protected check(value: unknown) {
    const ip = parseIpv6(value as string)
    if (ip === null) this.fail(this.message)
    const o = { ...this.opts }
    let ok = true
    if (o.subnets) {
      ok = false
      for (const sn of Array.isArray(o.subnets) ? o.subnets : [o.subnets]) {
        const m = /^([^/]+)\/(\d{1,3})$/.exec(sn)
        const base = m ? parseIpv6(m[1]) : null
        if (!m || base === null || Number(m[2]) > 128) this.fail('invalid subnet provided')
        if (inNet(ip, base, Number(m[2]))) ok = true
      }
    }
    if (o.isRouteable) { o.isPrivate = false; o.isReserved = false; o.isMulticast = false }
    const checks: Array<[boolean | null | undefined, boolean]> = [
      [o.isPrivate, IN(ip, 'fc00::/7')],
      [o.isLinkLocal, IN(ip, 'fe80::/10')],
      [o.isReserved, RESERVED.some(([b, l]) => inNet(ip, b, l))],
      [o.isMulticast, IN(ip, 'ff00::/8')],
      [o.is6to4, IN(ip, '2002::/16')],
      [o.isTeredo, IN(ip, '2001::/32')],
    ]
    for (const [want, have] of checks) if (ok && want != null && want !== have) ok = false
    if (!ok) this.fail(this.message)
    return value
  }
}

export class IsIpAddress extends BaseValidator {
  private readonly message: string
  constructor(private readonly opts: Ipv4Options & Ipv6Options & { isIpv4?: boolean | null; isIpv6?: boolean | null } = {}) {
    super()
    this.message = messageOf(opts, 'Enter valid IP address')
  }
  protected check(value: unknown) {
    const o = this.opts
    const v4 = typeof value === 'string' && IPV4.test(value)
    const v6 = !v4 && parseIpv6(value as string) !== null
    if (!v4 && !v6) this.fail(this.message)
    const wantV4 = o.isIpv4 || o.isIpv6 === false
    const wantV6 = o.isIpv6 || o.isIpv4 === false
    if ((wantV4 && v6) || (wantV6 && v4)) this.fail(this.message)
    const sub = v4 ? new IsIpv4({ ...o, errorMessage: this.message }) : new IsIpv6({ ...o, errorMessage: this.message })
    const [out, err] = sub.validate(value) as [unknown, string | null]
    if (err !== null) this.failRaw(err)
    return out
  }
}

export const IS_EMAIL = factory(IsEmail)
export const IS_LIST_OF_EMAILS = factory(IsListOfEmails)
export const IS_IPV4 = factory(IsIpv4)
export const IS_IPV6 = factory(IsIpv6)
export const IS_IPADDRESS = factory(IsIpAddress)
