// SOAP over HTTP against a real server (issue #23 item 3): the `soap` npm client reads the WSDL
// at /call/soap?WSDL and calls through both its SOAP 1.1 and 1.2 ports; faults for the function's
// errors; hostile and malformed envelopes (XXE, billion laughs, not XML, not an Envelope, a value
// not of its type, an unknown operation) answered with client faults, nothing run.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import * as soap from 'soap'
import { startServer, type TestServer } from '../helpers/server'

const CONTROLLER = `
import fs from 'node:fs'
import path from 'node:path'
const service = new Service()
service.soap('Add', (a: number, b: number) => a + b, { args: { a: 'int', b: 'int' }, returns: { sum: 'int' } })
service.soap('Concat', (a: string, b: string) => a + b, { args: { a: 'string', b: 'string' }, returns: 'string' })
service.soap('IsAdult', (age: number, when: Date) => age >= 18 && when instanceof Date, { args: { age: 'int', when: 'datetime' }, returns: { adult: 'boolean' } })
service.soap('Fail', () => { throw new Error('no <funds> left') }, { returns: 'string' })
service.soap('Touch', (text: string) => { fs.appendFileSync(path.join(current.appFolder, 'private', 'touched.txt'), String(text)); return 'ok' }, { args: { text: 'string' }, returns: 'string' })
export function call() { return service.call() }
`

let s: TestServer
let wsdlUrl: string
before(async () => {
  s = await startServer({ https: false, apps: { shop: { 'controllers/default.ts': CONTROLLER, 'private/.keep': '' } } })
  wsdlUrl = s.url + '/shop/default/call/soap?WSDL'
})
after(async () => { await s?.stop() })

const ENV11 = 'http://schemas.xmlsoap.org/soap/envelope/'
const ENV12 = 'http://www.w3.org/2003/05/soap-envelope'
const NS = 'urn:quark:shop:default'

function post(body: string, type = 'text/xml; charset=utf-8') {
  return s.request('/shop/default/call/soap', { method: 'POST', body, headers: { 'Content-Type': type, SOAPAction: `"${NS}#Add"` } })
}

test('the WSDL describes every operation with its types, a SOAP 1.1 and a 1.2 port at the call URL', async () => {
  const r = await s.request('/shop/default/call/soap?WSDL')
  assert.equal(r.status, 200)
  assert.equal(r.headers['content-type'], 'text/xml; charset=utf-8')
  assert.match(r.body, /<xsd:element name="Add"><xsd:complexType><xsd:sequence><xsd:element name="a" type="xsd:int" minOccurs="0"\/><xsd:element name="b" type="xsd:int" minOccurs="0"\/>/)
  assert.match(r.body, /<xsd:element name="AddResponse"><xsd:complexType><xsd:sequence><xsd:element name="sum" type="xsd:int"/)
  assert.match(r.body, /<xsd:element name="ConcatResult" type="xsd:string"/)
  assert.match(r.body, /<xsd:element name="when" type="xsd:dateTime"/)
  assert.match(r.body, new RegExp(`<soap:address location="${s.url}/shop/default/call/soap"/>`))
  assert.match(r.body, new RegExp(`<soap12:address location="${s.url}/shop/default/call/soap"/>`))
})

test('the soap client calls from the WSDL over SOAP 1.1', async () => {
  const client = await soap.createClientAsync(wsdlUrl)
  const [add] = await client.AddAsync({ a: 40, b: 2 })
  assert.deepEqual(add, { sum: 42 })
  const [cat] = await client.ConcatAsync({ a: '<x> & ', b: 'ünï' })
  assert.deepEqual(cat, { ConcatResult: '<x> & ünï' })
  const [adult] = await client.IsAdultAsync({ age: 21, when: '2026-01-01T00:00:00Z' })
  assert.deepEqual(adult, { adult: true })
  await assert.rejects(client.FailAsync({}), (e: any) => {
    assert.equal(e.response?.status, 500)
    assert.match(String(e.body), /<faultcode>soap:Server<\/faultcode><faultstring>no &lt;funds&gt; left<\/faultstring>/)
    assert.doesNotMatch(String(e.body), /at .*\.ts|stack/i)
    return true
  })
})

test('the soap client calls from the WSDL over SOAP 1.2', async () => {
  const client = await soap.createClientAsync(wsdlUrl, { forceSoap12Headers: true })
  const port = (client as any).QuarkService.QuarkSoap12Port
  const add = await new Promise<any>((resolve, reject) => port.Add({ a: 1, b: 2 }, (err: unknown, res: unknown) => (err ? reject(err) : resolve(res))))
  assert.deepEqual(add, { sum: 3 })
  assert.match(client.lastRequest ?? '', new RegExp(ENV12.replace(/[/.]/g, '\\$&')))
  await assert.rejects(new Promise((resolve, reject) => port.Fail({}, (err: unknown, res: unknown) => (err ? reject(err) : resolve(res)))), (e: any) => {
    assert.match(String(e.body), /<soap:Code><soap:Value>soap:Receiver<\/soap:Value><\/soap:Code><soap:Reason><soap:Text xml:lang="en">no &lt;funds&gt; left/)
    return true
  })
})

