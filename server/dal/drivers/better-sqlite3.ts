/**
 * better-sqlite3, the checkout's SQLite driver on the Node it was compiled
 * for. Its Database is the seam's SqliteConnection as it is; inside the
 * binary server/sea loads it (the native addon cannot ride in a binary built
 * for another platform, so the binaries use node:sqlite: see index.ts).
 */
import { loadBetterSqlite3 } from '../../sea'
import type { SqliteConnection } from './types'

export function openBetterSqlite3(filename: string): SqliteConnection {
  return new (loadBetterSqlite3())(filename) as unknown as SqliteConnection
}

/** Whether better-sqlite3's addon loads in this Node (it is compiled for one ABI: Node 20's in a checkout). */
export function betterSqlite3Loads(): boolean {
  try {
    const db = new (loadBetterSqlite3())(':memory:')
    db.close()
    return true
  } catch {
    return false
  }
}
