// The OpenAPI 3.1 document of a RestAPI (issue #23 item 2), checked by an independent validator
// (@seriousme/openapi-schema-validator): schemas from field types and validators, the policy's
// methods and bounds, security schemes, and the app's Service JSON / JSON-RPC functions, which
// are then called as the document describes them.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startRestApp, fetch } from './restApp'
import type { TestServer } from '../helpers/server'

let s: TestServer
let doc: any

before(async () => {
  s = await startRestApp()
  const r = await fetch(s.url + '/shop/default/api/openapi.json')
  assert.equal(r.status, 200)
  assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8')
  doc = await r.json()
})
after(async () => { await s?.stop() })

test('the document is valid OpenAPI 3.1', async () => {
  const { Validator } = await import('@seriousme/openapi-schema-validator')
  const v = new Validator()
  const res = await v.validate(structuredClone(doc))
  assert.equal(res.valid, true, JSON.stringify(res.errors, null, 1)?.slice(0, 3000))
  assert.equal(v.version, '3.1')
  assert.equal(doc.openapi, '3.1.0')
  assert.equal(doc.info.title, 'Shop API')
  // the validator does reject: the same document with a broken path item fails
  const broken = structuredClone(doc)
  broken.paths['/shop/default/api/thing'].get.responses = 'none'
  assert.equal((await new Validator().validate(broken)).valid, false)
})

test('schemas come from field types and validators; only readable / writable fields appear', () => {
  const thing = doc.components.schemas.Thing
  assert.deepEqual(Object.keys(thing.properties).sort(), ['color', 'id', 'made_on', 'price', 'qty', 'title'])
  assert.deepEqual(thing.properties.color.enum, ['red', 'green', 'blue', null])
  assert.equal(thing.properties.qty.minimum, 0)
  assert.equal(thing.properties.qty.maximum, 99)
  assert.deepEqual(thing.properties.qty.type, ['integer', 'null'])
  assert.equal(thing.properties.title.maxLength, 20)
  assert.equal(thing.properties.title.type, 'string', 'IS_NOT_EMPTY: not nullable')
  assert.equal(thing.properties.made_on.format, 'date')
  assert.equal(thing.properties.secret, undefined)
  const write = doc.components.schemas.ThingWrite
  assert.deepEqual(Object.keys(write.properties).sort(), ['color', 'made_on', 'price', 'qty', 'title'])
  assert.deepEqual(write.required, ['title'])
  assert.equal(write.additionalProperties, false)
  assert.equal(doc.components.schemas.ThingPatch.required, undefined, 'PATCH sends any of the fields')
})

test('paths follow the policy: methods, filters, the @limit bound, security', () => {
  const list = doc.paths['/shop/default/api/thing']
  assert.deepEqual(Object.keys(list).sort(), ['get', 'post'])
  assert.deepEqual(Object.keys(doc.paths['/shop/default/api/thing/{id}']).sort(), ['delete', 'get', 'patch', 'put'])
  assert.deepEqual(Object.keys(doc.paths['/shop/default/api/note']).sort(), ['get', 'post'])
  assert.deepEqual(Object.keys(doc.paths['/shop/default/api/note/{id}']), ['get'])
  const names = list.get.parameters.map((p: { name: string }) => p.name)
  for (const n of ['title.eq', 'title.contains', 'qty.gt', 'id.in', '@order', '@limit', '@offset', '@count', '@lookup', '@model']) assert.ok(names.includes(n), n)
  assert.ok(!names.includes('qty.contains'), '.contains is for text fields')
  assert.ok(!names.some((n: string) => n.startsWith('secret.')))
  assert.equal(list.get.parameters.find((p: { name: string }) => p.name === '@limit').schema.maximum, 50)
  assert.ok(list.get.security.some((x: object) => Object.keys(x).length === 0), 'reading things needs no login')
  const diary = doc.paths['/shop/default/api/diary'].get
  assert.ok(!diary.security.some((x: object) => Object.keys(x).length === 0), 'the diary needs a login')
  assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['apiKey', 'basic', 'bearer', 'session'])
  assert.equal(doc.paths['/shop/default/api/thing/{id}'].delete.responses['204'].description, 'Deleted')
  assert.ok(doc.paths['/shop/default/api/thing'].post.responses['422'])
})

test('the Service functions are described and answer as described', async () => {
  const json = doc.paths['/shop/default/call/json/add'].get
  assert.deepEqual(json.parameters.map((p: { name: string }) => p.name), ['a', 'b'])
  const r = await fetch(s.url + '/shop/default/call/json/add?a=2&b=5')
  assert.equal(await r.text(), '7')
  const rpc = doc.paths['/shop/default/call/jsonrpc2'].post
  assert.deepEqual(rpc.requestBody.content['application/json'].schema.properties.method.enum, ['multiply'])
  const call = await fetch(s.url + '/shop/default/call/jsonrpc2', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'multiply', params: [6, 7] }) })
  assert.deepEqual(await call.json(), { jsonrpc: '2.0', id: 1, result: 42 })
})

test('the document is the index\'s only non-table name: POST to it is a 405', async () => {
  const r = await fetch(s.url + '/shop/default/api/openapi.json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  assert.equal(r.status, 405)
  assert.equal(r.headers.get('allow'), 'GET, HEAD')
})
