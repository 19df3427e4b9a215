// The translation editor over real HTTPS: every changing call refused without
// the admin session or without the CSRF token; hostile input (bad language
// codes, a plural rule that is code, a broken language file) answered with a
// clear error and nothing written; the app keeps serving with a broken file.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startAdminServer, loggedIn } from './helpers'
import type { Agent, TestServer } from '../helpers/server'

let s: TestServer
let agent: Agent
let csrf: string

const APP = {
  'controllers/default.ts': "export function index() { return T('%s %%{book}', [Number(request.vars.n ?? 1)]) + ' / ' + T('Hello') }\n",
}

before(async () => {
  s = await startAdminServer({ apps: { lib: APP } })
  ;({ agent, csrf } = await loggedIn(s))
})
after(async () => { await s?.stop() })

const langFile = (lang: string) => path.join(s.appFolder('lib'), 'languages', `${lang}.json`)

test('without the admin session every languages call is refused', async () => {
  const anon = s.agent()
  const page = await anon.request('/admin/languages/index/lib')
  assert.equal(page.status, 303, 'a page sends to the login')
  assert.match(String(page.headers.location), /\/admin\/default\/login/)
  for (const [p, body] of [
    ['/admin/languages/update/lib', { _csrf: 'x' }],
    ['/admin/languages/add/lib', { _csrf: 'x', code: 'it' }],
  ] as const) {
    const r = await anon.request(p, { form: body })
    assert.ok(r.status === 401 || r.status === 303, `${p}: ${r.status}`)
  }
  const j = await anon.request('/admin/languages/translate.json/lib/it', { method: 'POST', body: { source: 'Hello', translation: 'Ciao' }, headers: { 'X-CSRF-Token': csrf } })
  assert.equal(j.status, 401)
  assert.equal(fs.existsSync(path.join(s.appFolder('lib'), 'languages')), false, 'nothing was written')
})

test('without the CSRF token (or by GET) nothing changes', async () => {
  for (const p of ['/admin/languages/update/lib', '/admin/languages/add/lib']) {
    assert.equal((await agent.request(p, { form: { code: 'it' } })).status, 403, p)
    assert.equal((await agent.request(`${p}?code=it&_csrf=${csrf}`)).status, 403, `${p} by GET`)
  }
  const j = await agent.request('/admin/languages/translate.json/lib/it', { method: 'POST', body: { source: 'Hello', translation: 'Ciao' }, headers: { 'X-CSRF-Token': 'wrong' } })
  assert.equal(j.status, 403)
  assert.equal(fs.existsSync(langFile('it')), false)
})

test('add, update, translate and plural forms; the app shows them by Accept-Language', async () => {
  const add = await agent.request('/admin/languages/add/lib', { form: { _csrf: csrf, code: 'it', nplurals: '2', rule: 'n == 1 ? 0 : 1' } })
  assert.equal(add.status, 303)
  assert.match(String(add.headers.location), /\/admin\/languages\/edit\/lib\/it$/)
  assert.equal(JSON.parse(fs.readFileSync(langFile('it'), 'utf8')).Hello, 'Hello')
  const tr = (source: string, translation: string) =>
    agent.request('/admin/languages/translate.json/lib/it', { method: 'POST', body: { source, translation }, headers: { 'X-CSRF-Token': csrf } })
  assert.deepEqual((await tr('%s %%{book}', '%s %%{libro}')).json(), { saved: true, translated: true })
  assert.equal((await tr('Hello', 'Ciao')).status, 200)
  const pl = await agent.request('/admin/languages/plural.json/lib/it', { method: 'POST', body: { word: 'libro', forms: ['libri'] }, headers: { 'X-CSRF-Token': csrf } })
  assert.equal(pl.status, 200)
  const page = await agent.request('/admin/languages/edit/lib/it?filter=translated')
  assert.equal(page.status, 200)
  assert.match(page.body, /%s %%\{libro\}/)
  assert.match(page.body, /aria-valuenow="100"/)
  const lib = s.agent()
  for (let deadline = Date.now() + 20000; ;) {
    const r = await lib.request('/lib/default/index?n=3', { headers: { 'Accept-Language': 'it-IT,it;q=0.9' } })
    if (r.body === '3 libri / Ciao') break
    assert.ok(Date.now() < deadline, `the app shows the translation (got ${r.body})`)
    await new Promise((res) => setTimeout(res, 300))
  }
  assert.equal((await lib.request('/lib/default/index?n=1', { headers: { 'Accept-Language': 'it' } })).body, '1 libro / Ciao')
  assert.equal((await lib.request('/lib/default/index?n=3', { headers: { 'Accept-Language': 'en' } })).body, '3 books / Hello')
})

