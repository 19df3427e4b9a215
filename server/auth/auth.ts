/**
 * `new Auth(db, options)`: web2py's Auth. One is made per request by a model
 * (`export const auth = new Auth(db); auth.defineTables()`), so everything
 * per-request lives in the session or in `current`, never in module state.
 *
 * The logged-in user is kept in `session.auth` ({ user, lastVisit,
 * expiration, remember, hmacKey }) so `auth.user` and `auth.isLoggedIn()`
 * are synchronous (layouts call them); memberships and permissions are read
 * from the database on every check, so changes take effect on the next
 * request.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { FORM, INPUT, BUTTON, URL, type XmlElement } from '../html'
import { current } from '../current'
import { Field, type DAL, type Table, type Row } from '../dal'
import { DEFAULT_DIGEST } from '../validators'
import { QK_AUTH_BAD_OPTION, QK_AUTH_NO_REQUEST } from './errors'
import { DEFAULT_TABLE_NAMES, defineAuthTables, authTable, type DefineTablesOptions, type TableNames } from './tables'
import { hashPassword, needsRehash, verifyPassword } from './password'
import { throttleState, loginOrigin, EVENTS } from './throttle'
import { Mail } from './mail'

export interface AuthSettings {
  /** log in with `username` instead of `email` (set by defineTables({ username: true })) */
  username: boolean
  registrationRequiresVerification: boolean
  registrationRequiresApproval: boolean
  /** log the new user in right after registering (when no verification or approval is pending) */
  loginAfterRegistration: boolean
  /** auth.form() actions that answer 404, e.g. ['register'] */
  actionsDisabled: string[]
  /** called with the request on registration: an error message refuses it (a captcha check) */
  captcha: ((request: any) => string | null | Promise<string | null>) | null
  passwordMinLength: number
  digestAlg: string
  /** seconds of inactivity before a session login expires; longExpiration with "remember me" */
  expiration: number
  longExpiration: number
  rememberMe: boolean
  /** failed logins for one account within loginFailureWindow seconds before it is locked */
  loginMaxFailures: number
  /** failed logins from one address within the window before that address is refused */
  addressMaxFailures: number
  loginFailureWindow: number
  /** seconds a mailed reset-password link stays valid */
  resetPasswordExpiration: number
  /** make a personal group user_<id> for every new user (as web2py does) */
  createUserGroups: boolean
  /** accept `Authorization: Basic` on requires… for API calls */
  allowBasicLogin: boolean
  /** HMAC secret of bearer tokens (JWT HS256); tokens are refused while unset */
  jwtSecret: string
  jwtExpiration: number
  mailer: Mail | null
  /** where auth.form() lives: [controller, function] */
  formAction: [string, string]
  /** default destinations after each action (a URL path) */
  loginNext: string
  logoutNext: string
  registerNext: string
  profileNext: string
}

export interface AuthOptions extends Partial<AuthSettings> {
  tableNames?: Partial<TableNames>
}

export type UserRecord = Record<string, any> & { id: number }

interface SessionAuth { user: UserRecord; lastVisit: number; expiration: number; remember: boolean; hmacKey: string }

/** Fields of auth_user never copied into the session or a response. */
export const SECRET_FIELDS = new Set(['password', 'registration_key', 'reset_password_key', 'registration_id'])
const REQUEST_USER = 'quark.auth.requestUser'

const NO_OPTIONS: AuthOptions = Object.freeze({})

const DEFAULT_MESSAGES: Record<string, string> = Object.freeze({
  loggedIn: 'Logged in', loggedOut: 'Logged out', invalidLogin: 'Invalid login', locked: 'Account locked: too many failed logins, try again later',
  registrationPending: 'Registration is pending approval', verifyEmail: 'Email sent: check your inbox to verify your email',
  mustVerify: 'Registration needs verification', disabled: 'Account disabled', registered: 'Registration successful',
  emailVerified: 'Email verified', profileUpdated: 'Profile updated', passwordChanged: 'Password changed',
  invalidPassword: 'Invalid password', mismatch: "Password fields don't match", resetSent: 'Email sent: follow the link to reset your password',
  invalidResetKey: 'Invalid or expired reset password link', invalidKey: 'Invalid verification link', notAuthorized: 'Not authorized',
  usernameSent: 'Email sent: your username is in it', mailFailed: 'Unable to send email',
})

const appIndexes = new Map<string, string>()
/** `/<app>/default/index`, made once per app */
function appIndex(app: string): string {
  let u = appIndexes.get(app)
  if (u === undefined) { u = `/${app}/default/index`; if (appIndexes.size < 10000) appIndexes.set(app, u) }
  return u
}

