/**
 * The fuzz targets: for each, a fast-check arbitrary of inputs (JSON values,
 * so that a seed or a regression is one JSON line in corpus/<target>.jsonl)
 * and a check that throws when the code under test misbehaves. What counts
 * as misbehaving: an exception that is not one of Quark's named errors
 * (QK_...), a wrong answer where the answer is known (escaping, query
 * results against the same filter in JavaScript), an unsafe result (a path
 * leaving its folder), a 5xx from the server, or a hang (the worker is
 * killed after a bound: fuzz/worker.ts).
 */
import fc from 'fast-check'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { parseTemplate, TemplateEngine } from '../../../server/template/index'
import { parsePath } from '../../../server/dispatch/index'
import { safeSegments, escapeHtml } from '../../../server/http/index'
import { readW2t, packApp, tarHeader } from '../../../server/pack/index'
import { DAL, Field } from '../../../server/dal/index'
import { startServer, type TestServer } from '../../helpers/server'

export interface Target {
  /** inputs as JSON values */
  arbitrary: fc.Arbitrary<unknown>
  check(input: unknown): Promise<void> | void
  setup?(): Promise<void>
  teardown?(): Promise<void>
}

/** Quark's named errors carry a QK_ code; anything else escaping a parser is a crash. */
function named(e: unknown, prefix: string): void {
  const code = (e as { code?: unknown })?.code
  if (typeof code === 'string' && code.startsWith(prefix)) return
  throw new Error(`not a ${prefix}* error: ${(e as Error)?.stack ?? String(e)}`)
}

const bytesOf = (b64: unknown) => Buffer.from(String(b64), 'base64')

// ---------------------------------------------------------------- template parser
const TEMPLATE_PIECES = ['{{', '}}', '{{=', '{{pass}}', '{{end}}', '{{else}}', '{{if x:}}', '{{if (x) {}}', '{{}}}', '{{block a}}', '{{super}}', '{{extend "layout.html"}}',
  '{{include}}', '{{include "x.html"}}', '{{for (const i of [1]) {}}', '{{ } }}', '{{# comment}}', '{{=XML(x)}}', '"', "'", '`', '\\', '\n', '<script>', '{', '}', '=', 'pass', 'x', ' ', '\u2028', '\0']
const templateText = fc.array(fc.oneof(fc.constantFrom(...TEMPLATE_PIECES), fc.string({ maxLength: 6 })), { maxLength: 40 }).map((a) => a.join(''))

let viewsDir = ''
let engine: TemplateEngine | undefined
const template: Target = {
  arbitrary: fc.record({ source: templateText, value: fc.string({ maxLength: 30 }) }),
  async setup() {
    viewsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-rel-fuzz-views-'))
    fs.writeFileSync(path.join(viewsDir, 'escape.html'), '<p>{{=v}}</p>')
    engine = new TemplateEngine({ viewsFolder: viewsDir, checkEveryMs: 0 } as never)
  },
  async teardown() { fs.rmSync(viewsDir, { recursive: true, force: true }) },
  async check(input) {
    const { source, value } = input as { source: string; value: string }
    try { parseTemplate(source, 'fuzz.html') } catch (e) { named(e, 'QK_TEMPLATE') }
    // {{=v}} escapes whatever v is
    const out = await engine!.render('escape.html', { v: value })
    if (out !== `<p>${escapeHtml(value)}</p>`) throw new Error(`{{=v}} rendered ${JSON.stringify(out)} for ${JSON.stringify(value)}`)
  },
}

