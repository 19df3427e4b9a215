// The on-disk cache of esbuild's output (server/environment/compiler.ts): a new
// process whose app files did not change runs them without compiling.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { compiledScript, invalidate } from '../../server/environment/compiler'

const root = path.resolve(__dirname, '..', '..')

function app(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-compile-cache-'))
  const folder = path.join(dir, 'applications', 'shop')
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(folder, rel)), { recursive: true })
    fs.writeFileSync(path.join(folder, rel), text)
  }
  return folder
}

function cacheFiles(folder: string): string[] {
  try { return fs.readdirSync(path.join(folder, '.quark', 'esbuild')).sort() } catch { return [] }
}

/** Run the script with `env` and return its exports. */
function exportsOf(file: string, env: Record<string, unknown> = {}): Record<string, unknown> {
  const script = compiledScript(file)
  assert.ok(script, `no script for ${file}`)
  const module = { exports: {} as Record<string, unknown> }
  script.run(env, [module.exports, module, require])
  return module.exports
}

/** Make the next compiledScript() look at the file again (as a new process would). */
function forget(folder: string): void {
  invalidate(folder)
}

test('compiled output is stored under <app>/.quark/esbuild and read back by the next compile', () => {
  const folder = app({ 'controllers/default.ts': 'export function index(): string { return "one" }\n' })
  try {
    const file = path.join(folder, 'controllers', 'default.ts')
    assert.equal((exportsOf(file).index as () => string)(), 'one')
    const stored = cacheFiles(folder)
    assert.equal(stored.length, 1)
    assert.match(stored[0]!, /^default\.ts\.[0-9a-f]{16}\.json$/)
    const entry = path.join(folder, '.quark', 'esbuild', stored[0]!)
    const rec = JSON.parse(fs.readFileSync(entry, 'utf8')) as { key: string; code: string; map: string }
    assert.match(rec.key, /^[0-9a-f]{64}$/)
    assert.match(rec.code, /one/)
    assert.equal(JSON.parse(rec.map).version, 3)

    // the next compile of the unchanged source comes from the entry: change its code (not its key) to see it
    fs.writeFileSync(entry, JSON.stringify({ ...rec, code: rec.code.replace('"one"', '"from the cache"') }))
    forget(folder)
    assert.equal((exportsOf(file).index as () => string)(), 'from the cache')

    // an edited source has another key: compiled again, and the entry replaced (one per source file)
    fs.writeFileSync(file, 'export function index(): string { return "two" }\n')
    const t = new Date(Date.now() + 2000)
    fs.utimesSync(file, t, t)
    forget(folder)
    assert.equal((exportsOf(file).index as () => string)(), 'two')
    assert.deepEqual(cacheFiles(folder), stored)
    assert.match(fs.readFileSync(entry, 'utf8'), /two/)
  } finally {
    fs.rmSync(path.dirname(path.dirname(folder)), { recursive: true, force: true })
  }
})

test('a damaged entry is a miss; a syntax error is still reported; conditional models and modules are cached too', () => {
  const folder = app({
    'models/db.ts': 'export const answer: number = 42\n',
    'models/default/index/only.ts': 'export const only = "here"\n',
    'modules/util.ts': 'export const twice = (n: number) => 2 * n\n',
    'controllers/broken.ts': 'export function x( { return 1 }\n',
  })
  try {
    const db = path.join(folder, 'models', 'db.ts')
    assert.equal(exportsOf(db).answer, 42)
    const [entry] = cacheFiles(folder)
    fs.writeFileSync(path.join(folder, '.quark', 'esbuild', entry!), '{ not json')
    forget(folder)
    assert.equal(exportsOf(db).answer, 42)
    assert.doesNotThrow(() => JSON.parse(fs.readFileSync(path.join(folder, '.quark', 'esbuild', entry!), 'utf8')), 'rewritten')

    assert.equal(exportsOf(path.join(folder, 'models', 'default', 'index', 'only.ts')).only, 'here')
    assert.ok(compiledScript(path.join(folder, 'modules', 'util.ts'), true))
    assert.throws(() => compiledScript(path.join(folder, 'controllers', 'broken.ts')), { code: 'QK_ENV_COMPILE' })
    // every entry lives in the app's own .quark (none inside models/ or modules/), broken files have none
    assert.equal(cacheFiles(folder).length, 3)
    assert.deepEqual(cacheFiles(folder).map((f) => f.split('.')[0]).sort(), ['db', 'only', 'util'])
    assert.ok(!fs.existsSync(path.join(folder, 'models', '.quark')))
  } finally {
    fs.rmSync(path.dirname(path.dirname(folder)), { recursive: true, force: true })
  }
})

test('an app folder where the cache cannot be written compiles as before, without a disk cache', () => {
  const folder = app({ 'controllers/default.ts': 'export const v = 1\n' })
  try {
    // .quark is a file here, so .quark/esbuild/ cannot be made (as on a read-only folder, even for root)
    fs.writeFileSync(path.join(folder, '.quark'), '')
    assert.equal(exportsOf(path.join(folder, 'controllers', 'default.ts')).v, 1)
    forget(folder)
    assert.equal(exportsOf(path.join(folder, 'controllers', 'default.ts')).v, 1)
    assert.equal(fs.statSync(path.join(folder, '.quark')).isFile(), true)
    assert.deepEqual(fs.readdirSync(folder).sort(), ['.quark', 'controllers'], 'no temporary files left behind')
  } finally {
    fs.rmSync(path.dirname(path.dirname(folder)), { recursive: true, force: true })
  }
})

test('a new process with a prepared cache compiles nothing: esbuild is never called', () => {
  const folder = app({
    'models/db.ts': 'export const n: number = 6\n',
    'controllers/default.ts': 'export function index(): number { return n * 7 }\n',
  })
  try {
    // the child counts esbuild transforms: the compiler's require('esbuild') gets a counting copy
    const script = `
      const Module = require('node:module'); const load = Module._load; let calls = 0
      Module._load = function (request, ...rest) {
        const m = load.call(this, request, ...rest)
        return request === 'esbuild' ? { ...m, transformSync: (...a) => { calls++; return m.transformSync(...a) } } : m
      }
      const { compiledScript } = require(${JSON.stringify(path.join(root, 'server', 'environment', 'compiler.ts'))})
      const env = {}
      for (const f of ['models/db.ts', 'controllers/default.ts']) {
        const m = { exports: {} }
        compiledScript(require('node:path').join(${JSON.stringify(folder)}, f)).run(env, [m.exports, m, require])
        Object.assign(env, m.exports)
      }
      console.log(JSON.stringify({ calls, answer: env.index() }))
    `
    const run = () => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, encoding: 'utf8' })
      assert.equal(r.status, 0, r.stderr)
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as { calls: number; answer: number }
    }
    assert.deepEqual(run(), { calls: 2, answer: 42 }, 'first process: both files compiled')
    assert.deepEqual(run(), { calls: 0, answer: 42 }, 'second process: both from the disk cache')
  } finally {
    fs.rmSync(path.dirname(path.dirname(folder)), { recursive: true, force: true })
  }
})
