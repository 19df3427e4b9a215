// The shim from a checkout (not inside the binary): same API, backed by the files on disk.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import zlib from 'node:zlib'
import fs from 'node:fs'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import * as sea from '../../server/sea/index'

const root = path.resolve(__dirname, '..', '..')

test('outside the binary: isSea is false, paths are the checkout, assets are refused clearly', () => {
  assert.equal(sea.isSea(), false)
  assert.equal(sea.binaryFolder(), undefined)
  assert.equal(sea.projectRoot(), root)
  assert.equal(sea.esbuildBinaryPath(), undefined)
  assert.equal(sea.hasAsset(sea.SEA_ASSETS.esbuild), false)
  assert.throws(() => sea.getAssetBuffer(sea.SEA_ASSETS.esbuild), { code: 'QK_SEA_ASSET_MISSING', message: /not running inside the binary/ })
  assert.equal(sea.projectFolder('welcome-app'), path.join(root, 'welcome-app'))
  assert.equal(sea.projectFolder('project-files'), root)
  const before = process.env.ESBUILD_BINARY_PATH
  sea.prepareEsbuild()
  assert.equal(process.env.ESBUILD_BINARY_PATH, before, 'a checkout keeps esbuild as installed')
})

test('loadEsbuild gives the installed esbuild from a checkout', () => {
  const esbuild = sea.loadEsbuild() as typeof import('esbuild')
  assert.equal(esbuild.transformSync('const a: number = 1', { loader: 'ts' }).code, 'const a = 1;\n')
})

// `npm run test:lts` runs this file on the pinned Node, for which the installed addon was not compiled (it uses node:sqlite)
const onLts = process.env.QUARK_TEST_NODE === 'lts' ? 'better-sqlite3 is compiled for the Node that installed it, not the pinned LTS' : false

test('loadBetterSqlite3 gives a working Database class', { skip: onLts }, () => {
  const Database = sea.loadBetterSqlite3()
  const db = new Database(':memory:')
  db.exec('CREATE TABLE t (x INTEGER)')
  db.prepare('INSERT INTO t VALUES (?), (?)').run(2, 40)
  assert.deepEqual(db.prepare('SELECT sum(x) AS s FROM t').get(), { s: 42 })
  db.close()
})

test('readProjectFile reads checkout files and rejects escaping paths', () => {
  const pkg = JSON.parse(sea.readProjectFile('package.json').toString()) as { name: string }
  assert.equal(pkg.name, 'quark')
  assert.ok(sea.readProjectFile('node_modules/htmx.org/dist/htmx.min.js').length > 10000)
  assert.throws(() => sea.readProjectFile('../etc/passwd'), { code: 'QK_SEA_BAD_NAME' })
})

test('serveMonaco answers 200, 304 and 404 for Monaco files', async () => {
  const server = http.createServer((req, res) => sea.serveMonaco(req, res, decodeURIComponent(req.url!.slice(1))))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  const get = (p: string, headers: Record<string, string> = {}) => new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: p, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }))
    }).on('error', reject)
  })
  try {
    const loader = await get('/loader.js', { 'accept-encoding': 'gzip, br' })
    assert.equal(loader.status, 200)
    assert.equal(loader.headers['content-type'], 'text/javascript; charset=utf-8')
    const body = loader.headers['content-encoding'] === 'br' ? zlib.brotliDecompressSync(loader.body) : loader.body
    assert.ok(body.equals(fs.readFileSync(path.join(root, 'node_modules/monaco-editor/min/vs/loader.js'))))
    const again = await get('/loader.js', { 'if-none-match': String(loader.headers.etag) })
    assert.equal(again.status, 304)
    assert.equal((await get('/no/such/file.js')).status, 404)
    assert.equal((await get('/..%2F..%2Fpackage.json')).status, 404)
  } finally {
    server.close()
  }
})

test('seaSelftest passes from a checkout', async () => {
  const r = await sea.seaSelftest()
  assert.equal(r.sea, false)
  assert.deepEqual(r.checks.map((c) => [c.name, c.ok, c.ok ? '' : c.detail]), [
    ['sqlite', true, ''], ['typescript', true, ''], ['parser', true, ''], ['tls', true, ''], ['assets', true, ''],
  ])
})

test('hasDesktop: a headless machine never tries to open a browser', () => {
  assert.equal(sea.hasDesktop({}, 'linux'), false)
  assert.equal(sea.hasDesktop({ DISPLAY: ':0' }, 'linux'), true)
  assert.equal(sea.hasDesktop({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux'), true)
  assert.equal(sea.hasDesktop({ DISPLAY: ':0', SSH_CONNECTION: '1 2 3 4' }, 'linux'), false)
  assert.equal(sea.hasDesktop({ DISPLAY: ':0', CI: 'true' }, 'linux'), false)
  assert.equal(sea.hasDesktop({}, 'darwin'), true)
  assert.equal(sea.openBrowser('https://127.0.0.1:8000/', {}), false, 'no desktop: nothing started, no throw')
  assert.equal(sea.openBrowser('javascript:alert(1)', { DISPLAY: ':0' }), false, 'only http(s) URLs')
  assert.equal(sea.openBrowser('https://x/"; rm -rf ~', { DISPLAY: ':0' }), false, 'no quotes or spaces reach a launcher')
})

test('childEntry: the file itself from a checkout', () => {
  assert.equal(sea.childEntry('scheduler-worker', '/x/worker-main.ts'), '/x/worker-main.ts')
  assert.equal(sea.INTERNAL_ENTRY_PREFIX, 'quark-internal:')
})

test('childExecArgv: from a checkout a forked .ts entry gets the .ts loader quark.js registered (#16)', async () => {
  const hook = path.join(root, 'server', 'cli', 'ts-hook.js')
  const argv = sea.childExecArgv()
  assert.deepEqual(argv, [...process.execArgv, '--require', hook], "the parent's flags kept, the loader added once")
  // a process started as `quark` is: no loader flags of its own, only ts-hook required by quark.js
  const { fork } = await import('node:child_process')
  const dir = fs.mkdtempSync(path.join((await import('node:os')).tmpdir(), 'quark-fork-probe-'))
  const probe = path.join(dir, 'probe.ts')
  fs.writeFileSync(probe, 'const n: number = 42\nprocess.send!({ n, argv: process.execArgv })\n')
  try {
    // without the test runner's `--import tsx`: what the fork of a `quark` process gets
    const child = fork(probe, [], { execArgv: argv.filter((a) => a !== '--import' && a !== 'tsx'), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    const msg = await new Promise<{ n: number; argv: string[] }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { n: number; argv: string[] }))
      child.once('exit', (code) => reject(new Error(`the .ts child exited (${code}) without running`)))
    })
    assert.equal(msg.n, 42)
    assert.ok(msg.argv.includes(hook), 'its own children inherit the loader')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
