/**
 * Who may reach the admin: a client on this machine, or anyone over HTTPS
 * (the password then travels encrypted). Decided from the socket's address,
 * never from headers a client can forge (X-Forwarded-For).
 */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false
  const a = address.startsWith('::ffff:') ? address.slice(7) : address
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a)
}

export function adminAllowed(remoteAddress: string | undefined, isHttps: boolean): boolean {
  return isHttps || isLoopback(remoteAddress)
}
