// Search and replace across an app's files over real HTTPS: matches with
// their lines, literal and regular expressions, case, replace (with $1 for a
// regex, a literal $ kept), CSRF and session refusals, bad expressions.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startAdminServer, loggedIn } from './helpers'
import type { Agent, TestServer } from '../helpers/server'

let s: TestServer
let agent: Agent
let csrf: string

before(async () => {
  s = await startAdminServer({
    apps: {
      shop: {
        'controllers/default.ts': "export function index() { return 'Price: $5' }\nexport function greet() { return 'hello World' }\n",
        'views/default/index.html': '<p>Hello world and price</p>\n',
        'static/logo.png': Buffer.from([0, 1, 2, 104, 101, 108, 108, 111]),
        'databases/secret.txt': 'hello from the data folder',
      },
    },
  })
  ;({ agent, csrf } = await loggedIn(s))
})
after(async () => { await s?.stop() })

const rows = (body: string) => [...body.matchAll(/<tr data-path="([^"]+)" data-line="(\d+)">/g)].map((m) => `${m[1]}:${m[2]}`)

test('search: literal, case, regular expression; only the app\'s text files', async () => {
  let r = await agent.request('/admin/search/index/shop?q=hello')
  assert.equal(r.status, 200)
  assert.deepEqual(rows(r.body), ['controllers/default.ts:2', 'views/default/index.html:1'], 'not the binary, not databases/')
  r = await agent.request('/admin/search/index/shop?q=hello&case=1')
  assert.deepEqual(rows(r.body), ['controllers/default.ts:2'])
  r = await agent.request('/admin/search/index/shop?q=' + encodeURIComponent('w(or)ld') + '&regex=1')
  assert.deepEqual(rows(r.body), ['controllers/default.ts:2', 'views/default/index.html:1'])
  r = await agent.request('/admin/search/index/shop?q=' + encodeURIComponent('$5'))
  assert.deepEqual(rows(r.body), ['controllers/default.ts:1'], 'a literal search takes $ as text')
  assert.match(r.body, /href="\/admin\/edit\/index\/shop\?file=controllers%2Fdefault.ts&amp;line=1"/)
})

test('bad searches are refused with a clear message', async () => {
  for (const [q, message] of [['(', /not a regular expression/], ['a*', /matches empty text/], ['x'.repeat(600), /at most 500/]] as const) {
    const r = await agent.request(`/admin/search/index/shop?regex=1&q=${encodeURIComponent(q)}`)
    assert.equal(r.status, 400, q)
    assert.match(r.body, message)
  }
})

test('replace: refused without the token or the session; literal and with groups', async () => {
  assert.equal((await agent.request('/admin/search/replace/shop', { form: { q: 'World', replacement: 'x' } })).status, 403)
  assert.equal((await s.agent().request('/admin/search/replace/shop', { form: { _csrf: csrf, q: 'World', replacement: 'x' } })).status, 303)
  const ctl = path.join(s.appFolder('shop'), 'controllers', 'default.ts')
  assert.match(fs.readFileSync(ctl, 'utf8'), /hello World/, 'nothing replaced so far')
  let r = await agent.request('/admin/search/replace/shop', { form: { _csrf: csrf, q: 'world', replacement: 'Earth $1' } })
  assert.equal(r.status, 303)
  const flash = await agent.request(String(r.headers.location))
  assert.match(flash.body, /Replaced 2 matches in 2 files: controllers\/default.ts, views\/default\/index.html/)
  assert.match(fs.readFileSync(ctl, 'utf8'), /'hello Earth \$1'/, 'a literal replacement keeps $1 as text')
  r = await agent.request('/admin/search/replace/shop', { form: { _csrf: csrf, q: 'Earth \\$1', regex: '1', case: '1', replacement: 'Planet' } })
  assert.equal(r.status, 303)
  r = await agent.request('/admin/search/replace/shop', { form: { _csrf: csrf, q: '(P)lanet', regex: '1', case: '1', replacement: '$1ond' } })
  assert.match(fs.readFileSync(ctl, 'utf8'), /'hello Pond'/)
  assert.equal(fs.readFileSync(path.join(s.appFolder('shop'), 'databases', 'secret.txt'), 'utf8'), 'hello from the data folder')
  const bad = await agent.request('/admin/search/replace/shop', { form: { _csrf: csrf, q: '(', regex: '1', replacement: 'x' } })
  assert.equal(bad.status, 400)
})
