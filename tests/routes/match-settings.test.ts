/**
 * The router's own checks set by the routes file (not web2py's defaults): `acfe_match` (application,
 * controller, function, extension), `file_match` (each segment of a static path), `args_match`
 * (each argument): a part that fails is a 400, one that passes is served; and a `root_static` list
 * of the site's own (sitemap.xml served at the root, favicon.ico then no longer: a 404, not a 400).
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'

let s: TestServer
before(async () => {
  s = await startServer({
    https: false,
    apps: {
      shop: {
        'controllers/default.ts': `export function index() { return 'index' }\nexport function show() { return 'show ' + request.args.list.join(',') + ' ' + request.extension }`,
        'static/css/site.css': 'css',
        'static/css/Site.css': 'upper',
        'static/sitemap.xml': '<urlset/>',
        'static/favicon.ico': 'icon',
      },
    },
    siteFiles: { 'routes.json': JSON.stringify({
      routers: {
        BASE: { default_application: 'shop', root_static: ['sitemap.xml'] },
        shop: { acfe_match: '[a-z_]+', file_match: '[a-z]+(\\.[a-z]+)?', args_match: '\\d+' },
      },
    }) },
  })
})
after(() => s.stop())

const status = async (p: string) => (await s.request(p)).status

test('acfe_match, file_match and args_match from the routes file', async () => {
  assert.equal((await s.request('/show/12/7')).body, 'show 12,7 html')
  assert.equal((await s.request('/show.json/3')).body, 'show 3 json')
  // args_match: digits only
  assert.equal(await status('/show/ab'), 400)
  assert.equal(await status('/show/1-2'), 400)
  // acfe_match: lower case names and extensions only
  assert.equal(await status('/Show'), 400)
  assert.equal(await status('/show.JSON'), 400)
  assert.equal(await status('/shop/Default/show'), 400)
  // file_match: each static segment
  assert.equal((await s.request('/shop/static/css/site.css')).body, 'css')
  assert.equal(await status('/shop/static/css/Site.css'), 400)
  assert.equal(await status('/shop/static/css/site.min.css'), 400)
})

test('root_static: the listed files at the root, the others not (404, not 400)', async () => {
  const map = await s.request('/sitemap.xml')
  assert.equal(map.status, 200)
  assert.equal(map.body, '<urlset/>')
  assert.equal(await status('/favicon.ico'), 404)
  assert.equal(await status('/robots.txt'), 404)
  // the file is still served under the app
  assert.equal((await s.request('/shop/static/favicon.ico')).body, 'icon')
})
