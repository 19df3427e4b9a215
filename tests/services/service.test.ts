import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Service, parametersOf, parseMethodCall, parseMethodResponse, methodCall, xmlrpcValue, QK_SERVICES_NOT_FOUND } from '../../server/services/index'

function svc() {
  const s = new Service()
  s.json(function add(a: unknown, b: unknown) { return Number(a) + Number(b) })
  s.xml('info', () => ({ name: 'x<y', list: [1, 2] }))
  s.csv('table', () => [{ a: 1, b: 'x,y' }])
  s.run('hello', (name: string) => `hi ${name}`)
  s.rss('feed', () => ({ title: 'T', link: 'http://x', description: 'd', entries: [] }))
  s.jsonrpc('sub', (a: number, b: number) => a - b)
  s.jsonrpc2('sub', (a: number, b: number) => a - b)
  s.jsonrpc2('fail', () => { throw new Error('nope') })
  s.xmlrpc('echo', (...a: unknown[]) => a)
  return s
}
const res = () => ({ headers: {} as Record<string, string> })

test('parameter names of plain functions', () => {
  assert.deepEqual(parametersOf(function f(a: number, b = 2) { return a + b }), ['a', 'b'])
  assert.deepEqual(parametersOf((x: number) => x), ['x'])
  assert.deepEqual(parametersOf(async (p: number, q: number) => p + q), ['p', 'q'])
  assert.deepEqual(parametersOf(() => 1), [])
  assert.equal(parametersOf(({ a }: { a: number }) => a), undefined)
})

test('json / xml / csv / rss / run kinds, positional args and named vars', async () => {
  const s = svc()
  let r = res()
  assert.equal(await s.call({ args: ['json', 'add', '1', '2'] }, r), '3')
  assert.equal(r.headers['Content-Type'], 'application/json; charset=utf-8')
  assert.equal(await s.call({ args: ['json', 'add'], vars: { b: '5', a: '1' } }, res()), '6')
  r = res()
  assert.equal(await s.call({ args: ['xml', 'info'] }, r), '<?xml version="1.0" encoding="UTF-8"?><document><name>x&lt;y</name><list><item>1</item><item>2</item></list></document>')
  assert.equal(await s.call({ args: ['csv', 'table'] }, res()), 'a,b\r\n1,"x,y"\r\n')
  assert.equal(await s.call({ args: ['run', 'hello', 'bob'] }, res()), 'hi bob')
  assert.match(String(await s.call({ args: ['rss', 'feed'] }, res())), /<rss version="2.0"><channel><title>T<\/title>/)
  await assert.rejects(s.call({ args: ['json', 'nope'] }, res()), QK_SERVICES_NOT_FOUND)
  await assert.rejects(s.call({ args: ['xml', 'add'] }, res()), QK_SERVICES_NOT_FOUND, 'registered for json only')
  await assert.rejects(s.call({ args: ['corba'] }, res()), /No such service function/)
  assert.throws(() => s.json(() => 1), /valid name/)
})

test('JSON-RPC 1.0', async () => {
  const s = svc()
  const body = (o: unknown) => Buffer.from(JSON.stringify(o))
  assert.equal(await s.call({ args: ['jsonrpc'], body: body({ id: 1, method: 'sub', params: [5, 2] }) }, res()), '{"id":1,"result":3,"error":null}')
  assert.equal(await s.call({ args: ['jsonrpc'], vars: { id: 2, method: 'sub', params: [1, 1] } }, res()), '{"id":2,"result":0,"error":null}')
  assert.equal(await s.call({ args: ['jsonrpc'], body: body({ id: 3, method: 'missing', params: [] }) }, res()), '{"id":3,"result":null,"error":{"code":-32601,"message":"Method not found: missing"}}')
})

test('JSON-RPC 2.0: results, named params, errors, notifications, batches', async () => {
  const s = svc()
  const call = (o: unknown) => s.call({ args: ['jsonrpc2'], body: Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)) }, res())
  assert.equal(await call({ jsonrpc: '2.0', id: 1, method: 'sub', params: [42, 23] }), '{"jsonrpc":"2.0","id":1,"result":19}')
  assert.equal(await call({ jsonrpc: '2.0', id: 2, method: 'sub', params: { b: 23, a: 42 } }), '{"jsonrpc":"2.0","id":2,"result":19}')
  assert.equal(await call({ jsonrpc: '2.0', id: 3, method: 'nope' }), '{"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"Method not found: nope"}}')
  assert.equal(await call({ jsonrpc: '2.0', id: 4, method: 'fail' }), '{"jsonrpc":"2.0","id":4,"error":{"code":-32603,"message":"nope"}}')
  assert.equal(await call('{bad json'), '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}')
  assert.equal(await call({ id: 5, method: 'sub' }), '{"jsonrpc":"2.0","id":5,"error":{"code":-32600,"message":"Invalid Request"}}')
  assert.equal(await call({ jsonrpc: '2.0', method: 'sub', params: [1, 2] }), '', 'a notification gets no answer')
  assert.equal(await call([]), '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}')
  assert.equal(await call([{ jsonrpc: '2.0', id: 1, method: 'sub', params: [3, 1] }, { jsonrpc: '2.0', method: 'sub', params: [1, 1] }, 7]),
    '[{"jsonrpc":"2.0","id":1,"result":2},{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}]')
})

test('XML-RPC round trip of every type, faults, hostile XML', async () => {
  const s = svc()
  const when = new Date(Date.UTC(2024, 1, 3, 4, 5, 6))
  const params = [1, -2.5, true, 'a<b&c', null, when, Buffer.from('bin'), [1, 'x'], { k: { n: 1 } }]
  const xml = methodCall('echo', params)
  assert.deepEqual(parseMethodCall(xml), { method: 'echo', params })
  const r = res()
  const out = await s.call({ args: ['xmlrpc'], body: Buffer.from(xml) }, r)
  assert.equal(r.headers['Content-Type'], 'text/xml; charset=utf-8')
  assert.deepEqual(parseMethodResponse(String(out)), { value: params })
  assert.deepEqual(parseMethodResponse(String(await s.call({ args: ['xmlrpc'], body: Buffer.from(methodCall('nope', [])) }, res()))), { fault: { faultCode: -32601, faultString: 'Method not found: nope' } })
  const xxe = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><methodCall><methodName>echo</methodName><params><param><value>&e;</value></param></params></methodCall>'
  assert.equal(parseMethodResponse(String(await s.call({ args: ['xmlrpc'], body: Buffer.from(xxe) }, res()))).fault?.faultCode, -32700)
  assert.equal(parseMethodResponse(String(await s.call({ args: ['xmlrpc'], body: Buffer.from('<methodCall><methodName>x</methodName') }, res()))).fault?.faultCode, -32700)
  assert.equal(xmlrpcValue(3), '<value><int>3</int></value>')
  assert.equal(xmlrpcValue(when), '<value><dateTime.iso8601>20240203T04:05:06</dateTime.iso8601></value>')
  assert.deepEqual(parseMethodCall('<methodCall><methodName>m</methodName><params><param><value>plain</value></param><param><value><i4>7</i4></value></param></params></methodCall>'), { method: 'm', params: ['plain', 7] })
})
