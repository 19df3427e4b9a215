/**
 * The JSON body of a RestAPI write, checked before any validator runs: a
 * JSON object (Content-Type application/json), within the size and depth
 * bounds, naming only fields of the table, and among those only the ones the
 * policy lets the caller write (others: 403). The http room has already
 * refused malformed JSON (QK_HTTP_BAD_JSON) and bodies above --max-body.
 */
import type { Effective, Method, RestPolicy } from './policy'
import { QK_REST_BAD_BODY, QK_REST_BODY_TOO_LARGE, QK_REST_FORBIDDEN_FIELD } from './errors'

interface BodyRequest { headers: Record<string, string | undefined>; postVars?: Record<string, unknown>; body?: Buffer }

function depthOf(v: unknown, max: number, level = 0): number {
  if (level > max) return level
  if (v === null || typeof v !== 'object') return level
  let d = level + 1
  for (const x of Object.values(v as object)) { d = Math.max(d, depthOf(x, max, level + 1)); if (d > max) break }
  return d
}

export function readBody(request: BodyRequest, eff: Effective, policy: RestPolicy, method: Method): Record<string, unknown> {
  const type = (request.headers['content-type'] ?? '').toLowerCase()
  if (!type.startsWith('application/json')) throw new QK_REST_BAD_BODY('send a JSON object with Content-Type: application/json')
  const max = policy.maxBodyBytes ?? 64 * 1024
  const size = Number(request.headers['content-length'] ?? 0)
  if (size > max) throw new QK_REST_BODY_TOO_LARGE(size, max)
  if (request.body && request.body.length) throw new QK_REST_BAD_BODY('the body must be a JSON object')
  const given = request.postVars ?? {}
  const maxDepth = policy.maxDepth ?? 8
  // the object itself is level 1: {"a": {"b": 1}} is 2 deep
  if (depthOf(given, maxDepth) > maxDepth) throw new QK_REST_BAD_BODY(`nested deeper than ${maxDepth} levels`)
  const writable = new Set(eff.writable.map((f) => f.name))
  const values: Record<string, unknown> = {}
  for (const k of Object.keys(given)) {
    if (!eff.table._fieldMap.has(k)) throw new QK_REST_BAD_BODY(`unknown field ${JSON.stringify(k.slice(0, 64))}; writable fields: ${[...writable].join(', ')}`)
    if (!writable.has(k)) throw new QK_REST_FORBIDDEN_FIELD(k, [...writable].join(', ') || '(none)')
    values[k] = given[k]
  }
  if (method === 'PUT') {
    // PUT replaces the record: a writable field it leaves out takes its default
    for (const f of eff.writable) {
      if (f.name in values) continue
      values[f.name] = typeof f.default === 'function' ? (f.default as () => unknown)() : f.default ?? null
    }
  }
  return values
}
