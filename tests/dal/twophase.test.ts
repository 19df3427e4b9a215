/**
 * Distributed transactions (#20 item 5): two-phase commit across databases with PostgreSQL's PREPARE
 * TRANSACTION / COMMIT PREPARED and MySQL/MariaDB's XA, on real servers.
 *
 * The machine's shared PostgreSQL has max_prepared_transactions = 0 (its default; changing it needs a
 * restart of a server every test shares): there the commit must refuse with a clear error and commit
 * nothing (first test). The full protocol runs on a private PostgreSQL the test starts on a spare port
 * with max_prepared_transactions = 10 (initdb into a temp folder, as the postgres user when run as root),
 * plus the shared MariaDB: all parts committed; a part that cannot prepare rolls every part back; a
 * coordinator SIGKILLed between the phases leaves prepared transactions that the next process reports at
 * its first connection and distributedTransactionRecover resolves (rolled back before the decision,
 * committed after it).
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import pg from 'pg'
import { DAL, Field, closeAllConnections, distributedTransactionBegin, distributedTransactionCommit, distributedTransactionRecover } from '../../server/dal/index'
import { createTestDatabase, type TestDatabase } from '../helpers/databases'
import { freePort } from '../helpers/ports'

let server: ChildProcess | undefined
let dataDir = ''
let port = 0
let mysqlDb: TestDatabase | undefined
let sharedPg: TestDatabase | undefined

function pgBin(name: string): string {
  const root = '/usr/lib/postgresql'
  const versions = fs.existsSync(root) ? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a)) : []
  for (const v of versions) if (fs.existsSync(path.join(root, v, 'bin', name))) return path.join(root, v, 'bin', name)
  return name
}

/** run as the postgres user when we are root (PostgreSQL refuses to run as root) */
function asPostgres(cmd: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]
}

async function query(database: string, sql: string, params: unknown[] = []): Promise<any[]> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database })
  await c.connect()
  try { return (await c.query(sql, params)).rows } finally { await c.end() }
}

before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-2pc-pg-'))
  if (process.getuid?.() === 0) spawnSync('chown', ['postgres', dataDir])
  const [c1, a1] = asPostgres(pgBin('initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync'])
  const init = spawnSync(c1, a1, { encoding: 'utf8' })
  assert.equal(init.status, 0, `initdb: ${init.stdout}${init.stderr}`)
  port = await freePort()
  const [c2, a2] = asPostgres(pgBin('postgres'), ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dataDir}`,
    '-c', 'max_prepared_transactions=10', '-c', 'fsync=off'])
  server = spawn(c2, a2, { stdio: 'ignore' })
  const deadline = Date.now() + 60_000
  for (;;) {
    try { await query('postgres', 'SELECT 1'); break } catch (e) {
      if (Date.now() > deadline || server.exitCode !== null) throw new Error(`the private PostgreSQL did not start: ${(e as Error).message}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  for (const name of ['a', 'b']) await query('postgres', `CREATE DATABASE ${name}`)
  mysqlDb = await createTestDatabase('mysql', 'xa')
})

after(async () => {
  await closeAllConnections()
  await mysqlDb?.drop()
  await sharedPg?.drop()
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once('exit', r))
    // the postmaster itself (under runuser, a signal to runuser would not reach it): SIGINT is its fast shutdown
    const pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
    process.kill(pid, 'SIGINT')
    await exited
  }
  fs.rmSync(dataDir, { recursive: true, force: true })
})

const uriA = () => `postgres://postgres@127.0.0.1:${port}/a`
const uriB = () => `postgres://postgres@127.0.0.1:${port}/b`

function item(uri: string): DAL {
  const db = new DAL(uri)
  db.defineTable('item', Field('name', 'string'))
  return db
}

/** fn inside an open transaction of every database (as a request has) */
function inAll<T>(dbs: DAL[], fn: () => Promise<T>, i = 0): Promise<T> {
  return i === dbs.length ? fn() : dbs[i]!.transaction(() => inAll(dbs, fn, i + 1))
}

const names = async (db: DAL) => [...await db(db.item).select({ orderby: db.item.id })].map((r: any) => r.name)

async function prepared(): Promise<string[]> {
  const pgs = (await query('postgres', `SELECT gid FROM pg_prepared_xacts WHERE gid LIKE 'quark2pc%'`)).map((r) => r.gid)
  const my = item(mysqlDb!.uri)
  const xa = (await my.executesql('XA RECOVER')).map((r: unknown[]) => String(r[3])).filter((g: string) => g.startsWith('quark2pc'))
  return [...pgs, ...xa]
}

test('the shared PostgreSQL has max_prepared_transactions = 0: distributedTransactionCommit refuses clearly and nothing is committed', async () => {
  sharedPg = await createTestDatabase('postgres', 'twophase')
  const max = Number((await item(sharedPg.uri).executesql('SHOW max_prepared_transactions'))[0][0])
  const one = item(sharedPg.uri)
  const two = item(mysqlDb!.uri)
  await one(one.item).count()
  await two(two.item).count()
  const attempt = inAll([one, two], async () => {
    distributedTransactionBegin(one, two)
    await one.item.insert({ name: 'shared' })
    await two.item.insert({ name: 'shared' })
    await distributedTransactionCommit(one, two)
  })
  if (max === 0) {
    await assert.rejects(attempt, (e: Error & { code?: string }) => e.code === 'QK_DAL_2PC_UNAVAILABLE' && /max_prepared_transactions is 0/.test(e.message))
    assert.deepEqual(await names(one), [])
    assert.deepEqual(await names(two), [])
  } else {
    await attempt // a machine whose server allows prepared transactions: it simply works
    assert.deepEqual(await names(one), ['shared'])
  }
  await two(two.item).delete()
})

