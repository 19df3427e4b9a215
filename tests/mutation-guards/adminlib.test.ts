/**
 * Guards for adminlib/ paths and access found by mutation testing (issue 17
 * item 6): every textual check of a design/edit path, the real-path
 * confinement (symlinks, sibling folders sharing the app's name as a
 * prefix), and who may reach the admin at all. Real folders and symlinks.
 */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { checkRelativePath, resolveInApp, relativeToApp } from '../../server/adminlib/paths'
import { isLoopback, adminAllowed } from '../../server/adminlib/access'

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-adminlib-guard-'))
after(() => fs.rmSync(base, { recursive: true, force: true }))

const app = path.join(base, 'app')
const sibling = path.join(base, 'app2') // shares the app folder's name as a prefix
fs.mkdirSync(path.join(app, 'controllers'), { recursive: true })
fs.writeFileSync(path.join(app, 'controllers', 'default.ts'), 'export const x = 1\n')
fs.mkdirSync(sibling)
fs.writeFileSync(path.join(sibling, 'secret.txt'), 'secret')

function failure(fn: () => unknown): { code?: string; message: string } {
  try { fn() } catch (e) { return e as { code?: string; message: string } }
  assert.fail('expected an error')
}
const code = (fn: () => unknown) => failure(fn).code

test('each textual rule refuses on its own (QK_ADMIN_BAD_PATH)', () => {
  const bad = ['', 'a%2fb', 'a%b', 'a\\b', 'a\0b', '/abs', 'C:x', 'z:/x', '~', '~user/x', 'a/\x01', 'a\x1fb', 'a\x7fb', 'a\nb',
    'a//b', 'a/', '/', '.', '..', 'a/.', 'a/..', './a', '../a', 'a/../b']
  for (const rel of bad) assert.equal(code(() => checkRelativePath(rel)), 'QK_ADMIN_BAD_PATH', JSON.stringify(rel))
  for (const rel of [undefined, null, 42, ['a'], { toString: () => 'a' }]) assert.equal(code(() => checkRelativePath(rel)), 'QK_ADMIN_BAD_PATH', String(rel))
})

test('names that only look like the refused forms are accepted', () => {
  const good: Array<[string, string[]]> = [
    ['controllers/default.ts', ['controllers', 'default.ts']],
    ['default.ts~', ['default.ts~']],
    ['a~b/c', ['a~b', 'c']],
    ['views/a:b.html', ['views', 'a:b.html']],
    ['1:2', ['1:2']],
    ['...', ['...']],
    ['.hidden/..x', ['.hidden', '..x']],
    ['a b/c d', ['a b', 'c d']],
    ['ünï/çødé', ['ünï', 'çødé']],
  ]
  for (const [rel, segments] of good) assert.deepEqual(checkRelativePath(rel), segments, rel)
})

test('path length: 1024 characters pass, 1025 do not; the message shows at most 200 characters, quoted', () => {
  const exact = 'ab/'.repeat(341) + 'x'
  assert.equal(exact.length, 1024)
  assert.equal(checkRelativePath(exact).length, 342)
  const long = exact + 'y'
  const e = failure(() => checkRelativePath(long))
  assert.equal(e.code, 'QK_ADMIN_BAD_PATH')
  assert.ok(e.message.includes(JSON.stringify(long.slice(0, 200))), e.message)
  assert.ok(!e.message.includes(long.slice(0, 201)), 'not more than 200 characters')
  assert.match(failure(() => checkRelativePath('')).message, /\(empty\)/)
  assert.match(failure(() => checkRelativePath('../x')).message, /"\.\.\/x"/)
})

test('a symlink to a sibling folder whose name starts with the app\'s name is outside the app', () => {
  fs.symlinkSync(path.join(sibling, 'secret.txt'), path.join(app, 'controllers', 'sib.ts'))
  fs.symlinkSync(sibling, path.join(app, 'sibdir'))
  assert.equal(code(() => resolveInApp(app, 'controllers/sib.ts')), 'QK_ADMIN_OUTSIDE_APP')
  assert.equal(code(() => resolveInApp(app, 'sibdir/secret.txt')), 'QK_ADMIN_OUTSIDE_APP')
  assert.equal(code(() => resolveInApp(app, 'sibdir/new/file.ts')), 'QK_ADMIN_OUTSIDE_APP')
  const e = failure(() => resolveInApp(app, 'sibdir/secret.txt'))
  assert.match(e.message, /sibdir\/secret\.txt/)
})

