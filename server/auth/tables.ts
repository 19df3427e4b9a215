/**
 * The five auth tables, with web2py's field names so that code and data
 * written for web2py's Auth read the same: auth_user, auth_group,
 * auth_membership, auth_permission, auth_event. Names and extra fields are
 * configurable per table.
 */
import { Field, type DAL, type Table, type LazyTableSpec } from '../dal'
import { CRYPT, IS_EMAIL, IS_LENGTH, IS_MATCH, IS_NOT_EMPTY, IS_NOT_IN_DB, DEFAULT_DIGEST } from '../validators'
import { QK_AUTH_BAD_OPTION, QK_AUTH_NO_TABLES } from './errors'

export interface TableNames { user: string; group: string; membership: string; permission: string; event: string }
/** frozen: every Auth without its own table names shares it */
export const DEFAULT_TABLE_NAMES: Readonly<TableNames> = Object.freeze({ user: 'auth_user', group: 'auth_group', membership: 'auth_membership', permission: 'auth_permission', event: 'auth_event' })

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
  // lazy: a request that never touches an auth table (most pages) builds none of their ~25 fields;
  // the definitions are module-level functions of one context object, and the five specs are made
  // once per set of table names, so declaring them costs two small objects per request
  const ctx: AuthTablesContext = { db, names, o, minPasswordLength, signature }
  db.defineLazyTables(specsFor(names), ctx)
}

const specsByNames = new WeakMap<TableNames, readonly LazyTableSpec<AuthTablesContext>[]>()
function specsFor(names: TableNames): readonly LazyTableSpec<AuthTablesContext>[] {
  let specs = specsByNames.get(names)
  if (specs === undefined) {
    specs = Object.freeze([
      { name: names.user, fields: userFields, after: userValidators },
      { name: names.group, fields: groupFields, after: groupValidators },
      { name: names.membership, fields: membershipFields },
      { name: names.permission, fields: permissionFields },
      { name: names.event, fields: eventFields },
    ])
    // names objects are frozen (DEFAULT_TABLE_NAMES, or one per Auth made with its own names)
    if (Object.isFrozen(names)) specsByNames.set(names, specs)
  }
  return specs
}

interface AuthTablesContext {
  db: DAL
  names: TableNames
  o: DefineTablesOptions
  minPasswordLength: number
  signature: () => ReturnType<typeof Field>[]
}

/** extra fields for a table, given by its kind or by its name */
function extra(c: AuthTablesContext, kind: keyof TableNames): ReturnType<typeof Field>[] {
  const byKind = c.o.extraFields?.[kind] ?? []
  return c.names[kind] !== kind ? [...byKind, ...(c.o.extraFields?.[c.names[kind]] ?? [])] : [...byKind]
}
const sig = (c: AuthTablesContext) => (c.o.signature ? c.signature() : [])
const tableOpts = (c: AuthTablesContext) => (c.o.migrate === undefined ? {} : { migrate: c.o.migrate })

function userFields(c: AuthTablesContext) {
  return [
    Field('first_name', 'string', { length: 128, label: 'First name' }),
    Field('last_name', 'string', { length: 128, label: 'Last name' }),
    Field('email', 'string', { length: 512, label: 'E-mail' }),
    ...(c.o.username ? [Field('username', 'string', { length: 128, label: 'Username' })] : []),
    Field('password', 'password', { length: 512, readable: false, label: 'Password' }),
    Field('registration_key', 'string', { length: 512, writable: false, readable: false, default: '' }),
    Field('reset_password_key', 'string', { length: 512, writable: false, readable: false, default: '' }),
    Field('registration_id', 'string', { length: 512, writable: false, readable: false, default: '' }),
    ...extra(c, 'user'), ...sig(c),
    { format: c.o.username ? '%(username)s' : '%(first_name)s %(last_name)s (%(id)s)', ...tableOpts(c) },
  ]
}

function userValidators(user: Table, c: AuthTablesContext): void {
  user.first_name.requires = IS_NOT_EMPTY()
  user.last_name.requires = IS_NOT_EMPTY()
  user.email.requires = [IS_EMAIL(), IS_NOT_IN_DB(c.db as never, `${c.names.user}.email`)]
  if (c.o.username) user.username.requires = [IS_MATCH('^[\\w.@+-]+$', { errorMessage: 'Invalid username' }), IS_LENGTH(128, 1), IS_NOT_IN_DB(c.db as never, `${c.names.user}.username`)]
  user.password.requires = CRYPT({ minLength: c.minPasswordLength, digestAlg: DEFAULT_DIGEST })
}

function groupFields(c: AuthTablesContext) {
  return [
    Field('role', 'string', { length: 512, label: 'Role' }),
    Field('description', 'text', { label: 'Description' }),
    ...extra(c, 'group'), ...sig(c),
    { format: '%(role)s (%(id)s)', ...tableOpts(c) },
  ]
}

function groupValidators(group: Table, c: AuthTablesContext): void {
  group.role.requires = IS_NOT_IN_DB(c.db as never, `${c.names.group}.role`)
}

function membershipFields(c: AuthTablesContext) {
  return [
    Field('user_id', `reference ${c.names.user}`, { label: 'User ID' }),
    Field('group_id', `reference ${c.names.group}`, { label: 'Group ID' }),
    ...extra(c, 'membership'), ...sig(c), tableOpts(c),
  ]
}

function permissionFields(c: AuthTablesContext) {
  return [
    Field('group_id', `reference ${c.names.group}`, { label: 'Group ID' }),
    Field('name', 'string', { length: 512, default: 'default', label: 'Name' }),
    Field('table_name', 'string', { length: 512, default: '', label: 'Object or table name' }),
    Field('record_id', 'integer', { default: 0, label: 'Record ID' }),
    ...extra(c, 'permission'), ...sig(c), tableOpts(c),
  ]
}

function eventFields(c: AuthTablesContext) {
  return [
    Field('time_stamp', 'datetime', { default: () => new Date(), label: 'Timestamp' }),
    Field('client_ip', 'string', { length: 64, label: 'Client IP' }),
    Field('user_id', `reference ${c.names.user}`, { label: 'User ID', ondelete: 'SET NULL' }),
    Field('origin', 'string', { length: 512, default: 'auth', label: 'Origin' }),
    Field('description', 'text', { label: 'Description' }),
    ...extra(c, 'event'), tableOpts(c),
  ]
}

/** The auth tables of a db, by kind; fails clearly before defineTables(). */
export function authTable(db: DAL, name: string): Table {
  const t = db[name] as Table | undefined
  if (!t || typeof t !== 'object' || !('_tablename' in t)) throw new QK_AUTH_NO_TABLES(name)
  return t
}