// ---------------------------------------------------------------- URL parser and routes
const SEGMENTS = ['', '.', '..', '%2e%2e', '%2F', '%5c', 'static', 'default', 'index', 'rel', '_quark', 'a.b', 'x.json', '%00', '%', '%zz', '~', 'é', '\u0000', ':', 'C:', 'admin', 'a'.repeat(70)]
const urlPath = fc.array(fc.oneof(fc.constantFrom(...SEGMENTS), fc.string({ maxLength: 8 })), { maxLength: 8 }).map((a) => '/' + a.join('/'))
const NAME = /^[A-Za-z0-9_]+$/
const url: Target = {
  arbitrary: urlPath,
  check(input) {
    const p = String(input)
    // with the site's defaults, and with routes (a default app from routes.json, an app's own default controller and function)
    for (const defaults of [{ application: 'welcome', controller: 'default', function: 'index' }, { application: () => 'shop', controller: 'default', function: 'index', forApp: (app: string) => (app === 'shop' ? { controller: 'pages', function: 'home' } : undefined) }]) checkPath(p, defaults)
  },
}
function checkPath(p: string, defaults: Parameters<typeof parsePath>[1]): void {
  {
    let t
    try { t = parsePath(p, defaults) } catch (e) { named(e, 'QK_DISPATCH'); return }
    if (t.kind === 'action') {
      for (const n of [t.application, t.controller, t.function]) if (!NAME.test(n)) throw new Error(`parsePath(${JSON.stringify(p)}) gave the name ${JSON.stringify(n)}`)
      if (!/^[A-Za-z0-9]+$/.test(t.extension)) throw new Error(`extension ${JSON.stringify(t.extension)}`)
    }
    if (t.kind === 'static') {
      if (!NAME.test(t.application)) throw new Error(`static app ${JSON.stringify(t.application)}`)
      // what the static server resolves: never a segment that climbs or names a device/drive
      let segs: string[] | undefined
      try { segs = safeSegments(t.path) } catch (e) { throw new Error(`safeSegments threw on ${JSON.stringify(t.path)}: ${(e as Error).message}`) }
      for (const s of segs ?? []) if (s === '..' || s === '.' || s === '' || /[/\\\0:]/.test(s)) throw new Error(`safeSegments(${JSON.stringify(t.path)}) kept ${JSON.stringify(s)}`)
    }
  }
}

// ---------------------------------------------------------------- .w2t reader
function tarOf(entries: { name: string; type: string; data: string; link?: string }[]): Buffer {
  const blocks: Buffer[] = []
  for (const e of entries) {
    const data = Buffer.from(e.data)
    let h: Buffer
    try { h = tarHeader({ name: e.name, type: e.type, mode: 0o644, mtime: 1_700_000_000, size: e.type === '0' ? data.length : 0, linkname: e.link }) } catch { continue }
    blocks.push(h)
    if (e.type === '0' && data.length) blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512))
  }
  blocks.push(Buffer.alloc(1024))
  return Buffer.concat(blocks)
}
const entryName = fc.array(fc.oneof(fc.constantFrom('..', '.', '', 'models', 'static', 'a', '/', '\\', 'C:', 'x.ts', '\u0001'), fc.string({ maxLength: 5 })), { minLength: 1, maxLength: 5 }).map((a) => a.join('/'))
let validW2t: Buffer | undefined
const w2t: Target = {
  arbitrary: fc.oneof(
    fc.uint8Array({ maxLength: 600 }).map((b) => ({ kind: 'bytes', b64: Buffer.from(b).toString('base64') })),
    fc.array(fc.record({ name: entryName, type: fc.constantFrom('0', '5', '1', '2', '3', '6', 'x'), data: fc.string({ maxLength: 20 }), link: fc.option(entryName, { nil: undefined }) }), { maxLength: 5 }).map((entries) => ({ kind: 'entries', entries })),
    fc.record({ flips: fc.array(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 4 }), cut: fc.option(fc.nat(), { nil: undefined }), inner: fc.boolean() }).map((m) => ({ kind: 'mutated', ...m })),
  ),
  async setup() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-rel-fuzz-app-'))
    fs.mkdirSync(path.join(dir, 'controllers'))
    fs.writeFileSync(path.join(dir, 'controllers', 'default.ts'), 'export function index() { return "x" }\n')
    fs.mkdirSync(path.join(dir, 'static'))
    fs.writeFileSync(path.join(dir, 'static', 'a.txt'), 'a'.repeat(700))
    validW2t = packApp(dir)
    fs.rmSync(dir, { recursive: true, force: true })
  },
  check(input) {
    const i = input as { kind: string; b64?: string; entries?: { name: string; type: string; data: string; link?: string }[]; flips?: { at: number; xor: number }[]; cut?: number; inner?: boolean }
    let archive: Buffer
    if (i.kind === 'bytes') archive = bytesOf(i.b64)
    else if (i.kind === 'entries') archive = zlib.gzipSync(tarOf(i.entries!))
    else {
      // bit flips in the gzip bytes, or in the tar inside (then gzipped again), and a cut
      let b = Buffer.from(i.inner ? zlib.gunzipSync(validW2t!) : validW2t!)
      for (const f of i.flips!) b[f.at % b.length] ^= f.xor
      if (i.cut !== undefined) b = b.subarray(0, i.cut % (b.length + 1))
      archive = i.inner ? zlib.gzipSync(b) : b
    }
    let entries
    try { entries = readW2t(archive, { maxTotal: 1 << 20, maxFile: 1 << 20 }) } catch (e) { named(e, 'QK_PACK'); return }
    for (const e of entries) {
      const parts = e.rel.split('/')
      if (!e.rel || e.rel.startsWith('/') || parts.some((p) => p === '..' || p === '.' || p === '' || /[\\\0-\x1f]/.test(p)) || /^[A-Za-z]:/.test(e.rel)) throw new Error(`an unsafe entry was accepted: ${JSON.stringify(e.rel)}`)
    }
  },
}

