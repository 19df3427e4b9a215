/**
 * `HTTP(status, body?, headers?)`: thrown by actions (and by the framework) to
 * answer with a given status. Callable with or without `new`, as web2py's
 * `raise HTTP(...)` reads naturally either way. `redirect(url)` throws a 303.
 */
export class HTTPError extends Error {
  readonly status: number
  readonly body: unknown
  readonly headers: Record<string, string>
  constructor(status: number, body: unknown = '', headers: Record<string, string> = {}) {
    super(`HTTP ${status}`)
    this.name = 'HTTP'
    this.status = status
    this.body = body
    this.headers = headers
  }
}

export interface HTTPConstructor {
  new (status: number, body?: unknown, headers?: Record<string, string>): HTTPError
  (status: number, body?: unknown, headers?: Record<string, string>): HTTPError
  prototype: HTTPError
}

export const HTTP = function HTTP(status: number, body?: unknown, headers?: Record<string, string>): HTTPError {
  if (!Number.isInteger(status) || status < 100 || status > 599) throw new TypeError(`HTTP(): invalid status ${String(status)}`)
  return new HTTPError(status, body, headers)
} as unknown as HTTPConstructor
HTTP.prototype = HTTPError.prototype

export function isHTTP(e: unknown): e is HTTPError {
  return e instanceof HTTPError
}

/** Throw a redirect (303 by default). Never returns. */
export function redirect(url: string | { toString(): string }, status = 303): never {
  // A URL built from request input may carry CR/LF (header injection) or other control characters,
  // which node refuses in a header (a 500): percent-encode them, as web2py does, and redirect.
  const location = String(url).replace(/[\u0000-\u001f\u007f]/g, encodeURIComponent)
  throw new HTTPError(status, '', { Location: location })
}
