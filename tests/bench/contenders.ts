/**
 * What the macro suite measures: each contender is one URL of one server
 * process, with a check of the answer made before any load (a contender whose
 * route does not work yet is reported as failed, never measured).
 */
import type { Probe } from './proc'
import { BENCH_ROWS, STATIC_BODY } from './bench-app'
import { restContenders } from './rest-row'

export type ServerKind = 'node' | 'fastify' | 'express' | 'fastifyrest' | 'quark' | 'quark-routes' | 'quark-workers'

export interface Contender {
  /** short stable id, also used on the command line (--only) */
  id: string
  label: string
  server: ServerKind
  secure: boolean
  path: string
  /** null when the answer is the expected one, else why not */
  check(p: Probe): string | null
}

const helloCheck = (p: Probe) => expect(p, 200, (b) => b.trim() === 'Hello World', 'body "Hello World"')

/** The text of a page, short enough for a table cell: an error page's message rather than its markup. */
export function gist(body: string, max = 160): string {
  const text = /<[a-z!/][^>]*>/i.test(body) ? body.replace(/<(style|script|title|head)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ') : body
  return text.replace(/\s+/g, ' ').trim().slice(0, max)
}

function expect(p: Probe, status: number, ok: (body: string) => boolean, what: string): string | null {
  if (p.status !== status) return `HTTP ${p.status}, expected ${status}: ${gist(p.body)}`
  if (!ok(p.body)) return `unexpected body (wanted ${what}): ${gist(p.body)}`
  return null
}

function tenRows(body: string): boolean {
  const names = body.match(/thing \d{3}/g) ?? []
  return names.length === 10 && names[0] === 'thing 000' && names[9] === 'thing 009'
}

function jsonInfo(p: Probe): string | null {
  const bad = expect(p, 200, () => true, '')
  if (bad) return bad
  if (!String(p.headers['content-type'] ?? '').includes('json')) return `content-type ${p.headers['content-type']}, expected JSON`
  try {
    const v = JSON.parse(p.body) as { message?: unknown; nested?: { text?: unknown } }
    if (v.message !== 'Hello World' || v.nested?.text !== 'a < b & c') return `JSON without the action's values: ${p.body.slice(0, 160)}`
  } catch {
    return `not JSON: ${p.body.slice(0, 160)}`
  }
  return null
}

function quark(secure: boolean): Contender[] {
  const s = secure ? 'https' : 'http'
  return [
    { id: `quark-hello-${s}`, label: 'Quark /welcome/default/hello', server: 'quark', secure, path: '/welcome/default/hello', check: helloCheck },
    { id: `quark-index-${s}`, label: 'Quark /welcome/default/index', server: 'quark', secure, path: '/welcome/default/index',
      check: (p) => expect(p, 200, (b) => /<html/i.test(b) && /<\/html>/i.test(b), 'a full HTML page') },
    { id: `quark-json-${s}`, label: 'Quark generic .json view', server: 'quark', secure, path: '/bench/default/info.json', check: jsonInfo },
    { id: `quark-rows-${s}`, label: `Quark 10 rows of ${BENCH_ROWS} (SQLite + view)`, server: 'quark', secure, path: '/bench/default/rows',
      check: (p) => expect(p, 200, tenRows, 'the first 10 rows, thing 000 .. thing 009') },
    { id: `quark-static-${s}`, label: 'Quark static file (2 KB)', server: 'quark', secure, path: '/bench/static/bench.css',
      check: (p) => expect(p, 200, (b) => b === STATIC_BODY, 'the file byte for byte') },
  ]
}

/**
 * HTTP: every contender. HTTPS: bare node:https (the same certificate as
 * Quark's) and the Quark routes; Fastify and Express are skipped over HTTPS
 * to keep the whole run under five minutes.
 */
export function allContenders(): Contender[] {
  return [
    { id: 'node-http', label: 'bare node:http hello', server: 'node', secure: false, path: '/', check: helloCheck },
    { id: 'fastify-http', label: 'Fastify hello', server: 'fastify', secure: false, path: '/', check: helloCheck },
    { id: 'express-http', label: 'Express hello', server: 'express', secure: false, path: '/', check: helloCheck },
    ...quark(false),
    { id: 'quark-hello-routes-http', label: 'Quark /hello through routes (router + 20 routes_in)', server: 'quark-routes', secure: false, path: '/hello', check: helloCheck },
    // issue 20: the same pages from `quark run --workers 2` (a primary and two workers), beside one process in the same run
    ...quark(false).filter((c) => /^quark-(hello|index|rows)-/.test(c.id))
      .map((c) => ({ ...c, id: c.id.replace(/^quark-/, 'quark-w2-'), label: `${c.label} --workers 2`, server: 'quark-workers' as const })),
    ...restContenders(),
    { id: 'node-https', label: 'bare node:https hello', server: 'node', secure: true, path: '/', check: helloCheck },
    ...quark(true),
  ]
}
