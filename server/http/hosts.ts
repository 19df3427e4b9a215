/**
 * The Host names this server answers to (--allowed-hosts). Any other Host
 * gets 400 before dispatch: a page, a redirect or a mailed link is never
 * built from a name an attacker chose, and a DNS-rebinding page in a
 * browser cannot reach /admin under its own name.
 *
 * Default: the localhost names, the listening addresses (every interface's
 * when listening on 0.0.0.0 or ::), this machine's host name and the
 * certificate's names. `*` allows every name; `.example.com` allows
 * example.com and its subdomains.
 */
import os from 'node:os'
import crypto from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { forwardedOf } from './proxy'

export interface AllowedHosts {
  /** `*`: every Host is allowed */
  any: boolean
  names: ReadonlySet<string>
  /** from `.example.com` entries: '.example.com' */
  suffixes: readonly string[]
  /** names allowed by the site's own configuration as it is now (the router's domains): asked last */
  also?: (name: string) => boolean
}

export const LOCAL_NAMES = ['localhost', '127.0.0.1', '::1']

export function allowedHosts(list: readonly string[], also?: (name: string) => boolean): AllowedHosts {
  const names = new Set<string>()
  const suffixes: string[] = []
  let any = false
  for (const raw of list) {
    const n = raw.trim().toLowerCase().replace(/\.$/, '')
    if (!n) continue
    if (n === '*') any = true
    else if (n.startsWith('*.')) suffixes.push(n.slice(1))
    else if (n.startsWith('.')) { suffixes.push(n); names.add(n.slice(1)) } else names.add(n.startsWith('[') && n.endsWith(']') ? n.slice(1, -1) : n)
  }
  return { any, names, suffixes, also }
}

/** The default list: localhost names, the listening address(es), the host name, the certificate's names. */
export function defaultAllowedHosts(ip: string, certPem?: string): string[] {
  const out = [...LOCAL_NAMES, '.localhost']
  if (ip === '0.0.0.0' || ip === '::' || ip === '') {
    for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) out.push(a.address.replace(/%.*$/, ''))
    out.push(os.hostname())
  } else out.push(ip)
  if (certPem) out.push(...certificateNames(certPem))
  return out
}

/** DNS names and IP addresses of a certificate's subjectAltName (and its CN). */
export function certificateNames(pem: string): string[] {
  try {
    const x = new crypto.X509Certificate(pem)
    const out: string[] = []
    for (const part of (x.subjectAltName ?? '').split(',')) {
      const m = /^\s*(DNS|IP Address):(.+)$/.exec(part)
      if (m) out.push(m[2]!.trim())
    }
    const cn = /(?:^|\n)CN=([^\n]+)/.exec(x.subject)?.[1]
    if (cn) out.push(cn.trim())
    return out
  } catch { return [] }
}

/** host[:port] → the lower-case name without port or brackets */
export function hostName(host: string): string {
  let h = host.trim().toLowerCase()
  if (h.startsWith('[')) { const e = h.indexOf(']'); return e > 0 ? h.slice(1, e) : h }
  const c = h.indexOf(':')
  if (c !== -1 && c === h.lastIndexOf(':')) h = h.slice(0, c)
  return h.endsWith('.') ? h.slice(0, -1) : h
}

export function hostAllowed(a: AllowedHosts, host: string): boolean {
  return hostListed(a, host) || (a.also !== undefined && a.also(hostName(host)))
}

/** Allowed by the list itself (not by `also`, which may change while the server runs). */
export function hostListed(a: AllowedHosts, host: string): boolean {
  if (a.any) return true
  const name = hostName(host)
  if (a.names.has(name)) return true
  for (const s of a.suffixes) if (name.endsWith(s)) return true
  return false
}

/**
 * The Host this request names (a trusted proxy's X-Forwarded-Host / Forwarded host first),
 * undefined when it names none (HTTP/1.0): no name to misuse, the request goes on.
 */
export function requestedHost(req: IncomingMessage): string | undefined {
  return forwardedOf(req)?.host ?? req.headers.host
}
