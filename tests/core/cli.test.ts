import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import https from 'node:https'
import http from 'node:http'
import { spawn, spawnSync } from 'node:child_process'

const root = path.resolve(__dirname, '..', '..')
const quark = path.join(root, 'server', 'cli', 'quark.js')
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-cli-test-'))
after(() => fs.rmSync(tmp, { recursive: true, force: true }))

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [quark, ...args], { encoding: 'utf8', cwd: tmp, env: { ...process.env, QUARK_QUIET_ROOMS: '1' } })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

function get(url: string): Promise<{ status: number; body: string }> {
  const lib = url.startsWith('https') ? https : http
  return new Promise((resolve, reject) => {
    lib.get(url, { rejectUnauthorized: false, agent: false } as https.RequestOptions, (res) => {
      let body = ''
      res.on('data', (c) => { body += c })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    }).on('error', reject)
  })
}

/** Start `quark run` and resolve with the URL it prints. */
function run(args: string[]): Promise<{ url: string; child: ReturnType<typeof spawn>; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [quark, 'run', ...args], { cwd: tmp, env: { ...process.env, QUARK_QUIET_ROOMS: '1' } })
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (c) => {
      out += c
      const m = /at (https?:\/\/[^\s]+?)\/? \(/.exec(out)
      if (m) resolve({ url: m[1]!, child, exited })
    })
    child.stderr!.on('data', (c) => { out += c })
    child.on('exit', () => reject(new Error(`quark run exited: ${out}`)))
  })
}

test('--version and --help', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
  assert.equal(cli('--version').out.trim(), pkg.version)
  const h = cli('--help')
  assert.equal(h.code, 0)
  assert.match(h.out, /Commands:[\s\S]*run[\s\S]*new[\s\S]*shell/)
  for (const c of ['run', 'new', 'shell']) {
    const ch = cli(c, '--help')
    assert.equal(ch.code, 0)
    assert.match(ch.out, /--folder/)
  }
  assert.match(cli('run', '--help').out, /--port[\s\S]*--no-https/)
})

test('unknown commands and flags are clear errors', () => {
  const a = cli('frobnicate')
  assert.equal(a.code, 2)
  assert.match(a.err, /unknown command "frobnicate"/)
  const b = cli('run', '--bogus')
  assert.equal(b.code, 2)
  assert.match(b.err, /unknown flag --bogus/)
  const c = cli('run', '-p', 'notaport', '--no-https')
  assert.equal(c.code, 2)
  assert.match(c.err, /invalid port/)
})

test('quark new makes an app from welcome-app and refuses existing or invalid names', () => {
  const f = path.join(tmp, 'site')
  const r = cli('new', 'blog', '-f', f)
  assert.equal(r.code, 0, r.err)
  const app = path.join(f, 'applications', 'blog')
  assert.ok(fs.existsSync(path.join(app, 'controllers', 'default.ts')))
  assert.ok(fs.existsSync(path.join(app, '.quark', 'types.d.ts')))
  assert.ok(fs.existsSync(path.join(app, 'tsconfig.json')))
  const again = cli('new', 'blog', '-f', f)
  assert.equal(again.code, 2)
  assert.match(again.err, /already exists/)
  for (const bad of ['bad-name', '_hidden', '../escape', 'a b']) {
    const x = cli('new', bad, '-f', f)
    assert.equal(x.code, 2, bad)
    assert.match(x.err, /Invalid app name/)
  }
  const none = cli('new', '-f', f)
  assert.equal(none.code, 2)
  assert.match(none.err, /needs an app name/)
})

test('quark run --no-https: welcome installed on first start, hello served, SIGTERM stops it cleanly', async () => {
  const f = path.join(tmp, 'plain')
  const { url, child, exited } = await run(['--no-https', '-p', '0', '-f', f, '--quiet'])
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
  assert.ok(fs.existsSync(path.join(f, 'applications', 'welcome', 'models', 'menu.ts')))
  assert.ok(!fs.existsSync(path.join(f, 'quark-cert.pem')))
  const r = await get(`${url}/welcome/default/hello`)
  assert.equal(r.status, 200)
  assert.equal(r.body, 'Hello World')
  child.kill('SIGTERM')
  assert.equal(await exited, 0)
})

