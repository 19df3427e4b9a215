import { test } from 'node:test'
import assert from 'node:assert/strict'
import { renderGeneric, toCsv, toIcs, QK_SERVICES_BAD_CALLBACK, QK_SERVICES_BAD_FEED } from '../../server/services/index'
import { B } from '../../server/html/index'

// A rows-like object as the DAL returns (colnames + asList()).
const rows = { colnames: ['thing.id', 'thing.name'], asList: () => [{ id: 1, name: 'a,b' }, { id: 2, name: 'say "hi"' }] }

test('json: rows, helpers, dates, bigints, maps', () => {
  const r = renderGeneric('json', { rows, h: B('x'), d: new Date(Date.UTC(2020, 0, 2)), n: 10n, m: new Map([['k', 1]]), f: () => 1, u: undefined }, {})!
  assert.equal(r.contentType, 'application/json; charset=utf-8')
  assert.equal(r.body, '{"rows":[{"id":1,"name":"a,b"},{"id":2,"name":"say \\"hi\\""}],"h":"<b>x</b>","d":"2020-01-02T00:00:00.000Z","n":"10","m":{"k":1},"u":null}')
  const cyc: Record<string, unknown> = { a: 1 }; cyc.self = cyc
  assert.equal(renderGeneric('json', cyc)!.body, '{"a":1,"self":null}')
})

test('jsonp: callback validated', () => {
  assert.equal(renderGeneric('jsonp', { a: 1 }, { vars: { callback: 'jQuery.cb_1' } })!.body, '/**/jQuery.cb_1({"a":1});')
  assert.equal(renderGeneric('jsonp', [1], {})!.body, '/**/callback([1]);')
  assert.equal(renderGeneric('jsonp', [1], {})!.contentType, 'application/javascript; charset=utf-8')
  for (const bad of ['alert(1)//', 'a b', '1x', '<script>', 'a..b', '']) assert.throws(() => renderGeneric('jsonp', 1, { vars: { callback: bad } }), QK_SERVICES_BAD_CALLBACK, bad)
})

test('xml', () => {
  assert.equal(renderGeneric('xml', { message: 'a<b & c', list: [1, 'x'], 'bad key': true })!.body,
    '<?xml version="1.0" encoding="UTF-8"?><document><message>a&lt;b &amp; c</message><list><item>1</item><item>x</item></list><bad_key>true</bad_key></document>')
})

test('csv from rows, a list of objects, or inside a result object', () => {
  assert.equal(toCsv(rows), 'thing.id,thing.name\r\n1,"a,b"\r\n2,"say ""hi"""\r\n')
  assert.equal(renderGeneric('csv', { rows })!.body, 'thing.id,thing.name\r\n1,"a,b"\r\n2,"say ""hi"""\r\n')
  assert.equal(toCsv([{ a: 1, b: null }, { a: 'x\ny', c: { d: 2 } }]), 'a,b,c.d\r\n1,,\r\n"x\ny",,2\r\n')
  assert.equal(renderGeneric('csv', [])!.body, '\r\n')
  // spreadsheet formula injection: neutralised with a leading quote, plain numbers kept
  const hostile = [{ a: '=HYPERLINK("http://x","y")', b: -5, c: '+1+cmd|x', d: '@SUM(A1)', e: '\tx', f: '-3.5' }]
  assert.equal(renderGeneric('csv', hostile)!.body, 'a,b,c,d,e,f\r\n"\'=HYPERLINK(""http://x"",""y"")",-5,"\'+1+cmd|x","\'@SUM(A1)","\'\tx",-3.5\r\n')
  assert.throws(() => renderGeneric('csv', { message: 'hello' }), QK_SERVICES_BAD_FEED)
})

const feed = { title: 'News <1>', link: 'http://x/', description: 'd&d', entries: [{ title: 'E1', link: 'http://x/1', description: '<b>b</b>', created_on: '2024-05-06T07:08:09Z' }] }

test('rss', () => {
  assert.equal(renderGeneric('rss', feed)!.body,
    '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>News &lt;1&gt;</title><link>http://x/</link><description>d&amp;d</description>' +
    '<item><title>E1</title><link>http://x/1</link><guid>http://x/1</guid><description>&lt;b&gt;b&lt;/b&gt;</description><pubDate>Mon, 06 May 2024 07:08:09 GMT</pubDate></item></channel></rss>\n')
  assert.throws(() => renderGeneric('rss', { message: 'x' }), /Cannot render rss/)
})

test('atom', () => {
  assert.equal(renderGeneric('atom', feed)!.body,
    '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>News &lt;1&gt;</title><id>http://x/</id><updated>2024-05-06T07:08:09.000Z</updated><link href="http://x/"/><subtitle>d&amp;d</subtitle>' +
    '<entry><title>E1</title><id>http://x/1</id><updated>2024-05-06T07:08:09.000Z</updated><link href="http://x/1"/><summary>&lt;b&gt;b&lt;/b&gt;</summary></entry></feed>\n')
})

test('ics', () => {
  const now = new Date(Date.UTC(2024, 0, 1))
  assert.equal(toIcs({ title: 'Cal', events: [{ id: 'e1', title: 'Meet; talk, x', start: '2024-02-03T10:00:00Z', stop: new Date(Date.UTC(2024, 1, 3, 11)), location: 'Room\n1' }] }, now),
    'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Quark//generic.ics//EN\r\nCALSCALE:GREGORIAN\r\nX-WR-CALNAME:Cal\r\nBEGIN:VEVENT\r\nUID:e1\r\nDTSTAMP:20240101T000000Z\r\n' +
    'DTSTART:20240203T100000Z\r\nDTEND:20240203T110000Z\r\nSUMMARY:Meet\\; talk\\, x\r\nLOCATION:Room\\n1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n')
  assert.equal(renderGeneric('ics', [])!.contentType, 'text/calendar; charset=utf-8')
  assert.throws(() => toIcs([{ title: 'x', start: 'not a date' }]), /no valid start/)
  const long = toIcs([{ title: 'x'.repeat(200), start: now }], now)
  assert.ok(long.split('\r\n').every((l) => Buffer.byteLength(l) <= 75))
})

test('unknown extensions give undefined (404)', () => {
  assert.equal(renderGeneric('exe', {}), undefined)
  assert.equal(renderGeneric('html', {}), undefined)
})
