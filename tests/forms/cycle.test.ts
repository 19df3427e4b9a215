/**
 * Whole form cycles over real HTTPS, as a browser does them: GET the form,
 * POST it with its key, see the record; POST with errors, see the messages
 * beside the fields and the kept values; POST without a key or replaying
 * one, nothing written and the page says why. FORM, SQLFORM create /
 * update / delete / read-only / custom, factory, several forms per page.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer, type Agent } from '../helpers/server'
import { FORMS_APP, OPTION_WIDGETS, formKey, formName } from './app'

let s: TestServer
const FRENCH = JSON.stringify({
  'Form key missing: the form was not submitted from its page': 'Clé de formulaire absente',
  'Submit': 'Envoyer', 'Name': 'Nom', 'Enter a value': 'Entrez une valeur',
})
before(async () => { s = await startServer({ apps: { shop: { ...FORMS_APP, 'languages/fr.json': FRENCH, 'controllers/widgets.ts': OPTION_WIDGETS } } }) })
after(async () => { await s?.stop() })

async function list(a: Agent): Promise<any[]> {
  return JSON.parse((await a.request('/shop/default/list')).body)
}

test('FORM: accepted with its key, errors beside fields with kept values, missing and replayed keys refused', async () => {
  const a = s.agent()
  const page = await a.request('/shop/default/plain')
  assert.equal(page.status, 200)
  assert.match(page.body, /<form action="#" enctype="multipart\/form-data" method="post">/)
  const key = formKey(page.body)
  assert.match(page.body, /name="_formname" type="hidden" value="default"/)

  const ok = await a.request('/shop/default/plain', { form: { x: 'hello', n: '5', _formname: 'default', _formkey: key } })
  assert.equal(ok.body, 'ACCEPTED {"x":"hello","n":5}')

  // the same key again: refused, and the page says it was already used
  const replay = await a.request('/shop/default/plain', { form: { x: 'hello', n: '5', _formname: 'default', _formkey: key } })
  assert.doesNotMatch(replay.body, /ACCEPTED/)
  assert.match(replay.body, /already submitted/)

  const bad = await a.request('/shop/default/plain', { form: { x: '', n: '50', _formname: 'default', _formkey: formKey(replay.body) } })
  assert.doesNotMatch(bad.body, /ACCEPTED/)
  assert.match(bad.body, /<div class="quark-error error invalid-feedback d-block" id="x__error">Enter a value<\/div>/)
  assert.match(bad.body, /id="n__error">Enter an integer between 1 and 9<\/div>/)
  assert.match(bad.body, /<input class="is-invalid" name="n" type="text" value="50" \/>/)

  const nokey = await a.request('/shop/default/plain', { form: { x: 'a', n: '2', _formname: 'default' } })
  assert.doesNotMatch(nokey.body, /ACCEPTED/)
  assert.match(nokey.body, /Form key missing/)
  // a forged POST with the field names but no form name is not accepted either
  const forged = await a.request('/shop/default/plain', { form: { x: 'a', n: '2' } })
  assert.doesNotMatch(forged.body, /ACCEPTED/)
  assert.match(forged.body, /Form key missing/)
  // a key from another session is unknown here
  const other = s.agent()
  const foreign = formKey((await other.request('/shop/default/plain')).body)
  const cross = await a.request('/shop/default/plain', { form: { x: 'a', n: '2', _formname: 'default', _formkey: foreign } })
  assert.match(cross.body, /expired or invalid/)
})

test('session.forget() on the page that showed the form: the submission is refused with that reason', async () => {
  const a = s.agent()
  const page = await a.request('/shop/default/forgetful')
  const key = formKey(page.body)
  const r = await a.request('/shop/default/forgetful', { form: { x: 'a', _formname: 'default', _formkey: key } })
  assert.match(r.body, /session\.forget\(\)/)
})

test('two forms on one page: each has its own name and key, only the submitted one is processed', async () => {
  const a = s.agent()
  const page = await a.request('/shop/default/two')
  const k1 = formKey(page.body, 'first')
  const k2 = formKey(page.body, 'second')
  assert.notEqual(k1, k2)
  const r = await a.request('/shop/default/two', { form: { b: 'x', _formname: 'second', _formkey: k2 } })
  assert.match(r.body, /^B-OK /)
  assert.doesNotMatch(r.body, /A-OK/)
  assert.doesNotMatch(r.body, /Enter a value/) // the other form shows no errors
})

test('SQLFORM create: widgets per type, record written, errors and kept values, no key / replay write nothing', async () => {
  const a = s.agent()
  const page = await a.request('/shop/default/create')
  assert.equal(page.status, 200)
  const html = page.body
  assert.equal(formName(html), 'thing/create')
  assert.match(html, /<input class="string form-control" id="thing_name" name="name" type="text" value="" \/>/)
  assert.match(html, /<select class="string form-select" id="thing_kind" name="kind"><option value="">/)
  assert.match(html, /<option selected="selected" value="a">a<\/option>/)
  assert.match(html, /<input class="boolean form-check-input" id="thing_active" name="active" type="checkbox" \/>/)
  assert.match(html, /id="thing_owner" name="owner"/)
  assert.match(html, /<input class="upload form-control" id="thing_doc" name="doc" type="file" \/>/)
  assert.match(html, /<label class="form-label" for="thing_name">Name<\/label>/)
  assert.match(html, /value="1"/) // qty default
  const key = formKey(html)

  const bad = await a.request('/shop/default/create', { form: { name: '', qty: 'many', kind: 'z', _formname: 'thing/create', _formkey: key } })
  assert.match(bad.body, /id="name__error">Enter a value</)
  assert.match(bad.body, /id="qty__error">Enter an integer between/)
  assert.match(bad.body, /id="kind__error">Value not allowed</)
  assert.match(bad.body, /name="qty" type="text" value="many"/)
  assert.deepEqual(await list(a), [])

  const ok = await a.request('/shop/default/create', { form: { name: 'Lamp', qty: '3', kind: 'b', active: 'on', _formname: 'thing/create', _formkey: formKey(bad.body) } })
  assert.match(ok.body, /^CREATED \d+$/)
  const rows = await list(a)
  assert.equal(rows.length, 1)
  assert.deepEqual({ name: rows[0].name, qty: rows[0].qty, kind: rows[0].kind, active: rows[0].active }, { name: 'Lamp', qty: 3, kind: 'b', active: true })

  // replay of the accepted key and a POST without key: nothing more written
  const replay = await a.request('/shop/default/create', { form: { name: 'Again', qty: '1', kind: 'a', _formname: 'thing/create', _formkey: formKey(bad.body) } })
  assert.match(replay.body, /already submitted/)
  const nokey = await a.request('/shop/default/create', { form: { name: 'NoKey', qty: '1', kind: 'a', _formname: 'thing/create' } })
  assert.match(nokey.body, /Form key missing/)
  assert.equal((await list(a)).length, 1)
})

test('SQLFORM update, record-change detection, read-only and delete', async () => {
  const a = s.agent()
  const create = await a.request('/shop/default/create')
  await a.request('/shop/default/create', { form: { name: 'Chair', qty: '2', kind: 'a', _formname: 'thing/create', _formkey: formKey(create.body) } })
  const id = (await list(a)).find((r) => r.name === 'Chair').id
  const edit = await a.request(`/shop/default/edit/${id}`)
  assert.match(edit.body, /name="name" type="text" value="Chair"/)
  assert.match(edit.body, /<span id="thing_id">\d+<\/span>/)
  assert.match(edit.body, /name="delete_this_record"/)
  const hash = /name="_record_hash" type="hidden" value="([0-9a-f]+)"/.exec(edit.body)![1]!
  const fname = `thing/${id}`
  assert.equal(formName(edit.body), fname)

  const up = await a.request(`/shop/default/edit/${id}`, { form: { name: 'Armchair', qty: '4', kind: 'b', _formname: fname, _formkey: formKey(edit.body), _record_hash: hash } })
  assert.equal(up.body, `UPDATED ${id}`)
  let row = (await list(a)).find((r) => r.id === id)
  assert.equal(row.name, 'Armchair')
  assert.equal(row.qty, 4)

  // an edit page shown before that update: its hash is stale, the update is refused
  const stale = await a.request(`/shop/default/edit/${id}`, { form: { name: 'Old', qty: '4', kind: 'b', _formname: fname, _formkey: formKey((await a.request(`/shop/default/edit/${id}`)).body), _record_hash: hash } })
  assert.match(stale.body, /Record changed while you were editing it/)
  assert.equal((await list(a)).find((r) => r.id === id).name, 'Armchair')

  const show = await a.request(`/shop/default/show/${id}`)
  assert.match(show.body, /<span class="form-control-plaintext" id="thing_name">Armchair<\/span>/)
  assert.doesNotMatch(show.body, /<input/)

  const missing = await a.request('/shop/default/edit/99999')
  assert.equal(missing.status, 404)

  const page = await a.request(`/shop/default/edit/${id}`)
  const h2 = /name="_record_hash" type="hidden" value="([0-9a-f]+)"/.exec(page.body)![1]!
  const del = await a.request(`/shop/default/edit/${id}`, { form: { name: '', delete_this_record: 'on', _formname: fname, _formkey: formKey(page.body), _record_hash: h2 } })
  assert.equal(del.body, `DELETED ${id}`)
  row = (await list(a)).find((r) => r.id === id)
  assert.equal(row, undefined)
})

test('SQLFORM.factory validates without a table; custom forms and table3cols render', async () => {
  const a = s.agent()
  const page = await a.request('/shop/default/factory')
  assert.equal(formName(page.body), 'no_table')
  const bad = await a.request('/shop/default/factory', { form: { email: 'nope', age: '7', _formname: 'no_table', _formkey: formKey(page.body) } })
  assert.match(bad.body, /id="email__error">Enter a valid email address</)
  assert.match(bad.body, /name="email" type="text" value="nope"/)
  const ok = await a.request('/shop/default/factory', { form: { email: 'a@b.com', age: '7', _formname: 'no_table', _formkey: formKey(bad.body) } })
  assert.equal(ok.body, 'FACTORY {"email":"a@b.com","age":7}')

  const custom = await a.request('/shop/default/custom')
  assert.match(custom.body, /^<form action="#" enctype="multipart\/form-data" method="post"><p><input class="string form-control" id="thing_name" name="name" type="text" value="" \/><\/p><input class="btn btn-primary" type="submit" value="Submit" \/><div style="display:none;">/)
  const c2 = await a.request('/shop/default/custom', { form: { name: 'Custom', _formname: 'thing/create', _formkey: formKey(custom.body) } })
  assert.match(c2.body, /^CUSTOM \d+$/)

  const t3 = await a.request('/shop/default/table3')
  assert.match(t3.body, /<table><tr id="thing_name__row"><td class="w2p_fl"><label for="thing_name">Name<\/label><\/td><td class="w2p_fw"><input class="string" id="thing_name" name="name" type="text" value="" \/><\/td><td class="w2p_fc"><\/td><\/tr>/)
})

test('process options: onvalidation, onsuccess, keepvalues, hideerror; unprepared database widgets are a clear error', async () => {
  const a = s.agent()
  const url = '/shop/default/opts'
  let page = await a.request(url)
  let r = await a.request(url, { form: { x: 'v', y: 'bad', _formname: 'default', _formkey: formKey(page.body) } })
  assert.match(r.body, /accepted=false errors=\{"y":"y may not be bad"\}/)
  assert.match(r.body, /id="y__error">y may not be bad</)
  r = await a.request(url + '?hide=1', { form: { x: '', y: '', _formname: 'default', _formkey: formKey(r.body) } })
  assert.match(r.body, /errors=\{"x":"Enter a value"\}/)
  assert.doesNotMatch(r.body, /x__error/)
  r = await a.request(url, { form: { x: 'one', y: 'z', _formname: 'default', _formkey: formKey(r.body) } })
  assert.match(r.body, /^flash=saved one accepted=true/)
  assert.match(r.body, /<input name="x" type="text" \/>/) // emptied after acceptance
  r = await a.request(url + '?keep=1', { form: { x: 'two', y: 'z', _formname: 'default', _formkey: formKey(r.body) } })
  assert.match(r.body, /accepted=true/)
  assert.match(r.body, /<input name="x" type="text" value="two" \/>/)
  page = await a.request('/shop/default/unprepared')
  assert.equal(page.status, 500)
  const tickets = (await import('node:fs')).readdirSync((await import('node:path')).join(s.appFolder('shop'), 'errors'))
  assert.ok(tickets.length >= 1)
  const text = (await import('node:fs')).readFileSync((await import('node:path')).join(s.appFolder('shop'), 'errors', tickets[0]!), 'utf8')
  assert.match(text, /QK_FORMS_NOT_PREPARED|rendered before it was prepared/)
  const sync = await a.request('/shop/default/syncform')
  assert.equal(sync.status, 200)
  assert.match(sync.body, /id="owner_name"/)
})

test('form messages and labels go through T (the request language)', async () => {
  const a = s.agent()
  const fr = { 'accept-language': 'fr-FR,fr;q=0.9' }
  const page = await a.request('/shop/default/create', { headers: fr })
  assert.match(page.body, /<label class="form-label" for="thing_name">Nom<\/label>/)
  assert.match(page.body, /type="submit" value="Envoyer"/)
  const r = await a.request('/shop/default/create', { headers: fr, form: { name: '', qty: '1', kind: 'a', _formname: 'thing/create' } })
  assert.match(r.body, /Clé de formulaire absente/)
  assert.match(r.body, /id="name__error">Entrez une valeur</)
})

test('checkboxes and radio widgets for fields with options', async () => {
  const a = s.agent()
  const page = await a.request('/shop/widgets/boxes')
  assert.match(page.body, /<input checked="checked" class="list_string form-check-input" id="no_table_colors_1" name="colors" type="checkbox" value="green" \/>/)
  assert.match(page.body, /id="no_table_size_0" name="size" type="radio" value="S"/)
  const body = new URLSearchParams([['colors', 'red'], ['colors', 'blue'], ['size', 'M'], ['_formname', 'no_table'], ['_formkey', formKey(page.body)]]).toString()
  const r = await a.request('/shop/widgets/boxes', { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  assert.match(r.body, /^OK \{"colors":\["red","blue"\],"size":"M"\}/)
  assert.match(r.body, /checked="checked" class="list_string form-check-input" id="no_table_colors_0"/)
  assert.match(r.body, /class="list_string form-check-input" id="no_table_colors_1" name="colors" type="checkbox" value="green"/)
  const one = new URLSearchParams([['colors', 'red'], ['size', 'XL'], ['_formname', 'no_table'], ['_formkey', formKey(r.body)]]).toString()
  const bad = await a.request('/shop/widgets/boxes', { body: one, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  assert.match(bad.body, /id="size__error">Value not allowed</)
})
