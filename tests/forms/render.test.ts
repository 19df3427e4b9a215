/**
 * SQLFORM rendering without a request (real SQLite DAL in a temp folder):
 * widgets per field type, labels / col3 / submitButton / showid / buttons,
 * custom widgets and form styles, and clear errors for bad arguments.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DAL, Field } from '../../server/dal'
import { IS_IN_SET } from '../../server/validators'
import { INPUT } from '../../server/html'
import { SQLFORM, type FormRow } from '../../server/forms'

let folder: string
let db: any
before(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-forms-render-'))
  db = new DAL('sqlite://storage.sqlite', { folder })
  db.defineTable('item',
    Field('title', 'string', { comment: 'short' }),
    Field('body', 'text'),
    Field('born', 'date'),
    Field('at', 'time'),
    Field('secret', 'password'),
    Field('tags', 'list:string'),
    Field('colors', 'list:string', { requires: IS_IN_SET(['red', 'green', 'blue'], { multiple: true }) }),
    Field('flag', 'boolean', { default: true }),
    Field('code', 'string', { widget: (f: any, v: unknown, attrs: Record<string, unknown>) => INPUT({ ...attrs, _type: 'search', _value: v, _class: 'mine' }) }))
})
after(() => fs.rmSync(folder, { recursive: true, force: true }))

test('widgets per type', () => {
  const html = String(SQLFORM(db.item))
  assert.match(html, /<input class="string form-control" id="item_title" name="title" type="text" value="" \/><div class="form-text">short<\/div>/)
  assert.match(html, /<textarea class="text form-control" cols="40" id="item_body" name="body" rows="10"><\/textarea>/)
  assert.match(html, /id="item_born" name="born" type="date"/)
  assert.match(html, /id="item_at" name="at" type="time"/)
  assert.match(html, /<input class="password form-control" id="item_secret" name="secret" type="password" \/>/)
  assert.match(html, /id="item_tags" name="tags" type="text"/)
  assert.match(html, /<select class="list_string form-select" id="item_colors" multiple="multiple" name="colors"><option value="red">red<\/option>/)
  assert.match(html, /<input checked="checked" class="boolean form-check-input" id="item_flag" name="flag" type="checkbox" \/>/)
  assert.match(html, /<input class="mine form-control" id="item_code" name="code" type="search" \/>/)
})

test('values of a record, password never echoed; labels, col3, submitButton, showid, buttons', () => {
  const rec = { id: 4, title: 'T <b>', body: 'multi\nline', born: '2024-02-03', at: '10:11:00', secret: 'hash', tags: ['a', 'b'], colors: ['red', 'blue'], flag: false, code: 'c1' }
  const html = String(SQLFORM(db.item, rec, {
    labels: { title: 'Heading' }, col3: { title: 'the heading' }, submitButton: 'Save', showid: false, buttons: [INPUT({ _type: 'button', _value: 'Back' })],
  }))
  assert.match(html, /<label class="form-label" for="item_title">Heading<\/label><input class="string form-control" id="item_title" name="title" type="text" value="T &lt;b&gt;" \/><div class="form-text">the heading<\/div>/)
  assert.match(html, />multi\nline<\/textarea>/)
  assert.match(html, /name="born" type="date" value="2024-02-03"/)
  assert.doesNotMatch(html, /hash/)
  assert.match(html, /name="tags" type="text" value="a, b"/)
  assert.match(html, /<option selected="selected" value="red">red<\/option><option value="green">green<\/option><option selected="selected" value="blue">blue<\/option>/)
  assert.match(html, /<input class="boolean form-check-input" id="item_flag" name="flag" type="checkbox" \/>/)
  assert.match(html, /<input class="btn btn-primary" type="submit" value="Save" \/><input class="btn btn-primary" type="button" value="Back" \/>/)
  assert.doesNotMatch(html, /item_id/)
  assert.match(String(SQLFORM(db.item, rec)), /<span id="item_id">4<\/span>/)
})

test('pluggable form style and fields subset', () => {
  const style = (rows: FormRow[]) => rows.map((r) => INPUT({ _type: 'hidden', _name: 'row', _value: r.id }))
  const html = String(SQLFORM(db.item, null, { fields: ['title', 'flag'], formstyle: style }))
  assert.equal(html, '<form action="#" enctype="multipart/form-data" method="post"><input name="row" type="hidden" value="item_title" /><input name="row" type="hidden" value="item_flag" /></form>')
})

test('bad arguments are clear errors', () => {
  assert.throws(() => SQLFORM({} as any), { code: 'QK_FORMS_BAD_TABLE' })
  assert.throws(() => SQLFORM(db.item, null, { fields: ['nope'] }), (e: any) => e.code === 'QK_FORMS_BAD_TABLE' && /no field "nope"/.test(e.message))
  assert.throws(() => SQLFORM.factory(Field('a'), 'oops' as any), { code: 'QK_FORMS_BAD_TABLE' })
})

test('form keys in the session are bounded: 10 per form name, 50 form names', async () => {
  const { newFormKey } = await import('../../server/forms')
  const session: Record<string, any> = {}
  for (let i = 0; i < 15; i++) newFormKey(session, 'a')
  assert.equal(session._formkeys.a.length, 10)
  for (let i = 0; i < 80; i++) newFormKey(session, `edit/${i}`)
  assert.equal(Object.keys(session._formkeys).length, 50)
  assert.ok('edit/79' in session._formkeys)
})
