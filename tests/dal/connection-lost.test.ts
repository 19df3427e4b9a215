// A server database connection that dies while a request holds it (between two statements of the
// request's transaction) must cost that request a 503, not the process: pg-pool listens for errors
// only on idle clients, and an 'error' event with no listener ends a Node process. Found by the
// reliability suite (PostgreSQL stopped under load took the server down, intermittently); here made
// certain with pg_terminate_backend on the request's own connection, and on MySQL with KILL.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server'
import { createTestDatabase, type ServerDialect } from '../helpers/databases'

const controller = (kind: ServerDialect) => `
export async function hold() {
  const own = ${kind === 'postgres' ? `(await db.executesql('SELECT pg_backend_pid() AS id'))[0]` : `(await db.executesql('SELECT CONNECTION_ID() AS id'))[0]`}
  const id = Number(Array.isArray(own) ? own[0] : Object.values(own)[0])
  if (!Number.isInteger(id)) throw new Error('no connection id')
  // another DAL, another connection: ends this request's connection while the request still holds it
  await killer.executesql(${kind === 'postgres' ? '`SELECT pg_terminate_backend(${id})`' : '`KILL ${id}`'})
  await killer.commit()
  // the connection's error arrives while it is checked out and idle
  await new Promise((r) => setTimeout(r, 1000))
  await db.executesql('SELECT 1')
  return 'not reached'
}
export async function ok() { return String((await db.executesql('SELECT 1 AS one')).length) }
`

for (const kind of ['postgres', 'mysql'] as const) {
  test(`${kind}: a connection killed while a request holds it gives that request a 503; the server lives on`, { timeout: 180_000 }, async () => {
    const database = await createTestDatabase(kind, 'lost')
    const s = await startServer({ apps: { lost: {
      'models/db.ts': `export const db = new DAL(${JSON.stringify(database.uri)})\nexport const killer = new DAL(${JSON.stringify(database.uri)})\n`,
      'controllers/default.ts': controller(kind),
    } } })
    try {
      assert.equal((await s.request('/lost/default/ok')).status, 200)
      for (let i = 0; i < 3; i++) {
        const r = await s.request('/lost/default/hold', { timeout: 60_000 })
        assert.equal(r.status, 503, `the request whose connection died: ${r.status} ${r.body.slice(0, 200)}`)
        const after = await s.request('/lost/default/ok', { timeout: 60_000 })
        assert.equal(after.status, 200, 'the next request gets a fresh connection')
        assert.equal(after.body, '1')
      }
    } finally {
      await s.stop()
      await database.drop()
    }
  })
}
