/**
 * dbadmin/: database administration for the admin IDE (appadmin).
 *
 *   parseQuery(db, text) → { query, table }     the query box: `thing.value > 3 and thing.name like 'a%'` → DAL Query (never SQL)
 *   withAppDatabases(appFolder, appName, fn)     run the app's models, fn({ dbs, env }) in its environment; commit / roll back
 *   databasesIn(env), pickDb, pickTable          the exported DAL instances of an environment
 *   tableSummaries(db) → [{ name, count, fields }]
 *   browse(db, table, { query, orderby, desc, page, pageSize }) → one page + the SQL shown
 *   setOf(db, table, query), cellText(v)
 *   sqlLog(db)                                   the migration log of a database
 *   exportCsv(db, table | null, { raw })       the download: spreadsheet-safe (formula cells neutralised) unless raw
 *   importCsv(db, table | null, text)           the upload: restores what exportCsv neutralised
 */
export * from './errors'
export { parseQuery, type ParsedQuery } from './query'
export { withAppDatabases, databasesIn, pickDb, pickTable, tableSummaries, sqlLog, type AppDatabases, type TableSummary } from './databases'
export { browse, setOf, cellText, type BrowseOptions, type BrowsePage } from './browse'
export { exportCsv, importCsv, type CsvDownloadOptions } from './csv'

// The admin app reaches this room, pack/ and compile/ through admin/modules/dbadminlib.ts, which looks
// here first (a bundled server has no .ts files beside admin/ to load).
import * as surface from './index'
import * as pack from '../pack'
import * as compile from '../compile'
;(globalThis as unknown as Record<symbol, unknown>)[Symbol.for('quark.dbadminlib')] ??= { dbadmin: surface, pack, compile }
