/**
 * Load balancer probes, answered before the Host check and before dispatch:
 *
 *   /_quark/health   200 "ok" while the process serves (liveness)
 *   /_quark/ready    200 "ready" when every app's databases answer, 503 "not ready" otherwise,
 *                    and 503 "draining" once the server stops (a rolling reload, SIGTERM)
 *
 * Neither names an app or says what failed: the reasons go to the server's log.
 * The readiness check is given by the server's owner and its result kept for
 * READY_CACHE_MS, so a probe every 100 ms costs one check a second.
 */
import type { ServerResponse } from 'node:http'

export const HEALTH_PATH = '/_quark/health'
export const READY_PATH = '/_quark/ready'
export const READY_CACHE_MS = 1000

/** true when every database is reachable; the reasons it is not go to the log, not to the caller */
export type ReadyCheck = () => Promise<boolean>

function answer(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': text.length, 'Cache-Control': 'no-store' })
  res.end(text)
}

export interface Probes {
  /** true when it answered (the url was one of the probes) */
  serve(url: string, method: string | undefined, res: ServerResponse): boolean
  draining: boolean
}

export function probes(check: ReadyCheck | undefined): Probes {
  let last: { at: number; ok: boolean } | undefined
  let running: Promise<boolean> | undefined
  const ready = (): Promise<boolean> => {
    if (!check) return Promise.resolve(true)
    const now = Date.now()
    if (last && now - last.at < READY_CACHE_MS) return Promise.resolve(last.ok)
    running ??= check().catch(() => false).then((ok) => { last = { at: Date.now(), ok }; running = undefined; return ok })
    return running
  }
  const p: Probes = {
    draining: false,
    serve(url, method, res) {
      if (url === HEALTH_PATH) { answer(res, method === 'GET' || method === 'HEAD' ? 200 : 405, method === 'GET' || method === 'HEAD' ? 'ok' : 'method not allowed'); return true }
      if (url !== READY_PATH) return false
      if (method !== 'GET' && method !== 'HEAD') { answer(res, 405, 'method not allowed'); return true }
      if (p.draining) { answer(res, 503, 'draining'); return true }
      ready().then((ok) => answer(res, ok ? 200 : 503, ok ? 'ready' : 'not ready'), () => answer(res, 503, 'not ready'))
      return true
    },
  }
  return p
}
