/**
 * Pattern routes (routes_in / routes_out, web2py's placeholders, host and method in the pattern,
 * routes_app), path_prefix, and routes_onerror to a static page and to an action, over HTTP.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startServer, type TestServer } from '../helpers/server'

const SHOW = `JSON.stringify({ a: request.application, c: request.controller, f: request.function, args: request.args.list, vars: request.vars })`

let s: TestServer
before(async () => {
  s = await startServer({
    siteFiles: { 'routes.ts': `
    // web2py's book examples, in TypeScript
    export default {
      routers: { BASE: { default_application: 'shop', path_prefix: '/site' } },
      routes_app: [['/site/blog/$anything', 'blog'], ['/site/blog', 'blog']],
      routes_in: [
        ['/site/old-about', '/site/about'],
        ['/site/product/$id', '/site/shop/default/show/$id?from=old'],
        ['/site/(?P<year>\\\\d{4})/(?P<month>\\\\d\\\\d)', '/site/show/\\\\g<year>/\\\\g<month>'],
        ['.*:https?://api\\\\.example:post /site/hook', '/site/show/posted'],
      ],
      routes_out: [['/shop/default/show/$id', '/site/product/$id']],
      routes_onerror: [['shop/404', '/shop/static/404.html'], ['*/*', '/site/error']],
    }
  ` },
    apps: {
      shop: {
        'controllers/default.ts': `
          export function index() { return ${SHOW} }
          export function about() { return 'about us' }
          export function show() { return ${SHOW} }
          export function boom() { throw new Error('kaput') }
          export function forbidden() { throw HTTP(403, 'no') }
          export function error() { return JSON.stringify({ code: request.vars.code, ticket: request.vars.ticket, uri: request.vars.requested_uri }) }
          export function links() { return JSON.stringify({ product: URL('show', { args: [7] }), about: URL('about'), index: URL('index'), css: URL('static', 'a.css'), blog: URL('blog', 'posts', 'read', { args: ['hello'] }) }) }`,
        'static/404.html': '<h1>Nothing here</h1>',
        'static/a.css': 'a{}',
      },
      blog: {
        'controllers/posts.ts': `export function read() { return ${SHOW} }`,
        'routes.json': JSON.stringify({
          routes_in: [['/site/blog/$slug', '/site/blog/posts/read/$slug']],
          routes_out: [['/blog/posts/read/$slug', '/site/blog/$slug']],
          routes_onerror: [['blog/404', '/shop/static/404.html']],
        }),
      },
    },
    https: false,
    options: { allowedHosts: ['*'] },
  })
})
after(() => s.stop())

const body = async (p: string, o?: Parameters<TestServer['request']>[1]) => {
  const r = await s.request(p, o)
  assert.equal(r.status, 200, `${p}: ${r.status} ${r.body.slice(0, 300)}`)
  return r.body
}

test('path_prefix: the site lives under /site', async () => {
  assert.equal(JSON.parse(await body('/site')).f, 'index')
  assert.equal(await body('/site/about'), 'about us')
  // outside the prefix nothing is served: a 404 that names no app, so routes_onerror's */* applies
  const r = await s.request('/about')
  assert.equal(r.status, 303)
  assert.match(String(r.headers.location), /^\/site\/error\?code=404&ticket=None&requested_uri=%2Fabout$/)
  // Quark's own assets are reachable at the root (where layouts link them) and under the prefix
  assert.equal((await s.request('/_quark/quark.js')).status, 200)
  assert.equal((await s.request('/site/_quark/quark.js')).status, 200)
})

test('routes_in: $name, $anything, named groups, query strings, host and method', async () => {
  assert.equal(await body('/site/old-about'), 'about us')
  const p = JSON.parse(await body('/site/product/7?x=1'))
  assert.deepEqual([p.f, p.args, p.vars], ['show', ['7'], { from: 'old', x: '1' }])
  assert.deepEqual(JSON.parse(await body('/site/2026/12')).args, ['2026', '12'])
  // matched on host and method only
  assert.deepEqual(JSON.parse(await body('/site/hook', { method: 'POST', headers: { Host: 'api.example' }, body: '' })).args, ['posted'])
  // a GET is not matched: /site/hook is then an unknown function, 404 (the static error page)
  assert.equal((await s.request('/site/hook', { headers: { Host: 'api.example' } })).status, 404)
  assert.equal((await s.request('/site/hook', { method: 'POST', headers: { Host: 'other.example' }, body: '' })).status, 404)
})

test('routes_out: URL() writes through the first matching rule, else the router', async () => {
  const links = JSON.parse(await body('/site/links'))
  assert.equal(links.product, '/site/product/7')
  assert.equal(links.about, '/site/about')
  assert.equal(links.index, '/site/')
  assert.equal(links.css, '/site/shop/static/a.css')
  assert.equal((await s.request(links.css)).body, 'a{}')
  // routes_app chose the blog's own routes_out for its links
  assert.equal(links.blog, '/site/blog/hello')
  const read = JSON.parse(await body(links.blog))
  assert.deepEqual([read.a, read.c, read.f, read.args], ['blog', 'posts', 'read', ['hello']])
})

test('routes_onerror: a static page with the original status, and an action that gets the status, URL and ticket', async () => {
  const miss = await s.request('/site/nothing/here/at/all.x')
  assert.equal(miss.status, 404)
  assert.equal(miss.body, '<h1>Nothing here</h1>')
  assert.match(String(miss.headers['content-type']), /text\/html/)
  const boom = await s.request('/site/boom')
  assert.equal(boom.status, 303)
  const loc = new URL(String(boom.headers.location), 'http://x')
  assert.equal(loc.pathname, '/site/error')
  assert.equal(loc.searchParams.get('code'), '500')
  assert.match(loc.searchParams.get('ticket')!, /^shop\/\S+$/)
  assert.equal(loc.searchParams.get('requested_uri'), '/site/boom')
  assert.deepEqual(JSON.parse(await body(loc.pathname + loc.search)), { code: '500', ticket: loc.searchParams.get('ticket'), uri: '/site/boom' })
  // the ticket is real
  assert.ok(fs.readdirSync(path.join(s.appFolder('shop'), 'errors')).length >= 1)
  const forbidden = await s.request('/site/forbidden')
  assert.equal(forbidden.status, 303)
  assert.match(String(forbidden.headers.location), /code=403&ticket=None&requested_uri=%2Fsite%2Fforbidden$/)
  // an app's own routes_onerror: the blog's 404 (no such post function) is the shop's static page
  const blogMiss = await s.request('/site/blog/posts/nothing')
  assert.equal(blogMiss.status, 404)
  assert.equal(blogMiss.body, '<h1>Nothing here</h1>')
})

test('rewriting never escapes: .. and encoded slashes reaching a static folder are 400', async () => {
  for (const p of ['/site/shop/static/..%2f..%2froutes.ts', '/site/shop/static/%2e%2e/%2e%2e/routes.ts', '/site/product/..']) {
    const r = await s.request(p)
    // a 400 / 404, which routes_onerror's */* turns into a redirect to the error action
    assert.ok([400, 404].includes(r.status) || (r.status === 303 && /code=40[04]/.test(String(r.headers.location))), `${p}: ${r.status} ${r.headers.location}`)
    assert.doesNotMatch(r.body, /routes_in|default_application/)
  }
})
