import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startServer, type TestServer } from '../helpers/server'

let s: TestServer
before(async () => {
  s = await startServer({
    apps: {
      one: {
        'models/0_first.ts': `export const greeting = 'hello from model'\nexport const bag = { items: [] as string[] }\nexport const order: string[] = ['0_first']`,
        'models/1_second.ts': `order.push('1_second')\nexport const shout = greeting.toUpperCase()\nexport const same = 'one'`,
        'models/default/2_cond.ts': `order.push('default/2_cond')`,
        'models/default/cond/3_fn.ts': `order.push('default/cond/3_fn')`,
        'models/other/x.ts': `order.push('other/x')`,
        'modules/counter.ts': `let loads = 0\nloads++\nexport const loadedTimes = () => loads\nexport function whoAmI() { return current.request.function + '@' + current.application }\nexport const sum = (a: number, b: number) => a + b`,
        'controllers/default.ts': `
          import { loadedTimes, whoAmI, sum } from '../modules/counter'
          export function names() { return shout + '|' + same + '|' + typeof HTTP + '|' + typeof URL + '|' + typeof request + '|' + typeof session }
          export function mutate() { bag.items.push('x'); return String(bag.items.length) }
          export function cond() { return order.join(',') }
          export function plain() { return order.join(',') }
          export function mod() { return [loadedTimes(), whoAmI(), sum(2, 3)].join(',') }
          export async function asyncAction() { await new Promise((r) => setTimeout(r, 5)); return 'awaited' }
          export function asJson() { return { a: 1, b: [true, null], s: '<b>' } }
          export function nothing() { return null }
          export function written() { response.write('<i>'); response.write(XML('<b>raw</b>')); return undefined }
          export function buffer() { response.headers['Content-Type'] = 'application/octet-stream'; return Buffer.from([1, 2, 3]) }
          export function streamed() { const { Readable } = require('node:stream'); return response.stream(Readable.from(['a', 'b', 'c']), { contentType: 'text/plain' }) }
          export function number() { return 42 }
          export function teapot() { throw HTTP(418, 'short and stout', { 'X-Tea': 'earl grey' }) }
          export function teapotNew() { throw new HTTP(404) }
          export function go() { redirect('/one/default/names') }
          export function fields() {
            return JSON.stringify({ application: request.application, method: request.method, vars: request.vars, getVars: request.getVars, postVars: request.postVars,
              cookies: request.cookies, isLocal: request.isLocal, isHttps: request.isHttps, ajax: request.ajax, client: request.client,
              now: request.now instanceof Date, uuid: typeof request.uuid, ua: request.headers['user-agent'] })
          }
          export function setStatus() { response.status = 201; response.headers['X-Custom'] = 'yes'; response.setCookie('flavour', 'mint'); return 'created' }
          export function live() { return 'version 1' }
        `,
        'controllers/other.ts': `export function index() { return order.join(',') }`,
      },
      two: {
        'models/a.ts': `export const same = 'two'`,
        'controllers/default.ts': `export function names() { return same + '|' + (typeof greeting) }`,
      },
    },
  })
})
after(() => s.stop())

test('model exports are visible to later models and to the controller; framework names everywhere', async () => {
  const r = await s.request('/one/default/names')
  assert.equal(r.body, 'HELLO FROM MODEL|one|function|function|object|object')
})

test('a fresh environment per request: mutating a model-made object does not leak', async () => {
  assert.equal((await s.request('/one/default/mutate')).body, '1')
  assert.equal((await s.request('/one/default/mutate')).body, '1')
})

test('two apps defining the same names do not see each other', async () => {
  assert.equal((await s.request('/two/default/names')).body, 'two|undefined')
  assert.match((await s.request('/one/default/names')).body, /\|one\|/)
})

test('conditional models run only for their controller / function, after the top-level ones', async () => {
  assert.equal((await s.request('/one/default/cond')).body, '0_first,1_second,default/2_cond,default/cond/3_fn')
  assert.equal((await s.request('/one/default/plain')).body, '0_first,1_second,default/2_cond')
  assert.equal((await s.request('/one/other/index')).body, '0_first,1_second,other/x')
})

