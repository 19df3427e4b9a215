/** Shared by the peer servers: the certificate files named by BENCH_TLS_CERT / BENCH_TLS_KEY, if any. */
import fs from 'node:fs'

export function benchPort(): number {
  const port = Number(process.env.BENCH_PORT)
  if (!Number.isInteger(port) || port <= 0) throw new Error('BENCH_PORT must be set to a port number')
  return port
}

export function benchTls(): { cert: Buffer; key: Buffer } | undefined {
  const cert = process.env.BENCH_TLS_CERT
  const key = process.env.BENCH_TLS_KEY
  if (!cert || !key) return undefined
  return { cert: fs.readFileSync(cert), key: fs.readFileSync(key) }
}
