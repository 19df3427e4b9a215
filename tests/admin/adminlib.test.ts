// Unit tests of server/adminlib: password, lock-out, sessions/CSRF, path confinement,
// file operations with conflict detection, controller actions, apps, Monaco files.
import { test, describe, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {
  ensureAdminPassword, verifyAdminPassword, passwordFile, LoginLockout, AdminSessions, adminCookie, readCookie, csrfValid,
  requireCsrf, adminAllowed, resolveInApp, listAppFiles, readAppFile, saveAppFile, createAppFile, renameAppFile,
  deleteAppFile, uploadAppFile, listControllerActions, listApps, createApp, deleteApp, cleanApp, appFolderOf, monacoFile,
  languageOf, groupTickets, errorKey, errorBody, disabledPage,
} from '../../server/adminlib/index'

const tmpRoots: string[] = []
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-admin-'))
  tmpRoots.push(d)
  return d
}
after(() => { for (const d of tmpRoots) fs.rmSync(d, { recursive: true, force: true }) })

function code(fn: () => unknown): string | undefined {
  try { fn() } catch (e) { return (e as { code?: string }).code }
  return undefined
}

describe('admin password', () => {
  test('generated once, stored only as a salted hash, verified', async () => {
    const folder = tmp()
    const first = ensureAdminPassword(folder)
    assert.ok(first.generated && first.generated.length >= 16)
    const raw = fs.readFileSync(passwordFile(folder), 'utf8')
    assert.ok(!raw.includes(first.generated!), 'the password itself is not stored')
    assert.equal(fs.statSync(passwordFile(folder)).mode & 0o077, 0, 'file readable by its owner only')
    assert.deepEqual(ensureAdminPassword(folder), {}, 'second boot generates nothing')
    assert.equal(await verifyAdminPassword(folder, first.generated), true)
    assert.equal(await verifyAdminPassword(folder, first.generated + 'x'), false)
    assert.equal(await verifyAdminPassword(folder, ''), false)
    assert.equal(await verifyAdminPassword(folder, undefined), false)
  })
  test('--password replaces it; short ones refused; two folders have different salts', async () => {
    const a = tmp(), b = tmp()
    ensureAdminPassword(a)
    assert.deepEqual(ensureAdminPassword(a, 'correct horse'), {})
    assert.equal(await verifyAdminPassword(a, 'correct horse'), true)
    assert.equal(code(() => ensureAdminPassword(a, 'abc')), 'QK_ADMIN_BAD_PASSWORD')
    ensureAdminPassword(b, 'correct horse')
    const ha = JSON.parse(fs.readFileSync(passwordFile(a), 'utf8')), hb = JSON.parse(fs.readFileSync(passwordFile(b), 'utf8'))
    assert.notEqual(ha.salt, hb.salt)
    assert.notEqual(ha.hash, hb.hash)
  })
  test('a damaged file is replaced by a new generated password; verify without file is an error', async () => {
    const folder = tmp()
    fs.writeFileSync(passwordFile(folder), '{not json')
    assert.ok(ensureAdminPassword(folder).generated)
    const empty = tmp()
    await assert.rejects(verifyAdminPassword(empty, 'x'), { code: 'QK_ADMIN_NO_PASSWORD' })
  })
})

describe('login lock-out', () => {
  test('five failures lock the address, others are free, the lock runs out', () => {
    let now = 1_000_000
    const l = new LoginLockout({ now: () => now, lockMs: 60_000 })
    for (let i = 0; i < 4; i++) assert.equal(l.fail('10.0.0.1'), 0)
    assert.equal(l.remaining('10.0.0.1'), 1)
    assert.equal(l.fail('10.0.0.1'), 60_000)
    assert.ok(l.lockedFor('10.0.0.1') > 0)
    assert.equal(l.lockedFor('10.0.0.2'), 0)
    now += 60_001
    assert.equal(l.lockedFor('10.0.0.1'), 0)
    assert.equal(l.remaining('10.0.0.1'), 5)
  })
  test('a success clears the count', () => {
    const l = new LoginLockout()
    for (let i = 0; i < 4; i++) l.fail('a')
    l.succeed('a')
    assert.equal(l.fail('a'), 0)
  })
})

