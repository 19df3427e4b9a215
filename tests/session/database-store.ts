// The database store's conformance run, shared by the SQLite, PostgreSQL and MySQL test files.
import path from 'node:path'
import { DAL } from '../../server/dal'
import { runInContext, type CurrentState } from '../../server/current'
import { storeConformance } from './stores-conformance'

export function databaseConformance(name: string, uri: () => string, setup?: () => Promise<void>, teardown?: () => Promise<void>): void {
  storeConformance({
    name,
    locks: true,
    config: () => ({ store: 'database', uri: uri(), lockWait: 120_000 }),
    async age(appFolder, id) {
      const db = new DAL(uri(), { folder: path.join(appFolder, 'databases'), migrate: false })
      const q = (sql: string) => runInContext(undefined as unknown as CurrentState, () => db.executesql(sql, [id]))
      await q(name === 'postgres' ? 'UPDATE qk_session SET expires_at = 1 WHERE sid = $1' : 'UPDATE qk_session SET expires_at = 1 WHERE sid = ?')
      return id
    },
    cleanupRemoves: true,
    forged: 'd0123456789abcdef0123456789abcdef',
    setup,
    teardown,
  })
}
