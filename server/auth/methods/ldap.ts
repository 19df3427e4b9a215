/**
 * LDAP / Active Directory login with ldapts: bind as the user, by a DN
 * template (uid=%s,ou=people,...) or by search-then-bind (a service account,
 * or an anonymous bind, finds the entry by a filter such as (mail=%s));
 * ldaps:// or StartTLS; the local auth_user created or updated from the
 * entry on each login; LDAP groups optionally mapped to Auth groups. The
 * login is escaped for DNs (RFC 4514) and filters (RFC 4515), and an empty
 * password is refused (an LDAP "unauthenticated bind" would succeed).
 */
import type { ConnectionOptions } from 'node:tls'
import { current } from '../../current'
import { lazyPackage } from '../../errors'
import type { Row } from '../../dal'
import { QK_AUTH_BAD_OPTION } from '../errors'
import { throttleState, loginOrigin, EVENTS } from '../throttle'
import type { Auth } from '../auth'
import { credentialTable, credentialsOf } from './credentials'
import { refuse, text, type LoginMethod, type MethodResult } from './types'

export interface LdapOptions {
  /** ldap://host:389 or ldaps://host:636 */
  url: string
  /** a DN template: %s is the login (escaped) */
  userDn?: string
  /** search-then-bind: where and how to find the user's entry (%s is the login, escaped) */
  search?: { base: string; filter: string; bindDn?: string; bindPassword?: string }
  startTls?: boolean
  tls?: ConnectionOptions
  /** map LDAP groups (their cn) to Auth groups: { base, filter ('(member=%s)': %s is the user's DN), map } */
  groups?: { base: string; filter?: string; map: Record<string, string> }
  attributes?: { email?: string; firstName?: string; lastName?: string }
  /** make the auth_user on a first login (default true) */
  createUsers?: boolean
  timeout?: number
}

