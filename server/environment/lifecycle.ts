/**
 * THE request lifecycle, in order:
 *
 *   dispatch → (static file | framework asset | action)
 *   action: body → session load → runInContext(state):
 *     models → controller → action (awaited) → view
 *     → commit every state.transactionals → session save → send
 *   thrown HTTP / redirect: commit, save the session, send that response
 *     (web2py commits on redirect too)
 *   a QuarkError with a 4xx status (no such function, a room's bad input): roll back, answer it, no ticket
 *   any other error: roll back, store a ticket, send a 500 page with only the ticket id
 *   always: release the transactionals, remove upload temp files.
 */
import fs from 'node:fs'
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http'
import { lookup as mimeLookup } from 'mime-types'
import { performance } from 'node:perf_hooks'
import { newState, runInContext, type CurrentState } from '../current'
import { isQuarkError } from '../errors'
import {
  buildRequest, QuarkResponse, sendResponse, errorPage, readBody, hasBody, removeUploads, serveStatic, serveAsset, isHTTP,
  QK_HTTP_ABORTED, type BodyLimits, type QuarkRequest, type HTTPError,
} from '../http'
import { SiteRoutes, type AppRegistry, type Target, type RoutedTarget } from '../dispatch'
import { loadSession, saveSession, releaseSession, cookieName, maybeCleanup, type Session, type SaveResult } from '../session'
import { saveTicket } from '../tickets'
import { appRuntime, type AppRuntime } from './app'
import { getStaticNames, PER_REQUEST_NAMES } from './names'
import { deriveShape, setScopeShape } from './scope'
import { renderResult, renderView, type Body } from './views'
import { loadInline } from './loadInline'
import { withLiveReload } from '../realtime'
import { sitePathPrefix } from '../html'

export interface CoreOptions {
  registry: AppRegistry
  limits: BodyLimits
  isHttps: boolean
  quiet: boolean
  /** seconds a session lives after its last write */
  sessionMaxAge: number
  /** /_quark/<name> → file */
  assets: Record<string, string>
  /** where request and error lines go (default stdout / stderr) */
  log?: (line: string) => void
  logError?: (line: string) => void
  /** the site's routes (routes.ts / routes.json), made once per server on the first request */
  siteRoutes?: SiteRoutes
}

const STATUS_TEXT: Record<number, string | undefined> = STATUS_CODES

