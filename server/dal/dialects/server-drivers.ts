/**
 * The PostgreSQL and MySQL drivers, loaded on first use: `pg` and `mysql2` add about 15 MB of
 * resident memory each to a process (measured: node alone 39 MB, + pg 15, + mysql2 16), and a
 * process whose apps use SQLite only never needs them (issue 21: memory). `require` with a literal
 * name, so the binary's bundler still includes them.
 */
import type { ConnectionInfo } from '../uri'
import type { Driver } from './base'

export function serverDriver(info: ConnectionInfo, poolSize: number): Driver {
  if (info.dialect === 'postgres') {
    const { PostgresDriver } = require('./postgres') as typeof import('./postgres')
    return new PostgresDriver(info.key, info, poolSize)
  }
  const { MysqlDriver } = require('./mysql') as typeof import('./mysql')
  return new MysqlDriver(info.key, info, poolSize)
}