/** RFC 4514: a value inside a DN. */
export function escapeDnValue(v: string): string {
  return v.replace(/[\\,+"<>;=#\u0000]/g, (c) => (c === '\u0000' ? '\\00' : `\\${c}`)).replace(/^ /, '\\ ').replace(/ $/, '\\ ')
}

/** RFC 4515: a value inside a search filter (`*)(uid=*` stays a literal). */
export function escapeFilter(v: string): string {
  return v.replace(/[\\*()\u0000]/g, (c) => '\\' + c.charCodeAt(0).toString(16).padStart(2, '0'))
}

/** ldapts is loaded by the first LDAP login, not at start-up. */
const ldapts = lazyPackage('ldapts', 'LDAP login', () => require('ldapts') as typeof import('ldapts'))

const MESSAGE = 'Invalid login'

export const ldapMethod: LoginMethod<LdapOptions> = {
  name: 'ldap',
  factors: ['first'],
  configure(o: unknown): LdapOptions {
    const x = o as LdapOptions | undefined
    if (!x || typeof x !== 'object' || typeof x.url !== 'string' || !/^ldaps?:\/\/[^/]+\/?$/.test(x.url)) throw new QK_AUTH_BAD_OPTION('ldap.url', 'ldap://host:port or ldaps://host:port')
    if (!x.userDn === !x.search) throw new QK_AUTH_BAD_OPTION('ldap', 'give either userDn (a DN template with %s) or search ({ base, filter })')
    if (x.userDn && !x.userDn.includes('%s')) throw new QK_AUTH_BAD_OPTION('ldap.userDn', 'a DN template with %s for the login')
    if (x.search && (typeof x.search.base !== 'string' || typeof x.search.filter !== 'string' || !x.search.filter.includes('%s'))) throw new QK_AUTH_BAD_OPTION('ldap.search', '{ base, filter with %s }')
    return { createUsers: true, timeout: 5000, ...x }
  },
  /** credential: { username (or email/login), password } */
  async verify({ auth, options: o }, credential): Promise<MethodResult> {
    const login = (text(credential, 'username', 256) || text(credential, 'email', 256) || text(credential, 'login', 256)).trim()
    const password = text(credential, 'password', 1024)
    if (!login || !password) return refuse('malformed', MESSAGE)
    const quiet = credential.fallback === true
    const origin = loginOrigin(login)
    const client = (current.request as { client?: string } | undefined)?.client ?? ''
    const fail = async (why: string, code: 'invalid' | 'unavailable' = 'invalid') => {
      if (!quiet || code !== 'invalid') await auth.logEvent(`${EVENTS.loginFailed}`, null, origin)
      if (code !== 'invalid') await auth.logEvent(`LDAP: ${why}`.slice(0, 500), null, 'ldap')
      return refuse(code, code === 'invalid' ? MESSAGE : 'The directory cannot be reached: try again later')
    }
    if ((await throttleState(auth, null, client, origin)).locked) {
      await auth.logEvent(EVENTS.lockedOut, null, origin)
      return refuse('locked', 'Account locked: too many failed logins, try again later')
    }
    const { Client } = ldapts()
    const ldap = new Client({ url: o.url, timeout: o.timeout, connectTimeout: o.timeout, tlsOptions: o.tls })
    try {
      if (o.startTls) await ldap.startTLS(o.tls ?? {})
      let dn: string
      if (o.userDn) dn = o.userDn.replace('%s', escapeDnValue(login))
      else {
        if (o.search!.bindDn) await ldap.bind(o.search!.bindDn, o.search!.bindPassword ?? '')
        const { searchEntries } = await ldap.search(o.search!.base, { scope: 'sub', filter: o.search!.filter.split('%s').join(escapeFilter(login)), sizeLimit: 2, attributes: ['dn'] })
        if (searchEntries.length !== 1) return await fail('no single entry')
        dn = searchEntries[0]!.dn
      }
      try { await ldap.bind(dn, password) } catch (e) {
        if ((e as { code?: number }).code === 49 || /credentials|no such object/i.test((e as Error).message)) return await fail('invalid credentials')
        throw e
      }
      const a = { email: 'mail', firstName: 'givenName', lastName: 'sn', ...o.attributes }
      const { searchEntries: [entry] } = await ldap.search(dn, { scope: 'base', attributes: [a.email, a.firstName, a.lastName, 'cn', 'uid'] })
      const one = (v: unknown) => String(Array.isArray(v) ? v[0] ?? '' : v ?? '')
      const info = { email: one(entry?.[a.email]).toLowerCase(), first: one(entry?.[a.firstName]) || one(entry?.cn), last: one(entry?.[a.lastName]) }
      let groups: string[] | null = null
      if (o.groups) {
        const f = (o.groups.filter ?? '(member=%s)').split('%s').join(escapeFilter(dn))
        const { searchEntries } = await ldap.search(o.groups.base, { scope: 'sub', filter: f, attributes: ['cn'] })
        groups = searchEntries.map((g) => one(g.cn))
      }
      return await localUser(auth, o, dn, login, info, groups)
    } catch (e) {
      return await fail((e as Error).message, 'unavailable')
    } finally {
      await ldap.unbind().catch(() => undefined)
    }
  },
}

/** The local user of a directory entry: found by the entry's DN, else by email (or username); created or updated. */
async function localUser(auth: Auth, o: LdapOptions, dn: string, login: string, info: { email: string; first: string; last: string }, groups: string[] | null): Promise<MethodResult> {
  const t = credentialTable(auth.db)
  const linked = (await auth.db(t.method.eq('ldap').and(t.subject.eq(dn))).select({ limitby: [0, 1] })).first()
  let user: Row | null = linked ? await auth.tableUser.get(linked.user_id as number) : null
  if (!user) user = auth.settings.username ? await auth.tableUser.get({ username: login }) : info.email ? await auth.tableUser.get({ email: info.email }) : null
  const values: Record<string, unknown> = { first_name: info.first || login, last_name: info.last }
  if (info.email) values.email = info.email
  if (!user) {
    if (!o.createUsers) { await auth.logEvent('LDAP login refused: no local account', null, 'ldap'); return refuse('invalid', MESSAGE) }
    const id = await auth.registerUser({ ...values, email: info.email, ...(auth.settings.username ? { username: login } : {}), password: '', registration_key: '' })
    await auth.logEvent('Registered from LDAP', id, 'ldap')
    user = await auth.tableUser.get(id)
  } else {
    const key = String(user.registration_key ?? '')
    if (key === 'disabled' || key === 'blocked') { await auth.logEvent('LDAP login refused: account disabled', user.id as number, 'ldap'); return refuse('disabled', 'Account disabled') }
    await auth.db(auth.tableUser.id.eq(user.id)).update(values)
    user = await auth.tableUser.get(user.id as number)
  }
  const uid = user!.id as number
  if (!(await credentialsOf(auth.db, uid, 'ldap')).some((c) => c.subject === dn)) await t.insert({ user_id: uid, method: 'ldap', subject: dn, label: dn })
  if (groups && o.groups) {
    // mapped groups follow the directory: joined when listed there, left when not
    for (const [ldapGroup, authGroup] of Object.entries(o.groups.map)) {
      const member = groups.includes(ldapGroup)
      const has = await auth.hasMembership(authGroup, uid).catch(() => false)
      if (member && !has) { if (!(await auth.idGroup(authGroup))) await auth.addGroup(authGroup, `LDAP group ${ldapGroup}`); await auth.addMembership(authGroup, uid) }
      if (!member && has) await auth.delMembership(authGroup, uid)
    }
  }
  return { ok: true, user: user! }
}
