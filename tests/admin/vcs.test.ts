// Version control of an app over real HTTPS (isomorphic-git, no git binary):
// refused without the session or the CSRF token; init with the data folders
// ignored; status, diff, commit, nothing to commit, revert a file, go back to
// a commit; bad paths and ids refused.
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
  s = await startAdminServer({ apps: { kept: { 'controllers/default.ts': CTL, 'databases/x.sqlite': 'data', 'static/logo.bin': Buffer.from([0, 255, 1, 254]) } } })
  ;({ agent, csrf } = await loggedIn(s))
})
after(async () => { await s?.stop() })

const folder = () => s.appFolder('kept')
const post = (fn: string, form: Record<string, string> = {}) => agent.request(`/admin/vcs/${fn}/kept`, { form: { _csrf: csrf, ...form } })
const flashAfter = async (r: { status: number; headers: Record<string, unknown> }) => {
  assert.equal(r.status, 303)
  return (await agent.request(String(r.headers.location))).body
}

test('refused without the session or the CSRF token', async () => {
  const anon = s.agent()
  assert.equal((await anon.request('/admin/vcs/init/kept', { form: { _csrf: csrf } })).status, 303, 'sent to the login')
  assert.equal((await agent.request('/admin/vcs/init/kept', { form: {} })).status, 403)
  assert.equal((await agent.request(`/admin/vcs/init/kept?_csrf=${csrf}`)).status, 403, 'not by GET')
  assert.equal(fs.existsSync(path.join(folder(), '.git')), false)
  const r = await post('commit', { message: 'x' })
  assert.equal(r.status, 404)
  assert.match(r.body, /start it first/)
})

test('init, commit, nothing to commit, diff, revert, go back', async () => {
  assert.match(await flashAfter(await post('init')), /Version control started/)
  assert.match(fs.readFileSync(path.join(folder(), '.gitignore'), 'utf8'), /^databases\/$/m)
  let page = await agent.request('/admin/vcs/index/kept')
  assert.match(page.body, /data-path="controllers\/default.ts" data-change="added"/)
  assert.doesNotMatch(page.body, /databases\/x\.sqlite/, 'the data folders are ignored')
  const empty = await post('commit', { message: '  ' })
  assert.equal(empty.status, 400)
  assert.match(empty.body, /a commit needs a message/)
  assert.match(await flashAfter(await post('commit', { message: 'first version' })), /Committed [0-9a-f]{7}/)
  const nothing = await post('commit', { message: 'again' })
  assert.equal(nothing.status, 409)
  assert.match(nothing.body, /Nothing to commit/)
  // change, see the diff, commit v2
  fs.writeFileSync(path.join(folder(), 'controllers', 'default.ts'), "export function index() { return 'v2' }\n")
  const d = await agent.request('/admin/vcs/diff/kept?file=controllers/default.ts')
  assert.equal(d.status, 200)
  const cfg = JSON.parse(/<script type="application\/json" id="vcs-diff-config">([^<]*)<\/script>/.exec(d.body)![1]!)
  assert.deepEqual([cfg.original, cfg.modified], [CTL, "export function index() { return 'v2' }\n"])
  assert.match(await flashAfter(await post('commit', { message: 'second version' })), /Committed/)
  // an unwanted edit reverted
  fs.writeFileSync(path.join(folder(), 'controllers', 'default.ts'), 'oops')
  fs.writeFileSync(path.join(folder(), 'controllers', 'extra.ts'), 'export const x = 1\n')
  assert.match(await flashAfter(await post('revert', { file: 'controllers/default.ts' })), /Reverted controllers\/default.ts/)
  assert.match(fs.readFileSync(path.join(folder(), 'controllers', 'default.ts'), 'utf8'), /v2/)
  await post('revert', { file: 'controllers/extra.ts' })
  assert.equal(fs.existsSync(path.join(folder(), 'controllers', 'extra.ts')), false, 'a file the commit lacks is removed')
  // go back to the first version, binary file intact
  page = await agent.request('/admin/vcs/index/kept')
  const oids = [...page.body.matchAll(/data-oid="([0-9a-f]{40})"/g)].map((m) => m[1]!)
  assert.equal(oids.length, 2)
  assert.match(await flashAfter(await post('restore', { oid: oids[1]! })), /Went back to [0-9a-f]{7}: 1 file changed/)
  assert.equal(fs.readFileSync(path.join(folder(), 'controllers', 'default.ts'), 'utf8'), CTL)
  assert.deepEqual([...fs.readFileSync(path.join(folder(), 'static', 'logo.bin'))], [0, 255, 1, 254])
  assert.equal(fs.readFileSync(path.join(folder(), 'databases', 'x.sqlite'), 'utf8'), 'data', 'ignored folders untouched')
})

test('bad paths and commit ids are refused', async () => {
  for (const file of ['../../etc/passwd', '/etc/passwd', 'controllers/%2e%2e/x']) {
    const r = await post('revert', { file })
    assert.ok(r.status === 400 || r.status === 403, `${file}: ${r.status}`)
  }
  const d = await agent.request('/admin/vcs/diff/kept?file=../../../etc/passwd')
  assert.ok(d.status === 400 || d.status === 403)
  const bad = await post('restore', { oid: 'HEAD~1' })
  assert.equal(bad.status, 400)
  assert.match(bad.body, /not a commit id/)
  const none = await post('restore', { oid: 'a'.repeat(40) })
  assert.equal(none.status, 404)
})
