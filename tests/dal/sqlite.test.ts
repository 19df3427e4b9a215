// The conformance suite on SQLite (a file in a temp folder).
import { after, before } from 'node:test'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { closeAllConnections } from '../../server/dal'
import { conformance, type Target } from './conformance'

let target: Target
before(() => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-dal-sqlite-'))
  target = { name: 'sqlite', uri: 'sqlite://storage.sqlite', folder }
})
after(async () => {
  await closeAllConnections()
  fs.rmSync(target.folder, { recursive: true, force: true })
})
conformance(() => target)
