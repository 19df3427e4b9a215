/**
 * `auth.form()`: the pages of /<app>/default/user/<action>, dispatched on
 * request.args(0). Each answers a form (GET or a refused POST) or does its
 * work and redirects, with a flash, to `_next` when that is a path on this
 * site, never to another host.
 */
import { randomBytes } from 'node:crypto'
import { current } from '../current'
import { HTTP, redirect } from '../http'
import { URL, DIV, H2, A, P } from '../html'
import { IS_EMAIL, IS_NOT_EMPTY, IS_NOT_IN_DB, IS_LENGTH } from '../validators'
import { Auth, requireRequest } from './auth'
import { processAuthForm, type AuthField } from './authform'
import { EVENTS } from './throttle'
import { verifyPassword } from './password'
import { METHOD_PAGES, firstFactor, loginExtras, profileLinks, secondFactorStep } from './methods'

declare module './auth' {
  interface Auth {
    /** the page of request.args(0): login, logout, register, profile, change_password, ... */
    form(action?: string): Promise<unknown>
    /** a path on this site to go to next: `next` when it is one, else `fallback` */
    safeNext(next: unknown, fallback: string): string
  }
}

export const AUTH_ACTIONS = ['login', 'logout', 'register', 'profile', 'change_password', 'request_reset_password', 'reset_password', 'verify_email', 'retrieve_username', 'not_authorized'] as const

const TITLES: Record<string, string> = {
  login: 'Log In', logout: 'Log Out', register: 'Sign Up', profile: 'Profile', change_password: 'Change password', request_reset_password: 'Lost password',
  reset_password: 'Reset password', retrieve_username: 'Retrieve username',
}

/** Same-site paths only: '/x/y?z' yes; '//evil', '/\\evil', 'https://evil', 'javascript:' no. */
Auth.prototype.safeNext = function (next, fallback) {
  if (typeof next !== 'string' || !next) return fallback
  if (!next.startsWith('/') || next.startsWith('//') || next.includes('\\') || /[\r\n\t\u0000]/.test(next)) return fallback
  try {
    const u = new globalThis.URL(next, 'http://same.invalid')
    if (u.host !== 'same.invalid') return fallback
  } catch { return fallback }
  return next
}

/** A default next page written as /app/controller/function: as the site's routes write it (URL()). */
function routedPath(u: string): string {
  const m = /^\/(\w+)\/(\w+)\/(\w+)$/.exec(u)
  return m ? URL(m[1]!, m[2]!, m[3]!) : u
}

/** a reset key is `<expiry ms>-<random hex>`: well formed and not expired */
function validResetKey(key: string): boolean {
  return /^\d+-[0-9a-f]{48}$/.test(key) && Number(key.split('-')[0]) > Date.now()
}

function flash(text: string): void {
  (current.session as Record<string, unknown>).flash = String(current.T(text))
}

function page(auth: Auth, action: string, body: unknown, links: unknown[] = []): unknown {
  return DIV(H2(String(current.T(TITLES[action] ?? action))), body as never, links.length ? P(...(links as never[]), { _class: 'mt-3 quark-auth-links' }) : '', { _class: `quark-auth quark-auth-${action}` })
}

function userLink(auth: Auth, action: string, label: string, vars?: Record<string, unknown>): unknown {
  const [c, f] = auth.settings.formAction
  return A(String(current.T(label)), { _href: URL(c, f, { args: [action], vars }), _class: 'me-3' })
}

function absoluteUserUrl(auth: Auth, action: string, o: { args?: string[]; vars?: Record<string, string> }): string {
  const [c, f] = auth.settings.formAction
  return URL(c, f, { args: [action, ...(o.args ?? [])], vars: o.vars, scheme: true, host: true })
}

const OWN_FIELDS = new Set(['id', 'first_name', 'last_name', 'email', 'username', 'password', 'registration_key', 'reset_password_key', 'registration_id',
  'is_active', 'created_on', 'created_by', 'modified_on', 'modified_by'])

/** Writable fields added to auth_user (extraFields): shown in register and profile. */
function extraUserFields(auth: Auth, row?: Record<string, unknown>): AuthField[] {
  return auth.tableUser._fieldList
    .filter((f: { name: string; writable: boolean; readable: boolean }) => !OWN_FIELDS.has(f.name) && f.writable && f.readable)
    .map((f: { name: string; label: string; type: string; requires: unknown; default: unknown }): AuthField => ({
      name: f.name, label: f.label, type: f.type === 'boolean' ? 'checkbox' : 'text',
      requires: f.requires ? ([] as never[]).concat(f.requires as never) : [],
      value: row ? row[f.name] : typeof f.default === 'function' ? undefined : f.default,
    }))
}

