/**
 * The DAL's public surface.
 *
 *   DAL                 new DAL('sqlite://storage.sqlite' | 'postgres://...' | 'mysql://...', { folder, poolSize, migrate, fakeMigrate })
 *   Field               Field(name, type, options); Field.Virtual(name, fn); Field.Method(name, fn)
 *   closeAllConnections graceful shutdown
 *   new DAL([uri, ...], { pool, replicas })  failover in order and read replicas (cluster.ts)
 *   distributedTransactionBegin/Commit/Recover(db1, db2)  two-phase commit across databases (twophase.ts),
 *                       also DAL.distributedTransactionCommit as in web2py
 *   Table, DALSet, Rows, Row, Query, Expression, SelectOptions, FieldOptions, TableOptions (types)
 *   parseUri            URI → connection facts (used by tools that show the connection)
 *   LazyTableSpec       what db.defineLazyTables(specs, ctx) takes (db.defineLazyTable(name, fields, after?, ctx?) for one)
 *   csvCell, neutraliseFormulaCell, restoreFormulaCell   CSV cells, spreadsheet-safe (formula injection) or exact
 *
 * CSV: db/table/rows.exportToCsv() are exact data dumps (importFromCsv reads them back); files meant
 * for spreadsheets pass { spreadsheetSafe: true } (the grid and the admin's download do).
 *
 * Transactions: inside a request every database joins the request's
 * transaction (committed when the action returns, rolled back when it
 * throws). Outside a request statements autocommit, except inside
 * `db.transaction(async () => ...)`. `db.commit()` / `db.rollback()` act on
 * the open transaction.
 */
export { DAL, closeAllConnections, type DALOptions, type LazyTableSpec } from './dal'
export { FieldFn as Field, Field as FieldClass, VirtualField, MethodField, type FieldOptions, type Validator } from './field'
export { Table, type TableOptions, type JoinSpec } from './table'
export { DALSet, type SelectOptions } from './set'
export { Rows, type Row } from './rows'
export { Expression, Query, type SubSelect } from './expression'
export { parseUri, type ConnectionInfo } from './uri'
export { distributedTransactionBegin, distributedTransactionCommit, distributedTransactionRecover, type RecoverResult } from './twophase'
export { parseCsv, csvCell, neutraliseFormulaCell, restoreFormulaCell, type CsvExportOptions, type CsvImportOptions } from './csv'
export type { LikeOptions } from './like'
export type { ContainsOptions, ContainsValue, AffixOptions } from './expression'
export * as dalErrors from './errors'

import { DAL as DALClass } from './dal'
import { FieldFn } from './field'
/** The names models, controllers and views see without imports (environment/names.ts). */
export function dalNames(): Record<string, unknown> {
  return { DAL: DALClass, Field: FieldFn }
}
