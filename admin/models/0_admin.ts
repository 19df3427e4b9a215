/**
 * Runs first on every admin request: refuse clients that are neither local
 * nor on HTTPS, load the admin's own session (its cookie is HttpOnly,
 * SameSite=Strict, Secure under HTTPS, Path=<path_prefix>/admin), send anyone not logged
 * in to the login page, and give controllers and views the helpers below.
 */
import { adminlib } from '../modules/adminlib'

export const admin = adminlib

if (!admin.adminAllowed(request.client, request.isHttps)) {
  throw HTTP(403, admin.disabledPage(), { 'Content-Type': 'text/html; charset=utf-8' })
}

// The admin is never framed (clickjacking) and its pages are not cached; Monaco's files may be.
response.headers['X-Frame-Options'] = 'DENY'
response.headers['Content-Security-Policy'] = "frame-ancestors 'none'"
response.headers['X-Content-Type-Options'] = 'nosniff'
response.headers['Referrer-Policy'] = 'same-origin'
if (request.controller !== 'monaco') response.headers['Cache-Control'] = 'no-store'

/** Where the admin lives: /admin, or <path_prefix>/admin when the site's routes put it under a prefix. */
export const adminBase = admin.sitePathPrefix() + '/admin'

function setCookie(id: string): void {
  response.setCookie(admin.ADMIN_COOKIE, id, { path: adminBase, httpOnly: true, sameSite: 'Strict', secure: request.isHttps })
}

let found = admin.adminState.sessions.get(request.cookies[admin.ADMIN_COOKIE])
if (!found) { found = admin.adminState.sessions.create(); setCookie(found.id) }

/** What the admin pages share during this request. */
export const ide = {
  session: found,
  /** the CSRF token forms and fetch calls send back */
  get csrf(): string { return this.session.csrf },
  applications: admin.applicationsFolder(),
  /** the flash message of the previous request, shown once */
  flash: request.extension === 'html' ? found.flash ?? '' : '',
  /** after login: a fresh session id, so one planted before login is worthless */
  login(): void {
    this.session.loggedIn = true
    this.session = admin.adminState.sessions.renew(this.session)
    setCookie(this.session.id)
  },
  logout(): void {
    admin.adminState.sessions.destroy(this.session.id)
    response.setCookie(admin.ADMIN_COOKIE, '', { path: adminBase, httpOnly: true, sameSite: 'Strict', secure: request.isHttps, maxAge: 0 })
  },
  say(message: string): void { this.session.flash = message },
}
// Only a page shows (and so uses up) the flash; Monaco's files and JSON calls leave it.
if (request.extension === 'html' && request.controller !== 'monaco') found.flash = undefined

/** Throws 403 unless this is a POST carrying the session's CSRF token (form field _csrf or header X-CSRF-Token). */
export function changing(): void {
  const token = request.postVars._csrf ?? request.headers['x-csrf-token']
  if (request.method !== 'POST' || !admin.csrfValid(ide.session, token)) {
    throw HTTP(403, admin.errorBody(request, 403, 'Missing or invalid CSRF token: reload the page and try again.'))
  }
}

/** The folder of the app named by the first arg (or a var), checked to be in applications/. */
export function appOf(name: unknown = request.args(0) ?? request.vars.app): { name: string; folder: string } {
  try {
    const folder = admin.appFolderOf(ide.applications, name)
    return { name: String(name), folder }
  } catch (e) {
    const err = e as { status?: number; message?: string }
    throw HTTP(err.status ?? 400, admin.errorBody(request, err.status ?? 400, err.message ?? 'bad app'))
  }
}

/** Run a library call and turn its QuarkError into an HTTP answer with the same status. */
export function attempt<R>(fn: () => R): R {
  try { return fn() } catch (e) {
    const err = e as { status?: number; message?: string; code?: string }
    if (typeof err.code === 'string' && err.code.startsWith('QK_')) throw HTTP(err.status ?? 400, admin.errorBody(request, err.status ?? 400, err.message ?? ''))
    throw e
  }
}

/** An /admin URL: adminUrl('design', 'index', ['shop'], { file: 'x' }) */
export function adminUrl(controller: string, fn = 'index', args: string[] = [], vars: Record<string, string | number | undefined> = {}): string {
  const a = args.map((x) => '/' + encodeURIComponent(x)).join('')
  const q = Object.entries(vars).filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&')
  return `${adminBase}/${controller}/${fn}${a}${q ? '?' + q : ''}`
}

/** An app's home page as the admin links it (under the site's path_prefix), and its actions below it. */
export function appHome(name: string, ...parts: string[]): string {
  return admin.sitePathPrefix() + '/' + name + '/' + parts.join('/')
}

const PUBLIC = new Set(['default/login'])
if (!ide.session.loggedIn && !PUBLIC.has(`${request.controller}/${request.function}`)) {
  if (request.extension !== 'html' || request.ajax || request.controller === 'monaco') throw HTTP(401, admin.errorBody(request, 401, 'Log in to the admin first.'))
  redirect(adminUrl('default', 'login', [], { _next: request.url }))
}
