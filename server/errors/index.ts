/**
 * The error catalogue: every error Quark raises on purpose has a named code,
 * an HTTP status and a documented meaning (as Fastify does). Each room
 * declares its own codes with `defineError` in its own `errors.ts`; this file
 * only holds the mechanism and the shared list.
 *
 *   export const QK_DISPATCH_BAD_NAME = defineError('QK_DISPATCH_BAD_NAME', 400, 'Invalid name in URL: %s')
 *   throw new QK_DISPATCH_BAD_NAME('con-troller')
 *
 * `catalogue()` lists every registered code (the README's table is made from it).
 */

export class QuarkError extends Error {
  readonly code: string
  readonly status: number
  constructor(code: string, status: number, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.status = status
    this.name = 'QuarkError'
  }
}

export interface ErrorClass {
  new (...args: unknown[]): QuarkError
  readonly code: string
  readonly status: number
  readonly template: string
}

export interface CatalogueEntry { code: string; status: number; template: string; description: string }

const registry = new Map<string, CatalogueEntry>()

function format(template: string, args: unknown[]): string {
  let i = 0
  return template.replace(/%s/g, () => (i < args.length ? String(args[i++]) : '%s'))
}

/**
 * Declare an error code. `template` may contain `%s` placeholders filled by
 * the constructor's arguments; a trailing argument `{ cause }` is passed on.
 */
export function defineError(code: string, status: number, template: string, description = ''): ErrorClass {
  if (registry.has(code)) throw new Error(`error code ${code} defined twice`)
  registry.set(code, { code, status, template, description })
  const cls = class extends QuarkError {
    static readonly code = code
    static readonly status = status
    static readonly template = template
    constructor(...args: unknown[]) {
      const last = args[args.length - 1]
      const options = last && typeof last === 'object' && 'cause' in (last as object) ? (args.pop() as { cause?: unknown }) : undefined
      super(code, status, format(template, args), options)
    }
  }
  Object.defineProperty(cls, 'name', { value: code })
  return cls as unknown as ErrorClass
}

export function catalogue(): CatalogueEntry[] {
  return [...registry.values()].sort((a, b) => a.code.localeCompare(b.code))
}

export function isQuarkError(e: unknown): e is QuarkError {
  return e instanceof QuarkError
}

export const QK_PACKAGE_LOAD = defineError('QK_PACKAGE_LOAD', 500, 'Cannot load the package %s (needed for %s): %s', 'A package Quark loads on first use (ioredis, openid-client, @simplewebauthn/server, qrcode, ldapts, ...) is missing or failed to load.')

/**
 * A package loaded on first use instead of at start-up: an app that never uses
 * passkeys, OIDC, LDAP or Redis does not carry their code (tens of MB of RSS).
 * `load` must call `require('<name>')` with the literal name, so the binary's
 * bundler still sees and bundles it. The module is kept once loaded (no cost
 * per call after the first); a failure is thrown as QK_PACKAGE_LOAD each time,
 * never cached or hidden.
 */
export function lazyPackage<T>(name: string, usedFor: string, load: () => T): () => T {
  let loaded: { module: T } | undefined
  return () => {
    if (loaded) return loaded.module
    try {
      loaded = { module: load() }
    } catch (e) {
      throw new QK_PACKAGE_LOAD(name, usedFor, e instanceof Error ? e.message : String(e), { cause: e })
    }
    return loaded.module
  }
}
