// cache.action: HTTP caching headers on current.response, results kept per URL/vars/language.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { current, newState, runInContext } from '../../server/current/index'
import { cacheFor, closeAllCaches } from '../../server/cache/index'

const app = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-cache-action-'))
after(async () => { await closeAllCaches(); fs.rmSync(app, { recursive: true, force: true }) })
const cache = cacheFor(app)

function request<R>(url: string, vars: Record<string, unknown>, fn: () => Promise<R>, extra: Record<string, unknown> = {}) {
  const response: { headers: Record<string, string>; status?: number } = { headers: { Pragma: 'no-cache' } }
  const state = newState(app, 'x', { request: { path: url, vars }, response, ...extra })
  return runInContext(state, async () => ({ result: await fn(), response }))
}

test('headers only when there is no cacheModel', async () => {
  let n = 0
  const index = cache.action({ timeExpire: 60 })(() => ({ n: ++n }))
  const { result, response } = await request('/x/default/index', {}, index)
  assert.deepEqual(result, { n: 1 })
  assert.equal(response.headers['Cache-Control'], 'max-age=60, public')
  assert.ok(!('Pragma' in response.headers))
  const expires = Date.parse(response.headers['Expires'])
  assert.ok(Math.abs(expires - (Date.now() + 60000)) < 2000, response.headers['Expires'])
  assert.deepEqual((await request('/x/default/index', {}, index)).result, { n: 2 }, 'not cached server-side')
})

test('ram and disk models keep results per URL and vars', async () => {
  for (const cacheModel of ['ram', 'disk'] as const) {
    let n = 0
    const page = cache.action({ timeExpire: 60, cacheModel, public: false })(async () => `page ${++n}`)
    const first = await request('/x/default/page', { a: '1' }, page)
    assert.equal(first.result, 'page 1')
    assert.equal(first.response.headers['Cache-Control'], 'max-age=60, private')
    assert.equal((await request('/x/default/page', { a: '1' }, page)).result, 'page 1', cacheModel)
    assert.equal((await request('/x/default/page', { a: '2' }, page)).result, 'page 2', 'other vars, other entry')
    assert.equal((await request('/x/default/other', { a: '1' }, page)).result, 'page 3', 'other URL, other entry')
    const novars = cache.action({ timeExpire: 60, cacheModel, vars: false, prefix: `nv-${cacheModel}:` })(async () => `nv ${++n}`)
    assert.equal((await request('/x/default/nv', { a: '1' }, novars)).result, 'nv 4')
    assert.equal((await request('/x/default/nv', { a: '9' }, novars)).result, 'nv 4', 'vars ignored')
  }
})

test('the language is part of the key; error statuses are not kept; no response object is fine', async () => {
  let n = 0
  const hello = cache.action({ cacheModel: 'ram', prefix: 'lang:' })(() => `hello ${++n}`)
  const T = (l: string) => Object.assign((s: string) => s, { language: l })
  assert.equal((await request('/x/d/h', {}, hello, { T: T('it') })).result, 'hello 1')
  assert.equal((await request('/x/d/h', {}, hello, { T: T('it') })).result, 'hello 1')
  assert.equal((await request('/x/d/h', {}, hello, { T: T('fr') })).result, 'hello 2')
  let m = 0
  const failing = cache.action({ cacheModel: 'ram', prefix: 'err:' })(() => {
    current.response.status = 500
    return `err ${++m}`
  })
  const response = { headers: {}, status: 200 }
  await runInContext(newState(app, 'x', { request: { path: '/x/d/e' }, response }), failing)
  await runInContext(newState(app, 'x', { request: { path: '/x/d/e' }, response }), failing)
  assert.equal(m, 2, 'a 500 page is recomputed')
  const bare = cache.action({ cacheModel: 'ram', prefix: 'bare:' })(() => 'ok')
  assert.equal(await runInContext(newState(app, 'x'), bare), 'ok')
})