test('modules: imported relatively, loaded once per app, with current', async () => {
  const a = await s.request('/one/default/mod')
  const b = await s.request('/one/default/mod')
  assert.equal(a.body, '1,mod@one,5')
  assert.equal(b.body, '1,mod@one,5')
})

test('action results: async, object as .json, null, writes, Buffer, stream, number', async () => {
  assert.equal((await s.request('/one/default/asyncAction')).body, 'awaited')
  const j = await s.request('/one/default/asJson.json')
  assert.match(String(j.headers['content-type']), /application\/json/)
  assert.deepEqual(j.json(), { a: 1, b: [true, null], s: '<b>' })
  const n = await s.request('/one/default/nothing')
  assert.equal(n.status, 200)
  assert.equal(n.body, '')
  assert.equal((await s.request('/one/default/written')).body, '&lt;i&gt;<b>raw</b>')
  const b = await s.request('/one/default/buffer')
  assert.deepEqual([...b.buffer], [1, 2, 3])
  const st = await s.request('/one/default/streamed')
  assert.equal(st.body, 'abc')
  assert.equal(st.headers['content-type'], 'text/plain')
  assert.equal((await s.request('/one/default/number')).body, '42')
})

test('HTTP and redirect thrown by an action', async () => {
  const t = await s.request('/one/default/teapot')
  assert.equal(t.status, 418)
  assert.equal(t.body, 'short and stout')
  assert.equal(t.headers['x-tea'], 'earl grey')
  const n = await s.request('/one/default/teapotNew')
  assert.equal(n.status, 404)
  const r = await s.request('/one/default/go')
  assert.equal(r.status, 303)
  assert.equal(r.headers.location, '/one/default/names')
})

test('request fields: vars from query, urlencoded and JSON bodies, cookies, flags', async () => {
  let r = await s.request('/one/default/fields?a=1&a=2&b=x', { cookies: { c1: 'v1' }, headers: { 'user-agent': 'qtest', 'x-requested-with': 'XMLHttpRequest' } })
  let f = r.json()
  assert.deepEqual(f.getVars, { a: ['1', '2'], b: 'x' })
  assert.deepEqual(f.cookies, { c1: 'v1' })
  assert.equal(f.method, 'GET')
  assert.equal(f.isLocal, true)
  assert.equal(f.isHttps, true)
  assert.equal(f.ajax, true)
  assert.equal(f.now, true)
  assert.equal(f.uuid, 'string')
  assert.equal(f.ua, 'qtest')
  assert.equal(f.application, 'one')
  r = await s.request('/one/default/fields?q=1', { form: { name: 'Ann', q: '2' } })
  f = r.json()
  assert.deepEqual(f.postVars, { name: 'Ann', q: '2' })
  assert.deepEqual(f.vars, { q: ['1', '2'], name: 'Ann' })
  r = await s.request('/one/default/fields', { body: { n: 3, list: [1, 2] } })
  assert.deepEqual(r.json().postVars, { n: 3, list: [1, 2] })
})

test('response status, headers and cookies', async () => {
  const r = await s.request('/one/default/setStatus')
  assert.equal(r.status, 201)
  assert.equal(r.headers['x-custom'], 'yes')
  assert.equal(r.cookies.flavour, 'mint')
  assert.match(r.setCookie.join(), /HttpOnly/)
})

test('live recompile: editing a controller of the running server changes the next response', async () => {
  assert.equal((await s.request('/one/default/live')).body, 'version 1')
  const file = path.join(s.appFolder('one'), 'controllers', 'default.ts')
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace("'version 1'", "'version two!'"))
  await new Promise((r) => setTimeout(r, 700)) // the stat check runs at most every 500 ms
  assert.equal((await s.request('/one/default/live')).body, 'version two!')
})

test('generic views follow response.genericPatterns', async () => {
  s.writeFile('one', 'controllers/gen.ts', `export function open() { return { x: 1 } }\nexport function closed() { response.genericPatterns = []; return { x: 1 } }\nexport function some() { response.genericPatterns = ['gen/so*.json']; return { x: 2 } }`)
  await new Promise((r) => setTimeout(r, 600))
  assert.deepEqual((await s.request('/one/gen/open.json')).json(), { x: 1 })
  assert.equal((await s.request('/one/gen/closed.json')).status, 404)
  assert.deepEqual((await s.request('/one/gen/some.json')).json(), { x: 2 })
})
