/**
 * Databases for many processes (#20 item 5), on the real local servers: a pool size per process (pg and
 * mysql2), a list of URIs with failover in order (a first URI on a dead port; a first server that dies,
 * cut through a TCP proxy), read replicas (a second database holding other rows shows which one served a
 * select: outside a transaction, in db.transaction, in a request before and after its first write), and
 * one database per `new DAL('sqlite://memory')`.
 */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import pg from 'pg'
import mysql from 'mysql2/promise'
import { DAL, Field, closeAllConnections } from '../../server/dal/index'
import { createTestDatabase, type TestDatabase } from '../helpers/databases'
import { startServer } from '../helpers/server'
import { deadPort } from '../helpers/ports'

const dbs: TestDatabase[] = []
after(async () => { await closeAllConnections(); for (const d of dbs) await d.drop() })

async function database(kind: 'postgres' | 'mysql', prefix: string): Promise<TestDatabase> {
  const d = await createTestDatabase(kind, prefix)
  dbs.push(d)
  return d
}

async function poll<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** A TCP proxy to a server, which the test can cut (every connection destroyed, the port closed). */
async function proxy(port: number): Promise<{ port: number; cut(): Promise<void> }> {
  const sockets = new Set<net.Socket>()
  const srv = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1')
    for (const s of [client, upstream]) { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => s.destroy()) }
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  return {
    port: (srv.address() as net.AddressInfo).port,
    cut: async () => {
      const closed = new Promise<void>((r) => srv.close(() => r()))
      for (const s of sockets) s.destroy()
      await closed
    },
  }
}

function table(db: DAL): DAL {
  db.defineTable('thing', Field('name', 'string'))
  return db
}

const names = async (db: DAL) => [...await db(db.thing).select({ orderby: db.thing.id })].map((r: any) => r.name)

test('pool: { pool: 3 } holds at most 3 connections per process; a 4th transaction waits for one', async () => {
  for (const kind of ['postgres', 'mysql'] as const) {
    const d = await database(kind, 'pool')
    const db = new DAL(d.uri, { pool: 3 })
    let open!: () => void
    const gate = new Promise<void>((r) => { open = r })
    const busy = (i: number) => db.transaction(async () => { await db.executesql('SELECT 1'); await gate; return i })
    const first = [busy(0), busy(1), busy(2)]
    // the pool is full: a 4th transaction cannot begin, and an autocommit statement waits too
    const fourth = busy(3)
    let settled = false
    void fourth.then(() => { settled = true })
    const server = await serverConnections(kind, d.name)
    await poll('3 connections', async () => (await server()) === 3)
    assert.equal(settled, false)
    assert.equal(await server(), 3, 'never more than the pool')
    open()
    assert.deepEqual(await Promise.all([...first, fourth]), [0, 1, 2, 3])
    assert.ok((await server()) <= 3)
  }
})

/** how many connections the database server has open to database `name` (seen by the test's own client) */
async function serverConnections(kind: 'postgres' | 'mysql', name: string): Promise<() => Promise<number>> {
  if (kind === 'postgres') {
    return async () => {
      const c = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' })
      await c.connect()
      try { return Number((await c.query('SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = $1', [name])).rows[0].n) } finally { await c.end() }
    }
  }
  return async () => {
    const c = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' })
    try { return Number(((await c.query('SELECT COUNT(*) AS n FROM information_schema.processlist WHERE db = ?', [name]))[0] as any)[0].n) } finally { await c.end() }
  }
}

test('failover: a first URI on a dead port is skipped (one log line); the statement runs on the next', async () => {
  for (const kind of ['postgres', 'mysql'] as const) {
    const d = await database(kind, 'failover')
    const dead = kind === 'postgres' ? `postgres://postgres@127.0.0.1:${await deadPort()}/nowhere` : `mysql://root@127.0.0.1:${await deadPort()}/nowhere`
    const lines: string[] = []
    const saved = console.error
    console.error = (...a: unknown[]) => { lines.push(a.join(' ')) }
    try {
      const db = table(new DAL([dead, d.uri]))
      await db.thing.insert({ name: 'on the second' })
      assert.deepEqual(await names(db), ['on the second'])
    } finally { console.error = saved }
    assert.equal(lines.filter((l) => /\[dal\] .*nowhere cannot be reached \(ECONNREFUSED\); failing over to .*quark_test_failover/.test(l)).length, 1, lines.join('\n'))
    const check = table(new DAL(d.uri))
    assert.deepEqual(await names(check), ['on the second'], 'the row is in the second database')
  }
})

