/**
 * The RestAPI row of the macro suite (issue 23): GET of 10 rows through
 * RestAPI (the bench app's `api` action over its 100-row table) beside
 * Fastify + better-sqlite3 returning the same JSON (servers/fastify-rest.ts).
 * Target: Quark at least 50% of Fastify's requests/s in the same run.
 */
import type { Contender } from './contenders'
import type { Probe } from './proc'


const EXPECTED = JSON.stringify({ items: Array.from({ length: 10 }, (_, i) => ({ id: i + 1, name: 'thing ' + String(i).padStart(3, '0'), value: i + 1 })) })

/** Both servers must send exactly the same JSON document. */
function sameJson(p: Probe): string | null {
  if (p.status !== 200) return `HTTP ${p.status}, expected 200: ${p.body.slice(0, 160)}`
  if (!String(p.headers['content-type'] ?? '').includes('application/json')) return `content-type ${p.headers['content-type']}, expected JSON`
  try {
    if (JSON.stringify(JSON.parse(p.body)) !== EXPECTED) return `not the 10 rows: ${p.body.slice(0, 160)}`
  } catch { return `not JSON: ${p.body.slice(0, 160)}` }
  return null
}

export function restContenders(): Contender[] {
  return [
    { id: 'rest-quark-http', label: 'Quark RestAPI GET 10 rows (SQLite, JSON)', server: 'quark', secure: false, path: '/bench/default/api/thing?@limit=10', check: sameJson },
    { id: 'rest-fastify-http', label: 'Fastify + better-sqlite3 GET 10 rows (same JSON)', server: 'fastifyrest' as Contender['server'], secure: false, path: '/api/thing?@limit=10', check: sameJson },
  ]
}