// Query values that are secrets (mailed reset/verify keys, signatures, tokens, passwords) never reach the log.
const SECRET_VARS = /([?&](?:key|_signature|signature|token|access_token|password|passwd|pwd|secret)=)[^&#]*/gi

/** The URL as logged: secret query values replaced by `***`. */
export function maskSecrets(url: string): string {
  return url.includes('=') ? url.replace(SECRET_VARS, '$1***') : url
}

export function createHandler(o: CoreOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const log = o.log ?? ((l: string) => { process.stdout.write(l + '\n') })
  // the routes are read at start: a broken routes file is reported before the first request
  ;(o.siteRoutes ??= new SiteRoutes(o.registry)).current()
  return (req, res) => {
    if (!o.quiet) {
      const t0 = performance.now()
      res.once('finish', () => log(`${req.method} ${maskSecrets(req.url ?? '')} ${res.statusCode} ${(performance.now() - t0).toFixed(1)}ms`))
    }
    // handle() answers synchronously when nothing is pending and only returns a promise otherwise:
    // each async layer costs a promise (and AsyncLocalStorage's hook on it) per request
    let pending: Promise<void> | void
    try { pending = handle(req, res, o) } catch (e) { unhandled(o, res, e); return }
    if (pending !== undefined) pending.catch((e) => unhandled(o, res, e))
  }
}

function unhandled(o: CoreOptions, res: ServerResponse, e: unknown): void {
  (o.logError ?? defaultLogError)(`quark: unhandled ${(e as Error)?.stack ?? String(e)}`)
  if (!res.headersSent) plainPage(res, 500, 'Internal Server Error')
  else res.destroy()
}

function defaultLogError(line: string): void { process.stderr.write(line + '\n') }

function handle(req: IncomingMessage, res: ServerResponse, o: CoreOptions): Promise<void> | void {
  const url = req.url ?? '/'
  if (url.charCodeAt(0) !== 47) return plainPage(res, 400, 'Bad Request')
  const q = url.indexOf('?')
  const pathname = q === -1 ? url : url.slice(0, q)
  let target: RoutedTarget
  const routes = o.siteRoutes ??= new SiteRoutes(o.registry)
  try {
    target = routes.route(pathname, q === -1 ? '' : url.slice(q + 1), req)
  } catch (e) {
    if (isQuarkError(e)) {
      if (e.status < 500 && routedError(o, res, undefined, e.status, url)) return
      return plainPage(res, e.status, STATUS_TEXT[e.status] ?? 'Error', e.message)
    }
    throw e
  }
  if (target.kind === 'asset') return serveAsset(req, res, o.assets, target.name)
  const folder = o.registry.get(target.application)
  if (!folder) {
    if (routedError(o, res, undefined, 404, url)) return
    return plainPage(res, 404, 'Not Found', `Invalid application: ${target.application}`)
  }
  if (target.kind === 'static') { serveStatic(req, res, `${folder}/static`, target.path); return }
  return runAction(req, res, o, target, folder, target.query ?? (q === -1 ? '' : url.slice(q + 1)))
}

/** routes_onerror for an error answered outside an action's run; false when no route applies */
function routedError(o: CoreOptions, res: ServerResponse, app: string | undefined, status: number, uri: string, ticket?: string): boolean {
  const r = o.siteRoutes?.errorRoute(app, status, uri, ticket)
  if (r === undefined) return false
  const response = new QuarkResponse(false)
  const body = errorRouteBody(o, response, app, status, uri, ticket, r)
  if (body === undefined) return false
  res.statusCode = response.status
  for (const k of Object.keys(response.headers)) res.setHeader(k, response.headers[k]!)
  if (ticket) res.setHeader('X-Quark-Ticket', ticket)
  res.end(body ?? '')
  return true
}

/** routes_onerror applied to an answer: a static page with the original status, or a redirect to an action */
function errorRouteBody(o: CoreOptions, response: QuarkResponse, app: string | undefined, status: number, uri: string, ticket: string | undefined,
  r = o.siteRoutes?.errorRoute(app, status, uri, ticket)): Buffer | string | undefined {
  if (r === undefined) return undefined
  if (r.kind === 'redirect') {
    response.status = 303
    response.headers.Location = r.location
    return ''
  }
  let page: Buffer
  try { page = fs.readFileSync(r.file) } catch { return undefined }
  response.status = status
  response.headers['Content-Type'] = (mimeLookup(r.file) || 'text/html') + (/\.html?$/.test(r.file) ? '; charset=utf-8' : '')
  return page
}

function runAction(req: IncomingMessage, res: ServerResponse, o: CoreOptions, target: Target & { kind: 'action' }, folder: string, query: string): Promise<void> | void {
  const request = buildRequest(req, target, query, o.isHttps)
  const response = new QuarkResponse(request.isLocal)
  if (hasBody(req)) return readThenRun(req, res, o, target, folder, request, response)
  return runWithSession(req, res, o, target, folder, request, response)
}

async function readThenRun(req: IncomingMessage, res: ServerResponse, o: CoreOptions, target: Target & { kind: 'action' }, folder: string, request: QuarkRequest, response: QuarkResponse): Promise<void> {
  try { await readBody(req, request, o.limits) } catch (e) {
    if (e instanceof QK_HTTP_ABORTED) { res.destroy(); return }
    if (isQuarkError(e)) {
      // the server's own failure (a full disk: QK_HTTP_DISK_FULL) is logged; a client's bad body is not
      if (e.status >= 500) (o.logError ?? defaultLogError)(`quark: ${req.method} ${maskSecrets(req.url ?? '')}: ${e.message}`)
      res.setHeader('Connection', 'close')
      return plainPage(res, e.status, STATUS_TEXT[e.status] ?? 'Error', e.message)
    }
    throw e
  }
  return runWithSession(req, res, o, target, folder, request, response)
}

function runWithSession(req: IncomingMessage, res: ServerResponse, o: CoreOptions, target: Target & { kind: 'action' }, folder: string, request: QuarkRequest, response: QuarkResponse): Promise<void> | void {
  const loaded = loadSession(folder, request.cookies[cookieName(target.application)])
  if (loaded instanceof Promise) return loaded.then((session) => runInState(req, res, o, target, folder, request, response, session), (e) => sessionUnavailable(o, res, e))
  return runInState(req, res, o, target, folder, request, response, loaded)
}

/** A session store that is down or a session lock never freed: 503 and a log line, nothing run, nothing written. */
function sessionUnavailable(o: CoreOptions, res: ServerResponse, e: unknown): void {
  if (!isQuarkError(e)) throw e
  ;(o.logError ?? defaultLogError)(`quark: session: ${e.code}: ${e.message}`)
  plainPage(res, e.status, STATUS_TEXT[e.status] ?? 'Error')
}

function runInState(req: IncomingMessage, res: ServerResponse, o: CoreOptions, target: Target & { kind: 'action' }, folder: string, request: QuarkRequest, response: QuarkResponse, session: Session): Promise<void> | void {
  const rt = appRuntime(target.application, folder)
  // web2py's flash across a redirect: what one request put in session.flash, the next shows
  if (session.flash !== undefined) {
    response.flash = session.flash
    delete session.flash
  }
  const state = newState(folder, target.application)
  state.request = request
  state.response = response
  state.session = session
  state.T = rt.T(req.headers['accept-language']) as CurrentState['T']
  state.cache = rt.cache()
  // the site's routes write the links (URL()), and a language prefix sets T's language
  if (o.siteRoutes?.isRouted()) {
    state.urlRouter = o.siteRoutes
    const lang = (target as RoutedTarget).language
    if (lang !== undefined) {
      state.uriLanguage = lang
      ;(request as QuarkRequest & { uriLanguage?: string }).uriLanguage = lang
      // inside the request's state: T.force keeps the language there, not on the T shared by requests
      const T = state.T as unknown as { force?: (l: string) => void }
      if (T.force) runInContext(state, () => T.force!(lang))
    }
  }
  const run = new ActionRun(res, o, state, rt, request, response, session)
  const done = runInContext(state, run.start)
  if (request.files.length === 0) return done
  return Promise.resolve(done).finally(() => removeUploads(request))
}

/**
 * One action's run, from the models to the answer sent. Every step returns at once when nothing is
 * pending and a promise only when something is (an async action, a view, a commit, a session write):
 * an async function costs a promise, and AsyncLocalStorage's hooks on it, on every request.
 * Any error of any step goes to `fail`, which sorts it as the comment at the top of this file says.
 */
class ActionRun {
  env: Record<string, unknown> | undefined = undefined

  constructor(
    readonly res: ServerResponse, readonly o: CoreOptions, readonly state: CurrentState, readonly rt: AppRuntime,
    readonly request: QuarkRequest, readonly response: QuarkResponse, readonly session: Session,
  ) {}

  /** models → controller → action (an arrow: runInContext calls it without `this`) */
  readonly start = (): Promise<void> | void => {
    const { request, rt } = this
    let result: unknown
    try {
      const env = this.env = buildEnvironment(this.state)
      this.response.attachRenderer(this)
      // LOAD(..., { ajax: false }) in this request's views renders the component inline (html/extras.ts)
      ;(this.state as unknown as Record<string, unknown>)['html.loadInline'] = this.inline
      rt.runModels(env, request.controller, request.function)
      result = rt.action(env, request.controller, request.function)()
    } catch (e) { return this.fail(e) }
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      // through Promise.resolve: a thenable that is not a promise is followed as `await` would
      return Promise.resolve(result).then((r) => this.render(r), (e) => this.fail(e))
    }
    return this.render(result)
  }

  readonly inline = (url: string): string | undefined => loadInline(this, url)

  /** used by response.render(...) */
  renderView(ctx: Record<string, unknown>, view?: string): Promise<string> {
    // (a generic .pdf body is a Buffer: response.render hands it on as the body it is)
    try { return Promise.resolve(renderView(ctx, this.env!, this.rt, this.request, this.response, view) as string | Promise<string>) } catch (e) { return Promise.reject(e) }
  }

  /** the action's result → a body (a view renders it when it is an object) */
  private render(result: unknown): Promise<void> | void {
    let body: Body | Promise<Body>
    try { body = renderResult(result, this.env!, this.rt, this.request, this.response) } catch (e) { return this.fail(e) }
    if (body instanceof Promise) return body.then((b) => this.commit(b), (e) => this.fail(e))
    return this.commit(body)
  }

  /** commit what the request opened, save the session, then send */
  private commit(body: Body): Promise<void> | void {
    if (this.state.transactionals.size) return this.commitThenSend(body)
    let saved: Promise<void> | undefined
    try { saved = finishSession(this.o, this.state, this.session, this.response) } catch (e) { return this.fail(e) }
    if (saved) return saved.then(() => this.send(body), (e) => this.fail(e))
    return this.send(body)
  }

  private async commitThenSend(body: Body): Promise<void> {
    try {
      await commitAll(this.state)
      const saved = finishSession(this.o, this.state, this.session, this.response)
      if (saved) await saved
    } catch (e) { return this.fail(e) }
    return this.send(body)
  }

  /** release what the request opened, then the answer (ajax headers) over the socket */
  private send(body: Body): Promise<void> | void {
    if (this.state.transactionals.size) return releaseAll(this.state).then(() => this.write(body))
    this.write(body)
  }

  private write(body: Body): void {
    if (this.request.ajax) body = ajaxAnswer(this.request, this.response, body)
    // live reload (development, local client, when the app asks for it): a page gets its small script
    else if (typeof body === 'string' && this.request.extension === 'html' && this.response.status === 200) body = withLiveReload(body, this.state.application, this.state.appFolder, this.request.isLocal, () => runInContext(this.state, sitePathPrefix))
    sendResponse(this.res, this.response, body)
  }

  /**
   * A deliberate answer (HTTP, redirect) keeps the work done so far, as web2py does; a client error
   * raised by a room (no such function, bad callback, ...) keeps nothing and has no ticket; any other
   * error, here or while answering those two, is a ticket.
   */
  private async fail(e: unknown): Promise<void> {
    const { state } = this
    let body: Body
    try {
      if (isHTTP(e)) await commitAll(state)
      else if (isQuarkError(e) && e.status < 500) await rollbackAll(state)
      else throw e
      const saved = finishSession(this.o, state, this.session, this.response)
      if (saved) await saved
      body = httpAnswer(e, this.response)
      if (this.response.status >= 400) body = errorRouteBody(this.o, this.response, state.application, this.response.status, this.request.url, undefined) ?? body
    } catch (err) { return this.ticket(err) }
    return this.send(body)
  }

  /** roll back, store a ticket, answer a 500 page with only the ticket id */
  private async ticket(e: unknown): Promise<void> {
    const { state, request, res, o } = this
    await rollbackAll(state)
    releaseSession(this.session)
    const id = saveTicket({ app: state.application, appFolder: state.appFolder, error: e, clientIp: request.client, method: request.method, url: request.url, vars: request.vars as Record<string, unknown> })
    ;(o.logError ?? defaultLogError)(`quark: error in ${request.method} ${request.path}: ${(e as Error)?.message ?? String(e)} [ticket ${state.application}/${id}]`)
    await releaseAll(state)
    // a database or Redis that is away is a 503 (the proxy or client may retry), still with a ticket;
    // a full disk (an upload or the session could not be written) a 507 that says so
    const away = isQuarkError(e) && e.status === 503
    const full = isQuarkError(e) && e.status === 507
    const page = away
      ? errorPage(503, 'Service unavailable', `Please try again in a moment. Ticket issued: ${state.application}/${id}`)
      : full
        ? errorPage(507, 'Insufficient storage', `The server has no space left to save this; nothing was half-written. Ticket issued: ${state.application}/${id}`)
        // a developer on this machine gets a link to the ticket in the admin; anyone else only its id
        : errorPage(500, 'Internal error', `Ticket issued: ${state.application}/${id}`,
          request.isLocal ? { href: `${runInContext(state, sitePathPrefix)}/admin/errors/ticket/${encodeURIComponent(state.application)}/${encodeURIComponent(id)}`, text: 'Open the ticket in the admin' } : undefined)
    if (res.headersSent) { res.destroy(); return }
    if (routedError(o, res, state.application, away ? 503 : full ? 507 : 500, request.url, `${state.application}/${id}`)) return
    res.statusCode = away ? 503 : full ? 507 : 500
    if (away) res.setHeader('Retry-After', '5')
    res.setHeader('Content-Type', 'text/html; charset=utf-8')
    res.setHeader('Content-Length', Buffer.byteLength(page))
    res.setHeader('X-Quark-Ticket', `${state.application}/${id}`)
    res.end(page)
  }
}

