/**
 * The fast per-request path keeps every behaviour: lowered exports (lowerExports.ts),
 * bound names cached by scope shape (scope.ts), one writeHead per response, and the
 * ajax answers (flash header, component redirects).
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { transformSync } from 'esbuild'
import { lowerExports } from '../../server/environment/lowerExports'
import { originalPosition } from '../../server/environment/sourcemaps'
import { compileScoped, deriveShape, setScopeShape, scopeShape } from '../../server/environment/scope'
import { startServer, type TestServer } from '../helpers/server'

const cjs = (ts: string) => transformSync(ts, { loader: 'ts', format: 'cjs', target: 'node20' }).code

function runLowered(ts: string, scope: Record<string, unknown> = {}, requireFn: (s: string) => unknown = () => ({})) {
  const l = lowerExports(cjs(ts))
  const script = compileScoped(l.body, { filename: 'lowered.ts', params: ['exports', 'module', 'require'], prelude: l.prelude, helpers: l.helpers })
  const module = { exports: {} as Record<string, unknown> }
  script.run(scope, [module.exports, module, requireFn])
  return { lowered: l, exports: module.exports }
}

test('exports are lowered to plain assignments, helpers split off, line numbers kept', () => {
  const src = 'export const a = 1\nexport function f() { return a + 1 }\nconst b = 2\nexport { b as c }\nexport default 7\n'
  const out = cjs(src)
  const { lowered, exports } = runLowered(src)
  assert.match(lowered.prelude, /__export/)
  assert.ok(lowered.helpers.includes('__export'))
  assert.doesNotMatch(lowered.body, /__toCommonJS|__export\(/)
  assert.match(lowered.body, /exports\["a"\] = a;/)
  // every line of esbuild's output keeps its number
  assert.equal(lowered.body.split('\n').length, out.split('\n').length + 1)
  const userLine = out.split('\n').findIndex((l) => l.startsWith('const a = 1'))
  assert.equal(lowered.body.split('\n')[userLine], 'const a = 1;')
  assert.equal(exports.a, 1)
  assert.equal((exports.f as () => number)(), 2)
  assert.equal(exports.c, 2)
  assert.equal(exports.default, 7)
  // plain data properties, not getters
  assert.equal(typeof Object.getOwnPropertyDescriptor(exports, 'a')?.value, 'number')
})

test('lowered files say their export names; files the lowering leaves alone say none', () => {
  assert.deepEqual(lowerExports(cjs('export const a = 1\nexport function f() { return a }\nexport default 3\n')).exportNames, ['a', 'default', 'f'])
  assert.deepEqual(lowerExports(cjs('const x = 1\nconsole.log(x)\n')).exportNames, [], 'a model without exports exports nothing')
  assert.equal(lowerExports(cjs("export * from './m'\nexport const own = 1\n")).exportNames, undefined)
  // CommonJS-style assignments beside the ESM exports: names not knowable, the slow path copies what is there
  assert.equal(lowerExports(cjs('export const a = 1\nexports.extra = 2\n')).exportNames, undefined)
  assert.equal(lowerExports(cjs('const a = 1\nmodule.exports.extra = a\n')).exportNames, undefined)
})

test('imports keep working with hoisted helpers (default and named)', () => {
  const mod = { __esModule: true, default: 'D', named: 'N' }
  const { exports } = runLowered("import d, { named } from './m'\nexport const both = d + named\n", {}, () => mod)
  assert.equal(exports.both, 'DN')
})

test('`export * from` is left as esbuild wrote it and still works', () => {
  const { lowered, exports } = runLowered("export * from './m'\nexport const own = 1\n", {}, () => ({ fromM: 2 }))
  assert.match(lowered.body, /__toCommonJS/)
  assert.equal(exports.own, 1)
  assert.equal(exports.fromM, 2)
})

test('text that is not esbuild output is left alone', () => {
  const code = 'var x_exports = {};\nfoo(x_exports)\n'
  const l = lowerExports(code)
  assert.equal(l.prelude, '')
  assert.equal(l.body, code)
})

test('scripts bind names by declared shape, and a different shape binds differently', () => {
  const root = Object.freeze(Object.assign(Object.create(null), { helper: () => 'h' }))
  const script = compileScoped('return typeof extra === "undefined" ? helper() : helper() + extra', { filename: 'shape.js' })
  const a = Object.create(root) as Record<string, unknown>
  setScopeShape(a, deriveShape(root, 'req'))
  assert.equal(script.run(a), 'h')
  const b = Object.create(root) as Record<string, unknown>
  b.extra = '+x'
  setScopeShape(b, deriveShape(deriveShape(root, 'req'), 'extra'))
  assert.equal(script.run(b), 'h+x')
  assert.equal(script.run(a), 'h')
  // same path of transitions → same shape; a copy or a derived object has none
  assert.equal(deriveShape(deriveShape(root, 'req'), 'extra'), scopeShape(b))
  assert.equal(scopeShape({ ...b }), undefined)
  assert.equal(scopeShape(Object.create(b)), undefined)
  // an undeclared scope is tested name by name
  const c = Object.create(root) as Record<string, unknown>
  c.extra = '!'
  assert.equal(script.run(c), 'h!')
})

let s: TestServer
before(async () => {
  s = await startServer({
    https: false,
    apps: {
      shop: {
        'models/a.ts': 'export const fromA = "A"\n',
        'models/default/b.ts': 'export const onlyDefault = fromA + "B"\n',
        'controllers/default.ts': [
          'export function index() { return { x: fromA + onlyDefault } }',
          'export function line() { return new Error("here").stack!.split("\\n")[1] }',
          'export function flash() { response.flash = "saved & done"; return "ok" }',
          'export function go() { redirect("/shop/default/index") }',
          'export function headers() { response.headers["content-type"] = "text/plain"; response.setCookie("a", "1"); response.setCookie("b", "2"); return "plain" }',
          'export function nothing() { return null }',
          '',
        ].join('\n'),
        'controllers/other.ts': 'export function index() { return typeof onlyDefault }\n',
        'views/default/index.html': '<p>{{=x}}</p>',
      },
    },
  })
})
after(() => s.stop())

test('conditional models: names differ by controller, alternating requests never mix them', async () => {
  for (let i = 0; i < 3; i++) {
    assert.equal((await s.request('/shop/default/index')).body, '<p>AAB</p>')
    assert.equal((await s.request('/shop/other/index')).body, 'undefined')
  }
})

test('stack positions of a lowered controller still map back to its TypeScript lines', async () => {
  const r = await s.request('/shop/default/line')
  const m = /\((.*controllers\/default\.ts):(\d+):(\d+)\)/.exec(r.body)
  assert.ok(m, r.body)
  const pos = originalPosition(m[1]!, Number(m[2]), Number(m[3]))
  assert.equal(pos?.line, 2)
})

test('one writeHead: a lower-case content-type set by the action wins, cookies all sent', async () => {
  const r = await s.request('/shop/default/headers')
  assert.equal(r.headers['content-type'], 'text/plain')
  assert.equal(r.headers['content-length'], '5')
  assert.deepEqual(Object.keys(r.cookies).sort(), ['a', 'b'])
  const n = await s.request('/shop/default/nothing')
  assert.equal(n.status, 200)
  assert.equal(n.headers['content-length'], '0')
})

test('ajax requests get the flash in quark-component-flash; others do not', async () => {
  const ajax = await s.request('/shop/default/flash', { headers: { 'x-requested-with': 'XMLHttpRequest' } })
  assert.equal(ajax.headers['quark-component-flash'], encodeURIComponent('saved & done'))
  const plain = await s.request('/shop/default/flash')
  assert.equal(plain.headers['quark-component-flash'], undefined)
  const none = await s.request('/shop/default/nothing', { headers: { 'x-requested-with': 'XMLHttpRequest' } })
  assert.equal(none.headers['quark-component-flash'], undefined)
})

test('a redirect in a component request becomes a quark-redirect header (HX-Redirect for htmx)', async () => {
  const comp = await s.request('/shop/default/go', { headers: { 'x-requested-with': 'XMLHttpRequest', 'quark-component': 'c1' } })
  assert.equal(comp.status, 200)
  assert.equal(comp.headers['quark-redirect'], '/shop/default/index')
  assert.equal(comp.headers.location, undefined)
  const hx = await s.request('/shop/default/go', { headers: { 'hx-request': 'true' } })
  assert.equal(hx.status, 200)
  assert.equal(hx.headers['hx-redirect'], '/shop/default/index')
  const plain = await s.request('/shop/default/go')
  assert.equal(plain.status, 303)
  assert.equal(plain.headers.location, '/shop/default/index')
  assert.equal(plain.headers['quark-redirect'], undefined)
})
