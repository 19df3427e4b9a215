/**
 * domains: two host names → two apps in one process (Host header), in and out; exclusive_domain
 * (an app reachable only through its domain, links to it written with its host); root static files
 * per domain; and the plain mode (no routes file): /favicon.ico from the default app, a 404 (not a
 * 400) without it.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startServer, type TestServer } from '../helpers/server'

const SHOW = `JSON.stringify({ a: request.application, c: request.controller, f: request.function, args: request.args.list })`
const LINKS = `export function links() { return JSON.stringify({ index: URL('index'), post: URL('post', { args: [1] }), other: URL('OTHER', 'default', 'index'), otherPost: URL('OTHER', 'default', 'post', { args: [2] }), css: URL('static', 'site.css'), otherCss: URL('OTHER', 'static', 'site.css') }) }`

function apps() {
  return {
    shop: {
      'controllers/default.ts': `export function index() { return ${SHOW} }\nexport function post() { return ${SHOW} }\n${LINKS.replace(/OTHER/g, 'blog')}`,
      'static/favicon.ico': 'shop-icon',
      'static/site.css': 'shop-css',
    },
    blog: {
      'controllers/default.ts': `export function index() { return ${SHOW} }\nexport function post() { return ${SHOW} }\n${LINKS.replace(/OTHER/g, 'shop')}`,
      'controllers/admin.ts': `export function index() { return ${SHOW} }`,
      'static/favicon.ico': 'blog-icon',
    },
    tools: { 'controllers/default.ts': `export function index() { return ${SHOW} }` },
  }
}

let open: TestServer
let excl: TestServer
before(async () => {
  open = await startServer({ apps: apps(), https: false, options: { allowedHosts: ['*'] }, siteFiles: { 'routes.json': JSON.stringify({
    routers: { BASE: { default_application: 'tools', domains: { 'shop.example': 'shop', 'blog.example:8080': 'blog', 'admin.blog.example': 'blog/admin' } } },
  }) } })
  excl = await startServer({ apps: apps(), https: false, options: { allowedHosts: ['*'] }, siteFiles: { 'routes.ts': `
    const routes = {
      routers: { BASE: { domains: { 'shop.example': 'shop', 'blog.example': 'blog' }, exclusiveDomain: true, defaultApplication: 'tools' } },
    }
    export default routes
  ` } })
})
after(async () => { await open.stop(); await excl.stop() })

const json = async (s: TestServer, p: string, host: string) => {
  const r = await s.request(p, { headers: { Host: host } })
  assert.equal(r.status, 200, `${host}${p}: ${r.status} ${r.body.slice(0, 200)}`)
  return JSON.parse(r.body)
}

test('two host names, two apps, one process', async () => {
  assert.equal((await json(open, '/', 'shop.example')).a, 'shop')
  assert.equal((await json(open, '/', 'blog.example:8080')).a, 'blog')
  assert.equal((await json(open, '/', 'localhost')).a, 'tools')
  // host:port is matched before host alone; another port is not that domain
  assert.equal((await json(open, '/', 'blog.example:9999')).a, 'tools')
  assert.equal((await json(open, '/', 'SHOP.Example')).a, 'shop')
  assert.deepEqual(await json(open, '/post/7', 'shop.example'), { a: 'shop', c: 'default', f: 'post', args: ['7'] })
  // a domain to app/controller: that controller is its default
  assert.deepEqual(await json(open, '/', 'admin.blog.example'), { a: 'blog', c: 'admin', f: 'index', args: [] })
  // without exclusive_domain, an app named in the path wins over the domain
  assert.equal((await json(open, '/blog/post', 'shop.example')).a, 'blog')
})

test('links on each domain leave out that domain\'s app', async () => {
  const shop = await json(open, '/links', 'shop.example')
  assert.equal(shop.index, '/')
  assert.equal(shop.post, '/post/1')
  assert.equal(shop.other, '/blog')
  assert.equal(shop.otherPost, '/blog/post/2')
  assert.equal(shop.css, '/shop/static/site.css')
  assert.equal(shop.otherCss, '/blog/static/site.css')
  const blog = await json(open, '/links', 'blog.example:8080')
  assert.equal(blog.index, '/')
  assert.equal(blog.other, '/shop')
  for (const [p, host, a] of [[shop.post, 'shop.example', 'shop'], [shop.otherPost, 'shop.example', 'blog'], [blog.post, 'blog.example:8080', 'blog'], [blog.other, 'blog.example:8080', 'shop']] as const) {
    assert.equal((await json(open, p, host)).a, a, host + p)
  }
})

test('root static files come from the domain\'s app', async () => {
  assert.equal((await open.request('/favicon.ico', { headers: { Host: 'shop.example' } })).body, 'shop-icon')
  assert.equal((await open.request('/favicon.ico', { headers: { Host: 'blog.example:8080' } })).body, 'blog-icon')
  // the default app has no favicon: 404, not 400
  assert.equal((await open.request('/favicon.ico', { headers: { Host: 'localhost' } })).status, 404)
})

test('exclusive_domain (a routes.ts, camelCase keys): an app only through its domain; links to it carry its host', async () => {
  assert.equal((await json(excl, '/', 'shop.example')).a, 'shop')
  assert.equal((await json(excl, '/', 'blog.example')).a, 'blog')
  // on shop.example the path never selects another app
  assert.equal((await excl.request('/blog/post', { headers: { Host: 'shop.example' } })).status, 404)
  // on another host the domain apps are not reachable
  assert.equal((await excl.request('/shop', { headers: { Host: 'localhost' } })).status, 404)
  assert.equal((await excl.request('/blog/default/index', { headers: { Host: 'localhost' } })).status, 404)
  assert.equal((await json(excl, '/', 'localhost')).a, 'tools')
  const links = await json(excl, '/links', 'shop.example')
  assert.equal(links.index, '/')
  assert.equal(links.post, '/post/1')
  assert.equal(links.other, 'http://blog.example/')
  assert.equal(links.otherPost, 'http://blog.example/post/2')
  assert.equal(links.css, '/static/site.css')
  assert.equal((await excl.request('/static/site.css', { headers: { Host: 'shop.example' } })).body, 'shop-css')
  // the other app's static files are on its own domain too
  assert.equal(links.otherCss, 'http://blog.example/static/site.css')
  // and on the blog's domain, a link to the shop's static file goes back to the shop's host
  assert.equal((await json(excl, '/links', 'blog.example')).otherCss, 'http://shop.example/static/site.css')
  assert.equal((await excl.request('/static/site.css', { headers: { Host: 'blog.example' } })).status, 404)
})

test('exclusive_domain: a link to another domain keeps the port the request came on (a site on :8000 stays on :8000)', async () => {
  assert.equal((await json(excl, '/', 'shop.example:8000')).a, 'shop')
  const links = await json(excl, '/links', 'shop.example:8000')
  assert.equal(links.index, '/')
  assert.equal(links.other, 'http://blog.example:8000/')
  assert.equal(links.otherPost, 'http://blog.example:8000/post/2')
  assert.equal(links.otherCss, 'http://blog.example:8000/static/site.css')
  // a request to an exclusive app through a host that is not its domain: 404, on any path
  for (const p of ['/shop/default/post/1', '/shop/static/site.css', '/blog', '/blog/static/favicon.ico']) {
    assert.equal((await excl.request(p, { headers: { Host: 'localhost:8000' } })).status, 404, p)
  }
})

test('no routes file: /favicon.ico is served from the default app\'s static/, and is a 404 (not a 400) without it', async () => {
  const s = await startServer({ apps: { welcome: { 'controllers/default.ts': 'export function index() { return "hi" }' } }, https: false })
  try {
    assert.equal((await s.request('/favicon.ico')).status, 404)
    assert.equal((await s.request('/robots.txt')).status, 404)
    assert.equal((await s.request('/other.txt')).status, 404)
    s.writeFile('welcome', 'static/favicon.ico', 'icon')
    const r = await s.request('/favicon.ico')
    assert.equal(r.status, 200)
    assert.equal(r.body, 'icon')
    // the rest is as before
    assert.equal((await s.request('/')).body, 'hi')
    assert.equal((await s.request('/bad%20name/x')).status, 400)
  } finally { await s.stop() }
})
