/**
 * auth_credential: what the login methods keep per user besides the password,
 * one row each: a TOTP secret with its recovery codes, a linked OpenID
 * provider account, a passkey, an LDAP entry. Declared lazily by
 * auth.enable(), so an app that enables no method has no such table.
 */
import { Field, type DAL, type Table, type LazyTableSpec, type Row } from '../../dal'

export const CREDENTIAL_TABLE = 'auth_credential'

interface Ctx { user: string }
const specsByUser = new Map<string, readonly LazyTableSpec<Ctx>[]>()

function credentialFields(c: Ctx) {
  return [
    Field('user_id', `reference ${c.user}`, { label: 'User ID', ondelete: 'CASCADE' }),
    // 'totp', 'oidc:<provider>', 'passkey', 'ldap'
    Field('method', 'string', { length: 128, label: 'Method' }),
    // the provider's subject, the passkey's credential id, the LDAP DN
    Field('subject', 'string', { length: 512, default: '', label: 'Subject' }),
    Field('label', 'string', { length: 256, default: '', label: 'Label' }),
    // the TOTP secret, the passkey's public key (base64url)
    Field('secret', 'text', { default: '', readable: false, writable: false }),
    Field('data', 'json', { readable: false, writable: false }),
    Field('created_on', 'datetime', { default: () => new Date(), label: 'Created On' }),
    Field('last_used_on', 'datetime', { label: 'Last used' }),
  ]
}

export function declareCredentialTable(db: DAL, userTable: string): void {
  if (db.tables.includes(CREDENTIAL_TABLE)) return
  let specs = specsByUser.get(userTable)
  if (!specs) { specs = Object.freeze([{ name: CREDENTIAL_TABLE, fields: credentialFields }]); specsByUser.set(userTable, specs) }
  db.defineLazyTables(specs, { user: userTable })
}

export function credentialTable(db: DAL): Table { return db[CREDENTIAL_TABLE] as Table }

export async function credentialsOf(db: DAL, userId: number, method: string): Promise<Row[]> {
  const t = credentialTable(db)
  return [...await db(t.user_id.eq(userId).and(t.method.eq(method))).select({ orderby: t.id })]
}

export async function credentialBySubject(db: DAL, method: string, subject: string): Promise<Row | null> {
  const t = credentialTable(db)
  return (await db(t.method.eq(method).and(t.subject.eq(subject))).select({ limitby: [0, 1] })).first()
}
