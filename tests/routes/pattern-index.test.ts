/**
 * routes_in are looked up by the first path segment their literal start names (so a request scans
 * only the rules that may match it), and that index never changes which rule wins: the first rule
 * in the file's order that matches, whether its first segment is literal ('/old/$x'), a regular
 * expression ('/o(?P<r>ld|ther)/$x'), a catch-all ('/(?P<any>\w+)/first') or a whole literal path
 * ('/about', anchored: not '/about/x'). Over HTTP, with routes written as web2py writes them.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'

let s: TestServer
before(async () => {
  s = await startServer({
    https: false,
    apps: { shop: { 'controllers/default.ts': `export function index() { return 'index ' + request.args.list.join(',') }\nexport function show() { return 'show ' + request.args.list.join(',') }` } },
    siteFiles: { 'routes.json': JSON.stringify({
      routers: { BASE: { default_application: 'shop' } },
      routes_in: [
        ['/old/$x', '/shop/default/show/old-$x'],
        ['/o(?P<r>ld|ther)/$x', '/shop/default/show/regex-\\g<r>-$x'],
        ['/(?P<any>\\w+)/first', '/shop/default/show/any-$any'],
        ['/new/first', '/shop/default/show/never'],
        ['/new/second', '/shop/default/show/new-second'],
        ['/about', '/shop/default/show/about'],
      ],
    }) },
  })
})
after(() => s.stop())

const body = async (p: string) => {
  const r = await s.request(p)
  assert.equal(r.status, 200, `${p}: ${r.status} ${r.body.slice(0, 200)}`)
  return r.body
}

test('the first matching rule wins, indexed by first segment or not', async () => {
  // '/old/1' fits the indexed rule and the regex one after it: the first one wins
  assert.equal(await body('/old/1'), 'show old-1')
  // only the regex rule fits
  assert.equal(await body('/other/2'), 'show regex-ther-2')
  // the catch-all comes before '/new/first' in the file, so it wins there; '/new/second' is indexed under 'new'
  assert.equal(await body('/new/first'), 'show any-new')
  assert.equal(await body('/new/second'), 'show new-second')
  assert.equal(await body('/zzz/first'), 'show any-zzz')
  // a whole literal path is anchored
  assert.equal(await body('/about'), 'show about')
  const deeper = await s.request('/about/x')
  assert.equal(deeper.status, 404, 'no rule applied: the router reads about as a function, which shop lacks')
  assert.match(deeper.body, /Invalid function: shop\/default\/about/)
  // a first segment no rule names: no rule applies, the router reads the path
  assert.equal(await body('/show/3'), 'show 3')
  assert.equal(await body('/'), 'index ')
  // the same paths again (the kept targets) give the same answers
  assert.equal(await body('/old/1'), 'show old-1')
  assert.equal(await body('/new/first'), 'show any-new')
})
