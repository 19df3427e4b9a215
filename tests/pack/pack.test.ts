// .w2t pack / unpack: a round trip, and malicious archives refused with
// nothing written anywhere (the applications folder is unchanged).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { packApp, unpackApp, readW2t, writeTar, tarHeader, packCommand, unpackCommand } from '../../server/pack'

let root: string
let apps: string

function listAll(dir: string): string[] {
  const out: string[] = []
  for (const d of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) out.push(path.join(d.parentPath ?? (d as any).path, d.name))
  return out.sort()
}

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-pack-'))
  apps = path.join(root, 'applications')
  const shop = path.join(apps, 'shop')
  for (const [rel, text] of Object.entries({
    'controllers/default.ts': 'export function index() { return "hi" }',
    'views/default/index.html': '<h1>{{=message}}</h1>',
    'models/db.ts': 'export const x = 1',
    ['static/deep/' + 'd'.repeat(90) + '/' + 'e'.repeat(90) + '.txt']: 'long path',
    'sessions/s1': 'secret session', 'errors/t1': 'ticket', 'cache/c1': 'cached',
    'databases/storage.sqlite': 'db bytes', 'uploads/u1': 'upload',
  })) {
    fs.mkdirSync(path.dirname(path.join(shop, rel)), { recursive: true })
    fs.writeFileSync(path.join(shop, rel), text)
  }
  fs.writeFileSync(path.join(shop, 'static', 'binary.bin'), Buffer.from([0, 1, 2, 255, 254]))
  fs.symlinkSync('/etc/passwd', path.join(shop, 'static', 'link'))
})
after(() => fs.rmSync(root, { recursive: true, force: true }))

test('pack → unpack under a new name gives the same files, without sessions, errors, cache, links', () => {
  const w2t = packApp(path.join(apps, 'shop'))
  assert.equal(w2t[0], 0x1f)
  const r = unpackApp(w2t, apps, 'shop2')
  const rel = (d: string) => listAll(d).map((p) => path.relative(d, p))
  const got = rel(r.folder)
  assert.ok(got.includes('controllers/default.ts'))
  assert.ok(got.some((p) => p.endsWith('e'.repeat(90) + '.txt')), 'paths over 100 bytes use the ustar prefix')
  for (const left of ['sessions', 'errors', 'cache', 'databases', 'uploads', 'static/link']) assert.ok(!got.includes(left), `${left} left out`)
  assert.deepEqual(fs.readFileSync(path.join(r.folder, 'static', 'binary.bin')), Buffer.from([0, 1, 2, 255, 254]))
  assert.equal(fs.readFileSync(path.join(r.folder, 'views/default/index.html'), 'utf8'), '<h1>{{=message}}</h1>')
  const withDb = readW2t(packApp(path.join(apps, 'shop'), { databases: true, uploads: true })).map((e) => e.rel)
  assert.ok(withDb.includes('databases/storage.sqlite') && withDb.includes('uploads/u1'))
  assert.throws(() => unpackApp(w2t, apps, 'shop2'), /already exists/)
  assert.throws(() => unpackApp(w2t, apps, '../evil'), /Invalid app name/)
})

function gz(entries: Buffer[]): Buffer { return zlib.gzipSync(Buffer.concat([...entries, Buffer.alloc(1024)])) }
function file(name: string, data: string, type = '0', linkname = ''): Buffer {
  const d = Buffer.from(data)
  const pad = Buffer.alloc((512 - (d.length % 512)) % 512)
  return Buffer.concat([tarHeader({ name, type, mode: 0o644, mtime: 0, size: type === '0' ? d.length : 0, linkname }), ...(type === '0' ? [d, pad] : [])])
}

