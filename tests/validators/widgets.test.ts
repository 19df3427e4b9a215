// Issue 16 seen from a form: IS_IN_DB with multiple renders a multiple select
// labelled by the table's format, and IS_LIST_OF_INTS / IS_LIST_OF_STRINGS a
// text input holding the joined list (real SQLite DAL, SQLFORM as apps use it).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DAL, Field } from '../../server/dal'
import { IS_IN_DB, IS_LIST_OF_INTS, IS_LIST_OF_STRINGS, IS_JSON } from '../../server/validators'
import { SQLFORM } from '../../server/forms'

let folder: string
let db: any
before(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-validators-widgets-'))
  db = new DAL('sqlite://storage.sqlite', { folder })
  db.defineTable('person', Field('name', 'string'), { format: '%(name)s' })
  await db.person.insert({ name: 'Bob' })
  await db.person.insert({ name: 'Ann' })
  db.defineTable('team',
    Field('members', 'list:reference person', { requires: IS_IN_DB(db, 'person.id', null, { multiple: true }) }),
    Field('leads', 'string', { requires: IS_IN_DB(db, db.person, null, { multiple: [1, 3], delimiter: ',' }) }),
    Field('scores', 'list:integer', { requires: IS_LIST_OF_INTS(0, 100) }),
    Field('cities', 'list:string', { requires: IS_LIST_OF_STRINGS() }),
    Field('extra', 'json', { requires: IS_JSON() }))
})
after(() => fs.rmSync(folder, { recursive: true, force: true }))

test('IS_IN_DB with multiple renders a multiple select labelled by the format', async () => {
  const form = await SQLFORM(db.team, { id: 1, members: [2], leads: '1', scores: [3, 40], cities: ['New York', 'Rome'], extra: null }).prepare()
  const html = String(form)
  assert.match(html, /<select class="list_reference_person form-select" id="team_members" multiple="multiple" name="members"><option selected="selected" value="2">Ann<\/option><option value="1">Bob<\/option><\/select>/)
  assert.match(html, /<select class="string form-select" id="team_leads" multiple="multiple" name="leads"><option value="2">Ann<\/option><option selected="selected" value="1">Bob<\/option><\/select>/)
  // lists without options: a text input holding the joined list, which the validator reads back
  assert.match(html, /id="team_scores" name="scores" type="text" value="3, 40"/)
  assert.match(html, /id="team_cities" name="cities" type="text" value="New York, Rome"/)
  assert.deepEqual(IS_LIST_OF_INTS(0, 100).validate('3, 40'), [[3, 40], null])
})
