/**
 * server/dal/drivers: which SQLite driver opens a database file. Public surface:
 *
 *   openSqlite(filename)   - a SqliteConnection (types.ts) from the chosen driver
 *   sqliteDriverName()     - 'better-sqlite3' | 'node:sqlite': the one openSqlite uses in this process
 *   SqliteConnection, SqliteStatement, SqliteDriverName
 *
 * The choice: QUARK_SQLITE_DRIVER ('better-sqlite3' or 'node:sqlite') when set;
 * inside the binary node:sqlite (no native addon to build per platform); in a
 * checkout better-sqlite3 when its addon loads in this Node, else node:sqlite
 * (the checkout run on the binaries' Node LTS, whose ABI the addon was not
 * compiled for). Both pass tests/dal/conformance.ts.
 */
import { isSea } from '../../sea'
import { QK_DAL_BAD_VALUE } from '../errors'
import { betterSqlite3Loads, openBetterSqlite3 } from './better-sqlite3'
import { nodeSqliteAvailable, openNodeSqlite } from './node-sqlite'
import type { SqliteConnection, SqliteDriverName } from './types'

export type { SqliteConnection, SqliteStatement, SqliteDriverName } from './types'

let chosen: SqliteDriverName | undefined

export function sqliteDriverName(): SqliteDriverName {
  if (chosen) return chosen
  const asked = process.env.QUARK_SQLITE_DRIVER
  if (asked === 'better-sqlite3' || asked === 'node:sqlite') chosen = asked
  else if (asked) throw new QK_DAL_BAD_VALUE('QUARK_SQLITE_DRIVER', `${asked} (better-sqlite3 or node:sqlite)`)
  else if (isSea()) chosen = 'node:sqlite'
  else chosen = betterSqlite3Loads() || !nodeSqliteAvailable() ? 'better-sqlite3' : 'node:sqlite'
  return chosen
}

export function openSqlite(filename: string, driver: SqliteDriverName = sqliteDriverName()): SqliteConnection {
  return driver === 'node:sqlite' ? openNodeSqlite(filename) : openBetterSqlite3(filename)
}
