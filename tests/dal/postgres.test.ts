// The conformance suite on PostgreSQL (127.0.0.1:5432, a database created for the run and dropped after).
import { after, before } from 'node:test'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { closeAllConnections } from '../../server/dal'
import { conformance, type Target } from './conformance'
import { createTestDatabase, type TestDatabase } from '../helpers/databases'

let target: Target
let database: TestDatabase

before(async () => {
  database = await createTestDatabase('postgres')
  target = { name: 'postgres', uri: database.uri, folder: fs.mkdtempSync(path.join(os.tmpdir(), 'quark-dal-pg-')) }
})
after(async () => {
  await closeAllConnections()
  await database.drop()
  fs.rmSync(target.folder, { recursive: true, force: true })
})
conformance(() => target)
