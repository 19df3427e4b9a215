// The web test runner over real HTTPS: refused without the admin session or
// the CSRF token; a run of all files or one file, results streaming into
// status.json with the failure's line; one run at a time (409); a test that
// loops forever stopped; bad file names refused; the last run kept.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startAdminServer, loggedIn } from './helpers'
import type { Agent, TestServer } from '../helpers/server'

let s: TestServer
let agent: Agent
let csrf: string

const MODEL = "export const db = new DAL('sqlite://storage.sqlite')\ndb.defineTable('thing', Field('name'))\n"
const GOOD = "test('adds', () => {\n  assert.equal(1 + 1, 2)\n})\n\ntest('inserts and sees it', async () => {\n  await db.thing.insert({ name: 'a' })\n  assert.equal(await db(db.thing).count(), 1)\n})\n"
const BAD = "test('passes first', () => {})\n\ntest('counts wrong', async () => {\n  const n = await db(db.thing).count()\n  assert.equal(n, 5)\n})\n"
const LOOP = "test('loops', () => {\n  while (true) {}\n})\n"

before(async () => {
  s = await startAdminServer({ apps: { lab: { 'models/db.ts': MODEL, 'controllers/default.ts': "export function index() { return 'lab' }\n", 'tests/a_good.ts': GOOD, 'tests/b_bad.ts': BAD } } })
  ;({ agent, csrf } = await loggedIn(s))
})
after(async () => { await s?.stop() })

async function finished(app = 'lab'): Promise<any> {
  const deadline = Date.now() + 120000
  for (;;) {
    const r = await agent.request(`/admin/tests/status.json/${app}`)
    assert.equal(r.status, 200)
    const run = r.json()
    if (run && !run.running) return run
    assert.ok(Date.now() < deadline, 'the run finishes')
    await new Promise((res) => setTimeout(res, 300))
  }
}

test('refused without the admin session or the CSRF token', async () => {
  const anon = s.agent()
  assert.equal((await anon.request('/admin/tests/status.json/lab')).status, 401)
  assert.equal((await anon.request('/admin/tests/run.json/lab', { method: 'POST', body: {}, headers: { 'X-CSRF-Token': csrf } })).status, 401)
  assert.equal((await agent.request('/admin/tests/run/lab', { form: {} })).status, 403)
  assert.equal((await agent.request(`/admin/tests/run/lab?_csrf=${csrf}`)).status, 403, 'not by GET')
  assert.equal((await agent.request('/admin/tests/stop/lab', { form: {} })).status, 403)
  assert.equal(fs.existsSync(path.join(s.appFolder('lab'), '.quark', 'test-results.json')), false, 'nothing ran')
})

test('run all: results with the failing line, the data rolled back, the run kept', async () => {
  const r = await agent.request('/admin/tests/run/lab', { form: { _csrf: csrf } })
  assert.equal(r.status, 303)
  const run = await finished()
  assert.deepEqual(run.files, ['tests/a_good.ts', 'tests/b_bad.ts'])
  assert.equal(run.passed, 3)
  assert.equal(run.failed, 1)
  const bad = run.results.find((x: any) => !x.ok)
  assert.equal(bad.name, 'counts wrong')
  assert.match(bad.error, /0 !== 5/)
  assert.deepEqual(bad.at, { path: 'tests/b_bad.ts', line: 5 })
  assert.equal(run.ended, undefined)
  // the first file's insert was rolled back: the app's data is untouched
  const again = await agent.request('/admin/tests/run.json/lab', { method: 'POST', body: { file: 'tests/a_good.ts' }, headers: { 'X-CSRF-Token': csrf } })
  assert.equal(again.status, 200)
  const one = await finished()
  assert.deepEqual(one.files, ['tests/a_good.ts'])
  assert.equal(one.passed, 2, 'count is 1 again: the previous run left no row')
  const page = await agent.request('/admin/tests/index/lab')
  assert.match(page.body, /"passed":2/, 'the page carries the last run')
})

test('one run at a time; a loop is stopped; bad file names refused', async () => {
  s.writeFile('lab', 'tests/c_loop.ts', LOOP)
  const start = await agent.request('/admin/tests/run.json/lab', { method: 'POST', body: { file: 'tests/c_loop.ts' }, headers: { 'X-CSRF-Token': csrf } })
  assert.equal(start.status, 200)
  assert.equal(start.json().running, true)
  const busy = await agent.request('/admin/tests/run.json/lab', { method: 'POST', body: {}, headers: { 'X-CSRF-Token': csrf } })
  assert.equal(busy.status, 409)
  assert.match(busy.json().error, /are running/)
  const stop = await agent.request('/admin/tests/stop.json/lab', { method: 'POST', body: {}, headers: { 'X-CSRF-Token': csrf } })
  assert.deepEqual(stop.json(), { stopped: true })
  const run = await finished()
  assert.match(run.ended, /stopped/)
  fs.rmSync(path.join(s.appFolder('lab'), 'tests', 'c_loop.ts'))
  const bad = async (file: string, status: number, message: RegExp) => {
    const r = await agent.request('/admin/tests/run.json/lab', { method: 'POST', body: { file }, headers: { 'X-CSRF-Token': csrf } })
    assert.equal(r.status, status, `${file}: ${r.body}`)
    assert.match(r.json().error, message)
  }
  await bad('../../etc/passwd', 400, /Invalid file path/)
  await bad('controllers/default.ts', 400, /a test file is tests/)
  await bad('tests/nope.ts', 404, /Not found/)
  await bad('/etc/passwd', 400, /Invalid file path/)
  s.writeFile('bare', 'controllers/default.ts', "export function index() { return 'bare' }\n")
  const none = await agent.request('/admin/tests/run.json/bare', { method: 'POST', body: {}, headers: { 'X-CSRF-Token': csrf } })
  assert.equal(none.status, 404)
  assert.match(none.json().error, /tests in bare/)
})
