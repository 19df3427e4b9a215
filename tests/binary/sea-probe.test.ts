// The SEA pipeline on a small entry (build/probe-main.ts): proves every part the
// real binary relies on, inside a real single executable, from an empty folder.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { spawnSync } from 'node:child_process'
import { binarySkip, buildBinary, sandbox, start, request, root, type Sandbox } from './helpers'

let work = ''
let box: Sandbox

before(() => {
  if (binarySkip) return
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-probe-build-'))
  buildBinary(path.join(work, 'probe'), ['--probe', '--monaco'])
  box = sandbox(path.join(work, 'probe'), 'probe')
})

after(() => {
  box?.cleanup()
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

test('the probe binary passes its selftest from an empty folder without node', { skip: binarySkip }, () => {
  assert.equal(spawnSync('node', ['--version'], { env: box.env }).error?.message.includes('ENOENT'), true, 'no node on PATH')
  const r = spawnSync(box.bin, [], { env: box.env, cwd: box.appDir, encoding: 'utf8', timeout: 60_000 })
  assert.equal(r.status, 0, r.stdout + r.stderr)
  const report = JSON.parse(r.stdout) as { ok: boolean; sea: boolean; checks: { name: string; ok: boolean; detail: string }[] }
  assert.equal(report.sea, true)
  assert.deepEqual(report.checks.map((c) => [c.name, c.ok]), [['sqlite', true], ['typescript', true], ['parser', true], ['tls', true], ['assets', true]])
  const ts = report.checks.find((c) => c.name === 'typescript')!
  assert.match(ts.detail, new RegExp(`at ${box.home}/\\.cache/quark/[\\w-]+/esbuild$`), 'esbuild runs from the user cache')
  // executables and folders extracted under content-hash keys, nothing beside the binary
  const cache = path.join(box.home, '.cache', 'quark')
  const extracted = fs.readdirSync(cache).flatMap((k) => fs.readdirSync(path.join(cache, k)))
  // esbuild twice: its executable, and its JS API as <hash>/esbuild/lib/main.js; typescript as <hash>/typescript/typescript.js
  // no SQLite addon: the binary's SQLite is node:sqlite (issue 18)
  assert.deepEqual(extracted.sort(), ['esbuild', 'esbuild', 'typescript', 'welcome-app'])
  assert.match(report.checks.find((c) => c.name === 'sqlite')!.detail, /through node:sqlite$/)
  assert.equal(extracted.length, fs.readdirSync(cache).length)
  assert.deepEqual(fs.readdirSync(box.appDir), ['probe'])
  // a second start reuses the cache
  const again = spawnSync(box.bin, [], { env: box.env, cwd: box.appDir, encoding: 'utf8', timeout: 60_000 })
  assert.equal(again.status, 0, again.stdout + again.stderr)
  assert.equal(fs.readdirSync(cache).length, 4)
})

test('--selftest prints each check and exits 0', { skip: binarySkip }, () => {
  const r = spawnSync(box.bin, ['--selftest'], { env: { ...box.env, QUARK_SELFTEST_NO_BOOT: '1' }, cwd: box.appDir, encoding: 'utf8', timeout: 60_000 })
  assert.equal(r.status, 0, r.stdout + r.stderr)
  for (const name of ['sqlite', 'typescript', 'parser', 'tls', 'assets']) assert.match(r.stdout, new RegExp(`^ok\\s+${name}\\b`, 'm'))
  assert.match(r.stdout, /selftest passed/)
})

test('the probe binary serves a SQLite-backed page and Monaco from memory', { skip: binarySkip }, async () => {
  const dbFile = path.join(box.appDir, 'hits.sqlite')
  const run = start(box.bin, ['serve', '0', dbFile], box.env, box.appDir)
  try {
    const port = (await run.waitFor(/listening (\d+)/))[1]
    const base = `http://127.0.0.1:${port}`
    assert.deepEqual(JSON.parse((await request(`${base}/`)).body), { sea: true, hits: 1 })
    assert.deepEqual(JSON.parse((await request(`${base}/`)).body), { sea: true, hits: 2 })
    assert.ok(fs.statSync(dbFile).size > 0, 'the database lives beside the binary')
    const original = fs.readFileSync(path.join(root, 'node_modules/monaco-editor/min/vs/loader.js'))
    const br = await request(`${base}/monaco/loader.js`, { headers: { 'accept-encoding': 'br' } })
    assert.equal(br.status, 200)
    assert.equal(br.headers['content-encoding'], 'br')
    assert.ok(zlib.brotliDecompressSync(br.raw).equals(original))
    const plain = await request(`${base}/monaco/loader.js`)
    assert.equal(plain.headers['content-encoding'], undefined)
    assert.ok(plain.raw.equals(original))
    assert.equal((await request(`${base}/monaco/editor/none.js`)).status, 404)
  } finally {
    await run.stop()
  }
})
