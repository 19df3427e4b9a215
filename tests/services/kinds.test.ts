// The atom, ics, pdf and rtf service kinds, and the generic .jsonp/.pdf/.rtf views, against a real
// server (issue #23 items 4 and 6): types, headers, documents whose text can be read back.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import zlib from 'node:zlib'
import { startServer, type TestServer } from '../helpers/server'

const CONTROLLER = `
const service = new Service()
const feed = () => ({ title: 'News & <more>', link: 'http://x.test/', description: 'd', entries: [
  { title: 'One', link: 'http://x.test/1', description: 'first', created_on: '2026-01-02T03:04:05Z' },
] })
service.atom(function news() { return feed() })
service.ics(function calendar() { return { title: 'Cal', events: [{ title: 'Meet, talk; eat', start: '2026-03-01T10:00:00Z', stop: '2026-03-01T11:00:00Z' }] } })
service.ics(function broken() { return { events: [{ title: 'no start' }] } })
service.pdf(function report() { return { title: 'Report', rows: [{ name: 'Ann', score: 3 }, { name: 'Bob', score: 5 }] } })
service.rtf(function letter() { return { title: 'Letter {1}', body: 'caf\\u00e9 \\\\ done' } })
export function call() { return service.call() }
export function data() { return { title: 'Quarterly', note: '<b>bold</b> & more', items: [{ sku: 'A-1', qty: 2 }] } }
`

let s: TestServer
before(async () => { s = await startServer({ apps: { shop: { 'controllers/default.ts': CONTROLLER } } }) })
after(async () => { await s?.stop() })

/** The text shown by a pdfkit PDF: its content streams inflated, the hex strings of the text operators decoded. */
function pdfText(pdf: Buffer): string {
  const raw = pdf.toString('latin1')
  let out = ''
  const re = /stream\r?\n/g
  for (let m = re.exec(raw); m; m = re.exec(raw)) {
    const start = m.index + m[0].length
    const end = raw.indexOf('endstream', start)
    let data: string
    try { data = zlib.inflateSync(pdf.subarray(start, end)).toString('latin1') } catch { continue }
    for (const t of data.matchAll(/<([0-9a-fA-F]+)>/g)) out += Buffer.from(t[1]!, 'hex').toString('latin1')
    out += '\n'
  }
  return out
}

test('atom kind: an Atom feed with its type and escaped text', async () => {
  const r = await s.request('/shop/default/call/atom/news')
  assert.equal(r.status, 200, r.body)
  assert.equal(r.headers['content-type'], 'application/atom+xml; charset=utf-8')
  assert.match(r.body, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<feed xmlns="http:\/\/www.w3.org\/2005\/Atom"><title>News &amp; &lt;more&gt;<\/title>/)
  assert.match(r.body, /<entry><title>One<\/title><id>http:\/\/x.test\/1<\/id><updated>2026-01-02T03:04:05.000Z<\/updated>/)
})

test('ics kind: iCalendar with escaped text; an event without a start is a clear error', async () => {
  const r = await s.request('/shop/default/call/ics/calendar')
  assert.equal(r.status, 200, r.body)
  assert.equal(r.headers['content-type'], 'text/calendar; charset=utf-8')
  assert.match(r.body, /^BEGIN:VCALENDAR\r\nVERSION:2.0\r\n/)
  assert.match(r.body, /\r\nDTSTART:20260301T100000Z\r\nDTEND:20260301T110000Z\r\nSUMMARY:Meet\\, talk\\; eat\r\n/)
  const bad = await s.request('/shop/default/call/ics/broken')
  assert.equal(bad.status, 500)
  assert.doesNotMatch(bad.body, /BEGIN:VCALENDAR/)
  assert.equal((await s.request('/shop/default/call/atom/calendar')).status, 404, 'registered for ics only')
})

test('pdf kind: a PDF whose text holds the title and the table', async () => {
  const r = await s.request('/shop/default/call/pdf/report')
  assert.equal(r.status, 200)
  assert.equal(r.headers['content-type'], 'application/pdf')
  assert.equal(r.buffer.subarray(0, 5).toString(), '%PDF-')
  assert.match(r.buffer.subarray(-6).toString(), /%%EOF/)
  const text = pdfText(r.buffer)
  for (const w of ['Report', 'name', 'score', 'Ann', 'Bob', '5']) assert.ok(text.includes(w), `${w} in ${JSON.stringify(text)}`)
})

test('rtf kind: an RTF document with braces, backslashes and non-ASCII escaped', async () => {
  const r = await s.request('/shop/default/call/rtf/letter')
  assert.equal(r.status, 200)
  assert.equal(r.headers['content-type'], 'application/rtf')
  assert.match(r.body, /^\{\\rtf1\\ansi/)
  assert.match(r.body, /\{\\pard\\b\\fs36 Letter \\\{1\\\}\\par\}/)
  assert.match(r.body, /body: caf\\u233\? \\\\ done/)
  // braces balance: the document is one group
  let depth = 0
  for (let i = 0; i < r.body.length; i++) {
    if (r.body[i] === '\\') { i++; continue }
    if (r.body[i] === '{') depth++
    if (r.body[i] === '}') { depth--; if (depth === 0) assert.equal(r.body.slice(i + 1).trim(), '') }
  }
  assert.equal(depth, 0)
})

test('generic .pdf and .rtf views of an action\'s data (HTML shown as its text)', async () => {
  const p = await s.request('/shop/default/data.pdf')
  assert.equal(p.status, 200, p.body)
  assert.equal(p.headers['content-type'], 'application/pdf')
  const text = pdfText(p.buffer)
  for (const w of ['Quarterly', 'note: bold & more', 'sku', 'A-1']) assert.ok(text.includes(w), `${w} in ${JSON.stringify(text)}`)
  assert.ok(!text.includes('<b>'), 'tags are not shown')
  const r = await s.request('/shop/default/data.rtf')
  assert.equal(r.headers['content-type'], 'application/rtf')
  assert.match(r.body, /note: bold & more/)
  assert.match(r.body, /\\trowd\\cellx4500\\cellx9000\\pard\\intbl\\b sku\\b0\\cell/)
})

test('generic .jsonp view: nosniff, javascript type, hostile callback refused', async () => {
  const r = await s.request('/shop/default/data.jsonp?callback=cb')
  assert.equal(r.status, 200, r.body)
  assert.equal(r.headers['content-type'], 'application/javascript; charset=utf-8')
  assert.equal(r.headers['x-content-type-options'], 'nosniff')
  assert.match(r.body, /^\/\*\*\/cb\(\{"title":"Quarterly"/)
  const bad = await s.request('/shop/default/data.jsonp?callback=' + encodeURIComponent('alert(1)//'))
  assert.equal(bad.status, 400)
  assert.doesNotMatch(bad.body, /Quarterly/)
})
