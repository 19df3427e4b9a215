// The admin over real HTTP(S): who may reach it, login and lock-out, the
// session cookie, CSRF on every changing action, and path confinement of
// design/edit (.., absolute, encoded, symlinks).
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startAdminServer, loggedIn, csrfOf, PASSWORD } from './helpers'
import { doRequest, type TestServer } from '../helpers/server'

function externalAddress(): string | undefined {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const i of list ?? []) if (i.family === 'IPv4' && !i.internal) return i.address
  }
  return undefined
}

describe('who may reach the admin', () => {
  const ip = externalAddress()
  test('a non-local client over plain HTTP gets the "disabled" page; over HTTPS the login', { skip: ip ? false : 'no non-loopback interface' }, async () => {
    const plain = await startAdminServer({ https: false, options: { ip } })
    const secure = await startAdminServer({ https: true, options: { ip } })
    try {
      for (const p of ['/admin/default/login', '/admin/default/index', '/admin/edit/file.json?app=welcome&path=controllers/default.ts', '/admin/monaco/vs/loader.js']) {
        const r = await plain.request(p)
        assert.equal(r.status, 403, p)
        assert.match(r.body, /admin is disabled/)
        assert.equal(r.setCookie.length, 0, 'no admin session is even started')
      }
      // the apps themselves are still served to that client
      assert.equal((await plain.request('/welcome/default/hello')).status, 200)
      const r = await secure.request('/admin/default/login')
      assert.equal(r.status, 200)
      assert.match(r.body, /Admin login/)
    } finally {
      await plain.stop()
      await secure.stop()
    }
  })
  test('a local client over plain HTTP is served; the cookie has no Secure flag there', async () => {
    const s = await startAdminServer({ https: false })
    try {
      const r = await s.request('/admin/default/login')
      assert.equal(r.status, 200)
      assert.match(r.setCookie[0]!, /^quark_admin=[\w-]{43}; Path=\/admin; HttpOnly; SameSite=Strict$/)
    } finally { await s.stop() }
  })
})

describe('login, session, lock-out', () => {
  let s: TestServer
  before(async () => { s = await startAdminServer() })
  after(async () => { await s.stop() })

  test('pages need a login; JSON calls get 401', async () => {
    const r = await s.request('/admin/default/index')
    assert.equal(r.status, 303)
    assert.equal(r.headers.location, '/admin/default/login?_next=%2Fadmin%2Fdefault%2Findex')
    assert.equal((await s.request('/admin/edit/file.json?app=welcome&path=controllers/default.ts')).status, 401)
    assert.equal((await s.request('/admin/monaco/vs/loader.js')).status, 401)
  })

  test('cookie flags under HTTPS; login renews the session id; logout ends it', async () => {
    const a = s.agent()
    const page = await a.request('/admin/default/login')
    assert.match(page.setCookie[0]!, /^quark_admin=[\w-]{43}; Path=\/admin; HttpOnly; Secure; SameSite=Strict$/)
    const before = a.jar.quark_admin
    const r = await a.request('/admin/default/login', { form: { _csrf: csrfOf(page.body), password: PASSWORD, _next: '/admin/default/about' } })
    assert.equal(r.status, 303)
    assert.equal(r.headers.location, '/admin/default/about')
    assert.notEqual(a.jar.quark_admin, before, 'a new session id after login')
    // the id from before login is worthless now
    assert.equal((await s.request('/admin/default/index', { cookies: { quark_admin: before! } })).status, 303)
    const site = await a.request('/admin/default/index')
    assert.equal(site.status, 200)
    assert.match(site.body, /Installed apps/)
    const out = await a.request('/admin/default/logout', { form: { _csrf: csrfOf(site.body) } })
    assert.equal(out.status, 303)
    assert.equal((await a.request('/admin/default/index')).status, 303, 'logged out')
  })

  test('an open redirect after login is refused', async () => {
    const a = s.agent()
    const page = await a.request('/admin/default/login')
    const r = await a.request('/admin/default/login', { form: { _csrf: csrfOf(page.body), password: PASSWORD, _next: 'https://evil.example/' } })
    assert.equal(r.headers.location, '/admin/default/index')
  })

  test('five wrong passwords lock the address out, even for the right one', async () => {
    const a = s.agent()
    let page = await a.request('/admin/default/login')
    for (let i = 1; i <= 5; i++) {
      const r = await a.request('/admin/default/login', { form: { _csrf: csrfOf(page.body), password: `wrong${i}` } })
      if (i < 5) {
        assert.equal(r.status, 401)
        assert.match(r.body, new RegExp(`${5 - i} attempts? left`))
        page = r
      } else {
        assert.equal(r.status, 429)
        assert.match(r.body, /locked for 10 more minutes/)
      }
    }
    const again = await a.request('/admin/default/login', { form: { _csrf: csrfOf(page.body), password: PASSWORD } })
    assert.equal(again.status, 429)
    assert.equal((await a.request('/admin/default/index')).status, 303, 'still not logged in')
    // unlock for the other tests of this process (the lock-out table is the server's memory)
    const { adminState } = await import('../../server/adminlib/index')
    adminState.lockout.succeed('127.0.0.1')
    adminState.lockout.succeed('::ffff:127.0.0.1')
  })
})

