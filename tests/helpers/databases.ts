/**
 * Throwaway server databases for tests: a database with a unique name on the
 * local PostgreSQL (postgres@127.0.0.1:5432, trust) or MariaDB
 * (root@127.0.0.1:3306), its DAL URI, and a drop() for the test's after().
 *
 *   const pgdb = await createTestDatabase('postgres', 'auth')
 *   new DAL(pgdb.uri, { folder })
 *   after(() => pgdb.drop())
 */
import crypto from 'node:crypto'
import pg from 'pg'
import mysql from 'mysql2/promise'

export type ServerDialect = 'postgres' | 'mysql'

export interface TestDatabase {
  kind: ServerDialect
  name: string
  /** the DAL connection URI */
  uri: string
  /** drop the database (connections still open are closed first on PostgreSQL) */
  drop(): Promise<void>
}

/** A unique name: quark_test_<prefix>_<random>, safe as an SQL identifier. */
export function testDatabaseName(prefix = ''): string {
  if (prefix && !/^[a-z0-9_]+$/.test(prefix)) throw new Error(`bad test database prefix: ${prefix}`)
  return `quark_test_${prefix ? prefix + '_' : ''}${crypto.randomBytes(5).toString('hex')}`
}

async function onPostgres(sql: string): Promise<void> {
  const c = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' })
  await c.connect()
  try { await c.query(sql) } finally { await c.end() }
}

async function onMysql(sql: string): Promise<void> {
  const c = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' })
  try { await c.query(sql) } finally { await c.end() }
}

export async function createTestDatabase(kind: ServerDialect, prefix = '', name = testDatabaseName(prefix)): Promise<TestDatabase> {
  if (kind === 'postgres') {
    await onPostgres(`CREATE DATABASE ${name}`)
    return { kind, name, uri: `postgres://postgres@127.0.0.1:5432/${name}`, drop: () => onPostgres(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) }
  }
  await onMysql(`CREATE DATABASE ${name} CHARACTER SET utf8mb4`)
  return { kind, name, uri: `mysql://root@127.0.0.1:3306/${name}`, drop: () => onMysql(`DROP DATABASE IF EXISTS ${name}`) }
}
