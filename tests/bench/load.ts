/**
 * The one load generator of the suite: autocannon's programmatic API (wrk is
 * not installed on the machines). It runs in the runner's own process, which
 * does nothing else while a measurement runs.
 */
import autocannon from 'autocannon'

export interface LoadOptions { port: number; path: string; secure: boolean; seconds: number; connections: number }

export interface LoadResult {
  /** completed requests per second (mean over the run) */
  rps: number
  p50: number
  p99: number
  /** responses with a status outside 2xx/3xx */
  non2xx: number
  /** connection errors and timeouts */
  errors: number
  total: number
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  if (!(o.seconds > 0)) throw new Error(`load duration must be positive, got ${o.seconds}`)
  if (!Number.isInteger(o.connections) || o.connections < 1) throw new Error(`connections must be a positive integer, got ${o.connections}`)
  const url = `${o.secure ? 'https' : 'http'}://127.0.0.1:${o.port}${o.path}`
  // autocannon accepts self-signed certificates (rejectUnauthorized: false) by itself.
  const r = await autocannon({ url, connections: o.connections, duration: o.seconds, pipelining: 1, timeout: 10 })
  return {
    rps: r.requests.total / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    total: r.requests.total,
  }
}