describe('admin session and CSRF', () => {
  test('cookie flags', () => {
    assert.equal(adminCookie('abc', false), 'quark_admin=abc; Path=/admin; HttpOnly; SameSite=Strict')
    assert.match(adminCookie('abc', true), /; Secure$/)
    assert.match(adminCookie('abc', true, true), /Max-Age=0/)
    assert.equal(readCookie('a=1; quark_admin=xyz; b=2', 'quark_admin'), 'xyz')
    assert.equal(readCookie(undefined, 'quark_admin'), undefined)
  })
  test('sessions expire when idle, renew changes the id, tokens compared exactly', () => {
    let now = 0
    const s = new AdminSessions({ now: () => now, idleMs: 1000 })
    const a = s.create()
    assert.equal(s.get(a.id), a)
    assert.equal(s.get('nope'), undefined)
    assert.equal(s.get(a.id + 'x'), undefined)
    a.loggedIn = true
    const b = s.renew(a)
    assert.notEqual(b.id, a.id)
    assert.equal(s.get(a.id), undefined)
    assert.equal(s.get(b.id)?.loggedIn, true)
    assert.equal(csrfValid(b, b.csrf), true)
    assert.equal(csrfValid(b, a.csrf), false)
    assert.equal(csrfValid(b, undefined), false)
    assert.equal(csrfValid(undefined, b.csrf), false)
    assert.equal(code(() => requireCsrf(b, 'x')), 'QK_ADMIN_CSRF')
    now = 1001
    assert.equal(s.get(b.id), undefined)
  })
  test('access only from loopback or over HTTPS', () => {
    assert.equal(adminAllowed('127.0.0.1', false), true)
    assert.equal(adminAllowed('::1', false), true)
    assert.equal(adminAllowed('::ffff:127.0.0.1', false), true)
    assert.equal(adminAllowed('192.168.1.5', false), false)
    assert.equal(adminAllowed('::ffff:10.1.1.1', false), false)
    assert.equal(adminAllowed('192.168.1.5', true), true)
    assert.equal(adminAllowed(undefined, false), false)
  })
})

describe('path confinement', () => {
  const app = tmp()
  const outside = tmp()
  fs.mkdirSync(path.join(app, 'controllers'))
  fs.writeFileSync(path.join(app, 'controllers', 'default.ts'), 'export function index() { return 1 }\n')
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret')
  fs.symlinkSync(outside, path.join(app, 'controllers', 'out'))
  fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(app, 'controllers', 'secret.ts'))
  fs.symlinkSync(path.join(outside, 'missing.txt'), path.join(app, 'controllers', 'dangling.ts'))

  test('bad texts are refused', () => {
    for (const bad of ['../x', 'controllers/../../x', '/etc/passwd', 'C:/x', 'controllers\\x', '%2e%2e/x', 'controllers/%2fetc',
      'a//b', './a', 'a/./b', '', 'a\0b', '~/x', 'a/\nb'])
      assert.equal(code(() => resolveInApp(app, bad)), 'QK_ADMIN_BAD_PATH', bad)
    assert.equal(code(() => resolveInApp(app, 42)), 'QK_ADMIN_BAD_PATH')
  })
  test('symlinks leading out are refused, for reading and for writing under them', () => {
    assert.equal(code(() => resolveInApp(app, 'controllers/secret.ts')), 'QK_ADMIN_OUTSIDE_APP')
    assert.equal(code(() => resolveInApp(app, 'controllers/out/secret.txt')), 'QK_ADMIN_OUTSIDE_APP')
    assert.equal(code(() => resolveInApp(app, 'controllers/out/new.ts')), 'QK_ADMIN_OUTSIDE_APP')
    assert.equal(code(() => resolveInApp(app, 'controllers/dangling.ts')), 'QK_ADMIN_OUTSIDE_APP')
    assert.equal(code(() => saveAppFile(app, 'controllers/out/new.ts', 'x')), 'QK_ADMIN_OUTSIDE_APP')
    assert.equal(code(() => readAppFile(app, 'controllers/secret.ts')), 'QK_ADMIN_OUTSIDE_APP')
    assert.equal(fs.existsSync(path.join(outside, 'new.ts')), false)
    assert.equal(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8'), 'secret')
  })
  test('good paths resolve inside, including new files in new folders', () => {
    const real = fs.realpathSync(app)
    assert.equal(resolveInApp(app, 'controllers/default.ts'), path.join(real, 'controllers', 'default.ts'))
    assert.equal(resolveInApp(app, 'views/new/deep/x.html'), path.join(real, 'views', 'new', 'deep', 'x.html'))
  })
  test('listing skips symlinks', () => {
    const files = listAppFiles(app)
    assert.deepEqual(files.controllers.map((f) => f.path), ['controllers/default.ts'])
    assert.deepEqual(files.models, [])
  })
})

