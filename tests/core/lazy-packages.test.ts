// Issue 21 (memory): packages that an app may never use are loaded on first use, not at
// start-up. A real `quark run` serving the welcome app answers its pages, and the packages
// it loaded (listed by a preload when it exits) hold none of them; a package that cannot
// be loaded is reported as QK_PACKAGE_LOAD, every time, not taken for a Redis that is down.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { freePort } from '../helpers/ports'
import { lazyPackage, isQuarkError } from '../../server/errors'

const ROOT = path.resolve(__dirname, '..', '..')
const FIXTURES = path.join(__dirname, 'fixtures')
/** loaded by auth methods, the Redis cache and the Redis session store only when used */
const LAZY = ['@simplewebauthn/server', 'qrcode', 'openid-client', 'ldapts', 'ioredis']

function get(port: number, p: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, timeout: 10000 }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)) })
    req.on('error', () => resolve(0))
    req.on('timeout', () => { req.destroy(); resolve(0) })
  })
}

test('the welcome app, served and requested, loads none of the lazily loaded packages', async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-lazy-'))
  const listFile = path.join(folder, 'loaded.txt')
  const port = await freePort()
  const child = spawn(process.execPath, ['-r', path.join(FIXTURES, 'loaded-packages.cjs'), path.join(ROOT, 'server/cli/quark.js'), 'run', '--no-https', '-p', String(port), '-f', folder, '--quiet'],
    { cwd: ROOT, env: { ...process.env, QUARK_LOADED_PACKAGES_TO: listFile }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (d) => { output += d })
  child.stderr!.on('data', (d) => { output += d })
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  try {
    const deadline = Date.now() + 90_000
    let status = 0
    while (Date.now() < deadline && child.exitCode === null) {
      status = await get(port, '/welcome/default/index')
      if (status === 200) break
      await new Promise((r) => setTimeout(r, 250))
    }
    assert.equal(status, 200, `the welcome page did not answer: ${output}`)
    assert.equal(await get(port, '/welcome/default/hello'), 200)
  } finally {
    child.kill('SIGTERM')
    await exited
  }
  const loaded = fs.readFileSync(listFile, 'utf8').split('\n').filter(Boolean)
  fs.rmSync(folder, { recursive: true, force: true })
  // the list is real: the server's own dependencies are in it
  assert.ok(loaded.includes('better-sqlite3') && loaded.includes('esbuild'), `implausible list: ${loaded.join(' ')}`)
  for (const name of LAZY) assert.ok(!loaded.includes(name), `${name} was loaded by the welcome app: it must wait for its first use`)
})

test('lazyPackage loads once, keeps the module, and reports a failure as QK_PACKAGE_LOAD each time', () => {
  let loads = 0
  const ok = lazyPackage('node:path', 'a test', () => { loads++; return require('node:path') as typeof import('node:path') })
  assert.equal(ok(), path)
  assert.equal(ok(), path)
  assert.equal(loads, 1)
  let tries = 0
  const missing = lazyPackage('quark-no-such-package', 'a test', () => { tries++; return require('quark-no-such-package') as unknown })
  for (let i = 0; i < 2; i++) {
    assert.throws(missing, (e: unknown) => isQuarkError(e) && e.code === 'QK_PACKAGE_LOAD' && /quark-no-such-package \(needed for a test\)/.test(e.message) && (e.cause as { code?: string }).code === 'MODULE_NOT_FOUND')
  }
  assert.equal(tries, 2, 'a failed load is tried again, not cached')
})

test('without ioredis, the Redis cache and session store say QK_PACKAGE_LOAD, not that Redis is down', () => {
  const r = spawnSync(process.execPath, ['-r', path.join(ROOT, 'server/cli/ts-hook.js'), '-r', path.join(FIXTURES, 'refuse-packages.cjs'), path.join(FIXTURES, 'redis-without-ioredis.cjs')],
    { cwd: ROOT, env: { ...process.env, QUARK_REFUSE_PACKAGES: 'ioredis' }, encoding: 'utf8', timeout: 120_000 })
  assert.equal(r.status, 0, r.stderr)
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!)
  assert.ok(!out.crashed, out.crashed)
  for (const e of [...out.cache, ...out.session]) {
    assert.equal(e.code, 'QK_PACKAGE_LOAD', JSON.stringify(e))
    assert.match(e.message, /Cannot load the package ioredis \(needed for (cache\.redis|Redis sessions)\)/)
  }
})

test('without openid-client and jose, OIDC says QK_PACKAGE_LOAD, not an unreachable provider or a malformed token', () => {
  const r = spawnSync(process.execPath, ['-r', path.join(ROOT, 'server/cli/ts-hook.js'), '-r', path.join(FIXTURES, 'refuse-packages.cjs'), path.join(FIXTURES, 'oidc-without-packages.cjs')],
    { cwd: ROOT, env: { ...process.env, QUARK_REFUSE_PACKAGES: 'openid-client,jose' }, encoding: 'utf8', timeout: 120_000 })
  assert.equal(r.status, 0, r.stderr)
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!)
  assert.ok(!out.crashed, out.crashed)
  assert.deepEqual([out.config.code, out.callback.code, out.idToken.code], ['QK_PACKAGE_LOAD', 'QK_PACKAGE_LOAD', 'QK_PACKAGE_LOAD'], JSON.stringify(out))
  assert.match(out.callback.message, /Cannot load the package openid-client \(needed for OpenID Connect login\)/)
  assert.match(out.idToken.message, /Cannot load the package jose \(needed for OpenID Connect ID tokens\)/)
})
