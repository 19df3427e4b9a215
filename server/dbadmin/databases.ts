/**
 * An app's databases as the admin sees them: its models run in the app's own
 * environment (environment/appShellEnvironment), and every exported value
 * that is a DAL instance is one database. Work on them runs inside that
 * environment and is committed (or rolled back on error) at the end.
 */
import fs from 'node:fs'
import path from 'node:path'
import { DAL, type Table } from '../dal'
import { appShellEnvironment } from '../environment'
import { currentState } from '../current'
import { QK_DBADMIN_NO_DB, QK_DBADMIN_NO_TABLE } from './errors'

export interface AppDatabases {
  /** exported name → DAL, in export order */
  dbs: Map<string, DAL>
  /** the app's environment after its models ran */
  env: Record<string, unknown>
}

/** The DAL instances among the exported names of an environment. */
export function databasesIn(env: Record<string, unknown>): Map<string, DAL> {
  const out = new Map<string, DAL>()
  for (const k of Object.keys(env)) {
    const v = env[k]
    if (v instanceof DAL) out.set(k, v)
  }
  return out
}

/**
 * Run the app's models, then `fn` with its databases, inside the app's
 * request state: commit when fn resolves, roll back when it throws.
 * `request` (the admin's) replaces the run's offline request, for SQLFORM.
 */
export async function withAppDatabases<R>(appFolder: string, appName: string, fn: (a: AppDatabases) => Promise<R>, opts: { request?: unknown } = {}): Promise<R> {
  const sh = await appShellEnvironment(appFolder, appName)
  try {
    const result = await sh.run(() => {
      // forms processed here (SQLFORM) read the admin's request: its method and posted fields
      const state = currentState()
      if (state && opts.request) state.request = opts.request
      return fn({ dbs: databasesIn(sh.env), env: sh.env })
    })
    await sh.commit()
    return result
  } catch (e) {
    await sh.rollback().catch(() => {})
    throw e
  } finally {
    await sh.close()
  }
}

export function pickDb(a: AppDatabases, name: string, appName: string): DAL {
  const db = a.dbs.get(name)
  if (!db) throw new QK_DBADMIN_NO_DB(name, appName)
  return db
}

export function pickTable(db: DAL, dbName: string, table: string): Table {
  if (!(db.tables as string[]).includes(table)) throw new QK_DBADMIN_NO_TABLE(table, dbName)
  return db[table] as Table
}

export interface TableSummary { name: string; count: number; fields: { name: string; type: string }[] }

/** Every table of db with its row count (a table whose query fails shows count -1). */
export async function tableSummaries(db: DAL): Promise<TableSummary[]> {
  const out: TableSummary[] = []
  for (const name of db.tables as string[]) {
    const t = db[name] as Table
    let count = -1
    try { count = await db(t).count() } catch { /* a broken table still lists */ }
    out.push({ name, count, fields: t._fieldList.map((f) => ({ name: f.name, type: f.type })) })
  }
  return out
}

/** The migration log of db (sql.log in its folder), '' when there is none; the tail when it is large. */
export function sqlLog(db: DAL, maxBytes = 200_000): string {
  const folder = db._folder
  if (!folder) return ''
  const file = path.join(folder, 'sql.log')
  let st: fs.Stats
  try { st = fs.statSync(file) } catch { return '' }
  if (st.size <= maxBytes) return fs.readFileSync(file, 'utf8')
  const fd = fs.openSync(file, 'r')
  try {
    const buf = Buffer.alloc(maxBytes)
    fs.readSync(fd, buf, 0, maxBytes, st.size - maxBytes)
    return `... (${st.size - maxBytes} earlier bytes left out)\n` + buf.toString('utf8')
  } finally { fs.closeSync(fd) }
}