test('failover: the first server dies (its TCP proxy cut): the next statements go to the second', async () => {
  const a = await database('postgres', 'primary')
  const b = await database('postgres', 'standby')
  const p = await proxy(5432)
  const viaProxy = a.uri.replace(':5432/', `:${p.port}/`)
  const saved = console.error
  const lines: string[] = []
  console.error = (...x: unknown[]) => { lines.push(x.join(' ')) }
  try {
    const standby = table(new DAL(b.uri)) // the standby has the schema (as a replicated standby would)
    await standby(standby.thing).count()
    const db = table(new DAL([viaProxy, b.uri]))
    await db.thing.insert({ name: 'before' })
    await p.cut()
    // a statement in flight when the server died may fail (503); the next one connects to the standby
    await poll('an insert after the cut', async () => db.thing.insert({ name: 'after' }).then(() => true, (e: { code?: string }) => {
      assert.equal(e.code, 'QK_DAL_UNAVAILABLE', String(e))
      return false
    }))
  } finally { console.error = saved }
  assert.deepEqual(await names(table(new DAL(a.uri))), ['before'])
  assert.deepEqual(await names(table(new DAL(b.uri))), ['after'])
  assert.ok(lines.some((l) => /failing over to .*quark_test_standby/.test(l)), lines.join('\n'))
})

test('replicas: selects outside a transaction go to a replica; db.transaction and a request after its first write use the primary', async (t) => {
  const primary = await database('postgres', 'rw')
  const replica = await database('postgres', 'ro')
  const seed = async (uri: string, name: string) => { const db = table(new DAL(uri)); await db.thing.insert({ name }) }
  await seed(primary.uri, 'primary')
  await seed(replica.uri, 'replica')
  const db = table(new DAL(primary.uri, { replicas: [replica.uri] }))
  assert.deepEqual(await names(db), ['replica'])
  assert.equal(await db(db.thing).count(), 1)
  assert.deepEqual(await db.transaction(() => names(db)), ['primary'])
  await db.thing.insert({ name: 'written' }) // writes always go to the primary
  assert.deepEqual(await names(table(new DAL(primary.uri))), ['primary', 'written'])
  assert.deepEqual(await names(db), ['replica'], 'the replica did not get it (no replication here): it is what served')

  // a replica that cannot be reached: the primary serves
  const down = table(new DAL(primary.uri, { replicas: [`postgres://postgres@127.0.0.1:${await deadPort()}/gone`] }))
  const saved = console.error
  console.error = () => {}
  try { assert.deepEqual(await names(down), ['primary', 'written']) } finally { console.error = saved }

  const s = await startServer({
    https: false,
    apps: {
      shop: {
        'models/db.ts': `export const db = new DAL(${JSON.stringify(primary.uri)}, { replicas: [${JSON.stringify(replica.uri)}] })
db.defineTable('thing', Field('name', 'string'))`,
        'controllers/default.ts': `
const names = async () => [...await db(db.thing).select({ orderby: db.thing.id })].map((r: any) => r.name).join(',')
export async function read() { return names() }
export async function readWriteRead() {
  const before = await names()
  await db.thing.insert({ name: 'from the request' })
  return before + ' | ' + await names()
}`,
      },
    },
  })
  t.after(() => s.stop())
  await s.request('/shop/default/read') // the first request migrates (on the primary)
  assert.equal((await s.request('/shop/default/read')).body, 'replica')
  assert.equal((await s.request('/shop/default/readWriteRead')).body, 'replica | primary,written,from the request')
})

test('each new DAL(\'sqlite://memory\') is a database of its own', async () => {
  const one = table(new DAL('sqlite://memory'))
  const two = table(new DAL('sqlite://memory'))
  await one.thing.insert({ name: 'one' })
  assert.deepEqual(await names(one), ['one'])
  assert.deepEqual(await names(two), [])
})

test('bad lists: an empty list, mixed dialects, SQLite in a failover list', () => {
  assert.throws(() => new DAL([]), /QK_DAL_BAD_URI|Invalid database URI/)
  assert.throws(() => new DAL(['postgres://postgres@127.0.0.1/x', 'mysql://root@127.0.0.1/x']), /one dialect/)
  assert.throws(() => new DAL(['sqlite://a.sqlite', 'sqlite://b.sqlite']), /PostgreSQL or MySQL/)
})
