/** Parsing of DAL connection URIs: sqlite://file, postgres://user:pw@host:port/db, mysql://user:pw@host:port/db. */
import path from 'node:path'
import { QK_DAL_BAD_URI } from './errors'

export type DialectName = 'sqlite' | 'postgres' | 'mysql'

export interface ConnectionInfo {
  dialect: DialectName
  /** sqlite: absolute file path or ':memory:' */
  filename?: string
  host?: string
  port?: number
  user?: string
  password?: string
  database?: string
  /** process-level cache key of the connection (pool) */
  key: string
}

/** `folder` is where a relative sqlite file lives (the app's databases/ folder). */
export function parseUri(uri: string, folder: string): ConnectionInfo {
  if (typeof uri !== 'string') throw new QK_DAL_BAD_URI(String(uri))
  const m = /^([a-z0-9]+):\/\/(.*)$/i.exec(uri)
  if (!m) throw new QK_DAL_BAD_URI(uri)
  const scheme = m[1].toLowerCase()
  const rest = m[2]
  if (scheme === 'sqlite') {
    if (!rest) throw new QK_DAL_BAD_URI(uri)
    // web2py spells an in-memory database `sqlite:memory`; `sqlite://memory` must not become a file named memory
    if (rest === ':memory:' || rest === 'memory') return { dialect: 'sqlite', filename: ':memory:', key: `sqlite::memory:` }
    const filename = path.resolve(folder, rest)
    return { dialect: 'sqlite', filename, key: `sqlite:${filename}` }
  }
  const dialect: DialectName | undefined =
    scheme === 'postgres' || scheme === 'postgresql' ? 'postgres' : scheme === 'mysql' || scheme === 'mariadb' ? 'mysql' : undefined
  if (!dialect) throw new QK_DAL_BAD_URI(uri)
  let url: URL
  try { url = new URL(`${dialect}://${rest}`) } catch { throw new QK_DAL_BAD_URI(uri) }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''))
  if (!database || !url.hostname) throw new QK_DAL_BAD_URI(uri)
  const info: ConnectionInfo = {
    dialect,
    host: url.hostname,
    port: url.port ? Number(url.port) : dialect === 'postgres' ? 5432 : 3306,
    user: decodeURIComponent(url.username) || (dialect === 'postgres' ? 'postgres' : 'root'),
    password: decodeURIComponent(url.password),
    database,
    key: '',
  }
  info.key = `${dialect}://${info.user}@${info.host}:${info.port}/${database}`
  return info
}
