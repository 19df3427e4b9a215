// Services and components over HTTP against the real server (issue #23): one name per kind
// (two services with `add`), the jsonp kind and its hostile callbacks, .load content type,
// LOAD(..., { ajax: false }) rendered inline.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startServer, type TestServer } from '../helpers/server'

const CONTROLLER = `
const service = new Service()
service.json(function add(a: string, b: string) { return Number(a) + Number(b) })
service.xml(function add(a: string, b: string) { return { product: Number(a) * Number(b) } })
service.run(function add(a: string, b: string) { return a + b })
service.jsonp(function add(a: string, b: string) { return { sum: Number(a) + Number(b), text: '</script>\\u2028' } })
export function call() { return service.call() }
export function bare() { return { greeting: 'hi <there>' } }
export function page() { return { title: 'Page' } }
export function part() { return { n: request.vars.n, first: request.args(0) } }
export async function slow() { return { late: true } }
`
const PAGE = `<h1>{{=title}}</h1>
<section>{{=LOAD('default', 'part', { ajax: false, args: ['a<b'], vars: { n: '7' }, target: 'inl' })}}</section>
<aside>{{=LOAD('default', 'part', { target: 'aj' })}}</aside>
<footer>{{=LOAD('default', 'slow', { ajax: false, target: 'as' })}}</footer>`
const PART = `<p class="part">n={{=n}} first={{=first}} ext={{=request.extension}}</p>`

let s: TestServer

before(async () => {
  s = await startServer({
    apps: { shop: {
      'controllers/default.ts': CONTROLLER,
      'views/default/page.html': PAGE,
      'views/default/part.load': PART,
    } },
    welcome: true,
  })
  s.writeFile('shop', 'views/generic.load', fs.readFileSync(path.join(s.appFolder('welcome'), 'views', 'generic.load')))
})
after(async () => { await s?.stop() })

test('a function named add in several kinds is reached by its own name in each', async () => {
  const j = await s.request('/shop/default/call/json/add?a=2&b=3')
  assert.equal(j.status, 200)
  assert.equal(j.body, '5')
  const x = await s.request('/shop/default/call/xml/add/2/3')
  assert.equal(x.status, 200, x.body)
  assert.match(x.body, /<product>6<\/product>/)
  const r = await s.request('/shop/default/call/run/add/2/3')
  assert.equal(r.body, '23')
  // the compiler's renamed names are no services
  assert.equal((await s.request('/shop/default/call/xml/add2/2/3')).status, 404)
  assert.equal((await s.request('/shop/default/call/run/add3/2/3')).status, 404)
})

test('jsonp kind: validated callback, javascript type, nosniff', async () => {
  const ok = await s.request('/shop/default/call/jsonp/add?a=1&b=2&callback=jQuery.cb_12')
  assert.equal(ok.status, 200)
  assert.equal(ok.headers['content-type'], 'application/javascript; charset=utf-8')
  assert.equal(ok.headers['x-content-type-options'], 'nosniff')
  assert.equal(ok.body, '/**/jQuery.cb_12({"sum":3,"text":"</script>\\u2028"});')
  assert.equal((await s.request('/shop/default/call/jsonp/add/4/5')).body, '/**/callback({"sum":9,"text":"</script>\\u2028"});')
  for (const bad of ['alert(1)//', 'a;b', '<script>', 'x y', '1abc', 'a..b', 'a'.repeat(101), "a']=1;//"]) {
    const r = await s.request('/shop/default/call/jsonp/add?a=1&b=2&callback=' + encodeURIComponent(bad))
    assert.equal(r.status, 400, bad)
    assert.doesNotMatch(r.body, /"sum"/, 'the function did not answer')
    assert.doesNotMatch(r.headers['content-type'] ?? '', /javascript/, bad)
  }
})

test('a generic .load answer is text/html', async () => {
  const r = await s.request('/shop/default/bare.load')
  assert.equal(r.status, 200)
  assert.equal(r.headers['content-type'], 'text/html; charset=utf-8')
  assert.match(r.body, /hi &lt;there&gt;/)
  const v = await s.request('/shop/default/part.load?n=1')
  assert.equal(v.headers['content-type'], 'text/html; charset=utf-8')
})

test('LOAD(..., { ajax: false }) renders the component inline; ajax and async ones get the placeholder', async () => {
  const r = await s.request('/shop/default/page')
  assert.equal(r.status, 200, r.body)
  assert.equal(r.headers['content-type'], 'text/html; charset=utf-8', 'the component did not change the page type')
  const inl = /<div[^>]*id="inl"[^>]*>([\s\S]*?)<\/div>/.exec(r.body)
  assert.ok(inl, r.body)
  assert.match(inl![1]!, /<p class="part">n=7 first=a&lt;b ext=load<\/p>/)
  assert.doesNotMatch(inl![0], /data-quark-load/)
  assert.match(r.body, /<div[^>]*data-quark-load="\/shop\/default\/part.load"[^>]*id="aj"|<div[^>]*id="aj"[^>]*data-quark-load="\/shop\/default\/part.load"/)
  // an async action cannot render while the page's view does: it stays a component loaded by ajax
  assert.match(r.body, /id="as"[^>]*>loading\.\.\.|data-quark-load="\/shop\/default\/slow.load"[^>]*>loading/)
  assert.match(r.body, /data-quark-load="\/shop\/default\/slow.load"/)
})