test('a dangling symlink is refused; a symlink inside the app is followed', () => {
  fs.symlinkSync(path.join(sibling, 'missing.txt'), path.join(app, 'controllers', 'dangling.ts'))
  assert.equal(code(() => resolveInApp(app, 'controllers/dangling.ts')), 'QK_ADMIN_OUTSIDE_APP')
  assert.equal(code(() => resolveInApp(app, 'controllers/dangling.ts/x')), 'QK_ADMIN_OUTSIDE_APP')
  fs.symlinkSync(path.join(app, 'controllers', 'default.ts'), path.join(app, 'alias.ts'))
  assert.equal(resolveInApp(app, 'alias.ts'), path.join(fs.realpathSync(app), 'controllers', 'default.ts'))
})

test('new paths resolve under their deepest existing folder, in order; an app reached through a symlink resolves to its real path', () => {
  const real = fs.realpathSync(app)
  assert.equal(resolveInApp(app, 'controllers/default.ts'), path.join(real, 'controllers', 'default.ts'))
  assert.equal(resolveInApp(app, 'controllers/n1/n2/n3.ts'), path.join(real, 'controllers', 'n1', 'n2', 'n3.ts'))
  assert.equal(resolveInApp(app, 'fresh/a/b'), path.join(real, 'fresh', 'a', 'b'))
  const link = path.join(base, 'applink')
  fs.symlinkSync(app, link)
  assert.equal(resolveInApp(link, 'controllers/default.ts'), path.join(real, 'controllers', 'default.ts'))
  assert.equal(relativeToApp(link, path.join(real, 'controllers', 'default.ts')), 'controllers/default.ts')
  assert.equal(relativeToApp(app, path.join(real, 'a', 'b', 'c.ts')), 'a/b/c.ts')
})

test('a path through a file (ENOTDIR) or a symlink loop (ELOOP) is an error, never resolved', () => {
  assert.equal(code(() => resolveInApp(app, 'controllers/default.ts/x')), 'ENOTDIR')
  fs.symlinkSync('loop2', path.join(app, 'loop1'))
  fs.symlinkSync('loop1', path.join(app, 'loop2'))
  assert.equal(code(() => resolveInApp(app, 'loop1/x')), 'ELOOP')
})

test('an app folder at the filesystem root confines to the root (the separator is not doubled)', () => {
  const name = `quark-no-such-folder-${process.pid}`
  assert.equal(resolveInApp('/', `${name}/a`), `/${name}/a`)
})

test('isLoopback: 127.0.0.0/8 and ::1 (plain or IPv4-mapped), nothing else', () => {
  for (const a of ['127.0.0.1', '127.1.2.3', '127.255.255.255', '::1', '::ffff:127.0.0.1', '::ffff:127.9.9.9'])
    assert.equal(isLoopback(a), true, a)
  for (const a of [undefined, '', '128.0.0.1', '10.0.0.1', '127.0.0.1234', 'x127.0.0.1', '127.0.0.', '127.0.0', '127a0b0c1',
    '1127.0.0.1', '127.0.0.1.evil.example', '::2', ':::1', '::1 ', '::ffff:10.0.0.1', '::ffff:', 'localhost', '0.0.0.0', '::'])
    assert.equal(isLoopback(a), false, String(a))
})

test('adminAllowed: HTTPS from anywhere, plain HTTP from loopback only', () => {
  assert.equal(adminAllowed('203.0.113.9', true), true)
  assert.equal(adminAllowed(undefined, true), true)
  assert.equal(adminAllowed('203.0.113.9', false), false)
  assert.equal(adminAllowed('127.0.0.1', false), true)
  assert.equal(adminAllowed(undefined, false), false)
})
