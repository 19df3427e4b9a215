/**
 * Who may reach the admin: a client on this machine, or anyone over HTTPS
 * (the password then travels encrypted). Decided from the socket's address,
 * never from headers a client can forge (X-Forwarded-For), except those of a
 * proxy the operator named with --trust-proxy (request.client / isHttps).
 */
import { isLocalAddress } from '../http'

/** The one "is this local" test, shared with request.isLocal (http's isLocalAddress). */
export function isLoopback(address: string | undefined): boolean {
  return isLocalAddress(address)
}

export function adminAllowed(remoteAddress: string | undefined, isHttps: boolean): boolean {
  return isHttps || isLoopback(remoteAddress)
}
