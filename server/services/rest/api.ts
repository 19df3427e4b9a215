/**
 * RestAPI(db, policy): REST over DAL tables, mounted by an action.
 *
 *   // controllers/default.ts
 *   export const api = RestAPI(db, { auth, tables: { thing: { methods: ['GET', 'POST'] } } })
 *
 *   GET    /app/default/api/thing?name.startswith=a&@order=-id&@limit=10&@count=1
 *   GET    /app/default/api/thing/3
 *   POST   /app/default/api/thing          {"name": "x"}     → 201 + Location
 *   PUT    /app/default/api/thing/3        (every writable field; missing ones take their default)
 *   PATCH  /app/default/api/thing/3        (only the fields given)
 *   DELETE /app/default/api/thing/3        → 204
 *   GET    /app/default/api/openapi.json   the OpenAPI 3.1 document
 *
 * Refusals are JSON `{ error: { code, message } }` with the status of their
 * named error (errors.ts); validation failures are 422 `{ errors: { field: message } }`.
 */
import { createHash } from 'node:crypto'
import { current } from '../../current/index'
import { HTTP } from '../../http/index'
import { isQuarkError } from '../../errors/index'
import type { DAL, Query, Table } from '../../dal/index'
import { toJson, toPlain } from '../serialize'
import { allowedMethods, effective, METHODS, restrictingQuery, tableRules, type Effective, type Method, type RestPolicy } from './policy'
import { parseList } from './filters'
import { authenticate, type Caller } from './authn'
import { overLimit } from './ratelimit'
import { readBody } from './body'
import { fieldModel } from './model'
import { openapiDocument } from './openapi'
import {
  QK_REST_BAD_POLICY, QK_REST_FORBIDDEN, QK_REST_METHOD, QK_REST_NO_TABLE, QK_REST_NOT_FOUND, QK_REST_RATE_LIMITED, QK_REST_UNAUTHORIZED,
} from './errors'

interface RestRequest {
  method: string; url: string; path: string; client: string; application: string
  args: { list: readonly string[] }
  getVars: Record<string, unknown>
  headers: Record<string, string | undefined>
}
interface RestResponse { status: number; headers: Record<string, string> }

export type RestAction = (() => Promise<string>) & { readonly restPolicy: RestPolicy; readonly restDb: DAL }

/** A validation failure: 422 with the validators' messages by field. */
class Unprocessable { constructor(readonly errors: Record<string, string>) {} }