/**
 * Ajax requests (quark.js components, htmx, XMLHttpRequest): the flash goes in a
 * `quark-component-flash` header (URI-encoded; quark.js shows it), and a redirect
 * answered to a component becomes a `quark-redirect` header (`HX-Redirect` for htmx)
 * on a 200, because fetch would follow a 303 itself and put the next page inside
 * the component.
 */
function ajaxAnswer(request: QuarkRequest, response: QuarkResponse, body: Body): Body {
  const flash = response.flash
  if (flash !== '' && flash !== undefined && flash !== null && flash !== false) {
    response.headers['quark-component-flash'] = encodeURIComponent(String(flash))
  }
  const headers = request.headers
  const component = headers['quark-component'] !== undefined
  const htmx = headers['hx-request'] === 'true'
  if (!(component || htmx) || response.status < 300 || response.status >= 400) return body
  const key = Object.keys(response.headers).find((k) => k.toLowerCase() === 'location')
  const location = key === undefined ? undefined : response.headers[key]
  if (key !== undefined && location !== undefined) {
    delete response.headers[key]
    if (component) response.headers['quark-redirect'] = location
    if (htmx) response.headers['HX-Redirect'] = location
    response.status = 200
    return null
  }
  return body
}

/** The environment of one request: the static names below, the per-request names on top. */
export function buildEnvironment(state: CurrentState): Record<string, unknown> {
  const statics = getStaticNames()
  const env = Object.create(statics) as Record<string, unknown>
  env.request = state.request
  env.response = state.response
  env.session = state.session
  env.cache = state.cache
  env.T = state.T
  // the names above, declared once so scripts find their bound names by shape (scope.ts)
  setScopeShape(env, envShape ??= deriveShape(statics, PER_REQUEST_NAMES.join(',')))
  return env
}

