import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { cacheRoot, writeCachedFile, extractPackedFolder, copyPackedFolder } from '../../server/sea/cache'
import { PackedFolder } from '../../server/sea/pack'
import { writePack } from '../../build/pack-writer'
import { cachedTransformSync, sweep } from '../../server/sea/esbuild'
import * as esbuild from 'esbuild'

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'quark-sea-cache-'))
}

test('cacheRoot: QUARK_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache/quark', { skip: process.platform !== 'linux' && 'the XDG rules are for Linux' }, () => {
  assert.equal(cacheRoot({ QUARK_CACHE_DIR: '/x/y' }), '/x/y')
  assert.equal(cacheRoot({ XDG_CACHE_HOME: '/xdg' }), '/xdg/quark')
  // a relative XDG_CACHE_HOME is invalid by the spec and ignored
  assert.equal(cacheRoot({ XDG_CACHE_HOME: 'rel' }), path.join(os.homedir(), '.cache', 'quark'))
  assert.equal(cacheRoot({}), path.join(os.homedir(), '.cache', 'quark'))
})

test('writeCachedFile writes once, executable, under the hash key', () => {
  const root = tmp()
  try {
    const data = Buffer.from('#!/bin/sh\necho quark\n')
    const file = writeCachedFile('tool', 'abcdef123456', data, 0o755, root)
    assert.equal(file, path.join(root, 'abcdef123456', 'tool'))
    assert.equal(fs.readFileSync(file, 'utf8'), data.toString())
    assert.equal(fs.statSync(file).mode & 0o777, 0o755)
    // a second call with the same content leaves the file (same inode, same mtime)
    const before = fs.statSync(file)
    assert.equal(writeCachedFile('tool', 'abcdef123456', data, 0o755, root), file)
    assert.equal(fs.statSync(file).ino, before.ino)
    // a truncated leftover (crash mid-write by an older version) is replaced
    fs.writeFileSync(file, 'half')
    writeCachedFile('tool', 'abcdef123456', data, 0o755, root)
    assert.equal(fs.readFileSync(file, 'utf8'), data.toString())
    assert.deepEqual(fs.readdirSync(path.join(root, 'abcdef123456')), ['tool'], 'no temporary files left behind')
  } finally {
    fs.rmSync(root, { recursive: true, force: true })
  }
})

test('writeCachedFile refuses names and keys that would leave the cache folder', () => {
  const root = tmp()
  try {
    assert.throws(() => writeCachedFile('../evil', 'abcdef123456', Buffer.from('x'), 0o755, root), { code: 'QK_SEA_BAD_NAME' })
    assert.throws(() => writeCachedFile('ok', '../../etc', Buffer.from('x'), 0o755, root), { code: 'QK_SEA_BAD_NAME' })
    assert.throws(() => writeCachedFile('ok', 'abc', Buffer.from('x'), 0o755, root), { code: 'QK_SEA_BAD_NAME' })
    // an unwritable cache gives QK_SEA_EXTRACT_FAILED with the reason
    const blocker = path.join(root, 'file')
    fs.writeFileSync(blocker, '')
    assert.throws(() => writeCachedFile('ok', 'abcdef123456', Buffer.from('x'), 0o755, blocker), { code: 'QK_SEA_EXTRACT_FAILED', message: /Could not extract "ok"/ })
  } finally {
    fs.rmSync(root, { recursive: true, force: true })
  }
})

test('extractPackedFolder extracts once, marks completion, and copies keep existing files', async () => {
  const root = tmp()
  try {
    const pack = new PackedFolder('welcome-app', await writePack([
      { path: 'controllers/default.ts', data: Buffer.from('export function index() { return "hi" }') },
      { path: 'views/default/index.html', data: Buffer.from('<h1>{{=message}}</h1>'.repeat(50)) },
    ]))
    const dir = extractPackedFolder(pack, 'hash123456', root)
    assert.equal(dir, path.join(root, 'hash123456', 'welcome-app'))
    assert.equal(fs.readFileSync(path.join(dir, 'views/default/index.html'), 'utf8'), '<h1>{{=message}}</h1>'.repeat(50))
    assert.ok(fs.existsSync(path.join(dir, '.quark-extracted')))
    // already extracted: a second call does not rewrite (a user's edit survives until a new binary)
    fs.writeFileSync(path.join(dir, 'controllers/default.ts'), 'edited')
    assert.equal(extractPackedFolder(pack, 'hash123456', root), dir)
    assert.equal(fs.readFileSync(path.join(dir, 'controllers/default.ts'), 'utf8'), 'edited')
    // an empty pack still yields a folder
    const empty = extractPackedFolder(new PackedFolder('admin', await writePack([])), 'hash123456', root)
    assert.deepEqual(fs.readdirSync(empty), ['.quark-extracted'])

    const dest = path.join(root, 'apps', 'new')
    fs.mkdirSync(path.join(dest, 'controllers'), { recursive: true })
    fs.writeFileSync(path.join(dest, 'controllers', 'default.ts'), 'mine')
    assert.deepEqual(copyPackedFolder(pack, dest), ['views/default/index.html'])
    assert.equal(fs.readFileSync(path.join(dest, 'controllers', 'default.ts'), 'utf8'), 'mine')
  } finally {
    fs.rmSync(root, { recursive: true, force: true })
  }
})

test('cachedTransformSync: esbuild on a miss, the stored result on a hit, keyed by input and options; errors are not stored', () => {
  const folder = tmp()
  try {
    let calls = 0
    const real = (input: string, options?: import('esbuild').TransformOptions) => { calls++; return esbuild.transformSync(input, options) }
    const opts = { loader: 'ts' as const, sourcemap: 'external' as const, sourcefile: 'template.ts' }
    const a = cachedTransformSync('const a: number = 1', opts, { folder, transform: real })
    assert.equal(a.code, 'const a = 1;\n')
    assert.equal(calls, 1)
    const b = cachedTransformSync('const a: number = 1', opts, { folder, transform: real })
    assert.equal(calls, 1, 'the same call is read from the cache')
    assert.deepEqual([b.code, b.map, b.warnings], [a.code, a.map, a.warnings])
    cachedTransformSync('const a: number = 1', { ...opts, minify: true }, { folder, transform: real })
    cachedTransformSync('const a: number = 2', opts, { folder, transform: real })
    assert.equal(calls, 3, 'other options or another input: compiled')
    const entries = fs.readdirSync(folder).flatMap((d) => fs.readdirSync(path.join(folder, d)))
    assert.equal(entries.length, 3)
    assert.ok(entries.every((f) => /^[0-9a-f]{64}\.json$/.test(f)))
    assert.throws(() => cachedTransformSync('const = ;', opts, { folder, transform: real }), /Transform failed/)
    assert.throws(() => cachedTransformSync('const = ;', opts, { folder, transform: real }), /Transform failed/)
    assert.equal(calls, 5, 'an error is compiled (and reported) every time')
    // old entries go in a sweep; fresh ones stay
    const old = path.join(folder, entries[0]!.slice(0, 2), entries[0]!)
    fs.utimesSync(old, new Date(Date.now() - 40 * 86400e3), new Date(Date.now() - 40 * 86400e3))
    assert.equal(sweep(folder), 1)
    assert.equal(fs.existsSync(old), false)
    // an unwritable cache folder: still compiles
    const blocker = path.join(folder, 'file')
    fs.writeFileSync(blocker, '')
    assert.equal(cachedTransformSync('let x: string = "y"', opts, { folder: blocker, transform: real }).code, 'let x = "y";\n')
  } finally {
    fs.rmSync(folder, { recursive: true, force: true })
  }
})