test('two PostgreSQL databases and MariaDB committed together; SQLite and misuse refused', async () => {
  const dbs = [item(uriA()), item(uriB()), item(mysqlDb!.uri)]
  for (const db of dbs) await db(db.item).count()
  await inAll(dbs, async () => {
    DAL.distributedTransactionBegin(...dbs)
    for (const db of dbs) await db.item.insert({ name: 'together' })
    await DAL.distributedTransactionCommit(...dbs)
  })
  for (const db of dbs) assert.deepEqual(await names(db), ['together'])
  assert.deepEqual(await prepared(), [])
  // SQLite has no prepared transactions; MySQL joined without XA START; no open transaction
  const lite = new DAL('sqlite://memory')
  await assert.rejects(lite.transaction(async () => distributedTransactionCommit(lite)), /QK_DAL_2PC_UNAVAILABLE|SQLite has no prepared/)
  const my = dbs[2]!
  await assert.rejects(my.transaction(async () => { await my.item.insert({ name: 'x' }); await distributedTransactionCommit(my) }), /distributedTransactionBegin \(XA START\)/)
  await assert.rejects(distributedTransactionCommit(dbs[0]!), /no open transaction/)
  assert.deepEqual(await names(my), ['together'], 'the refused transactions rolled back')
})

test('a part that cannot prepare (a deferred unique violation): every part rolled back, a clear error', async () => {
  const a = item(uriA())
  const b = item(uriB())
  const m = item(mysqlDb!.uri)
  await b.executesql('CREATE TABLE dup (v INTEGER UNIQUE DEFERRABLE INITIALLY DEFERRED)')
  const before = await Promise.all([a, b, m].map(names))
  await assert.rejects(inAll([a, b, m], async () => {
    distributedTransactionBegin(a, b, m)
    await a.item.insert({ name: 'doomed' })
    await m.item.insert({ name: 'doomed' })
    await b.executesql('INSERT INTO dup (v) VALUES (1), (1)') // accepted now, refused at PREPARE
    await distributedTransactionCommit(a, b, m)
  }), (e: Error & { code?: string }) => e.code === 'QK_DAL_2PC_FAILED' && /rolled back/.test(e.message) && /dup/.test(e.message))
  assert.deepEqual(await Promise.all([a, b, m].map(names)), before)
  assert.deepEqual(await prepared(), [])
})

async function crash(at: 'prepared' | 'decided'): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'twophase-crash.ts')], {
    env: { ...process.env, QUARK_2PC_URIS: JSON.stringify([uriA(), uriB(), mysqlDb!.uri]), QUARK_TEST_2PC_CRASH: at }, stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (c) => { out += c })
  child.stderr!.on('data', (c) => { out += c })
  const [, signal] = await new Promise<[number | null, string | null]>((r) => child.once('close', (code, sig) => r([code, sig])))
  assert.equal(signal, 'SIGKILL', `the coordinator was to die ${at}: ${out}`)
}

for (const [at, outcome] of [['prepared', 'rolledBack'], ['decided', 'committed']] as const) {
  test(`a coordinator killed ${at === 'prepared' ? 'after phase 1, before the decision' : 'after the decision, before the other parts commit'}: reported at the next start, ${outcome === 'committed' ? 'committed' : 'rolled back'} by distributedTransactionRecover`, async () => {
    const before = await Promise.all([uriA(), uriB(), mysqlDb!.uri].map((u) => names(item(u))))
    await crash(at)
    const left = await prepared()
    assert.equal(left.length, at === 'prepared' ? 3 : 2, left.join(', '))
    // a new process's first connection lists them: here, this process after closing its connections
    await closeAllConnections()
    const lines: string[] = []
    const saved = console.error
    console.error = (...x: unknown[]) => { lines.push(x.join(' ')) }
    try {
      const dbs = [item(uriA()), item(uriB()), item(mysqlDb!.uri)]
      const deadline = Date.now() + 30_000
      while (!lines.some((l) => /prepared transaction\(s\) of distributedTransactionCommit left by a crash on postgres:\/\/postgres@127\.0\.0\.1:\d+\/b/.test(l))) {
        if (Date.now() > deadline) throw new Error(`no report: ${lines.join('\n')}`)
        await new Promise((r) => setTimeout(r, 50))
      }
      const r = await distributedTransactionRecover(dbs, { minAgeMs: 0 })
      assert.equal(r[outcome].length, left.length, JSON.stringify(r))
      assert.deepEqual(r.unresolved, [])
      assert.ok(lines.some((l) => new RegExp(`left by a crash: ${outcome === 'committed' ? 'committed' : 'rolled back'}`).test(l)), lines.join('\n'))
    } finally { console.error = saved }
    assert.deepEqual(await prepared(), [])
    const after = await Promise.all([uriA(), uriB(), mysqlDb!.uri].map((u) => names(item(u))))
    const expected = outcome === 'committed' ? before.map((n) => [...n, 'decided']) : before
    assert.deepEqual(after, expected)
  })
}
