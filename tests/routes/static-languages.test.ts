/**
 * map_static together with languages, web2py's semantics, in and out over HTTP:
 * - map_static true: the default app left out of static URLs, the language only when not the default
 *   (/static/css/a.css, /it/static/css/a.css);
 * - map_static unset (web2py's None): the app and the request's language always (/plain/en/static/...);
 * - map_static false: the language after static (/flat/static/it/...), a plain folder for a proxy.
 * A language in the URL serves static/<lang>/<file> when it exists, else static/<file>; a code that is
 * not one of the languages is a folder name like any other; '..' never gets out.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'

const LINKS = `export function links() { return JSON.stringify({ css: URL('static', 'css/a.css'), it: URL('static', 'css/a.css', { language: 'it' }), only: URL('static', 'only.txt'), page: URL('index') }) }`
const STATIC = { 'static/css/a.css': 'base', 'static/it/css/a.css': 'italiano', 'static/it/only.txt': 'solo italiano' }

let s: TestServer
before(async () => {
  s = await startServer({
    https: false,
    apps: {
      shop: { 'controllers/default.ts': `export function index() { return 'shop' }\n${LINKS}`, ...STATIC },
      plain: { 'controllers/default.ts': `export function index() { return 'plain' }\n${LINKS}`, ...STATIC },
      flat: { 'controllers/default.ts': `export function index() { return 'flat' }\n${LINKS}`, ...STATIC },
      blog: { 'controllers/default.ts': `export function index() { return 'blog' }\nexport function links() { return JSON.stringify({ css: URL('static', 'css/a.css'), shop: URL('shop', 'static', 'css/a.css') }) }`, 'static/css/a.css': 'blog' },
    },
    siteFiles: { 'routes.json': JSON.stringify({
      routers: {
        BASE: { default_application: 'shop' },
        shop: { languages: ['en', 'it'], default_language: 'en', map_static: true },
        plain: { languages: ['en', 'it'], default_language: 'en' },
        flat: { languages: ['en', 'it'], default_language: 'en', map_static: false },
      },
    }) },
  })
})
after(() => s.stop())

async function links(p: string): Promise<Record<string, string>> {
  const r = await s.request(p)
  assert.equal(r.status, 200, `${p}: ${r.status} ${r.body.slice(0, 200)}`)
  return JSON.parse(r.body)
}
async function body(p: string): Promise<string> {
  const r = await s.request(p)
  assert.equal(r.status, 200, `${p}: ${r.status} ${r.body.slice(0, 200)}`)
  return r.body
}

test('map_static true: the default app is left out, the language only when it is not the default', async () => {
  const en = await links('/links')
  assert.equal(en.css, '/static/css/a.css')
  assert.equal(en.it, '/it/static/css/a.css')
  const it = await links('/it/links')
  assert.equal(it.css, '/it/static/css/a.css')
  assert.equal(it.page, '/it')
  assert.equal(it.only, '/it/static/only.txt')
  // in: the language's own file when it has one, else the common one
  assert.equal(await body(en.css), 'base')
  assert.equal(await body(it.css), 'italiano')
  assert.equal(await body(it.only), 'solo italiano')
  assert.equal((await s.request('/static/only.txt')).status, 404)
  // the long forms map to the same files
  assert.equal(await body('/shop/static/css/a.css'), 'base')
  assert.equal(await body('/shop/it/static/css/a.css'), 'italiano')
})

test('map_static unset (None): the app and the request\'s language are always written', async () => {
  const en = await links('/plain/links')
  assert.equal(en.css, '/plain/en/static/css/a.css')
  assert.equal(en.it, '/plain/it/static/css/a.css')
  const it = await links('/plain/it/links')
  assert.equal(it.css, '/plain/it/static/css/a.css')
  assert.equal(await body(en.css), 'base')
  assert.equal(await body(it.css), 'italiano')
  assert.equal(await body('/plain/static/css/a.css'), 'base')
})

test('map_static false: the language follows static/ (static/<lang>/<file>)', async () => {
  const en = await links('/flat/links')
  assert.equal(en.css, '/flat/static/en/css/a.css')
  const it = await links('/flat/it/links')
  assert.equal(it.css, '/flat/static/it/css/a.css')
  assert.equal(it.only, '/flat/static/it/only.txt')
  assert.equal(await body(en.css), 'base')
  assert.equal(await body(it.css), 'italiano')
  assert.equal(await body(it.only), 'solo italiano')
  // /flat/it/static/... (the language first) is read too
  assert.equal(await body('/flat/it/static/css/a.css'), 'italiano')
})

test('an app without languages writes no language, and a link to another app follows that app\'s map_static', async () => {
  const b = await links('/blog/links')
  assert.equal(b.css, '/blog/static/css/a.css')
  // shop maps static without its name only where it is the default app: it is here
  assert.equal(b.shop, '/static/css/a.css')
  assert.equal(await body(b.css), 'blog')
})

test('hostile static paths with languages: 400 or 404, never a file outside static/', async () => {
  for (const p of ['/flat/static/it/../../routes.json', '/flat/static/it/%2e%2e/%2e%2e/routes.json', '/it/static/..%2f..%2froutes.json', '/flat/static/it/', '/it/static/it/..']) {
    const r = await s.request(p)
    assert.ok(r.status === 400 || r.status === 404, `${p}: ${r.status}`)
    assert.doesNotMatch(r.body, /routers|default_application/)
  }
  // a code that is no language of the app is only a folder name
  assert.equal((await s.request('/flat/static/de/css/a.css')).status, 404)
})
