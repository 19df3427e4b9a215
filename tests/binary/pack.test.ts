import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import crypto from 'node:crypto'
import { writePack, collectFolder } from '../../build/pack-writer'
import { PackedFolder, packPath } from '../../server/sea/pack'

test('a pack round-trips small (raw) and large (brotli) files', async () => {
  const big = Buffer.from('function monaco() { return 42 }\n'.repeat(2000))
  const random = crypto.randomBytes(5000) // incompressible: stored raw even though large
  const buf = await writePack([
    { path: 'a.txt', data: Buffer.from('hello') },
    { path: 'editor/editor.main.js', data: big },
    { path: 'bin/random', data: random },
    { path: 'empty', data: Buffer.alloc(0) },
  ])
  assert.ok(buf.length < big.length / 5, 'the repetitive file is compressed')
  const p = new PackedFolder('t', buf)
  assert.deepEqual(p.list(), ['a.txt', 'bin/random', 'editor/editor.main.js', 'empty'])
  assert.equal(p.read('a.txt')!.toString(), 'hello')
  assert.ok(p.read('editor/editor.main.js')!.equals(big))
  assert.ok(p.read('bin/random')!.equals(random))
  assert.equal(p.read('empty')!.length, 0)
  assert.equal(p.read('missing.js'), undefined)
  assert.equal(p.readStored('editor/editor.main.js')!.encoding, 'br')
  assert.equal(p.readStored('bin/random')!.encoding, 'raw')
  assert.equal(p.readStored('a.txt')!.encoding, 'raw')
  assert.match(p.readStored('a.txt')!.etag, /^[\w-]{16}$/)
  assert.notEqual(p.readStored('a.txt')!.etag, p.readStored('empty')!.etag)
  assert.ok(p.has('./a.txt'))
})

test('pack paths may not escape the folder', async () => {
  for (const bad of ['../x', '/etc/passwd', 'a/../../b', 'C:/x', '', 'a//b']) {
    assert.throws(() => packPath(bad), { code: 'QK_SEA_BAD_NAME' }, bad)
  }
  const p = new PackedFolder('t', await writePack([{ path: 'a', data: Buffer.from('x') }]))
  assert.throws(() => p.read('../a'), { code: 'QK_SEA_BAD_NAME' })
  await assert.rejects(writePack([{ path: '../evil', data: Buffer.from('x') }]), { code: 'QK_SEA_BAD_NAME' })
  await assert.rejects(writePack([{ path: 'a', data: Buffer.from('x') }, { path: './a', data: Buffer.from('y') }]), /duplicate path a/)
})

test('a corrupt pack is refused with a clear error', async () => {
  assert.throws(() => new PackedFolder('junk', Buffer.from('not a pack at all')), { code: 'QK_SEA_PACK_CORRUPT', message: /junk.*bad magic/ })
  const good = await writePack([{ path: 'a.js', data: Buffer.from('x'.repeat(1000)) }])
  assert.throws(() => new PackedFolder('cut', good.subarray(0, good.length - 10)), { code: 'QK_SEA_PACK_CORRUPT', message: /runs past the end/ })
  const badIndex = Buffer.from(good)
  badIndex.write('#', 12, 'latin1')
  assert.throws(() => new PackedFolder('idx', badIndex), { code: 'QK_SEA_PACK_CORRUPT', message: /unreadable index/ })
})

test('collectFolder walks a folder and honours the skip filter', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-pack-'))
  try {
    fs.mkdirSync(path.join(dir, 'controllers'))
    fs.mkdirSync(path.join(dir, 'databases'))
    fs.writeFileSync(path.join(dir, 'controllers', 'default.ts'), 'export function index() {}')
    fs.writeFileSync(path.join(dir, 'databases', 'storage.sqlite'), 'data')
    fs.writeFileSync(path.join(dir, 'README'), 'r')
    const files = collectFolder(dir, (rel) => rel.startsWith('databases'))
    assert.deepEqual(files.map((f) => f.path), ['README', 'controllers/default.ts'])
    assert.equal(files[1]!.data.toString(), 'export function index() {}')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
