/**
 * The OpenAPI 3.1 document of a RestAPI (`.../api/openapi.json`): one path
 * per table and per record for the methods the policy allows, schemas from
 * the field types and validators (model.ts), filter parameters for the
 * readable fields, the bounds of @limit, the security schemes the policy
 * accepts; and the JSON / JSON-RPC functions of the Services named in
 * `policy.services`. Paths are absolute (/<app>/<controller>/<function>/...),
 * so one document can hold both.
 */
import type { DAL, FieldClass as Field } from '../../dal/index'
import { Service, parametersOf } from '../service'
import { allowedMethods, effective, tableRules, type Effective, type Method, type RestPolicy } from './policy'
import { OPERATORS } from './filters'
import { fieldSchema } from './model'

type Json = Record<string, unknown>

const ERROR = { $ref: '#/components/schemas/Error' }
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ERROR } } })

function schemaName(table: string, suffix = ''): string {
  return table.replace(/(^|_)(\w)/g, (_, __, c: string) => c.toUpperCase()) + suffix
}

function objectSchema(fields: Field[], requiredOf: (f: Field) => boolean): Json {
  const properties: Json = {}
  const required: string[] = []
  for (const f of fields) {
    properties[f.name] = fieldSchema(f)
    if (requiredOf(f)) required.push(f.name)
  }
  return { type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: false }
}

function isTextField(f: Field): boolean { return f.type === 'string' || f.type === 'text' || f.type === 'citext' }