test('hostile input gets a clear error and writes nothing', async () => {
  const bad = async (p: string, form: Record<string, string>, status: number, message: RegExp) => {
    const r = await agent.request(p, { form: { _csrf: csrf, ...form } })
    assert.equal(r.status, status, `${p} ${JSON.stringify(form)}: ${r.status} ${r.body.slice(0, 200)}`)
    assert.match(r.body, message)
  }
  await bad('/admin/languages/add/lib', { code: '../../evil' }, 400, /Not a language code/)
  await bad('/admin/languages/add/lib', { code: 'xx', nplurals: '2', rule: 'require("fs")' }, 400, /Bad plural rule/)
  await bad('/admin/languages/add/lib', { code: 'xx', nplurals: '9', rule: '0' }, 400, /number of forms/)
  await bad('/admin/languages/add/lib', { code: 'xx', nplurals: '2', rule: 'n' }, 400, /gives 2 for n = 2/)
  assert.equal(fs.existsSync(langFile('xx')), false)
  await bad('/admin/languages/add/nosuchapp', { code: 'it' }, 404, /nosuchapp/)
  const page = await agent.request('/admin/languages/edit/lib/zz')
  assert.equal(page.status, 404)
  assert.match(page.body, /No language zz/)
  const j = await agent.request('/admin/languages/translate.json/lib/it', { method: 'POST', body: { source: 42, translation: 'x' }, headers: { 'X-CSRF-Token': csrf } })
  assert.equal(j.status, 400)
  assert.match(j.json().error, /a translation is a source string/)
  const p = await agent.request('/admin/languages/plural.json/lib/it', { method: 'POST', body: { word: 'x}', forms: 'y' }, headers: { 'X-CSRF-Token': csrf } })
  assert.equal(p.status, 400)
  assert.match(p.json().error, /plural forms are a word/)
})

test('a broken language file: shown with its error and text, never rewritten, the app keeps serving', async () => {
  const broken = '{\n  "Hello": "Hallo",\n  oops\n}\n'
  fs.writeFileSync(langFile('de'), broken)
  const list = await agent.request('/admin/languages/index/lib')
  assert.match(list.body, /broken file/)
  const page = await agent.request('/admin/languages/edit/lib/de')
  assert.equal(page.status, 200)
  assert.match(page.body, /id="language-problem"/)
  assert.match(page.body, /oops/)
  const up = await agent.request('/admin/languages/update/lib', { form: { _csrf: csrf } })
  assert.equal(up.status, 303)
  const flash = await agent.request(String(up.headers.location))
  assert.match(flash.body, /de was left alone/)
  const tr = await agent.request('/admin/languages/translate.json/lib/de', { method: 'POST', body: { source: 'Hello', translation: 'Servus' }, headers: { 'X-CSRF-Token': csrf } })
  assert.equal(tr.status, 500)
  assert.match(tr.json().error, /de\.json/)
  assert.equal(fs.readFileSync(langFile('de'), 'utf8'), broken, 'the file is never rewritten')
  const r = await s.agent().request('/lib/default/index?n=2', { headers: { 'Accept-Language': 'de' } })
  assert.equal(r.status, 200, 'the app still answers')
  assert.equal(r.body, '2 books / Hello')
})
