import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'
import { parsePath } from '../../server/dispatch'

let s: TestServer
before(async () => {
  s = await startServer({
    apps: {
      welcome: {
        'controllers/default.ts': `
          export function index() { return 'welcome index' }
          export function show() { return JSON.stringify({ f: request.function, c: request.controller, ext: request.extension, args: request.args.list, a0: request.args(0), a9: request.args(9, 'none') }) }
          export function _secret() { return 'hidden' }
          export const notAFunction = 42
        `,
        'controllers/other.ts': `export function index() { return 'other index' }`,
      },
      shop: { 'controllers/default.ts': `export function index() { return 'shop index' }` },
    },
  })
})
after(() => s.stop())

test('defaults: / is welcome/default/index, /app is app/default/index, /app/c is c/index', async () => {
  assert.equal((await s.request('/')).body, 'welcome index')
  assert.equal((await s.request('/shop')).body, 'shop index')
  assert.equal((await s.request('/shop/')).body, 'shop index')
  assert.equal((await s.request('/welcome/other')).body, 'other index')
})

test('function, extension and args reach the request', async () => {
  const r = await s.request('/welcome/default/show.json/a%20b/2?x=1')
  assert.equal(r.status, 200)
  assert.deepEqual(JSON.parse(r.body), { f: 'show', c: 'default', ext: 'json', args: ['a b', '2'], a0: 'a b', a9: 'none' })
})

test('names outside [A-Za-z0-9_] and bad extensions are 400', async () => {
  for (const p of ['/welcome/de-fault/index', '/welcome/default/in.dex-x', '/we$come', '/welcome/default/index.j-s', '/welcome/default/%69ndex', '/welcome/default/x/%zz']) {
    const r = await s.request(p)
    assert.equal(r.status, 400, p)
  }
})

test('missing app, controller or function is a 404 with a clear page', async () => {
  let r = await s.request('/nosuchapp/default/index')
  assert.equal(r.status, 404)
  assert.match(r.body, /Invalid application: nosuchapp/)
  r = await s.request('/welcome/nosuch/index')
  assert.equal(r.status, 404)
  assert.match(r.body, /Invalid controller/)
  r = await s.request('/welcome/default/nosuch')
  assert.equal(r.status, 404)
  assert.match(r.body, /Invalid function/)
})

test('an action starting with _ and a non-function export are never exposed', async () => {
  const r = await s.request('/welcome/default/_secret')
  assert.equal(r.status, 404)
  assert.doesNotMatch(r.body, /hidden/)
  assert.equal((await s.request('/welcome/default/notAFunction')).status, 404)
})

test("what every object inherits (toString, constructor, valueOf, ...) is no action", async () => {
  for (const f of ['toString', 'constructor', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'toLocaleString', 'propertyIsEnumerable']) {
    const r = await s.request(`/welcome/default/${f}`)
    assert.equal(r.status, 404, f)
    assert.match(r.body, /Invalid function/, f)
  }
})

test('parsePath unit: static, asset and action targets', () => {
  const d = { application: 'welcome', controller: 'default', function: 'index' }
  assert.deepEqual(parsePath('/a/static/css/x.css', d), { kind: 'static', application: 'a', path: 'css/x.css' })
  assert.deepEqual(parsePath('/_quark/htmx.min.js', d), { kind: 'asset', name: 'htmx.min.js' })
  assert.deepEqual(parsePath('/', d), { kind: 'action', application: 'welcome', controller: 'default', function: 'index', extension: 'html', args: [] })
  assert.throws(() => parsePath('/a/b/c.', d), /Invalid name/)
})

test('parsePath keeps full paths only: a path that used a default follows the defaults of the moment', () => {
  const d = { application: 'welcome', controller: 'default', function: 'index' }
  const a = parsePath('/shop/cart/show/1/x%20y', d)
  assert.equal(parsePath('/shop/cart/show/1/x%20y', d), a, 'the same target for the same path')
  assert.ok(Object.isFrozen(a) && Object.isFrozen((a as { args: string[] }).args), 'shared targets cannot be changed')
  assert.deepEqual((a as { args: string[] }).args, ['1', 'x y'])
  // '/shop' and '/shop/cart' depend on the (app's) default controller and function
  assert.equal((parsePath('/shop', d) as { controller: string }).controller, 'default')
  assert.equal((parsePath('/shop', { ...d, controller: 'pages' }) as { controller: string }).controller, 'pages')
  assert.equal((parsePath('/shop/cart/', { ...d, function: 'home' }) as { function: string }).function, 'home')
  assert.equal((parsePath('/shop/cart/', d) as { function: string }).function, 'index')
})

test('framework assets are served under /_quark/, unknown names 404', async () => {
  const r = await s.request('/_quark/htmx.min.js')
  assert.equal(r.status, 200)
  assert.match(String(r.headers['content-type']), /javascript/)
  assert.ok([400, 404].includes((await s.request('/_quark/../package.json')).status))
  assert.equal((await s.request('/_quark/nothing.js')).status, 404)
})

test('routes.json: the site default app and an app default controller/function', async () => {
  const fs = await import('node:fs')
  const path = await import('node:path')
  s.writeFile('shop', 'controllers/pages.ts', `export function home() { return 'shop home' }\nexport function index() { return 'pages index' }`)
  s.writeFile('shop', 'routes.json', JSON.stringify({ defaultController: 'pages', defaultFunction: 'home' }))
  fs.writeFileSync(path.join(s.folder, 'routes.json'), JSON.stringify({ defaultApplication: 'shop' }))
  await new Promise((r) => setTimeout(r, 1100))
  assert.equal((await s.request('/')).body, 'shop home')
  assert.equal((await s.request('/shop')).body, 'shop home')
  assert.equal((await s.request('/shop/pages')).body, 'shop home')
  assert.equal((await s.request('/shop/default')).body, 'shop index')
  assert.equal((await s.request('/shop/pages/index')).body, 'pages index')
  assert.equal((await s.request('/welcome')).body, 'welcome index')
  // a broken routes file is reported, not fatal: the last good routes stay in force (issue #24)
  fs.writeFileSync(path.join(s.folder, 'routes.json'), '{ broken')
  await new Promise((r) => setTimeout(r, 1100))
  assert.equal((await s.request('/')).body, 'shop home')
  fs.rmSync(path.join(s.folder, 'routes.json'))
  await new Promise((r) => setTimeout(r, 1100))
  assert.equal((await s.request('/')).body, 'welcome index')
})

test('an app created on disk while the server runs is served on the very next request', async () => {
  const fsm = await import('node:fs')
  const pathm = await import('node:path')
  const s = await startServer({ apps: { first: { 'controllers/default.ts': 'export function index() { return "first" }' } } })
  try {
    assert.equal((await s.request('/first/default/index')).status, 200)
    assert.equal((await s.request('/second/default/index')).status, 404)
    const dir = pathm.join(s.folder, 'applications', 'second', 'controllers')
    fsm.mkdirSync(dir, { recursive: true })
    fsm.writeFileSync(pathm.join(dir, 'default.ts'), 'export function index() { return "second" }')
    const r = await s.request('/second/default/index')
    assert.equal(r.status, 200, r.body)
    assert.equal(r.body, 'second')
  } finally { await s.stop() }
})
