import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { stressSuite } from './stress'

stressSuite('sqlite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-sched-stress-db-'))
  return { uri: `sqlite://${path.join(dir, 'scheduler.sqlite')}`, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) }
})
