// The editor's JSON calls of issue 19 over HTTP: types.json?fresh=1 runs the
// models again (a new table appears in the declarations; a model that does
// not run keeps the last ones and says why), check.json gives quark check's
// problems per file (a view's misspelt name at its line), a save in a
// compiled app answers compiled: true, remove_compiled.json needs the CSRF
// token and puts the app back on its sources.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startAdminServer, loggedIn } from './helpers'
import type { Agent, TestServer } from '../helpers/server'
import { compileApp } from '../../server/compile'

let s: TestServer
let agent: Agent
let csrf: string

before(async () => {
  s = await startAdminServer()
  ;({ agent, csrf } = await loggedIn(s))
})
after(async () => { await s?.stop() })

const json = (body: string) => JSON.parse(body)

/** write an app file as the editor does (the server forgets its compiled copy at once) */
async function save(rel: string, content: string): Promise<void> {
  const r = await agent.request('/admin/edit/save.json', { body: { app: 'welcome', path: rel, content, force: true }, headers: { 'x-csrf-token': csrf } })
  assert.equal(r.status, 200, r.body)
}

test('types.json?fresh=1: the declarations follow a model edit; a broken model keeps the last ones and says why', async () => {
  const decl = path.join(s.appFolder('welcome'), '.quark', 'types.d.ts')
  await save('models/zz_gadget.ts', "db.defineTable('gadget', Field('label', 'string'), Field('weight', 'bigint'), Field('price', 'decimal(12,2)'))\n")
  const r = await agent.request('/admin/edit/types.json?app=welcome&fresh=1')
  assert.equal(r.status, 200)
  const body = json(r.body)
  assert.deepEqual(body.refresh, { refreshed: true })
  const lib = body.libs.find((l: { path: string }) => l.path.endsWith(path.join('.quark', 'types.d.ts')))
  assert.ok(lib, 'the declaration is sent')
  assert.match(lib.content, /gadget/)
  assert.match(lib.content, /weight: bigint/)
  assert.match(lib.content, /price: string/)
  assert.equal(fs.readFileSync(decl, 'utf8'), lib.content)
  // a syntax error: the last declarations stay, the answer says why
  await save('models/zz_gadget.ts', "db.defineTable('gadget', Field('label', 'string')\nconst = ;\n")
  const broken = json((await agent.request('/admin/edit/types.json?app=welcome&fresh=1')).body)
  assert.equal(broken.refresh.refreshed, false)
  assert.match(broken.refresh.error, /zz_gadget\.ts/)
  assert.match(fs.readFileSync(decl, 'utf8'), /gadget/, 'the declarations of before are kept')
  await save('models/zz_gadget.ts', '// no gadget\n')
  // no fresh: no models run, no refresh field
  assert.equal(json((await agent.request('/admin/edit/types.json?app=welcome')).body).refresh, undefined)
})

test("check.json: quark check's problems by file, a view's misspelt name at its template line", async () => {
  await save('controllers/probe.ts', "export function show() { return { title: 'x' } }\n")
  await save('views/probe/show.html', '<h1>{{=title}}</h1>\n<p>{{=titel}}</p>\n')
  // quark check runs in a child process: the server answers other requests meanwhile
  const pending = agent.request('/admin/edit/check.json?app=welcome', { timeout: 420_000 })
  const t0 = Date.now()
  const other = await s.request('/welcome/default/index')
  assert.equal(other.status, 200, 'another app request is answered while the check runs')
  const r = await pending
  assert.ok(Date.now() - t0 >= 0)
  assert.equal(r.status, 200)
  const body = json(r.body)
  assert.equal(body.available, true)
  const mine = body.problems.filter((p: { path: string }) => p.path === 'views/probe/show.html')
  assert.equal(mine.length, 1, JSON.stringify(body.problems))
  assert.equal(mine[0].line, 2)
  assert.match(mine[0].message, /titel/)
  assert.ok(!body.problems.some((p: { path: string }) => p.path.startsWith('/') || p.path.startsWith('..')), 'paths are relative to the app')
  // not logged in: no problems for strangers
  assert.notEqual((await s.request('/admin/edit/check.json?app=welcome')).status, 200)
  // an app that is not there
  assert.equal((await agent.request('/admin/edit/check.json?app=nosuch')).status, 404)
})

