// The file store (the default) through the conformance suite: two processes on one applications folder.
import fs from 'node:fs'
import path from 'node:path'
import { storeConformance } from './stores-conformance'

storeConformance({
  name: 'file',
  locks: true,
  config: () => ({ lockWait: 120_000 }),
  async age(appFolder, id) {
    const old = new Date(Date.now() - 2 * 86400_000)
    fs.utimesSync(path.join(appFolder, 'sessions', `${id}.json`), old, old)
    return id
  },
  cleanupRemoves: true,
  forged: 'abcdef0123456789abcdef0123456789',
})