function passwordFields(auth: Auth, name: string, label: string): AuthField[] {
  return [
    { name, label, type: 'password', autocomplete: 'new-password', requires: [IS_LENGTH(1024, auth.settings.passwordMinLength, `Minimum length is ${auth.settings.passwordMinLength}`)] },
    { name: `${name}2`, label: 'Verify password', type: 'password', autocomplete: 'new-password' },
  ]
}

Auth.prototype.form = async function (action?: string) {
  const request = requireRequest('form')
  const a = action ?? request.args[0] ?? 'login'
  // the pages of enabled login methods (two_factor, totp, oidc, passkey, ...): auth/methods/
  const extra = METHOD_PAGES[a]
  if (extra && this.loginMethod(extra[0]) && !this.settings.actionsDisabled.includes(a)) return extra[1](this)
  if (!(AUTH_ACTIONS as readonly string[]).includes(a) || this.settings.actionsDisabled.includes(a)) throw HTTP(404, 'Not Found')
  if (a === 'retrieve_username' && !this.settings.username) throw HTTP(404, 'Not Found')
  const next = (fallback: string) => this.safeNext(request.vars._next, routedPath(fallback))
  const m = this.messages
  const T = current.T
  switch (a) {
    case 'login': {
      if (this.isLoggedIn() && request.method !== 'POST') redirect(next(this.settings.loginNext))
      const loginField: AuthField = this.settings.username
        ? { name: 'username', label: 'Username', autocomplete: 'username', requires: [IS_NOT_EMPTY()] }
        : { name: 'email', label: 'Email', type: 'email', autocomplete: 'username', requires: [IS_NOT_EMPTY()] }
      const fields: AuthField[] = [loginField, { name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', requires: [IS_NOT_EMPTY()] }]
      if (this.settings.rememberMe) fields.push({ name: 'remember_me', label: 'Remember me (for 30 days)', type: 'checkbox' })
      const f = await processAuthForm('login', fields, 'Log In')
      if (f.accepted) {
        const r = await firstFactor(this, String(f.vars[loginField.name]), String(f.vars.password))
        if (r.user) {
          // a second factor when the user has one: the session holds only the pending login
          const step = await secondFactorStep(this, r.user, !!f.vars.remember_me, next(this.settings.loginNext))
          if (step.url) redirect(step.url)
          await this.loginUser(r.user, !!f.vars.remember_me)
          flash(step.mustEnrol ? 'Two-factor authentication is required for your account: set it up now' : m.loggedIn)
          redirect(step.mustEnrol ? URL(...this.settings.formAction, { args: ['totp'] }) : next(this.settings.loginNext))
        }
        f.errors._form = String(T(r.error === 'locked' ? m.locked : r.error === 'pending' ? m.mustVerify : r.error === 'disabled' ? m.disabled : m.invalidLogin))
      }
      const links = [userLink(this, 'request_reset_password', 'Lost password?')]
      if (!this.settings.actionsDisabled.includes('register')) links.unshift(userLink(this, 'register', 'Sign Up'))
      return page(this, a, DIV(f.render(), ...((await loginExtras(this)) as never[])), links)
    }
    case 'logout': {
      // only a POST carrying the session's logout key logs out: a link or an image on another
      // site (a cross-site GET or a forged POST) gets the confirmation form instead
      if (!this.isLoggedIn()) redirect(next(this.settings.logoutNext))
      const given = request.method === 'POST' ? request.postVars._formkey : undefined
      if (typeof given === 'string' && this.checkLogoutKey(given)) {
        await this.logoutUser()
        flash(m.loggedOut)
        redirect(next(this.settings.logoutNext))
      }
      const why = request.method === 'POST' ? DIV(String(T('Session expired or invalid form key: please submit the form again')), { _class: 'alert alert-danger' }) : ''
      return page(this, a, DIV(why, P(String(T('Log out of this site?'))), this.logoutForm({ _class: 'btn btn-primary' })))
    }
    // falls through (redirect never returns)
    case 'register': {
      if (this.isLoggedIn()) redirect(next(this.settings.registerNext))
      const t = this.tableUser
      const fields: AuthField[] = [
        { name: 'first_name', label: 'First name', requires: [IS_NOT_EMPTY()], autocomplete: 'given-name' },
        { name: 'last_name', label: 'Last name', requires: [IS_NOT_EMPTY()], autocomplete: 'family-name' },
        { name: 'email', label: 'Email', type: 'email', autocomplete: 'email', requires: [IS_EMAIL(), IS_NOT_IN_DB(this.db as never, t.email)] },
      ]
      if (this.settings.username) fields.push({ name: 'username', label: 'Username', requires: ([] as never[]).concat(t.username.requires ?? []) })
      const extra = extraUserFields(this)
      fields.push(...extra, ...passwordFields(this, 'password', 'Password'))
      const f = await processAuthForm('register', fields, 'Sign Up')
      if (f.accepted && f.vars.password !== f.vars.password2) f.errors.password2 = String(T(m.mismatch))
      if (f.accepted && !f.errors.password2 && this.settings.captcha) {
        const err = await this.settings.captcha(request)
        if (err) f.errors._form = String(T(err))
      }
      if (f.accepted && Object.keys(f.errors).length === 0) {
        const verify = this.settings.registrationRequiresVerification
        const key = verify ? randomBytes(24).toString('hex') : this.settings.registrationRequiresApproval ? 'pending' : ''
        const values: Record<string, unknown> = { first_name: f.vars.first_name, last_name: f.vars.last_name, email: f.vars.email, password: String(f.vars.password), registration_key: key }
        if (this.settings.username) values.username = f.vars.username
        for (const x of extra) values[x.name] = f.vars[x.name]
        const id = await this.registerUser(values)
        await this.logEvent(EVENTS.registered, id)
        if (verify) {
          const link = absoluteUserUrl(this, 'verify_email', { args: [key] })
          const sent = await this.mailer.send({ to: String(f.vars.email), subject: String(T('Email verification')), message: String(T('Welcome %s! Click on the link %s to verify your email', [String(f.vars.first_name), link])) })
          flash(sent ? m.verifyEmail : m.mailFailed)
          redirect(this.loginUrl())
        }
        if (key === 'pending') { flash(m.registrationPending); redirect(this.loginUrl()) }
        if (this.settings.loginAfterRegistration) await this.loginUser((await t.get(id))!)
        flash(m.registered)
        redirect(next(this.settings.registerNext))
      }
      return page(this, a, f.render(), [userLink(this, 'login', 'Log In')])
    }
    case 'verify_email': {
      const key = String(request.args[1] ?? '')
      const t = this.tableUser
      const row = /^[0-9a-f]{48}$/.test(key) ? await t.get({ registration_key: key }) : null
      if (!row) { flash(m.invalidKey); redirect(this.loginUrl()) }
      await this.db(t.id.eq(row!.id)).update({ registration_key: this.settings.registrationRequiresApproval ? 'pending' : '' })
      await this.logEvent(EVENTS.verified, row!.id)
      flash(this.settings.registrationRequiresApproval ? m.registrationPending : m.emailVerified)
      redirect(this.loginUrl())
    }
    // falls through
    case 'profile': {
      if (!(await this.authenticate())) redirect(this.loginUrl(request.url))
      const t = this.tableUser
      const row = (await t.get(this.userId!))!
      const fields: AuthField[] = [
        { name: 'first_name', label: 'First name', requires: [IS_NOT_EMPTY()], value: row.first_name },
        { name: 'last_name', label: 'Last name', requires: [IS_NOT_EMPTY()], value: row.last_name },
        { name: 'email', label: 'Email', type: 'email', requires: [IS_EMAIL(), IS_NOT_IN_DB(this.db as never, t.email)], value: row.email },
        ...extraUserFields(this, row),
      ]
      const f = await processAuthForm('profile', fields, 'Save profile', { recordId: row.id })
      if (f.accepted) {
        const values: Record<string, unknown> = { ...f.vars, email: String(f.vars.email).toLowerCase() }
        await this.db(t.id.eq(row.id)).update(values)
        await this.refreshUser()
        await this.logEvent(EVENTS.profile, row.id)
        flash(m.profileUpdated)
        redirect(next(this.settings.profileNext))
      }
      return page(this, a, f.render(), [userLink(this, 'change_password', 'Change password'), ...profileLinks(this).map(([x, label]) => userLink(this, x, label))])
    }
    case 'change_password': {
      if (!(await this.authenticate())) redirect(this.loginUrl(request.url))
      const fields: AuthField[] = [
        { name: 'old_password', label: 'Old password', type: 'password', autocomplete: 'current-password', requires: [IS_NOT_EMPTY()] },
        ...passwordFields(this, 'new_password', 'New password'),
      ]
      const f = await processAuthForm('change_password', fields, 'Change password')
      if (f.accepted) {
        const t = this.tableUser
        const row = (await t.get(this.userId!))!
        if (!(await verifyPassword(String(f.vars.old_password), row.password))) f.errors.old_password = String(T(m.invalidPassword))
        else if (f.vars.new_password !== f.vars.new_password2) f.errors.new_password2 = String(T(m.mismatch))
        else {
          await this.db(t.id.eq(row.id)).update({ password: await this.hashPassword(String(f.vars.new_password)) })
          await this.logEvent(EVENTS.passwordChanged, row.id)
          flash(m.passwordChanged)
          redirect(next(this.settings.profileNext))
        }
      }
      return page(this, a, f.render())
    }
    case 'request_reset_password': {
      const f = await processAuthForm('request_reset_password', [{ name: 'email', label: 'Email', type: 'email', requires: [IS_EMAIL()] }], 'Request reset password')
      if (f.accepted) {
        const t = this.tableUser
        const row = await t.get({ email: String(f.vars.email).toLowerCase() })
        // the same answer whether or not the address is known: no account enumeration
        if (row && !['pending', 'disabled', 'blocked'].includes(String(row.registration_key))) {
          const key = `${Date.now() + this.settings.resetPasswordExpiration * 1000}-${randomBytes(24).toString('hex')}`
          await this.db(t.id.eq(row.id)).update({ reset_password_key: key })
          const link = absoluteUserUrl(this, 'reset_password', { vars: { key } })
          await this.mailer.send({ to: String(row.email), subject: String(T('Password reset')), message: String(T('Click on the link %s to reset your password', [link])) })
          await this.logEvent(EVENTS.resetRequested, row.id)
        }
        flash(m.resetSent)
        redirect(this.loginUrl())
      }
      return page(this, a, f.render())
    }
    case 'reset_password': {
      const session = current.session as Record<string, unknown>
      const t = this.tableUser
      const given = request.vars.key
      if (typeof given === 'string') {
        // Keep the key out of the page, and spend the mailed one at once: the
        // record gets a fresh key known only to this session, so the mailed key
        // (which request logs may have recorded) is useless from now on.
        const found = validResetKey(given) ? await t.get({ reset_password_key: given }) : null
        if (!found) { flash(m.invalidResetKey); redirect(URL(...this.settings.formAction, { args: ['request_reset_password'] })) }
        const fresh = `${given.split('-')[0]}-${randomBytes(24).toString('hex')}`
        await this.db(t.id.eq(found!.id)).update({ reset_password_key: fresh })
        session._reset_password_key = fresh
        redirect(URL(...this.settings.formAction, { args: ['reset_password'] }))
      }
      const key = typeof session._reset_password_key === 'string' ? session._reset_password_key : ''
      const row = validResetKey(key) ? await t.get({ reset_password_key: key }) : null
      if (!row) { delete session._reset_password_key; flash(m.invalidResetKey); redirect(URL(...this.settings.formAction, { args: ['request_reset_password'] })) }
      const f = await processAuthForm('reset_password', passwordFields(this, 'new_password', 'New password'), 'Reset password')
      if (f.accepted && f.vars.new_password !== f.vars.new_password2) f.errors.new_password2 = String(T(m.mismatch))
      else if (f.accepted) {
        // the mailed link proves the address too, so a pending verification ends here (as in web2py)
        const reg = String(row!.registration_key ?? '')
        await this.db(t.id.eq(row!.id)).update({ password: await this.hashPassword(String(f.vars.new_password)), reset_password_key: '', registration_key: reg === 'pending' || reg === 'disabled' || reg === 'blocked' ? reg : '' })
        delete session._reset_password_key
        await this.logEvent(EVENTS.passwordReset, row!.id)
        flash(m.passwordChanged)
        redirect(this.loginUrl())
      }
      return page(this, a, f.render())
    }
    case 'retrieve_username': {
      const f = await processAuthForm('retrieve_username', [{ name: 'email', label: 'Email', type: 'email', requires: [IS_EMAIL()] }], 'Send username')
      if (f.accepted) {
        const row = await this.tableUser.get({ email: String(f.vars.email).toLowerCase() })
        if (row) await this.mailer.send({ to: String(row.email), subject: String(T('Username retrieve')), message: String(T('Your username is: %s', [String(row.username)])) })
        flash(m.usernameSent)
        redirect(this.loginUrl())
      }
      return page(this, a, f.render())
    }
    default: // not_authorized
      throw HTTP(403, `<!DOCTYPE html><title>403</title><h1>${String(T(m.notAuthorized))}</h1>`, { 'Content-Type': 'text/html; charset=utf-8' })
  }
}