describe('CSRF on every changing action', () => {
  let s: TestServer
  before(async () => { s = await startAdminServer() })
  after(async () => { await s.stop() })

  test('refused without or with a wrong token, and nothing changes', async () => {
    const { agent, csrf } = await loggedIn(s)
    const ticketsDir = path.join(s.appFolder('welcome'), 'errors')
    fs.mkdirSync(ticketsDir, { recursive: true })
    fs.writeFileSync(path.join(ticketsDir, 'keep.json'), '{}')
    const ctl = path.join(s.appFolder('welcome'), 'controllers', 'default.ts')
    const before = fs.readFileSync(ctl, 'utf8')
    const actions: Array<[string, Record<string, string>]> = [
      ['/admin/default/create_app', { name: 'made' }],
      ['/admin/default/delete_app/welcome', {}],
      ['/admin/default/clean_app/welcome', {}],
      ['/admin/default/logout', {}],
      ['/admin/design/create_file/welcome', { path: 'controllers/made.ts' }],
      ['/admin/design/rename_file/welcome', { from: 'controllers/default.ts', to: 'controllers/moved.ts' }],
      ['/admin/design/delete_file/welcome', { path: 'controllers/default.ts' }],
      ['/admin/design/upload_file/welcome', { folder: 'static' }],
      ['/admin/errors/delete_tickets/welcome', { all: '1' }],
      ['/admin/edit/save.json', { app: 'welcome', path: 'controllers/default.ts', content: 'hacked' }],
    ]
    for (const [url, form] of actions) {
      for (const token of [undefined, 'x'.repeat(43), csrf.slice(0, -1) + (csrf.endsWith('A') ? 'B' : 'A')]) {
        const r = await agent.request(url, { form: token === undefined ? form : { ...form, _csrf: token } })
        assert.equal(r.status, 403, `${url} token=${token}`)
        assert.match(r.body, /CSRF/)
      }
      // a GET never changes anything either, even with the token
      const q = new URLSearchParams({ ...form, _csrf: csrf }).toString()
      const g = await agent.request(`${url}?${q}`)
      // delete_app answers a GET with its confirmation page; every other one refuses
      assert.equal(g.status, url.includes('delete_app') ? 200 : 403, `GET ${url}`)
    }
    // the JSON save with a wrong header token
    const bad = await agent.request('/admin/edit/save.json', { body: { app: 'welcome', path: 'controllers/default.ts', content: 'hacked' }, headers: { 'x-csrf-token': 'nope' } })
    assert.equal(bad.status, 403)
    // the login form too (login CSRF)
    assert.equal((await s.request('/admin/default/login', { form: { password: PASSWORD } })).status, 403)
    assert.equal(fs.readFileSync(ctl, 'utf8'), before)
    assert.ok(fs.existsSync(path.join(ticketsDir, 'keep.json')))
    assert.ok(!fs.existsSync(path.join(s.folder, 'applications', 'made')))
    assert.ok(!fs.existsSync(path.join(s.appFolder('welcome'), 'controllers', 'made.ts')))
    assert.equal((await agent.request('/admin/default/index')).status, 200, 'still logged in')
    // and with the token they work
    const ok = await agent.request('/admin/design/create_file/welcome', { form: { _csrf: csrf, path: 'controllers/made.ts' } })
    assert.equal(ok.status, 303)
    assert.ok(fs.existsSync(path.join(s.appFolder('welcome'), 'controllers', 'made.ts')))
  })
})