describe('file operations', () => {
  test('read, save with conflict detection, force, create, rename, delete, upload', () => {
    const app = tmp()
    const f = createAppFile(app, 'controllers/shop.ts')
    assert.match(f.content, /export function index/)
    assert.equal(code(() => createAppFile(app, 'controllers/shop.ts')), 'QK_ADMIN_EXISTS')
    assert.equal(code(() => createAppFile(app, 'nowhere/x.ts')), 'QK_ADMIN_BAD_PATH')
    assert.equal(code(() => createAppFile(app, 'controllers')), 'QK_ADMIN_BAD_PATH')
    const saved = saveAppFile(app, 'controllers/shop.ts', 'export const a = 1\n', f.hash)
    assert.notEqual(saved.hash, f.hash)
    // Someone else changes the file on disk; a save based on the old version is refused.
    fs.writeFileSync(path.join(app, 'controllers/shop.ts'), 'export const b = 2\n')
    assert.equal(code(() => saveAppFile(app, 'controllers/shop.ts', 'mine', saved.hash)), 'QK_ADMIN_CONFLICT')
    assert.equal(fs.readFileSync(path.join(app, 'controllers/shop.ts'), 'utf8'), 'export const b = 2\n')
    saveAppFile(app, 'controllers/shop.ts', 'mine', saved.hash, true)
    assert.equal(readAppFile(app, 'controllers/shop.ts').content, 'mine')
    renameAppFile(app, 'controllers/shop.ts', 'controllers/store.ts')
    assert.equal(code(() => readAppFile(app, 'controllers/shop.ts')), 'QK_ADMIN_NOT_FOUND')
    assert.equal(code(() => renameAppFile(app, 'controllers/store.ts', '../store.ts')), 'QK_ADMIN_BAD_PATH')
    createAppFile(app, 'controllers/other.ts')
    assert.equal(code(() => renameAppFile(app, 'controllers/store.ts', 'controllers/other.ts')), 'QK_ADMIN_EXISTS')
    deleteAppFile(app, 'controllers/store.ts')
    assert.equal(code(() => deleteAppFile(app, 'controllers/store.ts')), 'QK_ADMIN_NOT_FOUND')
    uploadAppFile(app, 'static/img/a.bin', Buffer.from([1, 2, 3]))
    assert.deepEqual([...fs.readFileSync(path.join(app, 'static/img/a.bin'))], [1, 2, 3])
    assert.equal(code(() => uploadAppFile(app, 'static/img/a.bin', Buffer.from([4]))), 'QK_ADMIN_EXISTS')
    assert.deepEqual(listAppFiles(app).static.map((x) => x.path), ['static/img/a.bin'])
    // no temp files left behind by the atomic writes
    assert.deepEqual(fs.readdirSync(path.join(app, 'controllers')), ['other.ts'])
  })
  test('languages for Monaco', () => {
    assert.equal(languageOf('controllers/a.ts'), 'typescript')
    assert.equal(languageOf('views/a/b.html'), 'html')
    assert.equal(languageOf('static/x.css'), 'css')
    assert.equal(languageOf('languages/it.json'), 'json')
    assert.equal(languageOf('cron/crontab'), 'shell')
  })
})

