/**
 * Browsing a table: one page of the rows a query selects, sorted by a field
 * the table really has, with the SQL the DAL ran shown beside it.
 */
import type { DAL, Table, Query } from '../dal'
import { QK_DBADMIN_QUERY } from './errors'

export interface BrowseOptions {
  query: Query | null
  /** a field name of the table; unknown names are refused */
  orderby?: string
  desc?: boolean
  page?: number
  pageSize?: number
}

export interface BrowsePage {
  columns: string[]
  rows: Record<string, unknown>[]
  total: number
  page: number
  pages: number
  pageSize: number
  /** the SELECT as text (parameters inlined for display only) */
  sql: string
  orderby: string
  desc: boolean
}

export function setOf(db: DAL, table: Table, query: Query | null) {
  return query ? db(query) : db(table)
}

export async function browse(db: DAL, table: Table, o: BrowseOptions): Promise<BrowsePage> {
  const pageSize = Math.min(Math.max(1, Math.floor(o.pageSize ?? 25)), 500)
  const orderby = o.orderby || 'id'
  const field = table._fieldMap.get(orderby)
  if (!field) throw new QK_DBADMIN_QUERY(`cannot sort by ${JSON.stringify(orderby)}: table ${table._tablename} has no such field`)
  const set = setOf(db, table, o.query)
  const total = await set.count()
  const pages = Math.max(1, Math.ceil(total / pageSize))
  const page = Math.min(Math.max(1, Math.floor(o.page ?? 1)), pages)
  const fields = table._fieldList
  const opts = { orderby: o.desc ? field.desc() : field, limitby: [(page - 1) * pageSize, page * pageSize] as [number, number] }
  const rows = await set.select(...fields, opts)
  const sql = set._select(...fields, opts)
  const columns = fields.map((f) => f.name)
  return {
    columns,
    rows: [...rows].map((r: Record<string, unknown>) => Object.fromEntries(columns.map((c) => [c, r[c]]))),
    total, page, pages, pageSize, sql, orderby, desc: !!o.desc,
  }
}

/** A cell as short display text (objects as JSON, blobs by size, long text cut). */
export function cellText(v: unknown, max = 80): string {
  if (v === null || v === undefined) return ''
  let s: string
  if (Buffer.isBuffer(v)) s = `<${v.length} bytes>`
  else if (v instanceof Date) s = v.toISOString().replace('T', ' ').slice(0, 19)
  else if (typeof v === 'object') s = JSON.stringify(v)
  else s = String(v)
  return s.length > max ? s.slice(0, max - 1) + '…' : s
}
