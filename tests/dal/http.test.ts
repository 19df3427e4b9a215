// Through a real server: an action that inserts then throws leaves no row; one that returns keeps it.
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'
import { closeAllConnections } from '../../server/dal'

let s: TestServer
before(async () => {
  s = await startServer({
    https: false,
    apps: {
      shop: {
        'models/db.ts': `export const db = new DAL('sqlite://storage.sqlite')
db.defineTable('thing', Field('name', 'string'))`,
        'controllers/default.ts': `
export async function ok() { const id = await db.thing.insert({ name: String(request.vars.name) }); return 'ok ' + id }
export async function fail() { await db.thing.insert({ name: 'doomed' }); throw new Error('action failed after insert') }
export async function count() { return String(await db(db.thing).count()) }
export async function names() { return (await db(db.thing).select({ orderby: db.thing.id })).map((r) => r.name).join(',') }
`,
      },
    },
  })
})
after(async () => {
  await s?.stop()
  await closeAllConnections()
})

test('a returning action commits, a throwing action rolls back', async () => {
  assert.equal((await s.request('/shop/default/count')).body, '0')
  const ok = await s.request('/shop/default/ok?name=' + encodeURIComponent("O'Brien; DROP TABLE thing"))
  assert.equal(ok.status, 200)
  assert.match(ok.body, /^ok \d+$/)
  const bad = await s.request('/shop/default/fail')
  assert.equal(bad.status, 500)
  assert.equal((await s.request('/shop/default/count')).body, '1')
  assert.equal((await s.request('/shop/default/names')).body, "O'Brien; DROP TABLE thing")
  // concurrent requests, one failing: only the failing one's write is undone
  const rs = await Promise.all([s.request('/shop/default/ok?name=a'), s.request('/shop/default/fail'), s.request('/shop/default/ok?name=b')])
  assert.deepEqual(rs.map((r) => r.status), [200, 500, 200])
  assert.equal((await s.request('/shop/default/count')).body, '3')
})