describe('controller actions', () => {
  test('exported functions and consts, not private, not nested, not in comments', () => {
    const src = [
      '// export function commented() {}',
      'import x from "y"',
      'export function index() { return 1 }',
      'export async function save() { function inner() {} }',
      'export const secret = auth.requiresLogin(() => 1)',
      'export function _hidden() {}',
      'function notExported() {}',
      'const s = "export function inString() {}"',
      'export type T = number',
      'export interface I { a: number }',
      'const later = () => 2',
      'export { later, notExported as renamed }',
      'export default function dflt() {}',
    ].join('\n')
    const names = listControllerActions(src).map((a) => a.name)
    assert.deepEqual(names, ['index', 'save', 'secret', 'later', 'renamed'])
    assert.equal(listControllerActions(src).find((a) => a.name === 'save')?.line, 4)
    assert.deepEqual(listControllerActions('export function ( {'), [])
  })
})

describe('apps', () => {
  test('create from the scaffold, list, clean, delete; names validated', () => {
    const root = tmp()
    const scaffold = path.join(root, 'scaffold')
    fs.mkdirSync(path.join(scaffold, 'controllers'), { recursive: true })
    fs.mkdirSync(path.join(scaffold, 'sessions'), { recursive: true })
    fs.writeFileSync(path.join(scaffold, 'controllers', 'default.ts'), 'export function index() {}\n')
    fs.writeFileSync(path.join(scaffold, 'sessions', 'stale'), 'x')
    const apps = path.join(root, 'applications')
    createApp(apps, 'shop', scaffold)
    assert.ok(fs.existsSync(path.join(apps, 'shop', 'controllers', 'default.ts')))
    assert.deepEqual(fs.readdirSync(path.join(apps, 'shop', 'sessions')), [], 'runtime data is not copied')
    for (const bad of ['1abc', 'a-b', '../x', '', 'a b', '_x', 'a/b'])
      assert.equal(code(() => createApp(apps, bad, scaffold)), 'QK_ADMIN_BAD_APP_NAME', bad)
    assert.equal(code(() => createApp(apps, 'shop', scaffold)), 'QK_ADMIN_EXISTS')
    const listed = listApps(apps)
    assert.deepEqual(listed.map((a) => a.name), ['shop'])
    assert.deepEqual(listed[0].controllers, ['default'])
    fs.writeFileSync(path.join(apps, 'shop', 'errors', 't1'), '{}')
    fs.writeFileSync(path.join(apps, 'shop', 'sessions', 's1'), '{}')
    fs.mkdirSync(path.join(apps, 'shop', 'cache', 'sub'))
    fs.writeFileSync(path.join(apps, 'shop', 'cache', 'sub', 'c1'), '{}')
    assert.equal(listApps(apps)[0].tickets, 1)
    assert.equal(cleanApp(apps, 'shop'), 3)
    assert.deepEqual(fs.readdirSync(path.join(apps, 'shop', 'errors')), [])
    // a symlinked "app" pointing elsewhere is not an app of this folder
    const elsewhere = tmp()
    fs.symlinkSync(elsewhere, path.join(apps, 'linked'))
    assert.equal(code(() => deleteApp(apps, 'linked')), 'QK_ADMIN_OUTSIDE_APP')
    assert.ok(fs.existsSync(elsewhere))
    assert.equal(code(() => appFolderOf(apps, 'ghost')), 'QK_ADMIN_NOT_FOUND')
    deleteApp(apps, 'shop')
    assert.equal(fs.existsSync(path.join(apps, 'shop')), false)
  })
})

