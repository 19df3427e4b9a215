/**
 * Record versioning (web2py's `_enable_record_versioning`): an archive table
 * `<table>_archive` with the same fields plus `current_record`, and a copy of
 * each record as it was, stored before every update or delete of it.
 *
 * The DAL has no update/delete hooks yet, so this room wraps
 * DALSet.update/delete once; the wrapper does nothing for tables that did not
 * enable versioning (one property read). When the DAL grows hooks, only
 * `installHook` changes.
 */
import { DALSet, FieldClass, Field, Table, type Expression } from '../dal'
import { QK_AUTH_BAD_OPTION } from './errors'

const ARCHIVE = Symbol.for('quark.auth.archive')

interface ArchiveSpec { archive: string; currentRecord: string }

export interface VersioningOptions {
  /** name of the archive table (default <table>_archive) */
  archiveName?: string
  /** name of the field pointing back to the current record (default current_record) */
  currentRecord?: string
}

/** Define the archive table of `table` and archive its records before each change. Returns the archive table. */
export function enableRecordVersioning(table: Table, o: VersioningOptions = {}): Table {
  if (!table || typeof table !== 'object' || !('_tablename' in table)) throw new QK_AUTH_BAD_OPTION('table', 'enableRecordVersioning(table) needs a table of a DAL')
  const db = table._db
  const archive = o.archiveName ?? `${table._tablename}_archive`
  const currentRecord = o.currentRecord ?? 'current_record'
  if (table._fieldMap.has(currentRecord)) throw new QK_AUTH_BAD_OPTION('currentRecord', `${table._tablename} already has a field ${currentRecord}`)
  if (!db.tables.includes(archive)) {
    const copies = table._fieldList.filter((f: InstanceType<typeof FieldClass>) => f.name !== 'id').map((f: InstanceType<typeof FieldClass>) =>
      // no unique or notnull constraints in the archive: it holds many versions of one record
      Field(f.name, f.type, { length: f.length, label: f.label, readable: f.readable, writable: false, requires: null, ondelete: f.ondelete as never }))
    // an integer, not a reference: the history of a deleted record must survive it
    db.defineTable(archive, Field(currentRecord, 'integer', { label: 'Current record' }), ...copies)
  }
  ;(table as unknown as Record<symbol, ArchiveSpec>)[ARCHIVE] = { archive, currentRecord }
  installHook()
  return db[archive] as Table
}

/** The one table a set updates or deletes from, or undefined. */
function setTable(set: DALSet): Table | undefined {
  if (set.baseTable) return set.baseTable
  const found = new Set<Table>()
  const walk = (e: unknown): void => {
    if (!e || typeof e !== 'object') return
    if (e instanceof FieldClass) { if (e.table) found.add(e.table); return }
    walk((e as Expression).left)
    walk((e as Expression).right)
  }
  walk(set.query)
  return found.size === 1 ? [...found][0] : undefined
}

/** Copy the records of the set, as they are now, into the archive. */
export async function archiveRecords(set: DALSet): Promise<number> {
  const table = setTable(set)
  const spec = table && (table as unknown as Record<symbol, ArchiveSpec | undefined>)[ARCHIVE]
  if (!table || !spec) return 0
  const target = table._db[spec.archive] as Table
  const rows = await set.select(...table._fieldList)
  for (const r of rows) {
    const values: Record<string, unknown> = { [spec.currentRecord]: r.id }
    for (const f of table._fieldList) if (f.name !== 'id') values[f.name] = r[f.name]
    await target.insert(values)
  }
  return rows.length
}

let installed = false
function installHook(): void {
  if (installed) return
  installed = true
  const proto = DALSet.prototype as unknown as { update: (v: Record<string, unknown>) => Promise<number>; delete: () => Promise<number> }
  const update = proto.update
  const del = proto.delete
  proto.update = async function (this: DALSet, values: Record<string, unknown>) {
    await archiveRecords(this)
    return update.call(this, values)
  }
  proto.delete = async function (this: DALSet) {
    await archiveRecords(this)
    return del.call(this)
  }
}

// web2py's spelling, `db.thing.enableRecordVersioning()`, for apps (tables are `any` there);
// typed code calls enableRecordVersioning(table). Left alone if the DAL ever defines it.
const tableProto = Table.prototype as unknown as Record<string, unknown>
if (!('enableRecordVersioning' in tableProto)) {
  Object.defineProperty(tableProto, 'enableRecordVersioning', {
    value(this: Table, o?: VersioningOptions) { return enableRecordVersioning(this, o) },
    enumerable: false, configurable: true, writable: true,
  })
}