// ---------------------------------------------------------------- DAL query compiler (differential against JavaScript)
type Q = { op: string; f?: 'name' | 'qty'; v?: unknown; a?: Q; b?: Q }
const CHARS = 'abc%_\\\'"; -*/0'
const str = fc.string({ unit: fc.constantFrom(...CHARS.split('')), maxLength: 6 })
const leaf: fc.Arbitrary<Q> = fc.oneof(
  fc.record({ op: fc.constantFrom('eq', 'ne', 'lt', 'le', 'gt', 'ge'), f: fc.constant('name' as const), v: str }),
  fc.record({ op: fc.constantFrom('eq', 'ne', 'lt', 'le', 'gt', 'ge'), f: fc.constant('qty' as const), v: fc.integer({ min: -5, max: 5 }) }),
  fc.record({ op: fc.constantFrom('contains', 'startsWith', 'endsWith'), f: fc.constant('name' as const), v: str }),
  fc.record({ op: fc.constant('belongs'), f: fc.constant('qty' as const), v: fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 4 }) }),
  fc.record({ op: fc.constantFrom('isNull', 'isNotNull'), f: fc.constantFrom('name' as const, 'qty' as const) }),
)
const queryTree: fc.Arbitrary<Q> = fc.letrec<{ q: Q }>((tie) => ({
  q: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.record({ op: fc.constantFrom('and', 'or'), a: tie('q'), b: tie('q') }), fc.record({ op: fc.constant('not'), a: tie('q') })),
})).q
const ROWS: { name: string | null; qty: number | null }[] = [
  { name: 'abc', qty: 1 }, { name: 'a%c', qty: -2 }, { name: 'a_c', qty: 0 }, { name: "o'b", qty: 5 }, { name: 'x\\y', qty: null }, { name: null, qty: 3 },
  { name: '', qty: 2 }, { name: 'b"c', qty: -5 }, { name: 'c;-', qty: 4 }, { name: '%', qty: 1 }, { name: '_', qty: -1 }, { name: 'ab', qty: 0 },
]
/** SQL's three-valued logic: null is unknown. */
function evalJs(q: Q, r: { name: string | null; qty: number | null }): boolean | null {
  const x = q.f ? r[q.f] : null
  const cmp = (fn: (a: any, b: any) => boolean) => (x === null ? null : fn(x, q.v))
  switch (q.op) {
    case 'eq': return cmp((a, b) => a === b)
    case 'ne': return cmp((a, b) => a !== b)
    case 'lt': return cmp((a, b) => a < b)
    case 'le': return cmp((a, b) => a <= b)
    case 'gt': return cmp((a, b) => a > b)
    case 'ge': return cmp((a, b) => a >= b)
    case 'contains': return cmp((a: string, b: string) => a.toLowerCase().includes(b.toLowerCase()))
    case 'startsWith': return cmp((a: string, b: string) => a.startsWith(b))
    case 'endsWith': return cmp((a: string, b: string) => a.endsWith(b))
    case 'belongs': return cmp((a, b: unknown[]) => b.includes(a))
    case 'isNull': return x === null
    case 'isNotNull': return x !== null
    case 'and': { const a = evalJs(q.a!, r), b = evalJs(q.b!, r); return a === false || b === false ? false : a === null || b === null ? null : true }
    case 'or': { const a = evalJs(q.a!, r), b = evalJs(q.b!, r); return a === true || b === true ? true : a === null || b === null ? null : false }
    case 'not': { const a = evalJs(q.a!, r); return a === null ? null : !a }
  }
  throw new Error(`op ${q.op}`)
}
let fuzzDb: any
function build(q: Q): any {
  const t = fuzzDb.item
  switch (q.op) {
    case 'and': return build(q.a!).and(build(q.b!))
    case 'or': return build(q.a!).or(build(q.b!))
    case 'not': return build(q.a!).not()
    case 'isNull': return t[q.f!].isNull()
    case 'isNotNull': return t[q.f!].isNotNull()
    default: return t[q.f!][q.op](q.v)
  }
}
const dal: Target = {
  arbitrary: queryTree,
  async setup() {
    fuzzDb = new DAL('sqlite://memory')
    fuzzDb.defineTable('item', Field('name', 'string'), Field('qty', 'integer'))
    for (const r of ROWS) await fuzzDb.item.insert(r)
  },
  async check(input) {
    const q = input as Q
    const ids = [...await fuzzDb(build(q)).select(fuzzDb.item.id, { orderby: fuzzDb.item.id })].map((r: any) => r.id)
    const expected = ROWS.map((r, i) => (evalJs(q, r) === true ? i + 1 : 0)).filter(Boolean)
    if (JSON.stringify(ids) !== JSON.stringify(expected)) throw new Error(`rows ${JSON.stringify(ids)}, JavaScript says ${JSON.stringify(expected)} for ${fuzzDb(build(q))._select(fuzzDb.item.id)}`)
  },
}

