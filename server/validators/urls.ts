/**
 * URL validators with web2py's rules: IS_GENERIC_URL (RFC 2396 syntax and a
 * known scheme), IS_HTTP_URL (http/https, a real host name or IP), and IS_URL
 * which picks one by `mode` and prepends `http://` to abbreviated URLs.
 */
import { domainToASCII } from 'node:url'
import { BaseValidator, ValidationError, factory, messageOf, type MessageOption } from './base'
import { QK_VALIDATORS_BAD_ARGUMENT } from './errors'

const OFFICIAL_SCHEMES = 'aaa aaas acap cap cid crid data dav dict dns fax file ftp go gopher h323 http https icap im imap info ipp iris iris.beep iris.xpc iris.xpcs iris.lws ldap mailto mid modem msrp msrps mtqp mupdate news nfs nntp opaquelocktoken pop pres prospero rtsp service shttp sip sips snmp soap.beep soap.beeps tag tel telnet tftp thismessage tip tv urn vemmi wais xmlrpc.beep xmpp z39.50r z39.50s'
const UNOFFICIAL_SCHEMES = 'about adiumxtra aim afp aw callto chrome cvs ed2k feed fish gg gizmoproject iax2 irc ircs itms jar javascript keyparc lastfm ldaps magnet mms msnim mvn notes nsfw psyc paparazzi:http rmi rsync secondlife sgn skype ssh sftp smb sms soldat steam svn teamspeak unreal ut2004 ventrilo view-source webcal wyciwyg xfire xri ymsgr'
export const ALL_URL_SCHEMES: Array<string | null> = [null, ...OFFICIAL_SCHEMES.split(' '), ...UNOFFICIAL_SCHEMES.split(' ')]
export const HTTP_SCHEMES: Array<string | null> = [null, 'http', 'https']

/**
 * Generic top-level domains accepted by IS_HTTP_URL; every two-letter
 * alphabetic label is accepted as a country code. Pass `allowedTlds` for a
 * stricter or longer list.
 */
export const GENERIC_TLDS = new Set(('com net org edu gov mil int arpa info biz name pro aero coop museum mobi asia tel travel jobs cat xxx post ' +
  'app dev io page blog shop store online site tech cloud xyz top club website space live news email link click solutions agency ' +
  'company world today life network digital media design studio art academy center systems services support software global group ' +
  'international zone guru ninja expert photography photos gallery market money finance bank insurance law legal health care clinic ' +
  'education school university college restaurant cafe bar pizza coffee beer wine games game video music movie film radio social ' +
  'community church love dating wedding fashion style beauty fitness sport football golf tours holiday hotel house homes properties ' +
  'realestate estate land city town country london paris berlin nyc tokyo amsterdam wiki cool fun lol win bet casino red blue green ' +
  'pink black gold plus one new best google amazon microsoft apple android youtube localhost test example invalid onion').split(' '))

export interface UrlParts { scheme: string; netloc: string; path: string; query: string; fragment: string }

/** Python's urllib.parse.urlparse, enough of it for web2py's rules. */
export function urlparse(url: string): UrlParts {
  let scheme = ''
  let rest = url
  const colon = url.indexOf(':')
  if (colon > 0 && /^[a-zA-Z][a-zA-Z0-9+.-]*$/.test(url.slice(0, colon))) {
    scheme = url.slice(0, colon).toLowerCase()
    rest = url.slice(colon + 1)
  }
  let netloc = ''
  if (rest.startsWith('//')) {
    const m = /[/?#]/.exec(rest.slice(2))
    const end = m ? m.index + 2 : rest.length
    netloc = rest.slice(2, end)
    rest = rest.slice(end)
  }
  let fragment = ''
  const hash = rest.indexOf('#')
  if (hash >= 0) { fragment = rest.slice(hash + 1); rest = rest.slice(0, hash) }
  let query = ''
  const q = rest.indexOf('?')
  if (q >= 0) { query = rest.slice(q + 1); rest = rest.slice(0, q) }
  return { scheme, netloc, path: rest, query, fragment }
}

function unquote(s: string): string {
  try { return decodeURIComponent(s) } catch { return s.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))) }
}

