// RestAPI over HTTP (issue #23 item 1): the real server, plain fetch, on SQLite and PostgreSQL.
// Lists with every filter operator, order, pages with Link headers, @count/@lookup/@model, one
// record, ETag/304, writes through the validators (422), the policy's fields, methods, query
// and membership, and every hostile input the issue lists (each answered with a named error).
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startRestApp, basic, fetch } from './restApp'
import { createTestDatabase, type TestDatabase } from '../helpers/databases'
import type { TestServer } from '../helpers/server'

const ANN = basic('ann@example.com', 'ann-password-1')
const BOB = basic('bob@example.com', 'bob-password-1')

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`RestAPI on ${kind}`, () => {
    let s: TestServer
    let pg: TestDatabase | undefined
    const api = (p: string, o: RequestInit = {}) => fetch(s.url + '/shop/default/api' + p, o)
    const json = async (p: string, o: RequestInit = {}) => { const r = await api(p, o); return { r, body: r.status === 204 || r.status === 304 ? null : await r.json() } }
    const send = (method: string, p: string, body: unknown, auth = ANN, type = 'application/json') =>
      api(p, { method, headers: { 'content-type': type, authorization: auth }, body: typeof body === 'string' ? body : JSON.stringify(body) })

    before(async () => {
      if (kind === 'postgres') pg = await createTestDatabase('postgres', 'rest')
      s = await startRestApp(pg?.uri)
    })
    after(async () => { await s?.stop(); await pg?.drop() })

    test('the index lists the tables and the OpenAPI document', async () => {
      const { r, body } = await json('')
      assert.equal(r.status, 200)
      assert.deepEqual(body.tables.map((t: { name: string }) => t.name), ['thing', 'note', 'diary'])
      assert.equal(body.openapi, '/shop/default/api/openapi.json')
    })

    test('list: only readable fields, default order by id, @count, a page with Link next', async () => {
      const { r, body } = await json('/thing?@limit=5&@count=1')
      assert.equal(r.status, 200)
      assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8')
      assert.equal(body.items.length, 5)
      assert.equal(body.count, 30)
      assert.deepEqual(Object.keys(body.items[0]).sort(), ['color', 'id', 'made_on', 'price', 'qty', 'title'])
      assert.equal(body.items[0].secret, undefined, 'a field the policy does not list is never sent')
      assert.deepEqual(body.items.map((i: { id: number }) => i.id), [1, 2, 3, 4, 5])
      const link = r.headers.get('link') ?? ''
      assert.match(link, /<\/shop\/default\/api\/thing\?[^>]*%40offset=5[^>]*>; rel="next"/)
      assert.doesNotMatch(link, /rel="prev"/)
      // follow next: a middle page has both, the last page only prev
      const next = /<([^>]+)>; rel="next"/.exec(link)![1]!
      const r2 = await fetch(s.url + next)
      assert.equal(((await r2.json()).items[0]).id, 6)
      assert.match(r2.headers.get('link') ?? '', /rel="prev"/)
      const last = await api('/thing?@limit=5&@offset=25')
      assert.match(last.headers.get('link') ?? '', /%40offset=20[^>]*>; rel="prev"/)
      assert.doesNotMatch(last.headers.get('link') ?? '', /rel="next"/)
      // the client's own filters are kept in the links, with nothing that could break the header
      const odd = await api('/thing?title.contains=g%200&@limit=2&qty.lt=9')
      assert.match(odd.headers.get('link') ?? '', /^<\/shop\/default\/api\/thing\?title\.contains=g%200&qty\.lt=9&%40offset=2&%40limit=2>; rel="next"$/)
    })

    test('every filter operator, combined, and @order', async () => {
      const ids = async (q: string) => { const { r, body } = await json('/thing?@limit=50&' + q); assert.equal(r.status, 200, q); return body.items.map((i: { id: number }) => i.id) }
      assert.deepEqual(await ids('qty.eq=7'), [7])
      assert.deepEqual(await ids('id=7'), [7])
      assert.equal((await ids('qty.ne=7')).length, 29)
      assert.deepEqual(await ids('qty.lt=3'), [1, 2])
      assert.deepEqual(await ids('qty.le=3'), [1, 2, 3])
      assert.deepEqual(await ids('qty.gt=28'), [29, 30])
      assert.deepEqual(await ids('qty.ge=28'), [28, 29, 30])
      assert.deepEqual(await ids('title.contains=ing%2012'), [12])
      assert.deepEqual(await ids('title.startswith=thing%203'), [30])
      assert.deepEqual(await ids('id.in=3,5,9'), [3, 5, 9])
      assert.deepEqual(await ids('price.ge=14.5'), [29, 30])
      assert.deepEqual(await ids('color.eq=red&qty.gt=20&@order=-qty'), [30, 27, 24, 21])
      assert.deepEqual(await ids('qty.le=4&@order=color,-id'), [2, 4, 1, 3])  // blue, green (4 then 1), red
      assert.deepEqual(await ids('qty.gt=2&qty.lt=5'), [3, 4])
    })

    test('@lookup inlines referenced records, @model describes the fields', async () => {
      const { body } = await json('/note?@lookup=thing&@model=1')
      assert.equal(body.items[0].thing.title, 'thing 01')
      assert.equal(body.items[0].thing.secret, undefined, 'the referenced table\'s policy applies')
      const t = await json('/thing?@model=true&@limit=1')
      const color = t.body.model.find((m: { name: string }) => m.name === 'color')
      assert.deepEqual(color.options, ['red', 'green', 'blue'])
      const qty = t.body.model.find((m: { name: string }) => m.name === 'qty')
      assert.equal(qty.minimum, 0)
      assert.equal(qty.maximum, 99)
      assert.equal(t.body.model.find((m: { name: string }) => m.name === 'title').maxLength, 20)
      assert.equal(t.body.model.find((m: { name: string }) => m.name === 'id').writable, false)
    })

    test('GET one, a missing id and a non-numeric id are 404', async () => {
      const { r, body } = await json('/thing/3')
      assert.equal(r.status, 200)
      assert.equal(body.title, 'thing 03')
      const missing = await json('/thing/9999')
      assert.equal(missing.r.status, 404)
      assert.equal(missing.body.error.code, 'QK_REST_NOT_FOUND')
      assert.equal((await json('/thing/abc')).r.status, 404)
      assert.equal((await json('/thing/1/2')).r.status, 404)
    })

    test('ETag and If-None-Match: 304 without a body, a new ETag once the data changes', async () => {
      const a = await api('/thing/4')
      const etag = a.headers.get('etag')!
      assert.match(etag, /^"[\w-]+"$/)
      const b = await api('/thing/4', { headers: { 'if-none-match': etag } })
      assert.equal(b.status, 304)
      assert.equal(await b.text(), '')
      const l = await api('/thing?qty.lt=3')
      assert.equal((await api('/thing?qty.lt=3', { headers: { 'if-none-match': `W/${l.headers.get('etag')}` } })).status, 304)
      assert.equal((await send('PATCH', '/thing/4', { qty: 44 })).status, 200)
      const c = await api('/thing/4', { headers: { 'if-none-match': etag } })
      assert.equal(c.status, 200)
      assert.notEqual(c.headers.get('etag'), etag)
    })

    test('POST through the validators: 201 + Location, or 422 with the messages by field', async () => {
      const ok = await send('POST', '/thing', { title: 'new <b>one</b>', color: 'green', qty: 5 })
      assert.equal(ok.status, 201)
      const row = await ok.json()
      assert.equal(ok.headers.get('location'), `/shop/default/api/thing/${row.id}`)
      assert.equal(row.title, 'new <b>one</b>', 'HTML in a value is stored as text and sent as a JSON string')
      assert.equal(row.qty, 5)
      const bad = await send('POST', '/thing', { title: '', color: 'purple', qty: 100 })
      assert.equal(bad.status, 422)
      const e = (await bad.json()).errors
      assert.deepEqual(Object.keys(e).sort(), ['color', 'qty', 'title'])
      assert.equal(e.color, 'Value not allowed')
      assert.match(e.qty, /between 0 and 99/)
      const long = await send('POST', '/thing', { title: 'x'.repeat(21) })
      assert.equal(long.status, 422)
      assert.equal((await json('/thing?title.eq=' + 'x'.repeat(21))).body.items.length, 0, 'nothing was written')
    })

    test('PUT replaces, PATCH changes the given fields; a field the policy forbids is a 403', async () => {
      const put = await send('PUT', '/thing/5', { title: 'replaced' })
      assert.equal(put.status, 200)
      const p = await put.json()
      assert.equal(p.title, 'replaced')
      assert.equal(p.qty, 0, 'PUT gives a field it leaves out its default')
      assert.equal(p.color, 'red')
      const patch = await send('PATCH', '/thing/5', { qty: 9 })
      assert.equal((await patch.json()).title, 'replaced')
      for (const m of ['PUT', 'PATCH', 'POST']) {
        const forbidden = await send(m, m === 'POST' ? '/thing' : '/thing/5', { title: 'x', secret: 'mine' })
        assert.equal(forbidden.status, 403, m)
        const b = await forbidden.json()
        assert.equal(b.error.code, 'QK_REST_FORBIDDEN_FIELD')
        assert.match(b.error.message, /secret/)
      }
      assert.equal((await send('PATCH', '/thing/5', { id: 77 })).status, 403, 'the id is never writable')
      const unknown = await send('PATCH', '/thing/5', { nope: 1 })
      assert.equal(unknown.status, 400)
      assert.match((await unknown.json()).error.message, /writable fields: title, color, qty, price, made_on/)
      assert.equal((await send('PATCH', '/thing/5', { qty: 'many' })).status, 422)
      assert.equal((await send('PATCH', '/thing/99999', { qty: 1 })).status, 404)
    })

    test('DELETE needs the policy\'s membership: Bob is refused, Ann (a manager) deletes', async () => {
      const anon = await api('/thing/6', { method: 'DELETE' })
      assert.equal(anon.status, 401)
      assert.match(anon.headers.get('www-authenticate') ?? '', /Basic/)
      const bob = await api('/thing/6', { method: 'DELETE', headers: { authorization: BOB } })
      assert.equal(bob.status, 403)
      assert.equal((await bob.json()).error.code, 'QK_REST_FORBIDDEN')
      const ann = await api('/thing/6', { method: 'DELETE', headers: { authorization: ANN } })
      assert.equal(ann.status, 204)
      assert.equal((await api('/thing/6')).status, 404)
    })

    test('permission: POST of a note needs permission create on note (Ann\'s group has it, Bob has not)', async () => {
      const bob = await send('POST', '/note', { body: 'from bob', thing: 1 }, BOB)
      assert.equal(bob.status, 403)
      assert.match((await bob.json()).error.message, /permission create on note/)
      const ann = await send('POST', '/note', { body: 'from ann', thing: 1 })
      assert.equal(ann.status, 201)
      assert.equal((await ann.json()).body, 'from ann')
    })

    test('methods the policy does not allow are 405 with Allow', async () => {
      const r = await api('/note/1', { method: 'DELETE', headers: { authorization: ANN } })
      assert.equal(r.status, 405)
      assert.equal(r.headers.get('allow'), 'GET, POST')
      assert.equal((await api('/note', { method: 'PUT', headers: { authorization: ANN } })).status, 405)
      const t = await api('/secret_table')
      assert.equal(t.status, 404)
      assert.match((await t.json()).error.message, /allowed: thing, note, diary/)
      assert.equal((await api('/auth_user')).status, 404, 'a table not in the policy does not exist for clients')
    })

    test('the policy\'s query: each user reaches only their own diary rows', async () => {
      const anon = await api('/diary')
      assert.equal(anon.status, 401)
      const ann = await json('/diary', { headers: { authorization: ANN } })
      assert.deepEqual(ann.body.items.map((i: { entry: string }) => i.entry), ['ann private'])
      const bobs = await json('/diary', { headers: { authorization: BOB } })
      const bobId = bobs.body.items[0].id
      assert.equal((await api(`/diary/${bobId}`, { headers: { authorization: ANN } })).status, 404)
      assert.equal((await send('PATCH', `/diary/${bobId}`, { entry: 'hacked' })).status, 404)
      assert.equal((await api(`/diary/${bobId}`, { method: 'DELETE', headers: { authorization: ANN } })).status, 404)
      const mine = await send('POST', '/diary', { entry: 'ann again' })
      assert.equal(mine.status, 201)
      assert.equal((await json('/diary', { headers: { authorization: BOB } })).body.items.length, 1)
      // filtering cannot widen the query
      assert.equal((await json(`/diary?id.eq=${bobId}`, { headers: { authorization: ANN } })).body.items.length, 0)
    })

    test('a policy with mistakes is a ticket naming QK_REST_BAD_POLICY', async () => {
      const errors = path.join(s.appFolder('shop'), 'errors')
      for (const [url, what] of [['/shop/broken_table/api/nope', /no table nope/], ['/shop/broken_field/api/thing', /unknown field nope/], ['/shop/broken_method/api/thing', /unknown method FETCH/]] as const) {
        const before = fs.existsSync(errors) ? fs.readdirSync(errors).length : 0
        const r = await fetch(s.url + url)
        assert.equal(r.status, 500, url)
        const tickets = fs.readdirSync(errors).map((f) => fs.readFileSync(path.join(errors, f), 'utf8'))
        assert.equal(tickets.length, before + 1, url)
        assert.ok(tickets.some((t) => /QK_REST_BAD_POLICY/.test(t) && what.test(t)), url)
      }
    })

    describe('bad input', () => {
      test('unknown fields and operators: 400 listing the allowed ones', async () => {
        const f = await json('/thing?colour.eq=red')
        assert.equal(f.r.status, 400)
        assert.equal(f.body.error.code, 'QK_REST_BAD_FILTER')
        assert.match(f.body.error.message, /allowed fields: id, title, color, qty, price, made_on/)
        const secret = await json('/thing?secret.eq=hidden')
        assert.equal(secret.r.status, 400, 'a field the client may not read may not be filtered on either')
        const op = await json('/thing?qty.between=1')
        assert.equal(op.r.status, 400)
        assert.match(op.body.error.message, /allowed operators: eq, ne, lt, le, gt, ge, contains, startswith, in/)
        const special = await json('/thing?@evil=1')
        assert.match(special.body.error.message, /allowed: @order, @limit, @offset, @count, @lookup, @model/)
        assert.equal((await json('/thing?@order=secret')).r.status, 400)
        assert.equal((await json('/thing?@lookup=title')).r.status, 400)
        assert.equal((await json('/thing?qty.contains=1')).r.status, 400, '.contains is for text fields')
      })

      test('filter values of the wrong type', async () => {
        for (const q of ['qty.gt=abc', 'qty.eq=1.5', 'id.in=1,x', 'price.lt=cheap', 'made_on.eq=yesterday', 'made_on.eq=2024-13-45', 'qty.eq=99999999999999999999']) {
          const r = await json('/thing?' + q)
          assert.equal(r.r.status, 400, q)
          assert.equal(r.body.error.code, 'QK_REST_BAD_FILTER', q)
        }
      })

      test('@limit above the bound, negative or not a number; @offset likewise', async () => {
        const above = await json('/thing?@limit=51')
        assert.equal(above.r.status, 400)
        assert.equal(above.body.error.code, 'QK_REST_BAD_LIMIT')
        assert.match(above.body.error.message, /above the bound 50/)
        assert.equal((await json('/thing?@limit=50')).r.status, 200)
        for (const q of ['@limit=-1', '@limit=ten', '@offset=-3', '@limit=1e3']) assert.equal((await json('/thing?' + q)).r.status, 400, q)
      })

      test('SQL and HTML in values are values: bound as parameters, sent as JSON text', async () => {
        const inj = await json(`/thing?title.eq=${encodeURIComponent("x' OR '1'='1")}`)
        assert.equal(inj.r.status, 200)
        assert.equal(inj.body.items.length, 0)
        const drop = await json(`/thing?title.contains=${encodeURIComponent("%'; DROP TABLE thing; --")}`)
        assert.equal(drop.body.items.length, 0)
        assert.equal((await json('/thing?title.contains=%25')).body.items.length, 0, 'a % in .contains is a character, not a wildcard')
        assert.equal((await json('/thing?@count=1')).body.count > 25, true, 'the table is still there')
        const html = await json(`/thing?${encodeURIComponent('<script>alert(1)</script>')}=1`)
        assert.equal(html.r.status, 400)
        assert.equal(html.r.headers.get('content-type'), 'application/json; charset=utf-8')
        assert.equal(html.r.headers.get('x-content-type-options'), 'nosniff')
        assert.match(html.body.error.message, /<script>alert/, 'the name is quoted in the message')
        assert.doesNotMatch(await (await api(`/thing?${encodeURIComponent('<b>')}=1`)).text(), /<b>/, 'and < > are escaped in the JSON text, so no browser sniffs markup')
        const posted = await send('POST', '/thing', { title: '<img src=x onerror=alert(1)>' })
        assert.equal(posted.status, 422, 'over 20 characters')
        const ok = await send('POST', '/thing', { title: "Robert'); DROP--" })
        assert.equal(ok.status, 201)
        assert.equal((await ok.json()).title, "Robert'); DROP--")
      })

      test('malformed, non-object, too deep and too large JSON bodies', async () => {
        const malformed = await send('POST', '/thing', '{"title": ')
        assert.equal(malformed.status, 400)
        const array = await send('POST', '/thing', '[1,2]')
        assert.equal(array.status, 400)
        assert.equal((await array.json()).error.code, 'QK_REST_BAD_BODY')
        const form = await send('POST', '/thing', 'title=x', ANN, 'application/x-www-form-urlencoded')
        assert.equal(form.status, 400)
        let deep: unknown = 1
        for (let i = 0; i < 20; i++) deep = { a: deep }
        const tooDeep = await send('POST', '/thing', { title: deep })
        assert.equal(tooDeep.status, 400)
        assert.match((await tooDeep.json()).error.message, /deeper than 8/)
        const big = await send('POST', '/thing', { title: 'x'.repeat(70 * 1024) })
        assert.equal(big.status, 413)
        assert.equal((await big.json()).error.code, 'QK_REST_BODY_TOO_LARGE')
      })
    })
  })
}