let envShape: number | undefined

function httpAnswer(e: unknown, response: QuarkResponse): Body {
  if (isHTTP(e)) {
    const h = e as HTTPError
    response.status = h.status
    for (const k of Object.keys(h.headers)) response.headers[k] = h.headers[k]!
    const b = h.body
    if (b === '' || b === undefined || b === null) {
      if (h.status >= 400) { response.headers['Content-Type'] = 'text/html; charset=utf-8'; return errorPage(h.status, STATUS_TEXT[h.status] ?? 'Error') }
      return null
    }
    if (typeof b === 'string' || Buffer.isBuffer(b)) return b
    if (typeof (b as { xml?: unknown }).xml === 'function') return String((b as { xml(): string }).xml())
    response.headers['Content-Type'] ??= 'application/json; charset=utf-8'
    return JSON.stringify(b)
  }
  const q = e as { status: number; message: string }
  response.status = q.status
  response.headers['Content-Type'] = 'text/html; charset=utf-8'
  return errorPage(q.status, STATUS_TEXT[q.status] ?? 'Error', q.message)
}

/** Save the session; a promise only when something is written. */
function finishSession(o: CoreOptions, state: CurrentState, session: Session, response: QuarkResponse): Promise<void> | undefined {
  const saved = saveSession(state.appFolder, session)
  if (saved instanceof Promise) return saved.then((r) => setSessionCookie(o, state, r, response))
  setSessionCookie(o, state, saved, response)
  return undefined
}

