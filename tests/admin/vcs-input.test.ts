// Version control's refusals over real HTTPS, beside vcs.test.ts: every
// changing action without the session or the CSRF token (and by GET), commit
// messages that are empty, huge or hold control characters, the author's
// name (configurable, checked), and hostile paths: the repository's own
// .git/ files, ignored data files, a folder, a symlink leading out.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startAdminServer, loggedIn } from './helpers'
import type { Agent, TestServer } from '../helpers/server'

let s: TestServer
let agent: Agent
let csrf: string
const CTL = "export function index() { return 'v1' }\n"

before(async () => {
  s = await startAdminServer({ apps: { vapp: { 'controllers/default.ts': CTL, 'databases/x.sqlite': 'data', 'uploads/a.txt': 'upload' } } })
  ;({ agent, csrf } = await loggedIn(s))
})
after(async () => { await s?.stop() })

const folder = () => s.appFolder('vapp')
const ctl = () => path.join(folder(), 'controllers', 'default.ts')
const post = (fn: string, form: Record<string, string> = {}) => agent.request(`/admin/vcs/${fn}/vapp`, { form: { _csrf: csrf, ...form } })
const logOf = async () => {
  const page = (await agent.request('/admin/vcs/index/vapp')).body
  return [...page.matchAll(/data-oid="([0-9a-f]{40})"/g)].map((m) => m[1]!)
}

test('each changing action: refused without the session, without the CSRF token, and by GET', async () => {
  const anon = s.agent()
  for (const [fn, form] of [['init', {}], ['commit', { message: 'm' }], ['revert', { file: 'controllers/default.ts' }], ['restore', { oid: 'a'.repeat(40) }]] as const) {
    const r = await anon.request(`/admin/vcs/${fn}/vapp`, { form: { _csrf: csrf, ...form } })
    assert.equal(r.status, 303, `${fn} without the session`)
    assert.match(String(r.headers.location), /\/admin\/default\/login/, `${fn}: sent to the login`)
    assert.equal((await agent.request(`/admin/vcs/${fn}/vapp`, { form })).status, 403, `${fn} without the token`)
    assert.equal((await agent.request(`/admin/vcs/${fn}/vapp`, { form: { _csrf: 'x'.repeat(40), ...form } })).status, 403, `${fn} with a wrong token`)
    const q = new URLSearchParams({ _csrf: csrf, ...form }).toString()
    assert.equal((await agent.request(`/admin/vcs/${fn}/vapp?${q}`)).status, 403, `${fn} by GET`)
  }
  assert.equal((await anon.request('/admin/vcs/index/vapp')).status, 303, 'the page itself needs the session')
  assert.equal((await anon.request('/admin/vcs/diff/vapp?file=controllers/default.ts')).status, 303, 'so does a diff')
  assert.equal(fs.existsSync(path.join(folder(), '.git')), false, 'nothing was started')
  assert.equal(fs.readFileSync(ctl(), 'utf8'), CTL)
})

test('commit messages: empty, huge, control characters refused with nothing committed; the author is configurable', async () => {
  assert.equal((await post('init')).status, 303)
  for (const [message, why] of [['', /a commit needs a message/], [' \n\t ', /a commit needs a message/],
    ['x'.repeat(10_001), /at most 10000 characters \(this one has 10001\)/], ['hidden\u0000text', /control characters/], ['bell\u0007', /control characters/]] as const) {
    const r = await post('commit', { message })
    assert.equal(r.status, 400, JSON.stringify(message.slice(0, 20)))
    assert.match(r.body, why)
    assert.match(r.body, /QK_ADMIN_BAD_VCS_INPUT|Version control/)
  }
  assert.deepEqual(await logOf(), [], 'no commit was made')
  const bad = await post('commit', { message: 'ok', author: 'Eve <eve@evil>' })
  assert.equal(bad.status, 400)
  assert.match(bad.body, /author name/)
  assert.equal((await post('commit', { message: 'x'.repeat(10_000) })).status, 303, 'a message at the limit is fine')
  fs.writeFileSync(ctl(), "export function index() { return 'v2' }\n")
  assert.equal((await post('commit', { message: 'line one\r\nline two', author: 'Ada Lovelace' })).status, 303)
  const page = (await agent.request('/admin/vcs/index/vapp')).body
  const authors = [...page.matchAll(/class="qk-author">([^<]*)</g)].map((m) => m[1])
  assert.deepEqual(authors, ['Ada Lovelace', 'Quark admin'])
  assert.match(page, /line one\nline two/, 'CRLF kept as one newline')
})

