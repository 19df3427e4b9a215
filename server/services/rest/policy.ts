/**
 * RestAPI policies: which tables are served, by which methods, which fields
 * a client may read and write, the query every request is confined to, and
 * who may ask. A table absent from the policy does not exist for clients.
 *
 *   RestAPI(db, {
 *     auth,                                   // the app's Auth (session, basic, JWT, API keys)
 *     tables: {
 *       thing: { methods: ['GET', 'POST', 'PATCH'], readable: ['id', 'name'], writable: ['name'],
 *                query: (t) => t.owner.eq(auth.userId ?? 0), requiresLogin: true,
 *                DELETE: { membership: 'admins' } },   // per-method overrides
 *       tag: true,                              // GET only, every readable field
 *     },
 *   })
 */
import type { DAL, FieldClass as Field, Query, Table } from '../../dal/index'
import { QK_REST_BAD_POLICY } from './errors'

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const
export type Method = typeof METHODS[number]

/** What the policy's query function sees: the table and who is asking. */
export interface PolicyContext { table: Table; method: Method; userId: number | null; request: unknown }
export type PolicyQuery = Query | ((table: Table, ctx: PolicyContext) => Query | null | undefined)

export interface MethodRules {
  readable?: string[]
  writable?: string[]
  query?: PolicyQuery
  requiresLogin?: boolean
  /** a group name (or id) the caller must be a member of */
  membership?: string | number
  /** a permission name the caller must hold on this table (auth.hasPermission(name, table)) */
  permission?: string
}

export interface TableRules extends MethodRules {
  methods?: Method[]
  GET?: MethodRules; POST?: MethodRules; PUT?: MethodRules; PATCH?: MethodRules; DELETE?: MethodRules
}

export interface RateLimit {
  /** requests allowed per window (per API key, else per user, else per address) */
  requests: number
  /** the window, in seconds */
  per: number
  /** a Redis URL to count in, so every process and machine shares the count (default: this process's memory) */
  redis?: string
}

export interface RestPolicy {
  tables: Record<string, TableRules | true>
  /** the app's Auth object: logins by session, basic auth, JWT and API keys need it */
  auth?: AuthLike
  /** HS256 key of bearer JWTs (default: auth.settings.jwtSecret) */
  jwtSecret?: string
  /** accept `Authorization: Basic` checked against auth_user (default true when auth is given) */
  basic?: boolean
  /** @limit when the client names none (default 20) and its bound (default 100) */
  defaultLimit?: number
  maxLimit?: number
  /** bytes of a JSON body (default 64 KiB) and its nesting depth (default 8) */
  maxBodyBytes?: number
  maxDepth?: number
  rateLimit?: RateLimit
  /** title and version of the OpenAPI document */
  title?: string
  version?: string
  /** Services of this app to describe in the OpenAPI document: 'controller/function' of the action that calls service.call() → the Service */
  services?: Record<string, unknown>
}

/**
 * The parts of Auth RestAPI uses (services/ sits beside auth/, so it is typed by shape, not
 * imported); loose enough that an app's typed Auth (TypedAuth<...>) fits.
 */
export interface AuthLike {
  readonly user: { id: number } | null
  settings: { jwtSecret: string }
  tableUser: { get(id: number): Promise<unknown> }
  checkLogin(login: string, password: string): Promise<{ user: any }>
  setRequestUser(row: any): void
  hasMembership(group: any): Promise<boolean>
  hasPermission(name?: string, table?: any): Promise<boolean>
  verifyApiKey?(key: string): Promise<{ id: number; userId: number; tables: string[] } | null>
}

/** The rules that apply to one method of one table, with defaults filled in. */
export interface Effective {
  table: Table
  readable: Field[]
  writable: Field[]
  query?: PolicyQuery
  requiresLogin: boolean
  membership?: string | number
  permission?: string
}

function fieldsOf(table: Table, names: string[] | undefined, fallback: (f: Field) => boolean, what: string): Field[] {
  if (!names) return table._fieldList.filter(fallback)
  return names.map((n) => {
    const f = table._fieldMap.get(n)
    if (!f) throw new QK_REST_BAD_POLICY(`${what} of ${table._tablename} names unknown field ${n}`)
    return f
  })
}

export function tableRules(policy: RestPolicy, name: string): TableRules | undefined {
  if (!Object.prototype.hasOwnProperty.call(policy.tables, name)) return undefined
  const r = policy.tables[name]
  return r === true ? {} : r
}

export function allowedMethods(rules: TableRules): Method[] {
  const m = rules.methods ?? ['GET']
  for (const x of m) if (!(METHODS as readonly string[]).includes(x)) throw new QK_REST_BAD_POLICY(`unknown method ${x}`)
  return m
}

export function effective(db: DAL, rules: TableRules, name: string, method: Method): Effective {
  const table = (db as unknown as Record<string, Table | undefined>)[name]
  if (!table || !table._fieldMap) throw new QK_REST_BAD_POLICY(`the database has no table ${name}`)
  const r: MethodRules = { ...rules, ...(rules[method] ?? {}) }
  const readable = fieldsOf(table, r.readable, (f) => f.readable || f.name === 'id', 'readable')
  if (!readable.some((f) => f.name === 'id')) readable.unshift(table.id)
  const writable = fieldsOf(table, r.writable, (f) => f.writable && f.name !== 'id', 'writable').filter((f) => f.name !== 'id')
  return { table, readable, writable, query: r.query, requiresLogin: !!r.requiresLogin, membership: r.membership, permission: r.permission }
}

export function restrictingQuery(e: Effective, ctx: PolicyContext): Query | null {
  if (!e.query) return null
  return (typeof e.query === 'function' ? e.query(e.table, ctx) : e.query) ?? null
}
