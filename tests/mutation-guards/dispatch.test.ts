/**
 * Guards for dispatch/ found by mutation testing (issue 17 item 6): URL
 * arguments with control characters never reach an action (over HTTP), app
 * names are checked before any folder is looked up, and the registry and
 * routes files behave as documented (unit level, real folders).
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startServer, type TestServer } from '../helpers/server'
import { AppRegistry, isValidAppName, parsePath, siteDefaultApp, appDefaults, NAME, EXT } from '../../server/dispatch'

let s: TestServer
let reached: string

before(async () => {
  reached = path.join(os.tmpdir(), `quark-dispatch-guard-${process.pid}-${Date.now()}.log`)
  s = await startServer({
    apps: {
      app: {
        // every call of the action leaves a line in a file, so a test sees whether the action ran at all
        'controllers/default.ts': `
          import fs from 'node:fs'
          export function echo() { fs.appendFileSync(${JSON.stringify(reached)}, JSON.stringify(request.args.list) + '\\n'); return JSON.stringify(request.args.list) }
        `,
      },
    },
  })
})
after(async () => {
  await s.stop()
  fs.rmSync(reached, { force: true })
})

const calls = () => (fs.existsSync(reached) ? fs.readFileSync(reached, 'utf8').trim().split('\n').filter(Boolean) : [])

test('URL arguments with control characters (%00, %0d%0a, %1f) are refused with 400 before the action runs', async () => {
  const before = calls().length
  for (const arg of ['%00', 'a%0d%0aSet-Cookie:%20x=1', '%1f', 'x%0Ay', '%09']) {
    const r = await s.request(`/app/default/echo/${arg}`)
    assert.equal(r.status, 400, arg)
    assert.match(r.body, /Invalid URL argument/, arg)
  }
  assert.equal(calls().length, before, 'the action never ran')
  // printable arguments still arrive, decoded
  const ok = await s.request('/app/default/echo/a%20b/%7E/plain')
  assert.equal(ok.status, 200)
  assert.deepEqual(JSON.parse(ok.body), ['a b', '~', 'plain'])
  assert.equal(calls().length, before + 1)
})

test('parsePath: control characters are refused in every argument position, decoded or raw', () => {
  const d = { application: 'a', controller: 'c', function: 'f' }
  assert.throws(() => parsePath('/a/c/f/ok/%00', d), (e: Error & { code?: string }) => e.code === 'QK_DISPATCH_BAD_ARG')
  assert.throws(() => parsePath('/a/c/f/\x01', d), (e: Error & { code?: string }) => e.code === 'QK_DISPATCH_BAD_ARG')
  assert.throws(() => parsePath('/a/c/f/%E0%A4%A', d), (e: Error & { code?: string }) => e.code === 'QK_DISPATCH_BAD_ARG' && e.message.includes('%E0%A4%A'))
  assert.deepEqual((parsePath('/a/c/f/x%20y/%2F/ /~', d) as { args: string[] }).args, ['x y', '/', ' ', '~'])
})

test('parsePath: names, extensions and defaults', () => {
  const d = { application: 'welcome', controller: 'default', function: 'index' }
  const code = (e: unknown) => (e as { code?: string }).code
  for (const bad of ['/a b', '/a/c d', '/a/c/f g', '/a/c/f.j s', '/a/c/.html', '/-/c/f', '/a/c/f..x'])
    assert.throws(() => parsePath(bad, d), (e) => code(e) === 'QK_DISPATCH_BAD_NAME', bad)
  assert.deepEqual(parsePath('/a/c/f.json', d), { kind: 'action', application: 'a', controller: 'c', function: 'f', extension: 'json', args: [] })
  assert.throws(() => parsePath('/a/c/f.tar.gz', d), (e) => code(e) === 'QK_DISPATCH_BAD_NAME', 'an extension with a dot')
  // the application may come from a function, called only when the URL names none
  let asked = 0
  const lazy = { ...d, application: () => { asked++; return 'site' } }
  assert.equal((parsePath('/shop/c/f', lazy) as { application: string }).application, 'shop')
  assert.equal(asked, 0)
  assert.equal((parsePath('//', lazy) as { application: string }).application, 'site')
  assert.equal(asked, 1)
  // an app's own defaults: used only for what the URL leaves out
  const forApp = (app: string) => (app === 'shop' ? { controller: 'pages', function: 'home' } : undefined)
  const withApp = { ...d, forApp }
  const fn = (p: string) => { const t = parsePath(p, withApp) as { controller: string; function: string }; return `${t.controller}/${t.function}` }
  assert.equal(fn('/shop'), 'pages/home')
  assert.equal(fn('/shop/pages'), 'pages/home')
  assert.equal(fn('/shop/other'), 'other/index')
  assert.equal(fn('/shop/other/x'), 'other/x')
  assert.equal(fn('/blog'), 'default/index')
  // static paths keep their tail; assets their name
  assert.deepEqual(parsePath('/shop/static/a/b.css', d), { kind: 'static', application: 'shop', path: 'a/b.css' })
  assert.deepEqual(parsePath('/_quark/x/y.js', d), { kind: 'asset', name: 'x/y.js' })
  assert.deepEqual(parsePath('/shop/c/f/a/', d), parsePath('/shop/c/f/a', d), 'trailing slashes are ignored')
})

test('parsePath keeps only full paths, and hands out the same frozen target for them', () => {
  const d = { application: 'w', controller: 'default', function: 'index' }
  const full = parsePath('/keep/c/f/1', d)
  assert.equal(parsePath('/keep/c/f/1', d), full)
  assert.ok(Object.isFrozen(full))
  // a path with an empty segment used a default: a fresh target each time, following the defaults
  for (const p of ['/keep/c', '/keep//f', '/keep/c/', '//c/f', '/keep/c//']) {
    const a = parsePath(p, d)
    assert.notEqual(parsePath(p, d), a, p)
    assert.ok(!Object.isFrozen(a), p)
  }
  // more than the bound of kept paths still answers correctly
  for (let i = 0; i < 5000; i++) parsePath(`/many/c/f${i}`, d)
  assert.equal((parsePath('/many/c/f4999', d) as { function: string }).function, 'f4999')
  assert.equal((parsePath('/keep/c/f/1', d) as { args: string[] }).args[0], '1')
})

test('isValidAppName: [A-Za-z0-9_], no leading _, at most 64 characters; NAME and EXT are anchored', () => {
  assert.ok(isValidAppName('shop_2'))
  assert.ok(isValidAppName('a'.repeat(64)))
  for (const bad of ['a'.repeat(65), '_admin', '', 'a-b', '..', 'a/b', 'x\n', '\nx']) assert.ok(!isValidAppName(bad), JSON.stringify(bad))
  assert.ok(!NAME.test('a.b') && !NAME.test('.a') && !NAME.test('a.'))
  assert.ok(EXT.test('json') && !EXT.test('j_s') && !EXT.test('.json') && !EXT.test('json.'))
})

// ---- the registry ----

function site(): string {
  const f = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-registry-guard-'))
  fs.mkdirSync(path.join(f, 'applications'))
  return f
}

test('AppRegistry: scans valid folder names only, follows symlinks to folders, notices removals', () => {
  const f = site()
  try {
    const apps = path.join(f, 'applications')
    for (const n of ['shop', 'blog', '_hidden', 'bad-name']) fs.mkdirSync(path.join(apps, n))
    fs.writeFileSync(path.join(apps, 'file'), 'not an app')
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-registry-link-'))
    fs.symlinkSync(elsewhere, path.join(apps, 'linked'))
    const r = new AppRegistry(f)
    assert.equal(r.folder, path.resolve(f))
    assert.equal(r.applicationsFolder, apps)
    assert.deepEqual(r.names(), ['blog', 'linked', 'shop'])
    assert.equal(r.get('shop'), path.join(apps, 'shop'))
    assert.ok(r.has('linked'))
    assert.ok(!r.has('_hidden') && !r.has('bad-name') && !r.has('file'))
    fs.rmSync(path.join(apps, 'blog'), { recursive: true })
    assert.deepEqual(r.names(), ['linked', 'shop'], 'a removed app disappears at the next scan')
    assert.equal(r.get('blog'), undefined)
    fs.rmSync(elsewhere, { recursive: true })
  } finally { fs.rmSync(f, { recursive: true, force: true }) }
})

test('AppRegistry.get between scans looks up valid names only: ".." or a path never resolves to a folder', () => {
  const f = site()
  try {
    fs.mkdirSync(path.join(f, 'applications', 'new_app'))
    fs.mkdirSync(path.join(f, 'applications', '_private'))
    fs.mkdirSync(path.join(f, 'private_data'))
    const r = new AppRegistry(path.join(f))
    fs.mkdirSync(path.join(f, 'applications', 'later'))
    r.scan() // a scan a moment ago: the next misses take the one-stat path
    assert.equal(r.get('later'), path.join(f, 'applications', 'later'), 'a folder made after the scan is found')
    for (const bad of ['..', '.', '../private_data', '_private', 'a/../new_app']) assert.equal(r.get(bad), undefined, bad)
    fs.writeFileSync(path.join(f, 'applications', 'plainfile'), 'x')
    assert.equal(r.get('plainfile'), undefined, 'a file is no app')
    assert.equal(r.get('missing'), undefined)
  } finally { fs.rmSync(f, { recursive: true, force: true }) }
})

test('AppRegistry: mounted apps win over scanned ones, names are checked, unmount restores the folder', () => {
  const f = site()
  try {
    fs.mkdirSync(path.join(f, 'applications', 'admin'))
    const r = new AppRegistry(f)
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-registry-mount-'))
    r.mountApp('admin', other)
    r.mountApp('extra', path.relative(process.cwd(), other))
    assert.equal(r.get('admin'), other)
    assert.equal(r.get('extra'), other, 'a mount folder is resolved to an absolute path')
    assert.deepEqual(r.names(), ['admin', 'extra'], 'mounted names listed once, sorted')
    for (const bad of ['_x', 'a-b', '..', 'a'.repeat(65)]) assert.throws(() => r.mountApp(bad, other), (e: Error & { code?: string }) => e.code === 'QK_DISPATCH_BAD_APP_NAME', bad)
    r.unmountApp('admin')
    assert.equal(r.get('admin'), path.join(f, 'applications', 'admin'))
    fs.rmSync(other, { recursive: true })
  } finally { fs.rmSync(f, { recursive: true, force: true }) }
})

test('AppRegistry without an applications/ folder serves no app and does not throw', () => {
  const f = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-registry-none-'))
  try {
    const r = new AppRegistry(f)
    assert.deepEqual(r.names(), [])
    assert.equal(r.get('x'), undefined)
  } finally { fs.rmSync(f, { recursive: true, force: true }) }
})

// ---- routes.json ----

test('routes.json: only valid names are taken; other values and non-objects are ignored', () => {
  const f = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-routes-guard-'))
  const write = (dir: string, v: string) => fs.writeFileSync(path.join(dir, 'routes.json'), v)
  try {
    const cases: Array<[string, string | undefined]> = [
      [JSON.stringify({ defaultApplication: 'shop' }), 'shop'],
      [JSON.stringify({ defaultApplication: '_admin' }), undefined],
      [JSON.stringify({ defaultApplication: '../x' }), undefined],
      [JSON.stringify({ defaultApplication: 5 }), undefined],
      ['5', undefined],
      ['null', undefined],
    ]
    cases.forEach(([text, want], i) => {
      const d = path.join(f, `site${i}`)
      fs.mkdirSync(d)
      write(d, text)
      assert.equal(siteDefaultApp(d), want, text)
    })
    const app = path.join(f, 'app')
    fs.mkdirSync(app)
    assert.equal(appDefaults(app), undefined, 'no routes file')
    const app2 = path.join(f, 'app2')
    fs.mkdirSync(app2)
    write(app2, JSON.stringify({ defaultController: 'pages', defaultFunction: 'home' }))
    assert.deepEqual(appDefaults(app2), { controller: 'pages', function: 'home' })
    const app3 = path.join(f, 'app3')
    fs.mkdirSync(app3)
    write(app3, JSON.stringify({ defaultController: 'a/b', defaultFunction: 7 }))
    assert.deepEqual(appDefaults(app3), { controller: undefined, function: undefined })
  } finally { fs.rmSync(f, { recursive: true, force: true }) }
})

test('routes.json: a broken file is reported once on stderr and ignored', () => {
  const f = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-routes-broken-'))
  const lines: string[] = []
  const write = process.stderr.write.bind(process.stderr)
  // observe what a user would see on the console
  process.stderr.write = ((chunk: string | Uint8Array) => { lines.push(String(chunk)); return true }) as typeof process.stderr.write
  try {
    fs.writeFileSync(path.join(f, 'routes.json'), '{ broken')
    assert.equal(siteDefaultApp(f), undefined)
    assert.equal(siteDefaultApp(f), undefined)
  } finally {
    process.stderr.write = write
    fs.rmSync(f, { recursive: true, force: true })
  }
  assert.equal(lines.length, 1)
  assert.match(lines[0]!, /^quark: ignoring .*routes\.json: .+\n$/)
})

test('routes.json is re-read when it changes (after its one-second cache)', async (t) => {
  const f = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-routes-change-'))
  try {
    const file = path.join(f, 'routes.json')
    fs.writeFileSync(file, JSON.stringify({ defaultApplication: 'one' }))
    const started = Date.now()
    assert.equal(siteDefaultApp(f), 'one')
    fs.writeFileSync(file, JSON.stringify({ defaultApplication: 'two' }))
    const later = new Date(Date.now() + 5000)
    fs.utimesSync(file, later, later)
    const cached = siteDefaultApp(f)
    // within the second the first answer is kept (only checked when the machine was not stalled)
    if (Date.now() - started < 900) assert.equal(cached, 'one')
    else t.diagnostic('machine stalled: cache window not checked')
    // wait for the cache window to pass (an event: the clock reaching a point), then the change is seen
    while (Date.now() - started <= 1000) await new Promise((r) => setTimeout(r, 50))
    assert.equal(siteDefaultApp(f), 'two')
    // the same mtime after the window: the cached value is kept without reading (the file is now unreadable JSON)
    fs.writeFileSync(file, '{ not json')
    fs.utimesSync(file, later, later)
    const again = Date.now()
    while (Date.now() - again <= 1000) await new Promise((r) => setTimeout(r, 50))
    assert.equal(siteDefaultApp(f), 'two', 'same mtime: not re-read')
  } finally { fs.rmSync(f, { recursive: true, force: true }) }
})

test('AppRegistry.names() is sorted whatever the order of mounting and of the folder listing', () => {
  const f = site()
  try {
    for (const n of ['mid', 'zed', 'abc']) fs.mkdirSync(path.join(f, 'applications', n))
    const r = new AppRegistry(f)
    r.mountApp('zz_mounted', f)
    r.mountApp('aa_mounted', f)
    assert.deepEqual(r.names(), ['aa_mounted', 'abc', 'mid', 'zed', 'zz_mounted'])
  } finally { fs.rmSync(f, { recursive: true, force: true }) }
})

test('routes.json: a missing file is silent; JSON that is not an object gives no app defaults; names must be strings', () => {
  const f = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-routes-kinds-'))
  const lines: string[] = []
  const write = process.stderr.write.bind(process.stderr)
  process.stderr.write = ((chunk: string | Uint8Array) => { lines.push(String(chunk)); return true }) as typeof process.stderr.write
  try {
    assert.equal(siteDefaultApp(f), undefined)
    assert.equal(appDefaults(f), undefined)
    for (const [i, text] of ['5', '"shop"', 'true', 'null', '[]'].entries()) {
      const d = path.join(f, `kind${i}`)
      fs.mkdirSync(d)
      fs.writeFileSync(path.join(d, 'routes.json'), text)
      const got = appDefaults(d)
      if (text === '[]') assert.deepEqual(got, { controller: undefined, function: undefined }, text)
      else assert.equal(got, undefined, text)
    }
    const d = path.join(f, 'numbers')
    fs.mkdirSync(d)
    fs.writeFileSync(path.join(d, 'routes.json'), JSON.stringify({ defaultController: 42, defaultFunction: 7, defaultApplication: 9 }))
    assert.deepEqual(appDefaults(d), { controller: undefined, function: undefined })
    assert.equal(siteDefaultApp(d), undefined)
  } finally {
    process.stderr.write = write
    fs.rmSync(f, { recursive: true, force: true })
  }
  assert.deepEqual(lines, [], 'nothing reported for a missing or well-formed file')
})
