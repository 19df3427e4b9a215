/**
 * Behind a reverse proxy (--trust-proxy): what the proxy says about the
 * client (X-Forwarded-For/Proto/Host, or RFC 7239 `Forwarded`) is believed
 * only when the connection itself comes from a trusted peer. From anyone
 * else those headers change nothing: a client cannot claim to be local, to
 * have come over HTTPS, or to have asked for another host.
 *
 * The matcher is set on each request by the listening server (listen()),
 * so two servers in one process may trust different peers; a server that
 * trusts no one sets nothing and request building pays one property miss.
 */
import net from 'node:net'
import type { IncomingMessage } from 'node:http'
import { QK_HTTP_BAD_TRUST_PROXY } from './errors'

/** the request's trusted-peer matcher (set by listen() when --trust-proxy is given) */
export const TRUST_PROXY = Symbol.for('quark.trustProxy')
const VIEW = Symbol.for('quark.forwardedView')

export type AddressMatcher = (ip: string) => boolean

/** What a trusted proxy said; each field undefined when it did not say it. */
export interface ForwardedView { client: string; proto: 'http' | 'https' | undefined; host: string | undefined }

type WithProxy = IncomingMessage & { [TRUST_PROXY]?: AddressMatcher; [VIEW]?: ForwardedView | null }

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms: the one test of "this machine" (request.isLocal, the admin). */
export function isLocalAddress(ip: string | undefined): boolean {
  if (!ip) return false
  if (ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1') return true
  const a = ip.startsWith('::ffff:') ? ip.slice(7) : ip
  return a.startsWith('127.') && net.isIPv4(a)
}

/**
 * The peers to trust, from `--trust-proxy`: addresses, CIDRs (10.0.0.0/8, fd00::/8),
 * `loopback` (127.0.0.0/8 and ::1) or `*` (any peer: only when nothing else can reach the port).
 */
export function parseTrustProxy(spec: string | readonly string[]): AddressMatcher {
  const items = (typeof spec === 'string' ? spec.split(',') : spec).map((s) => s.trim()).filter(Boolean)
  if (!items.length) throw new QK_HTTP_BAD_TRUST_PROXY(String(spec), 'empty list')
  if (items.includes('*')) return () => true
  const list = new net.BlockList()
  for (const item of items) {
    if (item === 'loopback' || item === 'localhost') {
      list.addSubnet('127.0.0.0', 8, 'ipv4')
      list.addAddress('::1', 'ipv6')
      continue
    }
    const [addr, bits, extra] = item.split('/')
    const family = net.isIPv4(addr!) ? 'ipv4' : net.isIPv6(addr!) ? 'ipv6' : undefined
    if (!family || extra !== undefined) throw new QK_HTTP_BAD_TRUST_PROXY(item, 'not an IP address or CIDR')
    if (bits === undefined) { list.addAddress(addr!, family); continue }
    const n = Number(bits)
    if (!/^\d+$/.test(bits) || n > (family === 'ipv4' ? 32 : 128)) throw new QK_HTTP_BAD_TRUST_PROXY(item, 'bad prefix length')
    list.addSubnet(addr!, n, family)
  }
  return (ip) => {
    const family = net.isIPv4(ip) ? 'ipv4' : net.isIPv6(ip) ? 'ipv6' : undefined
    return family !== undefined && list.check(ip, family)
  }
}

/**
 * What the proxy chain says about this request, or undefined when the peer is not
 * trusted (or the server trusts no one, or the proxy sent nothing). Computed once per request.
 */
export function forwardedOf(req: IncomingMessage): ForwardedView | undefined {
  const r = req as WithProxy
  const trusted = r[TRUST_PROXY]
  if (trusted === undefined) return undefined
  let v = r[VIEW]
  if (v === undefined) r[VIEW] = v = computeView(req, trusted)
  return v ?? undefined
}

function computeView(req: IncomingMessage, trusted: AddressMatcher): ForwardedView | null {
  const peer = req.socket.remoteAddress ?? ''
  if (!trusted(peer)) return null
  const h = req.headers
  const forwarded = h.forwarded
  if (typeof forwarded === 'string' && forwarded) {
    const hops = parseForwarded(forwarded)
    if (!hops.length) return null
    // Walk from the nearest hop outwards: the client is the first address no trusted proxy vouches for.
    let i = hops.length - 1
    while (i > 0 && trusted(hops[i]!.for)) i--
    const hop = hops[i]!
    return { client: hop.for || peer, proto: protoOf(hop.proto), host: hop.host || undefined }
  }
  const xff = h['x-forwarded-for']
  const proto = protoOf(firstValue(h['x-forwarded-proto']))
  const host = firstValue(h['x-forwarded-host']) || undefined
  if (xff === undefined && proto === undefined && host === undefined) return null
  let client = peer
  if (xff !== undefined) {
    const chain = (Array.isArray(xff) ? xff.join(',') : xff).split(',').map((s) => stripPort(s.trim())).filter(Boolean)
    let i = chain.length - 1
    while (i > 0 && trusted(chain[i]!)) i--
    if (i >= 0) client = chain[i]!
  }
  return { client, proto, host }
}

function firstValue(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v
  if (s === undefined) return undefined
  const c = s.indexOf(',')
  return (c === -1 ? s : s.slice(0, c)).trim()
}

function protoOf(p: string | undefined): 'http' | 'https' | undefined {
  const l = p?.toLowerCase()
  return l === 'https' || l === 'wss' ? 'https' : l === 'http' || l === 'ws' ? 'http' : undefined
}

/** "1.2.3.4:5678" → 1.2.3.4, "[2001:db8::1]:80" → 2001:db8::1; other forms as they are. */
function stripPort(s: string): string {
  if (s.startsWith('[')) { const e = s.indexOf(']'); return e > 0 ? s.slice(1, e) : s }
  const c = s.indexOf(':')
  return c !== -1 && c === s.lastIndexOf(':') ? s.slice(0, c) : s
}

interface Hop { for: string; proto?: string; host?: string }

/** RFC 7239: `for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8:cafe::17]:4711"`, one hop per element. */
export function parseForwarded(header: string): Hop[] {
  const hops: Hop[] = []
  for (const element of splitOutsideQuotes(header, ',')) {
    const hop: Hop = { for: '' }
    for (const pair of splitOutsideQuotes(element, ';')) {
      const eq = pair.indexOf('=')
      if (eq <= 0) continue
      const key = pair.slice(0, eq).trim().toLowerCase()
      let value = pair.slice(eq + 1).trim()
      if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1).replace(/\\(.)/g, '$1')
      if (key === 'for') hop.for = stripPort(value)
      else if (key === 'proto') hop.proto = value
      else if (key === 'host') hop.host = value
    }
    hops.push(hop)
  }
  return hops
}

function splitOutsideQuotes(s: string, sep: string): string[] {
  const out: string[] = []
  let cur = ''
  let quoted = false
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!
    if (ch === '"' && s[i - 1] !== '\\') quoted = !quoted
    if (ch === sep && !quoted) { out.push(cur); cur = '' } else cur += ch
  }
  out.push(cur)
  return out.map((x) => x.trim()).filter(Boolean)
}