describe('monaco files', () => {
  test('served from monaco-editor/min/vs only', () => {
    const f = monacoFile('loader.js')
    assert.ok(f.file.endsWith(path.join('min', 'vs', 'loader.js')))
    assert.match(f.contentType, /javascript/)
    assert.equal(monacoFile('editor/editor.main.css').contentType, 'text/css; charset=utf-8')
    assert.equal(code(() => monacoFile('../package.json')), 'QK_ADMIN_BAD_PATH')
    assert.equal(code(() => monacoFile('/etc/passwd')), 'QK_ADMIN_BAD_PATH')
    assert.equal(code(() => monacoFile('nope.js')), 'QK_ADMIN_NOT_FOUND')
    assert.equal(code(() => monacoFile('editor')), 'QK_ADMIN_NOT_FOUND')
  })
})

describe('tickets grouped by error, pages', () => {
  test('same error with different numbers is one group; newest group first', () => {
    const groups = groupTickets([
      { id: 'a', time: '2026-01-01T10:00:00Z', clientIp: '1.1.1.1', url: '/x/a', error: 'TypeError: row 17 is missing' },
      { id: 'b', time: '2026-01-02T10:00:00Z', clientIp: '2.2.2.2', url: '/x/a', error: 'TypeError: row 18 is missing' },
      { id: 'c', time: '2026-01-01T12:00:00Z', clientIp: '1.1.1.1', url: '/x/b', error: 'Error: boom' },
    ])
    assert.deepEqual(groups.map((g) => [g.count, g.ids]), [[2, ['a', 'b']], [1, ['c']]])
    assert.equal(groups[0]!.error, 'TypeError: row 18 is missing', 'the newest text is shown')
    assert.deepEqual(groups[0]!.clients, ['1.1.1.1', '2.2.2.2'])
    assert.equal(errorKey('x 0xdeadbeef 42'), 'x N N')
  })
  test('tickets from one source line are one group whatever their messages; the variants are listed', () => {
    const groups = groupTickets([
      { id: 'a', time: '2026-01-01T10:00:00Z', clientIp: '1.1.1.1', url: '/x/a', error: 'Error: no user alice', location: 'controllers/default.ts:12' },
      { id: 'b', time: '2026-01-02T10:00:00Z', clientIp: '1.1.1.1', url: '/x/a', error: 'Error: no user bob', location: 'controllers/default.ts:12' },
      { id: 'c', time: '2026-01-02T11:00:00Z', clientIp: '1.1.1.1', url: '/x/a', error: 'TypeError: x is undefined', location: 'controllers/default.ts:12' },
      { id: 'd', time: '2026-01-01T09:00:00Z', clientIp: '1.1.1.1', url: '/x/b', error: 'Error: no user carol', location: 'controllers/other.ts:3' },
      { id: 'e', time: '2026-01-02T12:00:00Z', clientIp: '1.1.1.1', url: '/x/a', error: 'TypeError: x is undefined', location: 'controllers/default.ts:12' },
    ])
    assert.deepEqual(groups.map((g) => [g.location, g.count]), [['controllers/default.ts:12', 4], ['controllers/other.ts:3', 1]])
    assert.deepEqual(groups[0]!.variants, [
      { error: 'TypeError: x is undefined', count: 2 }, { error: 'Error: no user alice', count: 1 }, { error: 'Error: no user bob', count: 1 },
    ])
    assert.equal(groups[0]!.error, 'TypeError: x is undefined', 'the newest message is shown')
  })
  test('error bodies escape and pick JSON for .json', () => {
    assert.match(errorBody({ extension: 'html' }, 400, '<script>'), /&lt;script&gt;/)
    assert.deepEqual(JSON.parse(errorBody({ extension: 'json' }, 409, 'x')), { error: 'x', status: 409 })
    assert.match(disabledPage(), /admin is disabled/)
  })
})
