// The conformance suite on PostgreSQL (127.0.0.1:5432, a database created for the run and dropped after).
import { after, before } from 'node:test'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import crypto from 'node:crypto'
import pg from 'pg'
import { closeAllConnections } from '../../server/dal'
import { conformance, type Target } from './conformance'

const name = `quark_test_${crypto.randomBytes(5).toString('hex')}`
let target: Target
const admin = () => new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' })

before(async () => {
  const c = admin(); await c.connect(); await c.query(`CREATE DATABASE ${name}`); await c.end()
  target = { name: 'postgres', uri: `postgres://postgres@127.0.0.1:5432/${name}`, folder: fs.mkdtempSync(path.join(os.tmpdir(), 'quark-dal-pg-')) }
})
after(async () => {
  await closeAllConnections()
  const c = admin(); await c.connect(); await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); await c.end()
  fs.rmSync(target.folder, { recursive: true, force: true })
})
conformance(() => target)