test('a save in a compiled app answers compiled: true; remove_compiled.json needs the token, then the app runs its sources', async () => {
  const app = s.appFolder('welcome')
  compileApp(app)
  assert.ok(fs.existsSync(path.join(app, 'compiled', 'MANIFEST.json')))
  const page = await agent.request('/admin/edit/index/welcome?file=controllers/default.ts')
  assert.match(page.body, /id="qk-compiled" role="status"/)
  assert.doesNotMatch(page.body, /id="qk-compiled"[^>]*d-none/, 'the notice is shown')
  const save = await agent.request('/admin/edit/save.json', { body: { app: 'welcome', path: 'controllers/probe.ts', content: "export function show() { return { title: 'y' } }\n", force: true }, headers: { 'x-csrf-token': csrf } })
  assert.equal(save.status, 200)
  assert.equal(json(save.body).compiled, true)
  const staticSave = await agent.request('/admin/edit/save.json', { body: { app: 'welcome', path: 'static/probe.txt', content: 'x', force: true }, headers: { 'x-csrf-token': csrf } })
  assert.equal(json(staticSave.body).compiled, false, 'a static file is served as saved: nothing to say')
  const site = await agent.request('/admin/default/index')
  assert.match(site.body, /data-app="welcome"[\s\S]*?qk-compiled/)
  assert.match((await agent.request('/admin/design/index/welcome')).body, /id="compiled-notice"/)
  // without the token: refused, still compiled
  const refused = await agent.request('/admin/edit/remove_compiled.json', { body: { app: 'welcome' } })
  assert.equal(refused.status, 403)
  assert.ok(fs.existsSync(path.join(app, 'compiled', 'MANIFEST.json')))
  const r = await agent.request('/admin/edit/remove_compiled.json', { body: { app: 'welcome' }, headers: { 'x-csrf-token': csrf } })
  assert.equal(r.status, 200)
  assert.deepEqual(json(r.body), { removed: true, compiled: false })
  assert.ok(!fs.existsSync(path.join(app, 'compiled')))
  const again = await agent.request('/admin/edit/save.json', { body: { app: 'welcome', path: 'controllers/probe.ts', content: "export function show() { return { title: 'z' } }\n", force: true }, headers: { 'x-csrf-token': csrf } })
  assert.equal(json(again.body).compiled, false)
  assert.doesNotMatch((await agent.request('/admin/design/index/welcome')).body, /id="compiled-notice"/)
})

test("compile and syntax errors of a controller and a view: the ticket's first frame is the error's line with its source", async () => {
  const errors = path.join(s.appFolder('welcome'), 'errors')
  const newest = () => {
    const files = fs.readdirSync(errors).filter((f) => f.endsWith('.json')).map((f) => path.join(errors, f))
    return JSON.parse(fs.readFileSync(files.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0]!, 'utf8'))
  }
  fs.rmSync(errors, { recursive: true, force: true })
  await save('controllers/broken.ts', "export function index() {\n  return { a: 1 \n}\nexport function other() { return 'x' }\n")
  assert.equal((await s.request('/welcome/broken/index')).status, 500)
  let t = newest()
  assert.equal(t.error.code, 'QK_ENV_COMPILE')
  assert.equal(t.frames[0].file, path.join(fs.realpathSync(s.appFolder('welcome')), 'controllers', 'broken.ts'))
  assert.equal(t.frames[0].line, 4)
  assert.ok(t.frames[0].source.some((l: { line: number; text: string }) => l.line === 4 && /export function other/.test(l.text)))
  // a view whose {{block}} has no {{end}}: the template parser's error, placed in the view
  await save('controllers/broken.ts', "export function index() { return { a: 1 } }\n")
  await save('views/broken/index.html', '<p>one</p>\n<p>two</p>\n{{block side}}\n<p>{{=a}}</p>\n')
  assert.equal((await s.request('/welcome/broken/index')).status, 500)
  t = newest()
  assert.equal(t.error.code, 'QK_TEMPLATE_SYNTAX')
  assert.equal(t.frames[0].file, path.join(fs.realpathSync(s.appFolder('welcome')), 'views', 'broken', 'index.html'))
  assert.equal(t.frames[0].line, 3)
  assert.ok(t.frames[0].source.some((l: { line: number; text: string }) => l.line === 3 && l.text === '{{block side}}'))
  // the admin's ticket page links the frame to the editor at that line
  const page = await agent.request(`/admin/errors/ticket/welcome/${t.id}`)
  assert.match(page.body, /href="\/admin\/edit\/index\/welcome\?file=views%2Fbroken%2Findex\.html&amp;line=3"/)
})
