/**
 * The parameter-based router (web2py's `routers`) over HTTP against the real server: defaults
 * omitted in and out (links as URL() writes them, each fetched back), language prefixes that change
 * T's language, hyphens, root static files, the match checks (400), and a routes.ts that changes
 * while the server runs (a broken one keeps the last good routes).
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startServer, type TestServer } from '../helpers/server'

const SHOW = `JSON.stringify({ a: request.application, c: request.controller, f: request.function, ext: request.extension, args: request.args.list, lang: request.uriLanguage ?? null, vars: request.vars })`

let s: TestServer
before(async () => {
  s = await startServer({
    siteFiles: { 'routes.json': JSON.stringify({
    routers: {
      BASE: { default_application: 'shop', map_hyphen: true },
      shop: {
        languages: ['en', 'it'], default_language: 'en',
        functions: { default: ['index', 'about', 'show', 'my_page', 'links'], cart: ['index', 'view_item'] },
      },
    },
  }) },
    apps: {
      shop: {
        'controllers/default.ts': `
          export function index() { return ${SHOW} }
          export function about() { return T('Hello') }
          export function show() { return ${SHOW} }
          export function my_page() { return ${SHOW} }
          export function links() {
            return JSON.stringify({
              index: URL('index'), about: URL('about'), show: URL('show', { args: ['x', 'y'] }),
              indexArgs: URL('index', { args: ['p1', 'p2'] }), indexCart: URL('default', 'index', { args: ['cart'] }),
              json: URL('show.json'), myPage: URL('my_page'), cart: URL('cart', 'index'), item: URL('cart', 'view_item', { args: [5] }),
              blog: URL('blog', 'default', 'index'), blogPost: URL('blog', 'default', 'post', { args: [3] }),
              css: URL('static', 'css/site.css'), lang: URL('about', { language: 'it' }), vars: URL('show', { vars: { q: 'a b' } }),
              abs: URL('about', { scheme: true, host: true }),
            })
          }`,
        'controllers/cart.ts': `export function index() { return ${SHOW} }\nexport function view_item() { return ${SHOW} }`,
        'languages/it.json': JSON.stringify({ Hello: 'Ciao' }),
        'static/favicon.ico': Buffer.from([0, 0, 1, 0, 1, 0]),
        'static/robots.txt': 'User-agent: *\nDisallow: /cart\n',
        'static/css/site.css': 'body{}',
      },
      blog: {
        'controllers/default.ts': `export function index() { return ${SHOW} }\nexport function post() { return ${SHOW} }`,
      },
    },
    https: false,
  })
})
after(() => s.stop())

const get = async (p: string, headers?: Record<string, string>) => s.request(p, { headers })
const show = async (p: string) => {
  const r = await get(p)
  assert.equal(r.status, 200, `${p}: ${r.status} ${r.body.slice(0, 200)}`)
  return JSON.parse(r.body)
}

test('in: the default application, controller and function may be omitted', async () => {
  assert.deepEqual(await show('/'), { a: 'shop', c: 'default', f: 'index', ext: 'html', args: [], lang: 'en', vars: {} })
  assert.equal((await show('/show')).f, 'show')
  assert.deepEqual((await show('/show/x/y')).args, ['x', 'y'])
  // a segment that is no function of the controller is an argument of the default function
  assert.deepEqual(await show('/p1/p2'), { a: 'shop', c: 'default', f: 'index', ext: 'html', args: ['p1', 'p2'], lang: 'en', vars: {} })
  assert.deepEqual((await show('/cart')), { a: 'shop', c: 'cart', f: 'index', ext: 'html', args: [], lang: 'en', vars: {} })
  // the full form still works
  assert.equal((await show('/shop/default/show/1')).f, 'show')
  assert.equal((await show('/shop/cart/view_item/9')).f, 'view_item')
  assert.equal((await show('/show.json')).ext, 'json')
})

test('in: an application name is never taken for a controller or function', async () => {
  assert.deepEqual(await show('/blog'), { a: 'blog', c: 'default', f: 'index', ext: 'html', args: [], lang: null, vars: {} })
  assert.deepEqual((await show('/blog/post/3')), { a: 'blog', c: 'default', f: 'post', ext: 'html', args: ['3'], lang: null, vars: {} })
})

test('map_hyphen: hyphens in the URL are underscores in the names, both ways', async () => {
  assert.equal((await show('/my-page')).f, 'my_page')
  const item = await show('/cart/view-item/5')
  assert.deepEqual([item.c, item.f, item.args], ['cart', 'view_item', ['5']])
  const links = JSON.parse((await get('/links')).body)
  assert.equal(links.myPage, '/my-page')
  assert.equal(links.item, '/cart/view-item/5')
})

test('out: URL() writes the shortest form, and each link maps back to the same action', async () => {
  const r = await get('/links')
  assert.equal(r.status, 200, r.body)
  const links = JSON.parse(r.body)
  assert.equal(links.index, '/')
  assert.equal(links.about, '/about')
  assert.equal(links.show, '/show/x/y')
  assert.equal(links.indexArgs, '/p1/p2')
  // 'cart' is a controller: it cannot follow the application directly
  assert.equal(links.indexCart, '/default/cart')
  assert.equal(links.json, '/show.json')
  assert.equal(links.cart, '/cart')
  assert.equal(links.blog, '/blog')
  assert.equal(links.blogPost, '/blog/post/3')
  // map_static is unset (web2py's None): static URLs keep the application, and the request's language
  assert.equal(links.css, '/shop/en/static/css/site.css')
  assert.equal(links.lang, '/it/about')
  assert.equal(links.vars, '/show?q=a+b')
  assert.match(links.abs, /^http:\/\/127\.0\.0\.1:\d+\/about$/)
  const expected: Record<string, [string, string, string, string[]]> = {
    show: ['shop', 'default', 'show', ['x', 'y']], indexArgs: ['shop', 'default', 'index', ['p1', 'p2']],
    indexCart: ['shop', 'default', 'index', ['cart']], item: ['shop', 'cart', 'view_item', ['5']],
    blogPost: ['blog', 'default', 'post', ['3']], index: ['shop', 'default', 'index', []], cart: ['shop', 'cart', 'index', []],
  }
  for (const [k, [a, c, f, args]] of Object.entries(expected)) {
    const back = await show(links[k])
    assert.deepEqual([back.a, back.c, back.f, back.args], [a, c, f, args], `${k}: ${links[k]}`)
  }
  assert.equal((await get(links.css)).body, 'body{}')
})

test('languages: a language prefix selects T\'s language and is kept by URL()', async () => {
  assert.equal((await get('/about')).body, 'Hello')
  assert.equal((await get('/it/about')).body, 'Ciao')
  assert.equal((await get('/shop/it/about')).body, 'Ciao')
  // the prefix wins over Accept-Language
  assert.equal((await get('/en/about', { 'Accept-Language': 'it' })).body, 'Hello')
  const inIt = await show('/it/show/1')
  assert.deepEqual([inIt.f, inIt.lang, inIt.args], ['show', 'it', ['1']])
  const links = JSON.parse((await get('/it/links')).body)
  assert.equal(links.about, '/it/about')
  assert.equal(links.index, '/it')
  assert.equal(links.item, '/it/cart/view-item/5')
  // another app has no languages: nothing is added to its links
  assert.equal(links.blog, '/blog')
})

test('root_static: favicon.ico and robots.txt from the default application\'s static/', async () => {
  const f = await get('/favicon.ico')
  assert.equal(f.status, 200)
  assert.deepEqual([...f.buffer], [0, 0, 1, 0, 1, 0])
  const r = await get('/robots.txt')
  assert.equal(r.status, 200)
  assert.match(r.body, /Disallow: \/cart/)
  // not listed in root_static: not served from the root
  assert.notEqual((await get('/site.css')).body, 'body{}')
})

test('acfe_match, file_match, args_match: 400 when they fail', async () => {
  assert.equal((await get('/show/a%3Cb')).status, 400)
  assert.equal((await get('/show/bad:arg')).status, 400)
  assert.equal((await get('/shop/static/css/x;y.css')).status, 400)
  assert.equal((await get('/shop/static/css/%2e%2e/x')).status, 400)
  assert.equal((await get('/shop/static/../routes.json')).status, 400)
  assert.equal((await get('/cart/view-item.j$on')).status, 400)
  assert.equal((await get('/show/ok-arg_1.2')).status, 200)
  // hyphens and dots pass args_match: arguments of the default function
  assert.deepEqual((await show('/nothing-here/x.y')).args, ['nothing-here', 'x.y'])
})