test('quark run over HTTPS makes a self-signed certificate beside applications/ and reuses it', async () => {
  const f = path.join(tmp, 'secure')
  const first = await run(['-p', '0', '-f', f, '--quiet'])
  assert.match(first.url, /^https:/)
  assert.equal((await get(`${first.url}/welcome/default/hello`)).body, 'Hello World')
  first.child.kill('SIGINT')
  assert.equal(await first.exited, 0)
  const cert = fs.readFileSync(path.join(f, 'quark-cert.pem'), 'utf8')
  assert.match(cert, /BEGIN CERTIFICATE/)
  const second = await run(['-p', '0', '-f', f, '--quiet'])
  assert.equal((await get(`${second.url}/welcome/default/hello`)).body, 'Hello World')
  second.child.kill('SIGTERM')
  await second.exited
  assert.equal(fs.readFileSync(path.join(f, 'quark-cert.pem'), 'utf8'), cert)
})

test('--cert/--key use your own certificate; unreadable files are a clear error', () => {
  const r = cli('run', '-p', '0', '-f', path.join(tmp, 'own'), '--cert', '/nonexistent/c.pem', '--key', '/nonexistent/k.pem')
  assert.notEqual(r.code, 0)
  assert.match(r.err, /Cannot read certificate/)
  const half = cli('run', '--cert', 'x.pem')
  assert.equal(half.code, 2)
  assert.match(half.err, /go together/)
})

test("quark shell runs lines in the app's environment, models executed", () => {
  const f = path.join(tmp, 'shellsite')
  assert.equal(cli('new', 'shop', '-f', f).code, 0)
  const r = spawnSync(process.execPath, [quark, 'shell', 'shop', '-f', f], {
    input: 'settings.appName + "/" + current.application\n.exit\n', encoding: 'utf8', cwd: tmp, env: { ...process.env, QUARK_QUIET_ROOMS: '1' },
  })
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stdout, /'Shop\/shop'/, 'the new app is named after itself (settings.appName), models executed')
  const missing = cli('shell', 'nosuch', '-f', f)
  assert.equal(missing.code, 3)
  assert.match(missing.err, /No app named nosuch/)
})

test("quark test runs an app's tests/*.ts in its environment, reports each, fails on a failure, rolls back", () => {
  const f = path.join(tmp, 'testsite')
  assert.equal(cli('new', 'shop', '-f', f).code, 0)
  // the scaffold's own tests pass
  const ok = cli('test', 'shop', '-f', f)
  assert.equal(ok.code, 0, ok.out + ok.err)
  assert.match(ok.out, /^ok 1 - tests\/default\.ts: /m)
  assert.match(ok.out, /# shop: 2 passed, 0 failed, in 1 file/)
  const tests = path.join(f, 'applications', 'shop', 'tests')
  fs.writeFileSync(path.join(tests, 'z_more.ts'), [
    "test('a failing assertion', () => { assert.equal(1 + 1, 3) })",
    "test('a thrown error', async () => { throw new Error('boom in a test') })",
    "test('writes a row', async () => { await db.auth_group.insert({ role: 'left-over' }) })",
    "test('sees the models', () => { assert.equal(settings.appName, 'Shop') })",
  ].join('\n') + '\n')
  fs.writeFileSync(path.join(tests, 'y_broken.ts'), 'const x: number = \n')
  const bad = cli('test', 'shop', '-f', f)
  assert.equal(bad.code, 1)
  assert.match(bad.out, /^not ok \d+ - tests\/y_broken\.ts: \(loading the file\)/m)
  assert.match(bad.out, /^not ok \d+ - tests\/z_more\.ts: a failing assertion/m)
  assert.match(bad.out, /# .*boom in a test/)
  assert.match(bad.out, /^ok \d+ - tests\/z_more\.ts: writes a row/m)
  assert.match(bad.out, /^ok \d+ - tests\/z_more\.ts: sees the models/m)
  assert.match(bad.out, /# shop: 4 passed, 3 failed, in 3 files/)
  // the row written by a test was rolled back
  fs.rmSync(path.join(tests, 'y_broken.ts'))
  fs.writeFileSync(path.join(tests, 'z_more.ts'), "test('no left-over', async () => { assert.equal(await db(db.auth_group.role.eq('left-over')).count(), 0) })\n")
  assert.equal(cli('test', 'shop', '-f', f).code, 0)
  // bad input: no app, a bad name, no name, an app without tests
  assert.equal(cli('test', 'nosuch', '-f', f).code, 3)
  assert.notEqual(cli('test', '../etc', '-f', f).code, 0)
  assert.equal(cli('test', '-f', f).code, 2)
  fs.rmSync(tests, { recursive: true })
  const none = cli('test', 'shop', '-f', f)
  assert.equal(none.code, 0)
  assert.match(none.out, /no tests:/)
})
