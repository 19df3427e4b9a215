/**
 * The router's lists and per-controller defaults over HTTP: `applications` (a listed set: an
 * unlisted app name is read as a function of the default app), `controllers` (a listed set),
 * `default_controller`, `default_function` per controller, map_static, and an app's own router in
 * its routes file; in and out.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'

const SHOW = `JSON.stringify({ a: request.application, c: request.controller, f: request.function, args: request.args.list })`

let s: TestServer
before(async () => {
  s = await startServer({
    https: false,
    apps: {
      shop: {
        'controllers/pages.ts': `export function home() { return ${SHOW} }\nexport function blog() { return ${SHOW} }\nexport function links() { return JSON.stringify({ home: URL('pages', 'home'), list: URL('cart', 'list'), item: URL('cart', 'list', { args: ['x'] }), other: URL('other', 'index'), css: URL('static', 'a.css'), blogApp: URL('blog', 'main', 'start') }) }`,
        'controllers/cart.ts': `export function list() { return ${SHOW} }`,
        'controllers/other.ts': `export function index() { return ${SHOW} }`,
        'static/a.css': 'css',
      },
      tools: { 'controllers/default.ts': `export function index() { return ${SHOW} }` },
      blog: {
        'controllers/main.ts': `export function start() { return ${SHOW} }`,
        // the app's own router, in its routes file
        'routes.json': JSON.stringify({ router: { default_controller: 'main', default_function: 'start' } }),
      },
    },
    siteFiles: {
      'routes.json': JSON.stringify({
        routers: {
          BASE: { default_application: 'shop', applications: ['shop', 'blog'] },
          shop: { default_controller: 'pages', default_function: { pages: 'home', cart: 'list' }, controllers: ['pages', 'cart'], map_static: true },
        },
      }),
    },
  })
})
after(() => s.stop())

const show = async (p: string) => {
  const r = await s.request(p)
  assert.equal(r.status, 200, `${p}: ${r.status} ${r.body.slice(0, 200)}`)
  return JSON.parse(r.body)
}

test('applications, controllers, default_controller and default_function per controller', async () => {
  assert.deepEqual(await show('/'), { a: 'shop', c: 'pages', f: 'home', args: [] })
  assert.deepEqual(await show('/cart'), { a: 'shop', c: 'cart', f: 'list', args: [] })
  // 'tools' is not in applications: a function of the default controller (which has none: 404)
  assert.equal((await s.request('/tools')).status, 404)
  // 'other' is not in controllers: a function of pages (none: 404), even in the full form
  assert.equal((await s.request('/other')).status, 404)
  assert.equal((await s.request('/shop/other/index')).status, 404)
  const links = JSON.parse((await s.request('/links')).body)
  assert.equal(links.home, '/')
  assert.equal(links.list, '/cart')
  assert.equal(links.item, '/cart/list/x')
  // map_static: the default app's static files without the app
  assert.equal(links.css, '/static/a.css')
  assert.equal((await s.request(links.css)).body, 'css')
  assert.equal(links.blogApp, '/blog')
})

test("an app's own router (its routes file) sets its defaults", async () => {
  assert.deepEqual(await show('/blog'), { a: 'blog', c: 'main', f: 'start', args: [] })
  assert.deepEqual(await show('/blog/main/start/1'), { a: 'blog', c: 'main', f: 'start', args: ['1'] })
})