const evil: [string, () => Buffer, RegExp][] = [
  ['traversal', () => gz([file('controllers/ok.ts', 'x'), file('../../escaped.txt', 'pwned')]), /leads outside the app/],
  ['traversal inside a path', () => gz([file('static/../../escaped.txt', 'pwned')]), /leads outside/],
  ['absolute path', () => gz([file(path.join(os.tmpdir(), 'quark-abs-escaped.txt'), 'pwned')]), /absolute path/],
  ['symbolic link out', () => gz([file('static/passwd', '', '2', '/etc/passwd')]), /symbolic link/],
  ['hard link', () => gz([file('static/h', '', '1', '../../x')]), /hard link/],
  ['device', () => gz([file('static/dev', '', '3')]), /only files and folders/],
  ['file then folder of the same name', () => gz([file('a', 'x'), file('a/b', 'y')]), /under the file/],
  ['not gzip', () => Buffer.from('PK\x03\x04 a zip'), /not a gzip/],
  ['corrupt header', () => { const b = file('a.txt', 'x'); b[0] = 0x41; b[1] = 0x42; return gz([b]) }, /checksum/],
  ['backslash', () => gz([file('..\\..\\evil', 'x')]), /backslash/],
  // found by the reliability suite's fuzzer: the drive check ran before '.' and empty segments were dropped
  ['a drive after ./', () => gz([file('.//C:', 'x')]), /has a colon/],
  ['an alternate data stream', () => gz([file('static/a.txt:hidden', 'x')]), /has a colon/],
  ['a Windows device name', () => gz([file('static/NUL.txt', 'x')]), /Windows device name/],
]

for (const [what, make, re] of evil) {
  test(`refused: ${what}, nothing written`, () => {
    const beforeList = listAll(root)
    assert.throws(() => unpackApp(make(), apps, 'bad'), (e: any) => e.code === 'QK_PACK_BAD_ARCHIVE' && re.test(e.message))
    assert.deepEqual(listAll(root), beforeList, 'the folder is unchanged')
    assert.ok(!fs.existsSync(path.join(os.tmpdir(), 'quark-abs-escaped.txt')))
    assert.ok(!fs.existsSync(path.join(root, 'escaped.txt')))
  })
}

test('a gzip bomb is refused while inflating (bounded), nothing written', async () => {
  // 300 MB of zeros in one file gzips to ~300 KB
  const gzip = zlib.createGzip({ level: 9 })
  const chunks: Buffer[] = []
  gzip.on('data', (c: Buffer) => chunks.push(c))
  const done = new Promise((r) => gzip.on('end', r))
  gzip.write(tarHeader({ name: 'static/zeros', type: '0', mode: 0o644, mtime: 0, size: 300 * 2 ** 20 }))
  const zero = Buffer.alloc(2 ** 20)
  for (let i = 0; i < 300; i++) if (!gzip.write(zero)) await new Promise((r) => gzip.once('drain', r))
  gzip.end(Buffer.alloc(1024))
  await done
  const bomb = Buffer.concat(chunks)
  assert.ok(bomb.length < 2 * 2 ** 20, `the bomb is small (${bomb.length} bytes)`)
  const beforeList = listAll(root)
  const rss = process.memoryUsage().rss
  assert.throws(() => unpackApp(bomb, apps, 'bomb'), (e: any) => e.code === 'QK_PACK_BAD_ARCHIVE' && /gzip bomb|more than/.test(e.message))
  assert.throws(() => unpackApp(bomb, apps, 'bomb', { maxTotal: 2 ** 20 }), /gzip bomb/)
  assert.throws(() => readW2t(zlib.gzipSync(writeTar([{ name: 'big', type: '0', data: Buffer.alloc(4096) }])), { maxFile: 1000 }), /more than the limit of 1000/)
  assert.deepEqual(listAll(root), beforeList)
  assert.ok(process.memoryUsage().rss - rss < 400 * 2 ** 20)
})

test('CLI: quark pack / unpack with -f', async () => {
  const lines: string[] = []
  const io = { out: (s: string) => lines.push(s), err: (s: string) => lines.push('ERR ' + s) }
  const out = path.join(root, 'shop.w2t')
  assert.equal(await packCommand.run({ flags: { folder: root }, positional: ['shop', out] }, io), 0)
  assert.ok(fs.statSync(out).size > 100)
  assert.equal(await unpackCommand.run({ flags: { folder: root }, positional: [out, 'shop3'] }, io), 0)
  assert.ok(fs.existsSync(path.join(apps, 'shop3', 'controllers', 'default.ts')))
  assert.equal(await unpackCommand.run({ flags: { folder: root }, positional: [out] }, io), 2)
  assert.match(lines.join('\n'), /installed shop3/)
})