// ---------------------------------------------------------------- body parsers, through the real server
let server: TestServer | undefined
const BOUNDARY = 'fuzzBoundary'
const bodies: Target = {
  arbitrary: fc.oneof(
    fc.record({ type: fc.constant('application/x-www-form-urlencoded'), body: fc.string({ unit: fc.constantFrom(...'a=&%2Z0[]._\u00e9+'.split('')), maxLength: 80 }) }),
    fc.record({ type: fc.constant('application/json'), body: fc.oneof(fc.json({ maxDepth: 4 }), fc.string({ unit: fc.constantFrom(...'{}[]":,0a\\ntu'.split('')), maxLength: 40 })) }),
    fc.record({
      type: fc.constant(`multipart/form-data; boundary=${BOUNDARY}`),
      body: fc.array(fc.oneof(
        fc.constantFrom(`--${BOUNDARY}\r\n`, `--${BOUNDARY}--\r\n`, 'Content-Disposition: form-data; name="a"\r\n', 'Content-Disposition: form-data; name="f"; filename="x.txt"\r\n', 'Content-Type: text/plain\r\n', '\r\n', 'value', '\r', '\n', '--', BOUNDARY, 'filename="../../x"', 'name=""'),
        fc.string({ maxLength: 6 })), { maxLength: 14 }).map((a) => a.join('')),
    }),
  ),
  async setup() {
    server = await startServer({ apps: { fz: { 'controllers/default.ts': 'export function echo() { return response.json({ n: Object.keys(request.vars).length, files: request.files.length }) }' } }, https: false, options: { maxBodySize: 4096, maxFileSize: 2048 } })
  },
  async teardown() { await server?.stop() },
  async check(input) {
    const i = input as { type: string; body: string }
    const r = await server!.request('/fz/default/echo', { method: 'POST', body: i.body, headers: { 'content-type': i.type }, timeout: 20_000 })
    if (![200, 400, 413].includes(r.status)) throw new Error(`status ${r.status}: ${r.body.slice(0, 200)}`)
  },
}

/** The harness's own check: a target that fails on any string holding "zz" (fuzz.test.ts expects it found). */
const canary: Target = {
  arbitrary: fc.string({ unit: fc.constantFrom('x', 'y', 'z'), maxLength: 12 }),
  check(input) { if (String(input).includes('zz')) throw new Error('canary found') },
}

export const TARGETS: Record<string, Target> = { template, url, w2t, dal, bodies, canary }
