// The conformance suite on MariaDB/MySQL (root@127.0.0.1:3306, a database created for the run and dropped after).
import { after, before } from 'node:test'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import crypto from 'node:crypto'
import mysql from 'mysql2/promise'
import { closeAllConnections } from '../../server/dal'
import { conformance, type Target } from './conformance'

const name = `quark_test_${crypto.randomBytes(5).toString('hex')}`
let target: Target
const admin = () => mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' })

before(async () => {
  const c = await admin(); await c.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4`); await c.end()
  target = { name: 'mysql', uri: `mysql://root@127.0.0.1:3306/${name}`, folder: fs.mkdtempSync(path.join(os.tmpdir(), 'quark-dal-my-')) }
})
after(async () => {
  await closeAllConnections()
  const c = await admin(); await c.query(`DROP DATABASE IF EXISTS ${name}`); await c.end()
  fs.rmSync(target.folder, { recursive: true, force: true })
})
conformance(() => target)