test('SOAP 1.2 by hand: application/soap+xml answered in kind; a Sender fault is 400', async () => {
  const ok = await post(`<e:Envelope xmlns:e="${ENV12}"><e:Body><Add xmlns="${NS}"><a>5</a><b>6</b></Add></e:Body></e:Envelope>`, 'application/soap+xml; charset=utf-8')
  assert.equal(ok.status, 200, ok.body)
  assert.equal(ok.headers['content-type'], 'application/soap+xml; charset=utf-8')
  assert.match(ok.body, /<tns:AddResponse xmlns:tns="urn:quark:shop:default"><tns:sum>11<\/tns:sum><\/tns:AddResponse>/)
  const bad = await post(`<e:Envelope xmlns:e="${ENV12}"><e:Body><Add xmlns="${NS}"><a>five</a></Add></e:Body></e:Envelope>`, 'application/soap+xml')
  assert.equal(bad.status, 400)
  assert.match(bad.body, /soap:Sender.*a: &quot;five&quot; is not a valid int/)
})

test('an envelope with a DOCTYPE (XXE, entity expansion) is refused before anything runs', async () => {
  const marker = path.join(s.appFolder('shop'), 'private', 'touched.txt')
  fs.rmSync(marker, { force: true })
  const xxe = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><s:Envelope xmlns:s="${ENV11}"><s:Body><Touch xmlns="${NS}"><text>&e;</text></Touch></s:Body></s:Envelope>`
  const r = await post(xxe)
  assert.equal(r.status, 500)
  assert.match(r.body, /<faultcode>soap:Client<\/faultcode><faultstring>malformed envelope: a DOCTYPE is not accepted/)
  assert.doesNotMatch(r.body, /root:/)
  const lol = `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><s:Envelope xmlns:s="${ENV11}"><s:Body><Touch xmlns="${NS}"><text>&b;</text></Touch></s:Body></s:Envelope>`
  assert.match((await post(lol)).body, /DOCTYPE is not accepted/)
  // an undeclared entity without a DOCTYPE is refused too
  const ent = await post(`<s:Envelope xmlns:s="${ENV11}"><s:Body><Touch xmlns="${NS}"><text>&e;</text></Touch></s:Body></s:Envelope>`)
  assert.match(ent.body, /soap:Client.*entities other than the predefined ones/)
  assert.equal(fs.existsSync(marker), false, 'the operation never ran')
  // the same call without the attack runs
  const fine = await post(`<s:Envelope xmlns:s="${ENV11}"><s:Body><Touch xmlns="${NS}"><text>a &amp; b</text></Touch></s:Body></s:Envelope>`)
  assert.equal(fine.status, 200, fine.body)
  assert.equal(fs.readFileSync(marker, 'utf8'), 'a & b')
})

test('malformed envelopes are client faults that say what is wrong', async () => {
  const cases: [string, RegExp][] = [
    ['not xml at all', /malformed envelope/],
    ['', /empty request/],
    [`<s:Envelope xmlns:s="${ENV11}"><s:Body><Add xmlns="${NS}"><a>1</a></s:Body></s:Envelope>`, /malformed envelope: unexpected &lt;\/s:Body&gt;/],
    [`<Envelope><Body><Add/></Body></Envelope>`, /not a SOAP Envelope/],
    [`<s:Envelope xmlns:s="${ENV11}"><s:Header/></s:Envelope>`, /no Body element/],
    [`<s:Envelope xmlns:s="${ENV11}"><s:Body><Steal xmlns="${NS}"/></s:Body></s:Envelope>`, /no such operation: Steal/],
    [`<s:Envelope xmlns:s="${ENV11}"><s:Body><x:Add xmlns:x="urn:other"/></s:Body></s:Envelope>`, /no such operation: Add/],
    [`<s:Envelope xmlns:s="${ENV11}"><s:Body><q:Add/></s:Body></s:Envelope>`, /undeclared prefix/],
    [`<s:Envelope xmlns:s="${ENV11}"><s:Body><Add xmlns="${NS}"><a>99999999999</a></Add></s:Body></s:Envelope>`, /a: &quot;99999999999&quot; is not a valid int/],
    [`<s:Envelope xmlns:s="${ENV11}"><s:Body>${'<a>'.repeat(100)}</s:Body></s:Envelope>`, /nested too deep/],
  ]
  for (const [body, re] of cases) {
    const r = await post(body)
    assert.equal(r.status, 500, body)
    assert.match(r.body, /<faultcode>soap:Client<\/faultcode>/, body)
    assert.match(r.body, re, body)
  }
})
