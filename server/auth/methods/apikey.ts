/**
 * API keys: long random secrets a user makes in the profile page
 * (/user/api_keys) for programs that call the app's RestAPI. Only the
 * SHA-256 of a key is stored (in auth_credential, method 'apikey'), so the
 * key is shown once, when it is made; a key may be limited to some tables
 * and is revoked by deleting its row.
 *
 *   auth.enable('apikey')
 *   curl -H 'X-API-Key: qk_...' https://host/app/default/api/thing
 */
import { createHash, randomBytes } from 'node:crypto'
import { current } from '../../current'
import { redirect } from '../../http'
import { DIV, P, UL, LI, SPAN, CODE } from '../../html'
import { IS_NOT_EMPTY, IS_LENGTH, IS_MATCH } from '../../validators'
import type { Row } from '../../dal'
import { Auth } from '../auth'
import { QK_AUTH_BAD_OPTION } from '../errors'
import { processAuthForm } from '../authform'
import { credentialBySubject, credentialTable, credentialsOf } from './credentials'
import { page, userUrl } from './totp-pages'
import { refuse, text, type LoginMethod, type MethodResult } from './types'

declare module '../auth' {
  interface Auth {
    /** the key's record when `key` is a live API key: its id, its user and the tables it is limited to (empty: all) */
    verifyApiKey(key: string): Promise<{ id: number; userId: number; tables: string[] } | null>
    /** make a key for a user (the profile page's button); the key itself is returned once and never stored */
    createApiKey(userId: number, name: string, tables?: string[]): Promise<{ id: number; key: string }>
    /** revoke (delete) a user's key; false when the user has no such key */
    revokeApiKey(userId: number, id: number): Promise<boolean>
  }
}

const METHOD = 'apikey'
const KEY_RE = /^qk_[A-Za-z0-9_-]{16,128}$/
const hashOf = (key: string) => createHash('sha256').update(key).digest('hex')

export const apikeyMethod: LoginMethod<Record<string, never>> = {
  name: METHOD,
  factors: ['first'],
  configure(o: unknown) {
    // no options yet: anything given is a mistake worth saying
    if (o !== undefined && o !== null && (typeof o !== 'object' || Object.keys(o as object).length)) throw new QK_AUTH_BAD_OPTION('apikey', 'takes no options')
    return {}
  },
  /** credential: { key } */
  async verify({ auth }, credential): Promise<MethodResult> {
    const key = text(credential, 'key', 200)
    if (!KEY_RE.test(key)) return refuse('malformed', 'Not an API key')
    const found = await auth.verifyApiKey(key)
    const fail = async (r: MethodResult, userId: number | null) => { await auth.logEvent('API key refused', userId, METHOD); return r }
    if (!found) return fail(refuse('invalid', 'Unknown or revoked API key'), null)
    const user = await auth.tableUser.get(found.userId)
    if (!user || user.registration_key) return fail(refuse('disabled', 'The key\'s account is disabled'), found.userId)
    return { ok: true, user }
  },
}

function tablesOf(row: Row): string[] {
  const data = row.data as { tables?: unknown } | null
  return Array.isArray(data?.tables) ? (data!.tables as unknown[]).filter((t): t is string => typeof t === 'string') : []
}

Auth.prototype.verifyApiKey = async function (this: Auth, key: string) {
  if (typeof key !== 'string' || !KEY_RE.test(key) || !this.db.tables.includes('auth_credential')) return null
  const row = await credentialBySubject(this.db, METHOD, hashOf(key))
  if (!row) return null
  // last_used_on at most once a minute: a busy key does not write on every call
  const last = row.last_used_on instanceof Date ? row.last_used_on.getTime() : 0
  if (Date.now() - last > 60_000) await this.db(credentialTable(this.db).id.eq(row.id)).update({ last_used_on: new Date() })
  return { id: row.id as number, userId: row.user_id as number, tables: tablesOf(row) }
}

Auth.prototype.createApiKey = async function (this: Auth, userId: number, name: string, tables: string[] = []) {
  const key = 'qk_' + randomBytes(24).toString('base64url')
  const id = await credentialTable(this.db).insert({
    user_id: userId, method: METHOD, subject: hashOf(key), label: name.slice(0, 100),
    data: { tables, prefix: key.slice(0, 7) }, secret: '',
  })
  await this.logEvent('API key created', userId, METHOD)
  return { id, key }
}

Auth.prototype.revokeApiKey = async function (this: Auth, userId: number, id: number) {
  const t = credentialTable(this.db)
  const n = await this.db(t.id.eq(id).and(t.user_id.eq(userId)).and(t.method.eq(METHOD))).delete()
  if (n) await this.logEvent('API key revoked', userId, METHOD)
  return n > 0
}

const T = (s: string, a?: unknown[]) => String(current.T(s, a as never))

/** /user/api_keys: the user's keys (name, start of the key, tables, dates) with Revoke buttons, and a form for a new one. */
export async function apiKeysPage(auth: Auth): Promise<unknown> {
  if (!(await auth.authenticate())) redirect(auth.loginUrl((current.request as { url: string }).url))
  const userId = auth.userId!
  let made: unknown = ''
  const f = await processAuthForm('apikey_create', [
    { name: 'name', label: 'Name of the key', requires: [IS_NOT_EMPTY(), IS_LENGTH(100)] },
    { name: 'tables', label: 'Limited to tables (comma-separated; empty: all)', requires: [IS_MATCH(/^[A-Za-z0-9_, ]{0,500}$/, { errorMessage: 'Table names separated by commas' })] },
  ], 'Create key')
  if (f.accepted) {
    const tables = String(f.vars.tables ?? '').split(',').map((s) => s.trim()).filter(Boolean)
    const { key } = await auth.createApiKey(userId, String(f.vars.name), tables)
    // shown this once: only its hash is kept
    made = DIV(P(T('Your new key (copy it now, it will not be shown again):')), CODE(key, { _class: 'quark-apikey-new user-select-all' }), { _class: 'alert alert-success' })
    f.vars.name = ''  // the form below is for the next key
    f.vars.tables = ''
  }
  const rows = await credentialsOf(auth.db, userId, METHOD)
  const items: unknown[] = []
  for (const r of rows) {
    const revoke = await processAuthForm(`apikey_revoke_${r.id}`, [], 'Revoke')
    if (revoke.accepted) {
      await auth.revokeApiKey(userId, r.id as number)
      ;(current.session as Record<string, unknown>).flash = T('API key revoked')
      redirect(userUrl(auth, 'api_keys'))
    }
    const data = r.data as { prefix?: string } | null
    const tables = tablesOf(r)
    items.push(LI(
      SPAN(String(r.label || 'key'), { _class: 'me-3 fw-bold' }),
      CODE(`${data?.prefix ?? 'qk_'}…`, { _class: 'me-3' }),
      SPAN(tables.length ? T('tables: %s', [tables.join(', ')]) : T('all tables'), { _class: 'me-3' }),
      SPAN(T('made %s', [new Date(r.created_on as Date).toISOString().slice(0, 10)]), { _class: 'me-3' }),
      revoke.render(), { _class: 'mb-2 quark-apikey-item' }))
  }
  return page('api_keys', 'API keys', made,
    rows.length ? UL(...(items as never[]), { _class: 'list-unstyled' }) : P(T('No API key yet.')),
    f.render())
}
