import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { schedulerSuite } from './suite'

schedulerSuite('sqlite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-sched-db-'))
  return { uri: `sqlite://${path.join(dir, 'scheduler.sqlite')}`, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) }
})