test('hostile paths: .git, ignored data, a folder, a missing file, a symlink out are refused and nothing is touched', async () => {
  const gitConfig = path.join(folder(), '.git', 'config')
  const config = fs.readFileSync(gitConfig, 'utf8')
  fs.writeFileSync(ctl(), 'changed, not committed\n')
  for (const file of ['.git/config', '.git/HEAD', '.git', 'databases/x.sqlite', 'uploads/a.txt']) {
    const r = await post('revert', { file })
    assert.equal(r.status, 400, `revert ${file}`)
    assert.match(r.body, /repository itself|is ignored/)
    const d = await agent.request(`/admin/vcs/diff/vapp?file=${encodeURIComponent(file)}`)
    assert.equal(d.status, 400, `diff ${file}`)
  }
  assert.equal(fs.readFileSync(gitConfig, 'utf8'), config, '.git/config untouched')
  assert.equal(fs.readFileSync(path.join(folder(), 'databases', 'x.sqlite'), 'utf8'), 'data')
  assert.equal(fs.readFileSync(path.join(folder(), 'uploads', 'a.txt'), 'utf8'), 'upload')
  const dir = await post('revert', { file: 'controllers' })
  assert.equal(dir.status, 404, 'a folder is not a changed file')
  const missing = await post('revert', { file: 'controllers/nowhere.ts' })
  assert.equal(missing.status, 404)
  assert.equal((await agent.request('/admin/vcs/diff/vapp?file=controllers/nowhere.ts')).status, 404)
  for (const file of ['../../etc/passwd', '/etc/passwd', 'controllers/../../x', 'a\\b', '']) {
    const r = await post('revert', { file })
    assert.ok(r.status === 400 || r.status === 403, `${JSON.stringify(file)}: ${r.status}`)
  }
  fs.symlinkSync('/etc/passwd', path.join(folder(), 'controllers', 'out.ts'))
  const link = await agent.request('/admin/vcs/diff/vapp?file=controllers/out.ts')
  assert.equal(link.status, 403, 'a symlink leading out of the app')
  assert.equal((await post('revert', { file: 'controllers/out.ts' })).status, 403)
  assert.equal(fs.readFileSync(ctl(), 'utf8'), 'changed, not committed\n', 'the real change is still there')
  fs.rmSync(path.join(folder(), 'controllers', 'out.ts'))
})

test('going back to a commit leaves a state the user commits as a new version', async () => {
  fs.writeFileSync(ctl(), "export function index() { return 'v2' }\n")
  const [second, first] = await logOf()
  assert.ok(second && first)
  assert.equal((await post('restore', { oid: first })).status, 303)
  assert.equal(fs.readFileSync(ctl(), 'utf8'), CTL)
  assert.equal((await post('commit', { message: 'back to v1' })).status, 303)
  const log = await logOf()
  assert.equal(log.length, 3, 'history kept: a new commit, nothing rewritten')
  assert.deepEqual(log.slice(1), [second, first])
  assert.equal((await post('commit', { message: 'again' })).status, 409, 'and then nothing to commit')
})

test('a diff of a file over the editor size limit is refused; going back never writes through a symlink out of the app', async () => {
  fs.mkdirSync(path.join(folder(), 'static'), { recursive: true })
  fs.writeFileSync(path.join(folder(), 'static', 'big.txt'), 'x'.repeat(2 * 1024 * 1024 + 1))
  const big = await agent.request('/admin/vcs/diff/vapp?file=static/big.txt')
  assert.equal(big.status, 413)
  assert.match(big.body, /too large/i)
  fs.rmSync(path.join(folder(), 'static', 'big.txt'))
  // modules/target.ts is committed, then replaced by a symlink to a file outside the app
  fs.mkdirSync(path.join(folder(), 'modules'), { recursive: true })
  fs.writeFileSync(path.join(folder(), 'modules', 'target.ts'), 'export const committed = 1\n')
  assert.equal((await post('commit', { message: 'a module' })).status, 303)
  const [withModule] = await logOf()
  const outside = path.join(path.dirname(s.appFolder('vapp')), '..', `outside-${process.pid}.txt`)
  fs.writeFileSync(outside, 'not the app\'s\n')
  try {
    fs.rmSync(path.join(folder(), 'modules', 'target.ts'))
    fs.symlinkSync(outside, path.join(folder(), 'modules', 'target.ts'))
    const r = await post('restore', { oid: withModule! })
    assert.equal(r.status, 403, 'refused')
    assert.match(r.body, /outside the app/i)
    assert.equal(fs.readFileSync(outside, 'utf8'), 'not the app\'s\n', 'the file outside is untouched')
  } finally {
    fs.rmSync(path.join(folder(), 'modules', 'target.ts'), { force: true })
    fs.rmSync(outside, { force: true })
  }
})