function filterParameters(readable: Field[], maxLimit: number, defaultLimit: number): Json[] {
  const out: Json[] = []
  for (const f of readable) {
    for (const op of OPERATORS) {
      if ((op === 'contains' || op === 'startswith') && !isTextField(f)) continue
      const s = fieldSchema(f)
      const base = Array.isArray(s.type) ? (s.type as string[])[0] : s.type
      const schema = op === 'in' ? { type: 'string', description: 'comma-separated values' } : { type: base === 'integer' || base === 'number' || base === 'boolean' ? base : 'string' }
      out.push({ name: `${f.name}.${op}`, in: 'query', required: false, schema, description: `${f.label || f.name} ${op}` })
    }
  }
  out.push(
    { name: '@order', in: 'query', schema: { type: 'string' }, description: 'comma-separated fields, - for descending: -id,name' },
    { name: '@limit', in: 'query', schema: { type: 'integer', minimum: 0, maximum: maxLimit, default: defaultLimit } },
    { name: '@offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } },
    { name: '@count', in: 'query', schema: { type: 'boolean' }, description: 'add the number of matching records' },
    { name: '@lookup', in: 'query', schema: { type: 'string' }, description: 'reference fields whose records are inlined' },
    { name: '@model', in: 'query', schema: { type: 'boolean' }, description: 'add the fields\' metadata' },
  )
  return out
}

function security(policy: RestPolicy, eff: Effective): Json[] | undefined {
  if (!policy.auth) return undefined
  const schemes: Json[] = [{ session: [] }, { bearer: [] }, { apiKey: [] }]
  if (policy.basic !== false) schemes.push({ basic: [] })
  const needLogin = eff.requiresLogin || eff.membership !== undefined || eff.permission !== undefined
  return needLogin ? schemes : [{}, ...schemes]
}

function tablePaths(db: DAL, policy: RestPolicy, name: string, base: string, schemas: Json): Json {
  const rules = tableRules(policy, name)!
  const methods = allowedMethods(rules)
  const coll: Json = {}
  const item: Json = {}
  const read = schemaName(name)
  const write = schemaName(name, 'Write')
  const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }
  const common = { '401': errorResponse('Not authenticated'), '403': errorResponse('Not allowed'), '429': errorResponse('Too many requests') }
  for (const m of methods) {
    const eff = effective(db, rules, name, m as Method)
    const sec = security(policy, eff)
    const extra = sec ? { security: sec } : {}
    if (m === 'GET') {
      schemas[read] = objectSchema(eff.readable, () => true)
      const rowRef = { $ref: `#/components/schemas/${read}` }
      coll.get = {
        operationId: `list_${name}`, tags: [name], summary: `List ${name}`, ...extra,
        parameters: filterParameters(eff.readable, policy.maxLimit ?? 100, policy.defaultLimit ?? 20),
        responses: {
          '200': { description: 'A page of records (Link: rel=next/prev)', content: { 'application/json': { schema: { type: 'object', properties: { items: { type: 'array', items: rowRef }, count: { type: 'integer' }, model: { type: 'array', items: { type: 'object' } } }, required: ['items'] } } } },
          '304': { description: 'Not modified (If-None-Match)' }, '400': errorResponse('Bad filter or bound'), ...common,
        },
      }
      item.get = { operationId: `get_${name}`, tags: [name], summary: `One ${name}`, parameters: [idParam], ...extra, responses: { '200': { description: 'The record', content: { 'application/json': { schema: rowRef } } }, '304': { description: 'Not modified' }, '404': errorResponse('No such record'), ...common } }
    } else {
      // POST and PUT send every required field; PATCH any of them
      const bodySchema = m === 'PATCH' ? schemaName(name, 'Patch') : write
      if (m !== 'DELETE') schemas[bodySchema] = objectSchema(eff.writable, (f) => m !== 'PATCH' && fieldSchemaRequired(f))
      const body = { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${bodySchema}` } } } }
      const written = { content: { 'application/json': { schema: { type: 'object' } } } }
      const invalid = { description: 'Validation errors by field', content: { 'application/json': { schema: { type: 'object', properties: { errors: { type: 'object', additionalProperties: { type: 'string' } } }, required: ['errors'] } } } }
      if (m === 'POST') coll.post = { operationId: `create_${name}`, tags: [name], summary: `Create a ${name}`, ...extra, requestBody: body, responses: { '201': { description: 'Created (Location: its URL)', ...written }, '400': errorResponse('Bad body'), '413': errorResponse('Body too large'), '422': invalid, ...common } }
      else if (m === 'DELETE') item.delete = { operationId: `delete_${name}`, tags: [name], summary: `Delete a ${name}`, parameters: [idParam], ...extra, responses: { '204': { description: 'Deleted' }, '404': errorResponse('No such record'), ...common } }
      else item[m.toLowerCase()] = { operationId: `${m.toLowerCase()}_${name}`, tags: [name], summary: m === 'PUT' ? `Replace a ${name}` : `Change fields of a ${name}`, parameters: [idParam], ...extra, requestBody: body, responses: { '200': { description: 'The record as stored', ...written }, '400': errorResponse('Bad body'), '404': errorResponse('No such record'), '413': errorResponse('Body too large'), '422': invalid, ...common } }
    }
  }
  const out: Json = {}
  if (Object.keys(coll).length) out[`${base}/${name}`] = coll
  if (Object.keys(item).length) out[`${base}/${name}/{id}`] = item
  return out
}

function fieldSchemaRequired(f: Field): boolean {
  const s = fieldSchema(f)
  return !Array.isArray(s.type) && f.default === undefined && f.type !== 'id'
}

function servicePaths(action: string, service: Service): Json {
  const out: Json = {}
  const base = action.replace(/\/$/, '')
  for (const fn of service.functions('json')) {
    // Service keeps its functions private (services/service.ts is another engineer's file): the
    // parameter names are read from the registered function, as Service.call() itself maps ?a=&b=
    const f = (service as unknown as { registry: Map<string, Map<string, (...a: unknown[]) => unknown>> }).registry.get('json')?.get(fn)
    const params = (f && parametersOf(f)) ?? []
    out[`${base}/json/${fn}`] = {
      get: {
        operationId: `json_${fn}`.replace(/[^\w]/g, '_'), tags: ['services'], summary: `Service JSON function ${fn}`,
        parameters: params.map((p) => ({ name: p, in: 'query', required: false, schema: { type: 'string' } })),
        responses: { '200': { description: 'The function\'s value as JSON', content: { 'application/json': { schema: {} } } }, '404': { description: 'No such function' } },
      },
    }
  }
  for (const kind of ['jsonrpc', 'jsonrpc2'] as const) {
    const names = service.functions(kind)
    if (!names.length) continue
    const v2 = kind === 'jsonrpc2'
    out[`${base}/${kind}`] = {
      post: {
        operationId: `${kind}_${base.replace(/[^\w]/g, '_')}`, tags: ['services'], summary: `JSON-RPC ${v2 ? '2.0' : '1.0'}: ${names.join(', ')}`,
        requestBody: { required: true, content: { 'application/json': { schema: {
          type: 'object', required: ['method'],
          properties: { ...(v2 ? { jsonrpc: { const: '2.0' } } : {}), id: { type: ['integer', 'string', 'null'] }, method: { type: 'string', enum: names }, params: { type: ['array', 'object'] } },
          ...(v2 ? { example: { jsonrpc: '2.0', id: 1, method: names[0], params: [] } } : {}),
        } } } },
        responses: { '200': { description: 'The JSON-RPC response (result or error)', content: { 'application/json': { schema: { type: 'object' } } } } },
      },
    }
  }
  return out
}

export function openapiDocument(db: DAL, policy: RestPolicy, base: string, application: string): Json {
  const schemas: Json = {
    Error: { type: 'object', properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] } }, required: ['error'] },
  }
  let paths: Json = {}
  for (const name of Object.keys(policy.tables)) paths = { ...paths, ...tablePaths(db, policy, name, base, schemas) }
  for (const [action, service] of Object.entries(policy.services ?? {})) {
    if (!(service instanceof Service)) continue
    const url = action.startsWith('/') ? action : `/${application}/${action}`
    paths = { ...paths, ...servicePaths(url, service) }
  }
  const components: Json = { schemas }
  if (policy.auth) {
    components.securitySchemes = {
      session: { type: 'apiKey', in: 'cookie', name: `session_id_${application}`, description: 'the login of the app\'s session' },
      bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'HS256 JWT whose sub is the user id' },
      apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'an API key made in the profile page' },
      ...(policy.basic !== false ? { basic: { type: 'http', scheme: 'basic', description: 'email (or username) and password of auth_user' } } : {}),
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: policy.title ?? `${application} API`, version: policy.version ?? '1.0.0' },
    paths,
    components,
  }
}