const BAD_PERCENT = /%[^0-9A-Fa-f]{2}|%[^0-9A-Fa-f][0-9A-Fa-f]|%[0-9A-Fa-f][^0-9A-Fa-f]|%$|%[0-9A-Fa-f]$|%[^0-9A-Fa-f]$/
const URL_CHARS = /^[A-Za-z0-9;/?:@&=+$,\-_.!~*'()%]+$/
const FRAGMENT_CHARS = /^[|A-Za-z0-9;/?:@&=+$,\-_.!~*'()%]+$/

interface UrlOptions extends MessageOption { allowedSchemes?: Array<string | null>; prependScheme?: string | null; allowedTlds?: string[] }

export class IsGenericUrl extends BaseValidator {
  protected readonly message: string
  protected readonly allowedSchemes: Array<string | null>
  protected readonly prependScheme: string | null
  constructor(opts: UrlOptions = {}) {
    super()
    this.message = messageOf(opts, 'Enter a valid URL')
    this.allowedSchemes = opts.allowedSchemes ?? ALL_URL_SCHEMES
    this.prependScheme = opts.prependScheme === undefined ? null : opts.prependScheme
    if (!this.allowedSchemes.includes(this.prependScheme)) {
      throw new QK_VALIDATORS_BAD_ARGUMENT('IS_GENERIC_URL', `prependScheme '${this.prependScheme}' is not in allowedSchemes`)
    }
  }
  protected check(value: unknown): unknown {
    return this.generic(value)
  }
  /** The generic syntax rules alone (IS_HTTP_URL runs them first, then its own). */
  protected generic(value: unknown): unknown {
    if (typeof value !== 'string' || !value || BAD_PERCENT.test(value)) this.fail(this.message)
    const pieces = value.split('#')
    if (pieces.length > 2) this.fail(this.message)
    const [url, fragment = ''] = pieces
    if (!URL_CHARS.test(url) || (fragment && !FRAGMENT_CHARS.test(fragment))) this.fail(this.message)
    const parts = urlparse(unquote(value))
    const scheme = parts.scheme || null
    if (!this.allowedSchemes.includes(scheme) || (!scheme && parts.path.includes(':'))) {
      // an abbreviated URL with a port ('host:80') parses as a scheme: retry with one
      if (!value.includes('://') && this.allowedSchemes.includes(null)) {
        const withScheme = this.generic(`${this.prependScheme ?? 'http'}://${value}`)
        return this.prependScheme ? withScheme : value
      }
      this.fail(this.message)
    }
    return value
  }
}

const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/
const TLD = /^[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]$/
const USERINFO = /^[\w.!~*'|;:&=+$,-]+$/

/** Is `authority` ([user@]host[:port]) an IPv4 address or a host name whose TLD is known? */
function validAuthority(authority: string, tlds: Set<string> | null): boolean {
  let host = authority
  const at = host.lastIndexOf('@')
  if (at >= 0) {
    if (!USERINFO.test(host.slice(0, at))) return false
    host = host.slice(at + 1)
  }
  host = host.replace(/(:\d*)+$/, '')
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return true
  host = host.replace(/\.$/, '')
  const labels = host.split('.')
  const tld = labels.pop()!
  if (!TLD.test(tld) || !labels.every((l) => LABEL.test(l))) return false
  const t = tld.toLowerCase()
  return tlds ? tlds.has(t) : GENERIC_TLDS.has(t) || /^[a-z]{2}$/.test(t)
}

export class IsHttpUrl extends IsGenericUrl {
  private readonly tlds: Set<string> | null
  constructor(opts: UrlOptions = {}) {
    super({ ...opts, allowedSchemes: opts.allowedSchemes ?? HTTP_SCHEMES, prependScheme: opts.prependScheme === undefined ? 'http' : opts.prependScheme })
    for (const s of this.allowedSchemes) {
      if (!HTTP_SCHEMES.includes(s)) throw new QK_VALIDATORS_BAD_ARGUMENT('IS_HTTP_URL', `allowed scheme '${s}' is not one of http, https, null`)
    }
    this.tlds = opts.allowedTlds ? new Set(opts.allowedTlds.map((t) => t.toLowerCase())) : null
  }
  protected check(value: unknown): unknown {
    try {
      this.generic(value)
    } catch (e) {
      if (e instanceof ValidationError) this.fail(this.message)
      throw e
    }
    const v = value as string
    const parts = urlparse(v)
    if (parts.netloc) {
      if (validAuthority(parts.netloc, this.tlds)) return v
      this.fail(this.message)
    }
    if (!parts.path.startsWith('/') && !v.includes('://') && this.allowedSchemes.includes(null)) {
      const withScheme = this.check(`${this.prependScheme ?? 'http'}://${v}`)
      return this.prependScheme ? withScheme : v
    }
    return v
  }
}

/** Non-ASCII URLs: host to punycode, other non-ASCII characters percent-encoded as UTF-8. */
function asciiUrl(url: string): string {
  if (/^[\x00-\x7f]*$/.test(url)) return url
  let parts = urlparse(url)
  let prepended = false
  if (!parts.netloc) { parts = urlparse('http://' + url); prepended = true }
  if (!parts.netloc) throw new Error('no authority')
  const host = parts.netloc.split('@')
  const hostPort = host.pop()!
  const [h, ...port] = hostPort.split(':')
  const ascii = domainToASCII(h)
  if (!ascii) throw new Error('bad host')
  const netloc = [...host, [ascii, ...port].join(':')].join('@')
  const enc = (s: string) => s.replace(/[^\x00-\x7f]+/g, (m) => encodeURIComponent(m))
  let out = (prepended ? '' : parts.scheme + '://') + netloc + enc(parts.path)
  if (parts.query) out += '?' + enc(parts.query)
  if (parts.fragment) out += '#' + parts.fragment
  return out
}

export class IsUrl extends BaseValidator {
  private readonly sub: IsGenericUrl
  private readonly message: string
  constructor(opts: UrlOptions & { mode?: 'http' | 'generic' } = {}) {
    super()
    const mode = (opts.mode ?? 'http').toLowerCase()
    const prependScheme = opts.prependScheme === undefined ? 'http' : opts.prependScheme
    if (opts.allowedSchemes && !opts.allowedSchemes.includes(prependScheme)) {
      throw new QK_VALIDATORS_BAD_ARGUMENT('IS_URL', `prependScheme '${prependScheme}' is not in allowedSchemes`)
    }
    this.message = messageOf(opts, 'Enter a valid URL')
    const sub = { ...opts, prependScheme }
    if (mode === 'generic') this.sub = new IsGenericUrl(sub)
    else if (mode === 'http') this.sub = new IsHttpUrl(sub)
    else throw new QK_VALIDATORS_BAD_ARGUMENT('IS_URL', `invalid mode '${mode}' (use 'http' or 'generic')`)
  }
  protected check(value: unknown) {
    let v = value
    if (typeof v === 'string') {
      try { v = asciiUrl(v) } catch { this.fail(this.message) }
    }
    const [out, err] = this.sub.validate(v) as [unknown, string | null]
    if (err !== null) this.failRaw(err)
    return out
  }
}

export const IS_GENERIC_URL = factory(IsGenericUrl)
export const IS_HTTP_URL = factory(IsHttpUrl)
export const IS_URL = factory(IsUrl)