function setSessionCookie(o: CoreOptions, state: CurrentState, r: SaveResult, response: QuarkResponse): void {
  if (r.setCookie) {
    response.cookies[cookieName(state.application)] = {
      value: r.setCookie,
      // Secure follows the request: HTTPS here, or HTTPS at a trusted proxy (--trust-proxy)
      options: { path: '/', httpOnly: true, sameSite: 'Lax', secure: state.request.isHttps, maxAge: o.sessionMaxAge },
    }
    maybeCleanup(state.appFolder, o.sessionMaxAge)
  }
}

export async function commitAll(state: CurrentState): Promise<void> {
  for (const t of state.transactionals) await t.commit()
}

export async function rollbackAll(state: CurrentState): Promise<void> {
  for (const t of state.transactionals) {
    try { await t.rollback() } catch { /* keep rolling back the others */ }
  }
}

export async function releaseAll(state: CurrentState): Promise<void> {
  for (const t of state.transactionals) {
    try { await t.release() } catch { /* a failed release must not hide the answer */ }
  }
  state.transactionals.clear()
}

function plainPage(res: ServerResponse, status: number, title: string, detail = ''): void {
  const page = errorPage(status, title, detail)
  res.statusCode = status
  res.setHeader('Content-Type', 'text/html; charset=utf-8')
  res.setHeader('Content-Length', Buffer.byteLength(page))
  res.end(page)
}