/** Auth's default settings: a class, so every request's settings object is made by one constructor, field by field. */
class DefaultSettings {
  username = false
  registrationRequiresVerification = false
  registrationRequiresApproval = false
  loginAfterRegistration = true
  actionsDisabled: string[] = []
  captcha = null
  passwordMinLength = 8
  digestAlg = DEFAULT_DIGEST
  expiration = 3600
  longExpiration = 30 * 24 * 3600
  rememberMe = true
  loginMaxFailures = 5
  addressMaxFailures = 20
  loginFailureWindow = 900
  resetPasswordExpiration = 24 * 3600
  createUserGroups = true
  allowBasicLogin = false
  jwtSecret = ''
  jwtExpiration = 3600
  mailer = null
  formAction: [string, string] = ['default', 'user']
  loginNext: string
  logoutNext: string
  registerNext: string
  profileNext: string
  constructor(app: string) {
    const index = appIndex(app)
    this.loginNext = index
    this.logoutNext = index
    this.registerNext = index
    this.profileNext = index
  }
}

const NO_TABLE_OPTIONS: DefineTablesOptions = Object.freeze({})

/** One unchanged DefaultSettings per app, read for a setting before the request's own settings exist. */
const appDefaults = new Map<string, DefaultSettings>()
function defaultsOf(app: string): DefaultSettings {
  let d = appDefaults.get(app)
  if (d === undefined) { d = new DefaultSettings(app); if (appDefaults.size < 10000) appDefaults.set(app, d) }
  return d
}

export class Auth {
  readonly db: DAL
  // made on first use (most requests run the model and never read a setting): see `settings`
  #settings: AuthSettings | undefined = undefined
  readonly #options: AuthOptions
  readonly #app: string
  readonly tableNames: TableNames
  /**
   * The messages shown by auth.form(), translated with T when shown. Each Auth inherits the defaults
   * (one shared frozen object) and holds only the ones a model or controller changes.
   */
  readonly messages: Record<string, string> = Object.create(DEFAULT_MESSAGES)

  constructor(db: DAL, options: AuthOptions = NO_OPTIONS) {
    if (!db || typeof (db as { defineTable?: unknown }).defineTable !== 'function') throw new QK_AUTH_BAD_OPTION('db', 'new Auth(db) needs a DAL object')
    this.db = db
    this.tableNames = options.tableNames ? Object.freeze({ ...DEFAULT_TABLE_NAMES, ...options.tableNames }) : DEFAULT_TABLE_NAMES
    this.#options = options
    this.#app = current.application ?? ''
  }

  /** The settings (web2py's auth.settings): the defaults, then the constructor's options. */
  get settings(): AuthSettings {
    let s = this.#settings
    if (s === undefined) {
      s = this.#settings = new DefaultSettings(this.#app) as unknown as AuthSettings
      const options = this.#options
      for (const k in options) if (k !== 'tableNames') (s as unknown as Record<string, unknown>)[k] = (options as Record<string, unknown>)[k]
    }
    return s
  }

