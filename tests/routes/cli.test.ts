/**
 * `quark routes` (the routes tester), spawned as a user runs it in a folder of apps: a URL in → the
 * mapping, an URL() out → the text, the active routes; bad routes files (a pattern that is not a
 * regular expression, a replacement naming a missing group, a router naming a missing app, an
 * unknown key) reported clearly, and over HTTP the last good routes stay in force.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { startServer } from '../helpers/server'

const root = path.resolve(__dirname, '..', '..')
const quark = path.join(root, 'server', 'cli', 'quark.js')

function site(routes: string | undefined, file = 'routes.json'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-routes-cli-'))
  for (const app of ['shop', 'blog']) {
    fs.mkdirSync(path.join(dir, 'applications', app, 'controllers'), { recursive: true })
    fs.writeFileSync(path.join(dir, 'applications', app, 'controllers', 'default.ts'), 'export function index() { return 1 }')
  }
  fs.writeFileSync(path.join(dir, 'applications', 'shop', 'controllers', 'cart.ts'), 'export function index() { return 1 }')
  if (routes !== undefined) fs.writeFileSync(path.join(dir, file), routes)
  return dir
}

function run(dir: string, ...args: string[]) {
  const env = { ...process.env }
  for (const k of ['NODE_TEST_CONTEXT', 'QUARK_TESTING', 'NODE_OPTIONS']) delete env[k]
  const r = spawnSync(process.execPath, [quark, 'routes', ...args], { cwd: dir, env, encoding: 'utf8', timeout: 60000 })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

const ROUTES = JSON.stringify({
  routers: { BASE: { default_application: 'shop', map_hyphen: true }, shop: { languages: ['en', 'it'], default_language: 'en', functions: { cart: ['index', 'view_item'] } } },
})

test('quark routes <url>: the mapping in; --out: the URL written; no argument: the active routes', () => {
  const dir = site(ROUTES)
  try {
    let r = run(dir, '/it/cart/view-item/5?x=1')
    assert.equal(r.code, 0, r.err)
    assert.match(r.out, /^application: shop$/m)
    assert.match(r.out, /^controller: cart$/m)
    assert.match(r.out, /^function: view_item$/m)
    assert.match(r.out, /^args: \["5"\]$/m)
    assert.match(r.out, /^language: it$/m)
    assert.match(r.out, /^vars: \{"x":"1"\}$/m)
    r = run(dir, '/blog', '--json')
    assert.deepEqual(JSON.parse(r.out), { application: 'blog', controller: 'default', function: 'index', extension: 'html', args: [], vars: {} })
    r = run(dir, '/favicon.ico')
    assert.match(r.out, /^static: .*applications\/shop\/static\/favicon\.ico$/m)
    r = run(dir, '/cart/view-item/a:b')
    assert.equal(r.code, 2)
    assert.match(r.out, /^status: 400$/m)
    assert.match(r.out, /QK_DISPATCH_BAD_ROUTE/)
    r = run(dir, '--out', 'shop/cart/view_item/5')
    assert.equal(r.code, 0, r.err)
    assert.equal(r.out.trim(), 'url: /cart/view-item/5')
    r = run(dir, '--out', 'shop/cart/view_item/5', '--language', 'it')
    assert.equal(r.out.trim(), 'url: /it/cart/view-item/5')
    r = run(dir, '--out', 'shop/default/index')
    assert.equal(r.out.trim(), 'url: /')
    r = run(dir)
    assert.equal(r.code, 0, r.err)
    assert.match(r.out, /^mode: routed$/m)
    assert.match(r.out, /routes\.json$/m)
    r = run(dir, 'no-slash')
    assert.notEqual(r.code, 0)
    assert.match(r.err, /starts with '\/'/)
  } finally { fs.rmSync(dir, { recursive: true, force: true }) }
})

test('quark routes with no routes file: the plain mapping', () => {
  const dir = site(undefined)
  try {
    const r = run(dir, '/shop/cart')
    assert.match(r.out, /^application: shop$/m)
    assert.match(r.out, /^controller: cart$/m)
    assert.match(run(dir).out, /^mode: plain$/m)
    assert.equal(run(dir, '--out', 'shop/default/index').out.trim(), 'url: /shop/default/index')
  } finally { fs.rmSync(dir, { recursive: true, force: true }) }
})

test('bad routes files are reported clearly, naming the problem', () => {
  const cases: Array<[string, RegExp, string?]> = [
    [JSON.stringify({ routes_in: [['/a(b', '/shop/default/index']] }), /not a valid regular expression: "\/a\(b"/],
    [JSON.stringify({ routes_in: [['/x/$id', '/shop/default/show/$name']] }), /names a group that "\/x\/\$id" does not have: name/],
    [JSON.stringify({ routes_out: [['/x/(\\d+)', '/y/\\2']] }), /refers to group 2/],
    [JSON.stringify({ routers: { BASE: { default_application: 'nosuchapp' } } }), /names an application that does not exist: nosuchapp/],
    [JSON.stringify({ routers: { BASE: { domains: { 'a.example': 'ghost' } } } }), /does not exist: ghost/],
    [JSON.stringify({ routers: { BASE: { default_aplication: 'shop' } } }), /unknown router setting default_aplication/],
    [JSON.stringify({ routes_inn: [] }), /unknown key routes_inn/],
    [JSON.stringify({ routers: { BASE: { args_match: '([' } } }), /args_match is not a valid regular expression/],
    [JSON.stringify({ routes_onerror: [['shop/abc', '/x']] }), /routes_onerror/],
    ['{ broken', /Bad routes in .*routes\.json/],
    ['export default { routers: { BASE: { default_application: 42 } } }', /default_application must be/, 'routes.ts'],
    ['export default {{', /Bad routes in .*routes\.ts/, 'routes.ts'],
  ]
  for (const [content, message, file] of cases) {
    const dir = site(content, file)
    try {
      const r = run(dir)
      assert.equal(r.code, 1, `${content}: ${r.out} ${r.err}`)
      assert.match(r.err, message, content)
      assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace')
    } finally { fs.rmSync(dir, { recursive: true, force: true }) }
  }
})

test('over HTTP: a routes.ts is reloaded when it changes; a broken one keeps the last good routes', async () => {
  const s = await startServer({ apps: { shop: { 'controllers/default.ts': 'export function index() { return "shop" }\nexport function about() { return URL("about") }' } }, https: false })
  const routesTs = path.join(s.folder, 'routes.ts')
  try {
    fs.writeFileSync(routesTs, "export default { routers: { BASE: { default_application: 'shop' } } }")
    // the routes files are re-checked at most once a second
    let first = ''
    for (let i = 0; i < 100 && first !== '/about'; i++) { first = (await s.request('/about')).body; if (first !== '/about') await new Promise((r) => setTimeout(r, 100)) }
    assert.equal(first, '/about')
    fs.writeFileSync(routesTs, "export default { routers: { BASE: { default_application: 'shop', path_prefix: '/p' } } }")
    let body = ''
    for (let i = 0; i < 100 && body !== '/p/about'; i++) { await new Promise((r) => setTimeout(r, 100)); body = (await s.request('/p/about')).body }
    assert.equal(body, '/p/about')
    fs.writeFileSync(routesTs, "export default { routes_in: [['/(', '/x']] }")
    await new Promise((r) => setTimeout(r, 1200))
    // still the last good routes
    assert.equal((await s.request('/p/about')).body, '/p/about')
    assert.equal((await s.request('/about')).status, 404)
  } finally { await s.stop() }
})

test('quark run reports a broken routes file at start, before any request', async () => {
  const dir = site(JSON.stringify({ routes_in: [['/a(b', '/x']] }))
  const env = { ...process.env }
  for (const k of ['NODE_TEST_CONTEXT', 'QUARK_TESTING', 'NODE_OPTIONS']) delete env[k]
  const { spawn } = await import('node:child_process')
  const p = spawn(process.execPath, [quark, 'run', '--no-https', '-p', '0', '--no-browser', '--cron', 'none', '--password', 'pw-routes-test'], { cwd: dir, env })
  let err = ''
  p.stderr.on('data', (c: Buffer) => { err += c.toString() })
  p.stdout.on('data', () => {})
  try {
    for (let i = 0; i < 600 && !/Bad routes/.test(err) && p.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100))
    assert.match(err, /quark: Bad routes in .*routes\.json \(routes_in\): not a valid regular expression: "\/a\(b"/)
    assert.equal(p.exitCode, null, 'the server keeps running')
  } finally {
    p.kill('SIGTERM')
    await new Promise((r) => p.once('exit', r))
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('quark run under a path_prefix names the site, welcome and admin URLs with the prefix, and they answer', async () => {
  const dir = site(JSON.stringify({ routers: { BASE: { default_application: 'shop', path_prefix: '/w' } } }))
  const env = { ...process.env }
  for (const k of ['NODE_TEST_CONTEXT', 'QUARK_TESTING', 'NODE_OPTIONS']) delete env[k]
  const { spawn } = await import('node:child_process')
  const p = spawn(process.execPath, [quark, 'run', '--no-https', '-p', '0', '--no-browser', '--cron', 'none', '--password', 'pw-routes-test'], { cwd: dir, env })
  let out = ''
  p.stdout.on('data', (c: Buffer) => { out += c.toString() })
  p.stderr.on('data', () => {})
  try {
    for (let i = 0; i < 600 && !/admin: /.test(out) && p.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100))
    const m = /at (http:\/\/[^ ]+?)\/w\/ \(/.exec(out)
    assert.ok(m, out)
    const base = m[1]!
    assert.match(out, new RegExp(`welcome: ${base.replace(/[.]/g, '\\.')}/w/welcome {3}admin: ${base.replace(/[.]/g, '\\.')}/w/admin`))
    const { doRequest } = await import('../helpers/server')
    const login = await doRequest({ url: base, isHttps: false }, '/w/admin/default/login')
    assert.equal(login.status, 200)
    assert.match(login.body, /action="\/w\/admin\/default\/login"/)
    assert.equal((await doRequest({ url: base, isHttps: false }, '/w/')).body, '1')
    assert.equal((await doRequest({ url: base, isHttps: false }, '/admin/default/login')).status, 404)
  } finally {
    p.kill('SIGTERM')
    await new Promise((r) => p.once('exit', r))
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
