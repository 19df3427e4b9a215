/**
 * The five auth tables, with web2py's field names so that code and data
 * written for web2py's Auth read the same: auth_user, auth_group,
 * auth_membership, auth_permission, auth_event. Names and extra fields are
 * configurable per table.
 */
import { Field, type DAL, type Table } from '../dal'
import { CRYPT, IS_EMAIL, IS_LENGTH, IS_MATCH, IS_NOT_EMPTY, IS_NOT_IN_DB, DEFAULT_DIGEST } from '../validators'
import { QK_AUTH_BAD_OPTION, QK_AUTH_NO_TABLES } from './errors'

export interface TableNames { user: string; group: string; membership: string; permission: string; event: string }
export const DEFAULT_TABLE_NAMES: TableNames = { user: 'auth_user', group: 'auth_group', membership: 'auth_membership', permission: 'auth_permission', event: 'auth_event' }

export interface DefineTablesOptions {
  /** add a unique `username` field and log in with it instead of the email */
  username?: boolean
  /** add auth.signature fields to the auth tables (created_by, modified_on, ...) */
  signature?: boolean
  /** extra fields per table, keyed by the table's kind or its name */
  extraFields?: Record<string, ReturnType<typeof Field>[]>
  migrate?: boolean
}

/** Fields every user table has, whatever else is added. */
export const USER_FIELDS = ['first_name', 'last_name', 'email', 'password', 'registration_key', 'reset_password_key', 'registration_id'] as const

export function defineAuthTables(db: DAL, names: TableNames, o: DefineTablesOptions, minPasswordLength: number, signature: () => ReturnType<typeof Field>[]): void {
  if (!db || typeof db.defineTable !== 'function') throw new QK_AUTH_BAD_OPTION('db', 'new Auth(db) needs a DAL')
  const extra = (kind: keyof TableNames) => [...(o.extraFields?.[kind] ?? []), ...(names[kind] !== kind ? o.extraFields?.[names[kind]] ?? [] : [])]
  const sig = () => (o.signature ? signature() : [])
  const tableOpts = o.migrate === undefined ? {} : { migrate: o.migrate }
  const user = db.defineTable(names.user,
    Field('first_name', 'string', { length: 128, label: 'First name' }),
    Field('last_name', 'string', { length: 128, label: 'Last name' }),
    Field('email', 'string', { length: 512, label: 'E-mail' }),
    ...(o.username ? [Field('username', 'string', { length: 128, label: 'Username' })] : []),
    Field('password', 'password', { length: 512, readable: false, label: 'Password' }),
    Field('registration_key', 'string', { length: 512, writable: false, readable: false, default: '' }),
    Field('reset_password_key', 'string', { length: 512, writable: false, readable: false, default: '' }),
    Field('registration_id', 'string', { length: 512, writable: false, readable: false, default: '' }),
    ...extra('user'), ...sig(),
    { format: o.username ? '%(username)s' : '%(first_name)s %(last_name)s (%(id)s)', ...tableOpts })
  user.first_name.requires = IS_NOT_EMPTY()
  user.last_name.requires = IS_NOT_EMPTY()
  user.email.requires = [IS_EMAIL(), IS_NOT_IN_DB(db as never, `${names.user}.email`)]
  if (o.username) user.username.requires = [IS_MATCH('^[\\w.@+-]+$', { errorMessage: 'Invalid username' }), IS_LENGTH(128, 1), IS_NOT_IN_DB(db as never, `${names.user}.username`)]
  user.password.requires = CRYPT({ minLength: minPasswordLength, digestAlg: DEFAULT_DIGEST })
  const group = db.defineTable(names.group,
    Field('role', 'string', { length: 512, label: 'Role' }),
    Field('description', 'text', { label: 'Description' }),
    ...extra('group'), ...sig(),
    { format: '%(role)s (%(id)s)', ...tableOpts })
  group.role.requires = IS_NOT_IN_DB(db as never, `${names.group}.role`)
  db.defineTable(names.membership,
    Field('user_id', `reference ${names.user}`, { label: 'User ID' }),
    Field('group_id', `reference ${names.group}`, { label: 'Group ID' }),
    ...extra('membership'), ...sig(), tableOpts)
  db.defineTable(names.permission,
    Field('group_id', `reference ${names.group}`, { label: 'Group ID' }),
    Field('name', 'string', { length: 512, default: 'default', label: 'Name' }),
    Field('table_name', 'string', { length: 512, default: '', label: 'Object or table name' }),
    Field('record_id', 'integer', { default: 0, label: 'Record ID' }),
    ...extra('permission'), ...sig(), tableOpts)
  db.defineTable(names.event,
    Field('time_stamp', 'datetime', { default: () => new Date(), label: 'Timestamp' }),
    Field('client_ip', 'string', { length: 64, label: 'Client IP' }),
    Field('user_id', `reference ${names.user}`, { label: 'User ID', ondelete: 'SET NULL' }),
    Field('origin', 'string', { length: 512, default: 'auth', label: 'Origin' }),
    Field('description', 'text', { label: 'Description' }),
    ...extra('event'), tableOpts)
}

/** The auth tables of a db, by kind; fails clearly before defineTables(). */
export function authTable(db: DAL, name: string): Table {
  const t = db[name] as Table | undefined
  if (!t || typeof t !== 'object' || !('_tablename' in t)) throw new QK_AUTH_NO_TABLES(name)
  return t
}
