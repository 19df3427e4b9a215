// Two processes define the same new table at the same instant: exactly one migrates, both write.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import crypto from 'node:crypto'
import pg from 'pg'
import mysql from 'mysql2/promise'
import { DAL, closeAllConnections } from '../../server/dal'

const CHILD = path.join(__dirname, 'fixtures', 'migrate-child.ts')
const folders: string[] = []
after(async () => {
  await closeAllConnections()
  for (const f of folders) fs.rmSync(f, { recursive: true, force: true })
})

function run(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { cwd: path.resolve(__dirname, '../..') })
    let out = '', err = ''
    c.stdout.on('data', (d) => { out += d })
    c.stderr.on('data', (d) => { err += d })
    c.on('exit', (code) => resolve({ code, out, err }))
  })
}

async function race(uri: string, folder: string): Promise<void> {
  const table = `race_${crypto.randomBytes(3).toString('hex')}`
  const startAt = String(Date.now() + 2500)  // both processes have booted by then
  const [a, b] = await Promise.all([run([uri, folder, table, startAt]), run([uri, folder, table, startAt])])
  assert.equal(a.code, 0, a.err)
  assert.equal(b.code, 0, b.err)
  const log = fs.readFileSync(path.join(folder, 'sql.log'), 'utf8')
  const creates = log.split('\n').filter((l) => l.startsWith('CREATE TABLE') && l.includes(table))
  assert.equal(creates.length, 1, log)
  const db = new DAL(uri, { folder })
  const q = uri.startsWith('mysql') ? '`' : '"'
  const rows = await db.executesql(`SELECT COUNT(*) FROM ${q}${table}${q}`)
  assert.equal(Number(rows[0][0]), 2)
  const ph = uri.startsWith('postgres') ? '$1' : '?'
  const snap = await db.executesql(`SELECT COUNT(*) FROM ${q}quark_schema${q} WHERE ${q}tablename${q} = ${ph}`, [table])
  assert.equal(Number(snap[0][0]), 1)
}

test('SQLite: two processes, one migration', async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-dal-race-'))
  folders.push(folder)
  await race('sqlite://race.sqlite', folder)
})

test('PostgreSQL: two processes, one migration', async () => {
  const name = `quark_test_${crypto.randomBytes(5).toString('hex')}`
  const admin = new pg.Client({ host: '127.0.0.1', user: 'postgres', database: 'postgres' })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-dal-race-pg-'))
  folders.push(folder)
  try {
    await race(`postgres://postgres@127.0.0.1:5432/${name}`, folder)
  } finally {
    await closeAllConnections()
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.end()
  }
})

test('MariaDB: two processes, one migration', async () => {
  const name = `quark_test_${crypto.randomBytes(5).toString('hex')}`
  const admin = await mysql.createConnection({ host: '127.0.0.1', user: 'root' })
  await admin.query(`CREATE DATABASE ${name}`)
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-dal-race-my-'))
  folders.push(folder)
  try {
    await race(`mysql://root@127.0.0.1:3306/${name}`, folder)
  } finally {
    await closeAllConnections()
    await admin.query(`DROP DATABASE IF EXISTS ${name}`)
    await admin.end()
  }
})
