// What a start loads and when (issue #11): the lazy command table, and the work
// `quark run` defers until after its first response (cron's timer, the admin),
// which a request that may reach the admin app does at once. Runs the CLI of
// the checkout (server/cli/quark.js); the binary's own start is timed by
// build/measure-start.ts and checked in binary.test.ts.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import net from 'node:net'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { start, request, root, type Running } from './helpers'
import { ADMIN_PASSWORD_FILE } from '../../server/cli/start'
import { PASSWORD_FILE } from '../../server/adminlib/index'
import { bundle } from '../../build/bundle'

const quark = path.join(root, 'server', 'cli', 'quark.js')
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-startup-test-'))
after(() => fs.rmSync(tmp, { recursive: true, force: true }))

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)) })
  })
}

/** `quark run` on a fresh port with start-up marks on stderr; resolves once it listens. */
async function run(folder: string, extra: string[] = []): Promise<{ server: Running; base: string }> {
  const port = await freePort()
  const server = start(process.execPath, [quark, 'run', '--no-browser', '--no-https', '-q', '-p', String(port), '-f', folder, ...extra],
    { ...process.env, QUARK_STARTUP_TRACE: '1', QUARK_QUIET_ROOMS: '1' }, tmp)
  await server.waitFor(/quark-startup [\d.]+ listening/, 60_000)
  return { server, base: `http://127.0.0.1:${port}` }
}

/** The start-up marks printed so far, in order. */
function marks(server: Running): string[] {
  return [...server.output().matchAll(/^quark-startup [\d.]+ (.+)$/gm)].map((m) => m[1]!)
}

test("start.ts looks for the admin's password file by adminlib's name for it", () => {
  assert.equal(ADMIN_PASSWORD_FILE, PASSWORD_FILE)
})

test('--version and --help of the bundled server load none of the rooms', async () => {
  // the binary's bundle (build/bundle.ts), run by node with a probe listing what was loaded on exit
  const out = path.join(tmp, 'bundle', 'quark.js')
  await bundle({ root, main: path.join(root, 'server', 'cli', 'main.ts'), outfile: out })
  const probe = path.join(tmp, 'probe.js')
  fs.writeFileSync(probe, `process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13))) + '\\n'))`)
  const loaded = (args: string[]) => {
    const r = spawnSync(process.execPath, ['--require', probe, out, ...args], { cwd: tmp, encoding: 'utf8' })
    assert.equal(r.status, 0, r.stderr)
    return { stdout: r.stdout, modules: JSON.parse(/^LOADED (.*)$/m.exec(r.stderr)![1]!) as string[] }
  }
  const v = loaded(['--version'])
  assert.match(v.stdout.trim(), /^\d+\.\d+\.\d+$/)
  const h = loaded(['--help'])
  assert.match(h.stdout, /Commands:[\s\S]*scheduler/)
  // the summaries the bundle carries are the commands' own: the same help as from the sources
  const fromSources = spawnSync(process.execPath, [quark, '--help'], { cwd: tmp, encoding: 'utf8', env: { ...process.env, QUARK_QUIET_ROOMS: '1' } })
  assert.equal(h.stdout, fromSources.stdout)
  // what serving needs (TLS, HTTP, crypto, compression) or only some commands do (the shell's REPL)
  for (const m of ['https', 'tls', 'http', 'crypto', 'zlib', 'repl', 'child_process', 'worker_threads']) {
    assert.ok(!v.modules.includes(m), `--version loaded ${m}`)
    assert.ok(!h.modules.includes(m), `--help loaded ${m}`)
  }
})

test('quark run defers cron and the admin until after its first response', async () => {
  const folder = path.join(tmp, 'deferred')
  const { server, base } = await run(folder)
  try {
    assert.ok(!marks(server).includes('deferred start-up work done'), 'nothing deferred ran before a request')
    const r = await request(`${base}/welcome/default/index`)
    assert.equal(r.status, 200)
    await server.waitFor(/deferred start-up work done/)
    const m = marks(server)
    assert.ok(m.indexOf('first response') < m.indexOf('deferred start-up work done'), m.join(', '))
    // the admin, loaded after the start, still answers
    const admin = await request(`${base}/admin/default/login`)
    assert.equal(admin.status, 200)
    assert.match(admin.body, /type="password"/)
  } finally {
    await server.stop()
  }
})

test('a first request that may reach the admin loads it first; a damaged password file is replaced and printed once', async () => {
  const folder = path.join(tmp, 'admin-first')
  const first = await run(folder)
  // printed after the URL lines, which come after the 'listening' mark run() waits for: wait for it
  // rather than stop at once (a clean-clone CI run stopped the server between the two)
  try { await first.server.waitFor(/admin password \(shown once, stored hashed\): \S+/, 60_000) } finally { await first.server.stop() }
  assert.match(first.server.output(), /admin password \(shown once, stored hashed\): \S+/)
  // a prepared folder: the password exists, nothing to print, the admin loads with its first request
  const second = await run(folder)
  try {
    const r = await request(`${second.base}/admin/default/login`)
    assert.equal(r.status, 200)
    assert.match(r.body, /type="password"/)
    await second.server.waitFor(/first response/)
    const m = marks(second.server)
    assert.ok(m.indexOf('deferred start-up work done') < m.indexOf('first response'), m.join(', '))
    assert.doesNotMatch(second.server.output(), /admin password \(shown once/)
  } finally {
    await second.server.stop()
  }
  // routes.json may make the admin the default application: '/' loads it before being served
  fs.writeFileSync(path.join(folder, 'routes.json'), JSON.stringify({ defaultApplication: 'admin' }))
  fs.writeFileSync(path.join(folder, PASSWORD_FILE), '{ damaged')
  const third = await run(folder)
  try {
    const r = await request(`${third.base}/`)
    assert.ok(r.status === 200 || r.status === 303, `${r.status} ${r.body.slice(0, 200)}`)
    await third.server.waitFor(/first response/)
    const m = marks(third.server)
    assert.ok(m.indexOf('deferred start-up work done') < m.indexOf('first response'), m.join(', '))
    await third.server.waitFor(/admin password \(shown once, stored hashed\): \S+/)
    assert.match(fs.readFileSync(path.join(folder, PASSWORD_FILE), 'utf8'), /"algorithm": "scrypt"/)
  } finally {
    await third.server.stop()
  }
})