  /** One setting, without making the settings object when nobody has used it yet. */
  #setting<K extends keyof AuthSettings>(k: K): AuthSettings[K] {
    if (this.#settings !== undefined) return this.#settings[k]
    const o = this.#options as Partial<AuthSettings>
    return o[k] !== undefined ? o[k] as AuthSettings[K] : (defaultsOf(this.#app) as unknown as AuthSettings)[k]
  }

  /** Define auth_user, auth_group, auth_membership, auth_permission and auth_event (web2py's define_tables). */
  defineTables(o: DefineTablesOptions = NO_TABLE_OPTIONS): this {
    if (o.username !== undefined) this.settings.username = o.username
    const username = this.#setting('username')
    // the options as given when they already agree with settings.username (no copy per request)
    const opts = !!o.username === !!username ? o : { ...o, username }
    defineAuthTables(this.db, this.tableNames, opts, this.#setting('passwordMinLength'), () => this.signature)
    return this
  }

  get tableUser(): Table { return authTable(this.db, this.tableNames.user) }
  get tableGroup(): Table { return authTable(this.db, this.tableNames.group) }
  get tableMembership(): Table { return authTable(this.db, this.tableNames.membership) }
  get tablePermission(): Table { return authTable(this.db, this.tableNames.permission) }
  get tableEvent(): Table { return authTable(this.db, this.tableNames.event) }

  /** Fresh signature fields for defineTable(..., ...auth.signature): who and when created and last modified a record. */
  get signature(): ReturnType<typeof Field>[] {
    const ref = `reference ${this.tableNames.user}`
    const who = () => this.userId
    return [
      Field('is_active', 'boolean', { default: true, readable: false, writable: false, label: 'Is Active' }),
      Field('created_on', 'datetime', { default: () => new Date(), writable: false, readable: false, label: 'Created On' }),
      Field('created_by', ref, { default: who, writable: false, readable: false, label: 'Created By', ondelete: 'SET NULL', requires: null }),
      Field('modified_on', 'datetime', { default: () => new Date(), update: () => new Date(), writable: false, readable: false, label: 'Modified On' }),
      Field('modified_by', ref, { default: who, update: who, writable: false, readable: false, label: 'Modified By', ondelete: 'SET NULL', requires: null }),
    ]
  }

  // ---- who is logged in ----------------------------------------------------

  private sessionAuth(): SessionAuth | undefined {
    const s = current.session as Record<string, unknown> | undefined
    const a = s?.auth as SessionAuth | undefined
    if (!a || !a.user) return undefined
    const now = Date.now()
    if (now - a.lastVisit > a.expiration * 1000) { delete s!.auth; return undefined }  // expired: logged out
    if (now - a.lastVisit > 60_000) a.lastVisit = now  // refresh, but do not rewrite the session on every request
    return a
  }

  /** The logged-in user (without password or keys), or null. API calls authenticated by basic auth or a token count too. */
  get user(): UserRecord | null {
    return (current.get(REQUEST_USER) as UserRecord | undefined) ?? this.sessionAuth()?.user ?? null
  }
  get userId(): number | null { return this.user?.id ?? null }
  isLoggedIn(): boolean { return this.user !== null }

  /** The key that signs URLs for requiresSignature (one per login). */
  get hmacKey(): string | null { return this.sessionAuth()?.hmacKey ?? null }

  /** The public part of a user row: what goes into the session and to views. */
  publicUser(row: Row): UserRecord {
    const u: Record<string, unknown> = {}
    for (const k of Object.keys(row)) if (!SECRET_FIELDS.has(k) && typeof row[k] !== 'function') u[k] = row[k] instanceof Date ? (row[k] as Date).toISOString() : row[k]
    return u as UserRecord
  }

  /** Log a user in for this session: a new session id (no fixation), the user in session.auth, an event. */
  async loginUser(row: Row, remember = false): Promise<void> {
    const session = current.session as (Record<string, unknown> & { renew?: (clear?: boolean) => void }) | undefined
    if (!session) throw new QK_AUTH_NO_REQUEST('loginUser')
    session.renew?.()
    const a: SessionAuth = {
      user: this.publicUser(row), lastVisit: Date.now(), remember,
      expiration: remember && this.settings.rememberMe ? this.settings.longExpiration : this.settings.expiration,
      hmacKey: randomBytes(16).toString('hex'),
    }
    session.auth = a
    await this.logEvent(EVENTS.loggedIn, row.id)
  }

  /** Log the session's user out and move the session to a new id. */
  async logoutUser(): Promise<void> {
    const session = current.session as (Record<string, unknown> & { renew?: (clear?: boolean) => void }) | undefined
    const id = this.userId
    if (!session) return
    delete session.auth
    session.renew?.()
    if (id !== null) await this.logEvent(EVENTS.loggedOut, id)
  }

  /**
   * The key a logout POST must carry: an HMAC of this login's own key, so the layout can
   * render the logout form on every page without writing the session.
   */
  logoutKey(): string | null {
    const k = this.sessionAuth()?.hmacKey
    return k ? createHmac('sha256', k).update('logout').digest('hex') : null
  }
  checkLogoutKey(given: string): boolean {
    const k = this.logoutKey()
    if (!k || given.length !== k.length) return false
    return timingSafeEqual(Buffer.from(given), Buffer.from(k))
  }
  /** The small POST form the layout shows as "Log Out" (logout is never a GET: no cross-site logout). */
  logoutForm(button: Record<string, unknown> = { _class: 'btn btn-link nav-link' }): XmlElement {
    const [c, f] = this.settings.formAction
    return FORM(
      INPUT({ _type: 'hidden', _name: '_formkey', _value: this.logoutKey() ?? '' }),
      BUTTON(String(current.T('Log Out')), { _type: 'submit', ...button }),
      { _action: URL(c, f, { args: ['logout'] }), _method: 'post', _class: 'quark-logout d-inline' })
  }

  /** Set the user of this request only (basic auth, bearer token): nothing is stored in the session. */
  setRequestUser(row: Row): void { current.set(REQUEST_USER, this.publicUser(row)) }

  /** Reload the session's copy of the user after a change to the record. */
  async refreshUser(): Promise<void> {
    const a = this.sessionAuth()
    if (!a) return
    const row = await this.tableUser.get(a.user.id)
    if (row) a.user = this.publicUser(row)
  }

  /** Record an event in auth_event (what web2py's log_event does). */
  async logEvent(description: string, userId: number | null = this.userId, origin = 'auth'): Promise<void> {
    const client = (current.request as { client?: string } | undefined)?.client ?? ''
    await this.tableEvent.insert({ time_stamp: new Date(), client_ip: client, user_id: userId ?? null, origin, description })
  }

  // ---- logging in with a password ------------------------------------------

  /** The user whose email (or username) is `login`, or null. */
  async findUser(login: string): Promise<Row | null> {
    if (typeof login !== 'string' || !login) return null
    const t = this.tableUser
    const field = this.settings.username ? t.username : t.email
    return (await this.db(field.eq(this.settings.username ? login : login.trim().toLowerCase()).or(field.eq(login))).select({ limitby: [0, 1] })).first()
  }

  /**
   * Check a login and password without touching the session (web2py's
   * login_bare): throttled per account and per address, every outcome
   * logged. Returns the user row or the reason it was refused.
   */
  async checkLogin(login: string, password: string): Promise<{ user: Row; error: null } | { user: null; error: 'invalid' | 'locked' | 'pending' | 'disabled' }> {
    const client = (current.request as { client?: string } | undefined)?.client ?? ''
    const row = await this.findUser(login)
    const origin = loginOrigin(String(login ?? ''))
    // The password is hashed first, whatever follows (a dummy hash for an unknown login, and
    // for a locked one too), so the answer takes the same time for a known and an unknown
    // account, locked or not; failures are counted per submitted login either way.
    const ok = await verifyPassword(String(password ?? ''), row ? row.password : dummyHash(this.settings.digestAlg)) && !!row
    const t = await throttleState(this, row?.id ?? null, client, origin)
    if (t.locked) {
      await this.logEvent(EVENTS.lockedOut, row?.id ?? null, origin)
      return { user: null, error: 'locked' }
    }
    if (!row || !ok) {
      await this.logEvent(EVENTS.loginFailed, row?.id ?? null, origin)
      return { user: null, error: 'invalid' }
    }
    const key = String(row.registration_key ?? '')
    // Stryker disable next-line ConditionalExpression: skipping this test, 'pending' reaches `if (key)` below with the same answer
    if (key === 'pending') return { user: null, error: 'pending' }
    if (key === 'disabled' || key === 'blocked') return { user: null, error: 'disabled' }
    if (key) return { user: null, error: 'pending' }  // an unverified email
    if (needsRehash(row.password, this.settings.digestAlg)) {
      // a weak or old hash: replace it now that the plain password is known
      const h = await hashPassword(String(password), this.settings.digestAlg)
      await this.db(this.tableUser.id.eq(row.id)).update({ password: h })
      row.password = h
    }
    return { user: row, error: null }
  }

  /** Hash a password with the configured algorithm. */
  hashPassword(plain: string): Promise<string> { return hashPassword(plain, this.settings.digestAlg) }

  /** Create a user (the password given in plain text is hashed); makes the personal group when configured. */
  async registerUser(values: Record<string, unknown>): Promise<number> {
    const v = { ...values }
    if (typeof v.password === 'string') v.password = await this.hashPassword(v.password)
    else if (v.password !== undefined) v.password = String(v.password)
    if (typeof v.email === 'string') v.email = v.email.trim().toLowerCase()
    const id = await this.tableUser.insert(v)
    if (this.settings.createUserGroups) {
      const gid = await this.addGroup(`user_${id}`, `Group uniquely assigned to user ${id}`)
      await this.addMembership(gid, id)
    }
    return id
  }

  /** The mailer: the configured one, else a development Mail writing to <app>/private/mail.log. */
  get mailer(): Mail {
    return this.settings.mailer ??= new Mail()
  }
}

// verified against when the login names no user, so both cases cost the same time: a hash of the
// app's own algorithm (PBKDF2 cost and key length), never one that fails fast on its shape
function dummyHash(alg: string): string {
  const m = /^pbkdf2\(\d+,(\d+),\w+\)$/i.exec(alg)
  const a = m ? alg : DEFAULT_DIGEST
  const keylen = m ? Number(m[1]) : 32
  return `${a}$00000000000000000000000000000000$${'0'.repeat(keylen * 2)}`
}

export function requireRequest(what: string): any {
  const r = current.request
  if (!r) throw new QK_AUTH_NO_REQUEST(what)
  return r
}