describe('design/edit paths stay inside the app', () => {
  let s: TestServer
  let outside: string
  before(async () => {
    s = await startAdminServer()
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-outside-'))
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'TOP SECRET')
    const ctl = path.join(s.appFolder('welcome'), 'controllers')
    fs.symlinkSync(outside, path.join(ctl, 'link'))
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(ctl, 'secret.ts'))
  })
  after(async () => { await s.stop(); fs.rmSync(outside, { recursive: true, force: true }) })

  const BAD = [
    '../../../etc/passwd', 'controllers/../../other/x.ts', '/etc/passwd', 'controllers/%2e%2e/%2e%2e/x',
    '%2e%2e%2f%2e%2e%2fetc%2fpasswd', 'controllers/..%2f..%2fx', 'controllers\\..\\..\\x', 'controllers//x.ts',
    'controllers/link/secret.txt', 'controllers/secret.ts', 'controllers/link/new.ts', '',
  ]

  test('reading through edit/file.json', async () => {
    const { agent } = await loggedIn(s)
    for (const p of BAD) {
      const r = await agent.request(`/admin/edit/file.json?app=welcome&path=${encodeURIComponent(p)}`)
      assert.ok(r.status === 400 || r.status === 403, `${p}: ${r.status}`)
      assert.doesNotMatch(r.body, /TOP SECRET|root:/)
      assert.match(r.json().error, /Invalid file path|outside the app/)
    }
    // the raw (unencoded) forms in the query string too
    for (const q of ['path=../../etc/passwd', 'path=%2Fetc%2Fpasswd', 'path=controllers/%252e%252e/x']) {
      const r = await agent.request(`/admin/edit/file.json?app=welcome&${q}`)
      assert.ok(r.status === 400 || r.status === 403, q)
    }
    const ok = await agent.request('/admin/edit/file.json?app=welcome&path=controllers/default.ts')
    assert.equal(ok.status, 200)
    assert.equal(ok.json().path, 'controllers/default.ts')
    // the editor page refuses the same paths
    assert.equal((await agent.request(`/admin/edit/index/welcome?file=${encodeURIComponent('../../x')}`)).status, 400)
    // and an app name cannot be a path either
    assert.equal((await agent.request('/admin/edit/file.json?app=..&path=controllers/default.ts')).status, 400)
    assert.equal((await agent.request('/admin/design/index/..%2f..')).status, 400)
  })

  test('writing through save, create, rename, delete, upload', async () => {
    const { agent, csrf } = await loggedIn(s)
    for (const p of BAD) {
      const r = await agent.request('/admin/edit/save.json', { body: { app: 'welcome', path: p, content: 'pwned' }, headers: { 'x-csrf-token': csrf } })
      assert.ok(r.status === 400 || r.status === 403, `save ${p}: ${r.status}`)
      const c = await agent.request('/admin/design/create_file/welcome', { form: { _csrf: csrf, path: p } })
      assert.ok(c.status === 400 || c.status === 403, `create ${p}: ${c.status}`)
      const d = await agent.request('/admin/design/delete_file/welcome', { form: { _csrf: csrf, path: p } })
      assert.ok(d.status === 400 || d.status === 403 || d.status === 404, `delete ${p}: ${d.status}`)
      const m = await agent.request('/admin/design/rename_file/welcome', { form: { _csrf: csrf, from: 'controllers/default.ts', to: p } })
      assert.ok(m.status === 400 || m.status === 403, `rename ${p}: ${m.status}`)
    }
    const boundary = 'qkboundary'
    const multipart = (folder: string, name: string) => Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="folder"\r\n\r\n${folder}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: text/plain\r\n\r\npwned\r\n--${boundary}--\r\n`)
    for (const [folder, name] of [['../..', 'x.txt'], ['/tmp', 'x.txt'], ['controllers/link', 'x.txt'], ['static/%2e%2e', 'x.txt']]) {
      const r = await agent.request('/admin/design/upload_file/welcome', { body: multipart(folder!, name!), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } })
      assert.ok(r.status === 400 || r.status === 403, `upload ${folder}/${name}: ${r.status}`)
    }
    const up = await agent.request('/admin/design/upload_file/welcome', { body: multipart('static', '../../evil.txt'), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } })
    assert.equal(up.status, 303, 'a path in the file name is reduced to its base name')
    assert.ok(fs.existsSync(path.join(s.appFolder('welcome'), 'static', 'evil.txt')))
    assert.deepEqual(fs.readdirSync(outside), ['secret.txt'], 'nothing written outside')
    assert.equal(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8'), 'TOP SECRET')
    assert.ok(fs.existsSync(path.join(s.appFolder('welcome'), 'controllers', 'default.ts')))
    assert.ok(!fs.existsSync(path.join(s.folder, 'applications', 'x.txt')))
  })

  test('Monaco is served from its package folder only', async () => {
    const { agent } = await loggedIn(s)
    const ok = await agent.request('/admin/monaco/vs/editor/editor.main.css')
    assert.equal(ok.status, 200)
    assert.match(String(ok.headers['content-type']), /text\/css/)
    for (const p of ['/admin/monaco/vs/../../package.json', '/admin/monaco/vs/%2e%2e/%2e%2e/package.json', '/admin/monaco/vs/..%2f..%2fpackage.json', '/admin/monaco/vs/%2fetc%2fpasswd']) {
      const r = await agent.request(p)
      assert.ok([400, 403, 404].includes(r.status), `${p}: ${r.status}`)
      assert.doesNotMatch(r.body, /"name": "monaco-editor"|root:/)
    }
  })
})

describe('no user app can break the admin', () => {
  let s: TestServer
  before(async () => {
    s = await startAdminServer({ apps: { broken: {
      'models/db.ts': 'export const db = (((\n',
      'controllers/default.ts': 'export function index( { return 1 }\n',
      'views/default/index.html': '{{ for (;; }}',
    } } })
  })
  after(async () => { await s.stop() })

  test('an app with syntax errors everywhere is still designed and edited', async () => {
    const { agent, csrf } = await loggedIn(s)
    assert.equal((await s.request('/broken/default/index')).status, 500, 'the app itself fails')
    const site = await agent.request('/admin/default/index')
    assert.equal(site.status, 200)
    assert.match(site.body, /data-app="broken"/)
    const design = await agent.request('/admin/design/index/broken')
    assert.equal(design.status, 200)
    assert.match(design.body, /controllers\/default.ts/)
    assert.equal((await agent.request('/admin/edit/index/broken?file=models/db.ts')).status, 200)
    assert.equal((await agent.request('/admin/edit/types.json?app=broken')).status, 200)
    const f = (await agent.request('/admin/edit/file.json?app=broken&path=models/db.ts')).json()
    const r = await agent.request('/admin/edit/save.json', { body: { app: 'broken', path: 'models/db.ts', content: 'export const db = 1\n', hash: f.hash }, headers: { 'x-csrf-token': csrf } })
    assert.equal(r.status, 200)
    assert.equal((await agent.request('/admin/errors/index/broken')).status, 200)
  })

  test('file names and error messages are escaped in the pages', async () => {
    const { agent } = await loggedIn(s)
    const evil = '"><img src=x onerror=alert(1)>.txt'
    fs.mkdirSync(path.join(s.appFolder('broken'), 'static'), { recursive: true })
    fs.writeFileSync(path.join(s.appFolder('broken'), 'static', evil), 'x')
    const design = await agent.request('/admin/design/index/broken')
    assert.equal(design.status, 200)
    assert.doesNotMatch(design.body, /<img src=x/)
    assert.match(design.body, /&quot;&gt;&lt;img src=x onerror=alert\(1\)&gt;.txt/)
    const edit = await agent.request('/admin/edit/index/broken?file=' + encodeURIComponent('static/' + evil))
    assert.equal(edit.status, 200)
    assert.doesNotMatch(edit.body, /<img src=x/)
    const ticket = { id: 'x1', app: 'broken', time: new Date().toISOString(), clientIp: '127.0.0.1', method: 'GET', url: '/broken/<script>', error: { name: 'Error', message: '<script>alert(1)</script>', stack: '' }, frames: [], vars: { q: '<b>' } }
    fs.mkdirSync(path.join(s.appFolder('broken'), 'errors'), { recursive: true })
    fs.writeFileSync(path.join(s.appFolder('broken'), 'errors', 'x1.json'), JSON.stringify(ticket))
    for (const p of ['/admin/errors/index/broken', '/admin/errors/ticket/broken/x1']) {
      const r = await agent.request(p)
      assert.equal(r.status, 200, p)
      assert.doesNotMatch(r.body, /<script>alert|<b>/, p)
      assert.match(r.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/, p)
    }
  })

  test('admin pages are not framed nor cached', async () => {
    const r = await s.request('/admin/default/login')
    assert.equal(r.headers['x-frame-options'], 'DENY')
    assert.equal(r.headers['cache-control'], 'no-store')
  })
})

describe('site, design, editor and tickets', () => {
  let s: TestServer
  before(async () => { s = await startAdminServer() })
  after(async () => { await s.stop() })

  test('a saved controller is live on the very next request', async () => {
    const { agent, csrf } = await loggedIn(s)
    assert.equal((await s.request('/welcome/default/hello')).body, 'Hello World')
    const f = (await agent.request('/admin/edit/file.json?app=welcome&path=controllers/default.ts')).json()
    const r = await agent.request('/admin/edit/save.json', { body: { app: 'welcome', path: 'controllers/default.ts', content: f.content.replace("return 'Hello World'", "return 'Hello Admin'"), hash: f.hash }, headers: { 'x-csrf-token': csrf } })
    assert.equal(r.status, 200)
    assert.equal((await s.request('/welcome/default/hello')).body, 'Hello Admin')
    const n = await agent.request('/admin/design/create_file/welcome', { form: { _csrf: csrf, path: 'controllers/fresh.ts' } })
    assert.equal(n.status, 303)
    assert.equal((await s.request('/welcome/fresh/index.json')).status, 200, 'a new controller answers at once')
  })

  test('create an app, list its actions, save with conflict detection, see tickets, delete it', async () => {
    const { agent, csrf } = await loggedIn(s)
    for (const bad of ['1shop', 'sh-op', '../x', '']) {
      const r = await agent.request('/admin/default/create_app', { form: { _csrf: csrf, name: bad } })
      assert.equal(r.status, 400, bad)
    }
    assert.equal((await agent.request('/admin/default/create_app', { form: { _csrf: csrf, name: 'welcome' } })).status, 409)
    let r = await agent.request('/admin/default/create_app', { form: { _csrf: csrf, name: 'shop' } })
    assert.equal(r.status, 303)
    assert.equal(r.headers.location, '/admin/design/index/shop')
    r = await agent.request('/admin/design/index/shop')
    assert.equal(r.status, 200)
    assert.match(r.body, /href="\/shop\/default\/index"/)
    assert.match(r.body, /href="\/shop\/default\/hello"/)

    // open, save, and a conflicting save
    const f = (await agent.request('/admin/edit/file.json?app=shop&path=controllers/default.ts')).json()
    const src = f.content + '\nexport function boom() { const rows: number[] = []; return rows[3]!.toFixed() }\n'
    r = await agent.request('/admin/edit/save.json', { body: { app: 'shop', path: 'controllers/default.ts', content: src, hash: f.hash }, headers: { 'x-csrf-token': csrf } })
    assert.equal(r.status, 200)
    const saved = r.json()
    r = await agent.request('/admin/edit/save.json', { body: { app: 'shop', path: 'controllers/default.ts', content: 'stale', hash: f.hash }, headers: { 'x-csrf-token': csrf } })
    assert.equal(r.status, 409)
    assert.equal(r.json().conflict, true)
    assert.equal(r.json().hash, saved.hash)
    r = await agent.request('/admin/edit/save.json', { body: { app: 'shop', path: 'controllers/default.ts', content: src, hash: f.hash, force: true }, headers: { 'x-csrf-token': csrf } })
    assert.equal(r.status, 200, 'forced save after the user agreed')
    r = await agent.request('/admin/design/index/shop')
    assert.match(r.body, /href="\/shop\/default\/boom"/)
    // create, rename, delete a file through the design page
    assert.equal((await agent.request('/admin/design/create_file/shop', { form: { _csrf: csrf, path: 'views/shop/list.html' } })).status, 303)
    assert.equal((await agent.request('/admin/design/create_file/shop', { form: { _csrf: csrf, path: 'views/shop/list.html' } })).status, 409)
    assert.equal((await agent.request('/admin/design/rename_file/shop', { form: { _csrf: csrf, from: 'views/shop/list.html', to: 'views/shop/all.html' } })).status, 303)
    assert.ok(fs.existsSync(path.join(s.appFolder('shop'), 'views', 'shop', 'all.html')))
    assert.equal((await agent.request('/admin/design/delete_file/shop', { form: { _csrf: csrf, path: 'views/shop/all.html' } })).status, 303)
    assert.ok(!fs.existsSync(path.join(s.appFolder('shop'), 'views', 'shop', 'all.html')))

    // types for the editor: the declaration, the models, the framework
    const types = (await agent.request('/admin/edit/types.json?app=shop')).json()
    assert.ok(types.libs.some((l: { path: string }) => l.path.endsWith('/.quark/types.d.ts')))
    assert.ok(types.libs.some((l: { path: string }) => l.path.endsWith('/server/http/request.ts')))

    // the app is served (the registry notices new apps within a second)
    await new Promise((res) => setTimeout(res, 1100))
    for (let i = 0; i < 2; i++) assert.equal((await s.request('/shop/default/boom')).status, 500)
    r = await agent.request('/admin/errors/index/shop')
    assert.equal(r.status, 200)
    assert.match(r.body, /badge text-bg-danger">2</)
    assert.match(r.body, /TypeError/)
    const id = /\/admin\/errors\/ticket\/shop\/([^"]+)"/.exec(r.body)![1]!
    const tk = await agent.request(`/admin/errors/ticket/shop/${id}`)
    assert.equal(tk.status, 200)
    const line = src.split('\n').findIndex((l) => l.includes('boom')) + 1
    assert.match(tk.body, new RegExp(`href="/admin/edit/index/shop\\?file=controllers%2Fdefault.ts&amp;line=${line}"`))
    // filters
    const today = new Date().toISOString().slice(0, 10)
    assert.match((await agent.request(`/admin/errors/index/shop?date=${today}`)).body, /badge text-bg-danger">2</)
    assert.match((await agent.request('/admin/errors/index/shop?date=1999-01-01')).body, /No tickets match/)
    assert.match((await agent.request('/admin/errors/index/shop?ip=10.9.9.9')).body, /No tickets match/)
    // delete one, then the rest of the group
    r = await agent.request('/admin/errors/delete_tickets/shop', { form: { _csrf: csrf, id } })
    assert.equal(r.status, 303)
    assert.match((await agent.request('/admin/errors/index/shop')).body, /badge text-bg-danger">1</)
    r = await agent.request('/admin/errors/delete_tickets/shop', { form: { _csrf: csrf, all: '1' } })
    assert.match((await agent.request('/admin/errors/index/shop')).body, /No tickets/)

    // clean, about, delete with confirmation
    assert.equal((await agent.request('/admin/default/clean_app/shop', { form: { _csrf: csrf } })).status, 303)
    const about = await agent.request('/admin/default/about')
    assert.match(about.body, new RegExp(`Node.js version</dt><dd class="col-sm-9">${process.version}`))
    assert.match(about.body, /id="quark-version">\d+\.\d+\.\d+/)
    const confirmPage = await agent.request('/admin/default/delete_app/shop')
    assert.equal(confirmPage.status, 200)
    assert.match(confirmPage.body, /Yes, delete shop/)
    assert.ok(fs.existsSync(s.appFolder('shop')), 'the GET only asks')
    r = await agent.request('/admin/default/delete_app/shop', { form: { _csrf: csrf } })
    assert.equal(r.status, 303)
    assert.ok(!fs.existsSync(s.appFolder('shop')))
  })
})

describe('a server whose admin password file is gone', () => {
  test('startup generated one; without it the login page says how to set one', async () => {
    const fs = await import('node:fs')
    const path = await import('node:path')
    const { startServer } = await import('../helpers/server')
    const { adminState } = await import('../../server/adminlib/index')
    const s = await startServer()
    const saved = adminState.folder
    const file = path.join(s.folder, 'quark-admin.json')
    assert.ok(fs.existsSync(file), 'startQuark generates and stores a hashed admin password')
    assert.doesNotMatch(fs.readFileSync(file, 'utf8'), /"password"\s*:/)
    fs.rmSync(file)
    adminState.folder = s.folder
    try {
      const r = await s.request('/admin/default/login')
      assert.equal(r.status, 503)
      assert.match(r.body, /No admin password is set: start Quark with --password/)
    } finally { adminState.folder = saved; await s.stop() }
  })
})
