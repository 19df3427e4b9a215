/**
 * Access control decorators. An action wrapped by requires… checks, on each
 * call, who is asking: the session's user, or for API calls a basic-auth
 * login or a bearer token. Refusals: an HTML page request is redirected to
 * the login form with `_next` (not logged in) or answered 403; a .json (or
 * any non-HTML) request or one carrying an Authorization header gets 401 or
 * 403 with a JSON body.
 */
import { current } from '../current'
import { HTTP, redirect } from '../http'
import { URL } from '../html'
import { Auth, requireRequest } from './auth'
import { EVENTS } from './throttle'
import { parseBasic, parseBearer, signJwt, verifyJwt } from './tokens'
import { QK_AUTH_BAD_OPTION, QK_AUTH_BAD_TOKEN } from './errors'
import { isQuarkError } from '../errors'
import type { Table } from '../dal'

type Action = (...args: any[]) => unknown
type Condition = boolean | (() => boolean | Promise<boolean>)

declare module './auth' {
  interface Auth {
    requiresLogin<F extends Action>(fn: F): F
    requiresMembership<F extends Action>(group: number | string, fn: F): F
    requiresPermission<F extends Action>(name: string, ...rest: [...(string | Table | number)[], F]): F
    requiresSignature<F extends Action>(fn: F): F
    requires<F extends Action>(condition: Condition, fn: F, options?: { requiresLogin?: boolean }): F
    /** log in this request from the session, a basic-auth header or a bearer token; true when someone is logged in */
    authenticate(): Promise<boolean>
    /** a signed token for the logged-in user (or the given user id) */
    issueToken(userId?: number): Promise<string>
    /** URL() signed with this login's key, for actions wrapped by requiresSignature */
    signedURL(...args: unknown[]): string
    loginUrl(next?: string): string
    /** an API action: POST { email | username, password } (JSON or form) → { token }, throttled like the login form */
    tokenAction(): Promise<{ token: string }>
  }
}

function isApiRequest(): boolean {
  const r = current.request as { extension?: string; headers?: Record<string, string | undefined> } | undefined
  if (!r) return true
  if (r.headers?.authorization) return true
  return r.extension !== 'html' && r.extension !== 'load'
}

Auth.prototype.loginUrl = function (next?: string) {
  const [c, f] = this.settings.formAction
  return URL(c, f, { args: ['login'], vars: next ? { _next: next } : undefined })
}

Auth.prototype.authenticate = async function () {
  if (this.isLoggedIn()) return true
  const req = current.request as { headers?: Record<string, string | undefined> } | undefined
  const header = req?.headers?.authorization
  if (!header) return false
  const basic = this.settings.allowBasicLogin ? parseBasic(header) : null
  if (basic) {
    const r = await this.checkLogin(basic[0], basic[1])
    if (r.user) { this.setRequestUser(r.user); return true }
    return false
  }
  const token = parseBearer(header)
  if (token && this.settings.jwtSecret) {
    let sub: unknown
    try { sub = verifyJwt(token, this.settings.jwtSecret).sub } catch (e) { if (isQuarkError(e)) return false; throw e }
    const row = typeof sub === 'number' ? await this.tableUser.get(sub) : null
    if (row && !row.registration_key) { this.setRequestUser(row); return true }
  }
  return false
}

function refuse(auth: Auth, loggedIn: boolean): never {
  const req = requireRequest('requires')
  const T = current.T
  if (isApiRequest()) {
    if (!loggedIn) {
      const challenge = auth.settings.allowBasicLogin ? `Basic realm="${req.application}"` : 'Bearer'
      throw HTTP(401, { error: String(T('Not logged in')) }, { 'WWW-Authenticate': challenge })
    }
    throw HTTP(403, { error: String(T(auth.messages.notAuthorized)) })
  }
  if (!loggedIn) redirect(auth.loginUrl(req.url))
  throw HTTP(403, `<!DOCTYPE html><title>403</title><h1>${String(T(auth.messages.notAuthorized))}</h1>`, { 'Content-Type': 'text/html; charset=utf-8' })
}

function guard<F extends Action>(auth: Auth, fn: F, check: (() => Promise<boolean>) | null, needLogin = true): F {
  if (typeof fn !== 'function') throw new QK_AUTH_BAD_OPTION('action', 'requires… decorators wrap a function')
  const wrapped = async function (this: unknown, ...args: unknown[]) {
    const loggedIn = await auth.authenticate()
    if (needLogin && !loggedIn) refuse(auth, false)
    if (check && !(await check())) refuse(auth, loggedIn)
    return fn.apply(this, args)
  }
  return wrapped as unknown as F
}

Auth.prototype.requiresLogin = function (fn) { return guard(this, fn, null) }

Auth.prototype.requiresMembership = function (group, fn) {
  return guard(this, fn, () => this.hasMembership(group))
}

Auth.prototype.requiresPermission = function (name, ...rest) {
  const fn = rest.pop() as Action
  const [table, recordId] = rest as unknown as [string | Table | undefined, number | undefined]
  if (recordId !== undefined && !Number.isInteger(recordId)) throw new QK_AUTH_BAD_OPTION('recordId', 'requiresPermission(name, table?, recordId?, fn): recordId must be an integer')
  return guard(this, fn as never, () => this.hasPermission(name, table ?? '', recordId ?? 0)) as never
}

Auth.prototype.requiresSignature = function (fn) {
  return guard(this, fn, async () => {
    const key = this.hmacKey
    return !!key && URL.verify(current.request, { hmacKey: key })
  })
}

Auth.prototype.requires = function (condition, fn, options = {}) {
  const check = async () => (typeof condition === 'function' ? !!(await condition()) : !!condition)
  return guard(this, fn, check, options.requiresLogin ?? true)
}

Auth.prototype.signedURL = function (...args: unknown[]) {
  const key = this.hmacKey
  if (!key) throw new QK_AUTH_BAD_OPTION('signedURL', 'only a logged-in session can sign URLs')
  const last = args[args.length - 1]
  const opts = last && typeof last === 'object' && !Array.isArray(last) ? (args.pop() as object) : {}
  return (URL as (...a: unknown[]) => string)(...args, { ...opts, hmacKey: key })
}

Auth.prototype.issueToken = async function (userId?: number) {
  const id = userId ?? this.userId
  if (id === null || id === undefined) throw new QK_AUTH_BAD_TOKEN('nobody is logged in')
  const token = signJwt({ sub: id }, this.settings.jwtSecret, this.settings.jwtExpiration)
  await this.logEvent(EVENTS.tokenIssued, id)
  return token
}

Auth.prototype.tokenAction = async function () {
  const req = requireRequest('tokenAction')
  if (req.method !== 'POST') throw HTTP(405, { error: 'POST the credentials' }, { Allow: 'POST' })
  const body: Record<string, unknown> = req.postVars ?? {}  // a JSON object body lands here too
  const login = String(body[this.settings.username ? 'username' : 'email'] ?? '')
  const r = await this.checkLogin(login, String(body.password ?? ''))
  if (!r.user) throw HTTP(401, { error: String(current.T(r.error === 'locked' ? this.messages.locked : this.messages.invalidLogin)) })
  return { token: await this.issueToken(r.user.id) }
}