export function RestAPI(db: DAL, policy: RestPolicy): RestAction {
  if (!db || typeof (db as unknown as { defineTable?: unknown }).defineTable !== 'function') throw new QK_REST_BAD_POLICY('RestAPI(db, policy): db is not a DAL')
  if (!policy || typeof policy !== 'object' || !policy.tables || typeof policy.tables !== 'object') throw new QK_REST_BAD_POLICY('RestAPI(db, policy): policy.tables is required')
  // tables and methods are checked here (cheap, on every request: the controller runs per request);
  // field names when a method of the table is used, and all of them by the OpenAPI document
  for (const name of Object.keys(policy.tables)) {
    if (!db.tables.includes(name)) throw new QK_REST_BAD_POLICY(`the database has no table ${name}`)
    allowedMethods(tableRules(policy, name)!)
  }
  const action = async function api(): Promise<string> {
    const request = current.request as RestRequest
    const response = current.response as RestResponse
    try {
      return await serve(db, policy, request, response)
    } catch (e) {
      const write = request.method !== 'GET' && request.method !== 'HEAD'
      if (e instanceof Unprocessable) {
        if (write) await db.rollback()
        throw HTTP(422, toJson({ errors: e.errors }), { 'Content-Type': 'application/json; charset=utf-8' })
      }
      if (!isQuarkError(e) || e.status >= 500) throw e
      if (write) await db.rollback()  // a refusal after a write keeps nothing (an HTTP answer would commit)
      const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }
      const extra = (e as { headers?: Record<string, string> }).headers
      if (extra) Object.assign(headers, extra)
      // a message may quote what the client sent: < > & escaped, so no browser ever reads it as markup
      const body = toJson({ error: { code: e.code, message: e.message } }).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`)
      throw HTTP(e.status, body, headers)
    }
  }
  return Object.assign(action, { restPolicy: policy, restDb: db }) as RestAction
}

function withHeaders<E extends Error>(e: E, headers: Record<string, string>): E {
  return Object.assign(e, { headers })
}

async function serve(db: DAL, policy: RestPolicy, request: RestRequest, response: RestResponse): Promise<string> {
  const args = request.args.list
  const method = (request.method === 'HEAD' ? 'GET' : request.method) as Method
  const names = Object.keys(policy.tables)
  if (args.length === 0 || (args.length === 1 && args[0] === 'openapi.json')) {
    if (method !== 'GET') throw withHeaders(new QK_REST_METHOD(request.method, 'the index', 'GET'), { Allow: 'GET, HEAD' })
    const base = request.path.replace(/\/openapi\.json$/, '').replace(/\/$/, '')
    const body = args.length === 0
      ? toJson({ tables: names.map((n) => ({ name: n, url: `${base}/${n}`, methods: allowedMethods(tableRules(policy, n)!) })), openapi: `${base}/openapi.json` })
      : toJson(openapiDocument(db, policy, base, request.application))
    return answer(request, response, body)
  }
  const name = args[0]!
  const rules = tableRules(policy, name)
  if (!rules || args.length > 2) throw new QK_REST_NO_TABLE(JSON.stringify(args.join('/').slice(0, 80)), names.join(', '))
  const allowed = allowedMethods(rules)
  if (!(METHODS as readonly string[]).includes(method) || !allowed.includes(method)) {
    throw withHeaders(new QK_REST_METHOD(String(request.method).slice(0, 16), name, allowed.join(', ')), { Allow: allowed.join(', ') })
  }
  const caller = await authenticate(policy, request)
  if (policy.rateLimit) {
    const who = caller.keyId !== undefined ? `key:${caller.keyId}` : caller.userId !== null ? `user:${caller.userId}` : `ip:${request.client}`
    // memory counts are per app folder (two servers of one process never share them); Redis counts per app name, on every machine
    const scope = policy.rateLimit.redis ? request.application : (current.appFolder as string)
    const wait = await overLimit(policy.rateLimit, `${scope}:${who}`)
    if (wait) throw withHeaders(new QK_REST_RATE_LIMITED(wait), { 'Retry-After': String(wait) })
  }
  const eff = effective(db, rules, name, method)
  await checkAccess(policy, eff, caller, name)
  const restrict = restrictingQuery(eff, { table: eff.table, method, userId: caller.userId, request })
  const id = args[1]
  if (id !== undefined && !/^\d{1,15}$/.test(id)) throw new QK_REST_NOT_FOUND(JSON.stringify(id.slice(0, 40)), name)
  const recordId = id === undefined ? undefined : Number(id)
  if (method === 'GET') {
    if (recordId === undefined) return list(db, policy, eff, caller, restrict, request, response)
    const row = await one(db, eff, recordId, restrict, eff.readable)
    if (!row) throw new QK_REST_NOT_FOUND(recordId, name)
    return answer(request, response, JSON.stringify(row))
  }
  if (method === 'POST') {
    if (recordId !== undefined) throw withHeaders(new QK_REST_METHOD('POST', `${name}/${recordId}`, 'GET, PUT, PATCH, DELETE'), { Allow: allowed.filter((m) => m !== 'POST').join(', ') })
    const values = readBody(request, eff, policy, 'POST')
    const r = await eff.table.validateAndInsert(values)
    if (r.id === null) throw new Unprocessable(r.errors)
    // the new record must be one the policy's query lets this caller see (no writing into others' rows)
    const row = await one(db, eff, r.id, restrict, eff.readable)
    if (!row) throw new QK_REST_FORBIDDEN(`the new record falls outside what this API lets you reach in ${name}`)
    response.status = 201
    response.headers.Location = `${request.path.replace(/\/$/, '')}/${r.id}`
    response.headers['Content-Type'] = 'application/json; charset=utf-8'
    return JSON.stringify(row)
  }
  if (recordId === undefined) throw withHeaders(new QK_REST_METHOD(method, name, 'GET, POST'), { Allow: allowed.filter((m) => m === 'GET' || m === 'POST').join(', ') })
  if (!(await one(db, eff, recordId, restrict, [eff.table.id]))) throw new QK_REST_NOT_FOUND(recordId, name)
  if (method === 'DELETE') {
    await db(eff.table.id.eq(recordId)).delete()
    response.status = 204
    return ''
  }
  const values = readBody(request, eff, policy, method)
  const r = await eff.table.validateAndUpdate(recordId, values)
  if (Object.keys(r.errors).length) throw new Unprocessable(r.errors)
  const row = await one(db, eff, recordId, restrict, eff.readable)
  if (!row) throw new QK_REST_FORBIDDEN(`the change would move the record out of what this API lets you reach in ${name}`)
  response.headers['Content-Type'] = 'application/json; charset=utf-8'
  return JSON.stringify(row)
}

async function checkAccess(policy: RestPolicy, eff: Effective, caller: Caller, name: string): Promise<void> {
  if (caller.keyTables && caller.keyTables.length && !caller.keyTables.includes(name)) throw new QK_REST_FORBIDDEN(`this API key is limited to ${caller.keyTables.join(', ')}`)
  const needLogin = eff.requiresLogin || eff.membership !== undefined || eff.permission !== undefined
  if (needLogin && caller.userId === null) {
    throw withHeaders(new QK_REST_UNAUTHORIZED('log in, or send a token, an API key or basic credentials'), { 'WWW-Authenticate': policy.basic === false ? 'Bearer' : `Basic realm="api", Bearer` })
  }
  const auth = policy.auth
  if ((eff.membership !== undefined || eff.permission !== undefined) && !auth) throw new QK_REST_BAD_POLICY('membership and permission need policy.auth')
  if (eff.membership !== undefined && !(await auth!.hasMembership(eff.membership))) throw new QK_REST_FORBIDDEN(`membership of ${eff.membership} is required`)
  if (eff.permission !== undefined && !(await auth!.hasPermission(eff.permission, name))) throw new QK_REST_FORBIDDEN(`permission ${eff.permission} on ${name} is required`)
}

/** The JSON-ready values of a row's readable fields (one pass; JSON.stringify needs no second walk). */
function plainRow(row: Record<string, unknown>, fields: Effective['readable']): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of fields) {
    const v = row[f.name]
    out[f.name] = v === null || v === undefined || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v ?? null : toPlain(v)
  }
  return out
}

function where(table: Table, ...queries: (Query | null)[]): Query | Table {
  let q: Query | null = null
  for (const x of queries) if (x) q = q ? q.and(x) : x
  return q ?? table
}

async function one(db: DAL, eff: Effective, id: number, restrict: Query | null, fields: Effective['readable']): Promise<Record<string, unknown> | null> {
  const rows = await db(where(eff.table, eff.table.id.eq(id), restrict) as Query).select(...fields, { limitby: [0, 1] })
  const r = rows.first()
  return r ? plainRow(r as Record<string, unknown>, fields) : null
}

async function list(db: DAL, policy: RestPolicy, eff: Effective, caller: Caller, restrict: Query | null, request: RestRequest, response: RestResponse): Promise<string> {
  const lookupable = (f: { referenced?: string }) => {
    const r = f.referenced ? tableRules(policy, f.referenced) : undefined
    return !!r && allowedMethods(r).includes('GET')
  }
  const opts = parseList(request.getVars, eff.readable, { defaultLimit: policy.defaultLimit ?? 20, maxLimit: policy.maxLimit ?? 100 }, lookupable)
  const set = db(where(eff.table, restrict, opts.query) as Query)
  // one row more than asked tells whether there is a next page without counting
  const rows = await set.select(...eff.readable, { orderby: opts.orderby.length ? opts.orderby : eff.table.id, limitby: [opts.offset, opts.offset + opts.limit + 1] })
  const items: Record<string, unknown>[] = []
  for (const r of rows) items.push(plainRow(r as Record<string, unknown>, eff.readable))
  const more = items.length > opts.limit
  if (more) items.length = opts.limit
  for (const f of opts.lookup) await inline(db, policy, caller, f, items, request)
  const out: Record<string, unknown> = { items }
  if (opts.count) out.count = await set.count()
  if (opts.model) out.model = eff.readable.map((f) => ({ ...fieldModel(f), writable: eff.writable.includes(f) }))
  const links: string[] = []
  // the client's own query string with @offset/@limit replaced (kept as sent: no decode/encode round trip)
  const q = request.url.indexOf('?')
  const kept = q < 0 ? '' : request.url.slice(q + 1).split('&').filter((p) => p && !/^(@|%40)(offset|limit)(=|$)/i.test(p)).join('&')
    .replace(/[^\w.%@~+=,&:!*'()\-\/;$]/g, (c) => encodeURIComponent(c))  // no < > " or space reach the header
  const page = (offset: number) => `<${request.path}?${kept ? kept + '&' : ''}%40offset=${offset}&%40limit=${opts.limit}>`
  if (more) links.push(`${page(opts.offset + opts.limit)}; rel="next"`)
  if (opts.offset > 0) links.push(`${page(Math.max(0, opts.offset - opts.limit))}; rel="prev"`)
  if (links.length) response.headers.Link = links.join(', ')
  return answer(request, response, JSON.stringify(out))
}

/** Replace each item's reference by the referenced row (its GET policy's fields and query), or null. */
async function inline(db: DAL, policy: RestPolicy, caller: Caller, f: Effective['readable'][number], items: Record<string, unknown>[], request: RestRequest): Promise<void> {
  const target = f.referenced!
  const eff = effective(db, tableRules(policy, target)!, target, 'GET')
  await checkAccess(policy, eff, caller, target)
  const ids = [...new Set(items.map((i) => i[f.name]).filter((v): v is number => typeof v === 'number'))]
  const byId = new Map<number, unknown>()
  if (ids.length) {
    const restrict = restrictingQuery(eff, { table: eff.table, method: 'GET', userId: caller.userId, request })
    for (const r of await db(where(eff.table, eff.table.id.belongs(ids), restrict) as Query).select(...eff.readable)) {
      byId.set((r as { id: number }).id, plainRow(r as Record<string, unknown>, eff.readable))
    }
  }
  for (const i of items) i[f.name] = byId.get(i[f.name] as number) ?? null
}

/** A GET answer with its ETag; 304 without a body when the client has it already. */
function answer(request: RestRequest, response: RestResponse, body: string): string {
  const etag = `"${createHash('sha1').update(body).digest('base64url')}"`
  response.headers.ETag = etag
  response.headers['Content-Type'] = 'application/json; charset=utf-8'
  response.headers['X-Content-Type-Options'] = 'nosniff'
  const inm = request.headers['if-none-match']
  if (inm && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*')) {
    response.status = 304
    return ''
  }
  return body
}
