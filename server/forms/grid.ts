/**
 * SQLFORM.grid(query | table, opts) and SQLFORM.smartgrid(table, opts): a
 * table of records with keyword search and a small query builder, sortable
 * columns, pagination, view / edit / create / delete pages and CSV export.
 *
 * The grid's actions live in request.args after `opts.args`:
 * `new/<table>`, `view/<table>/<id>`, `edit/<table>/<id>`,
 * `delete/<table>/<id>`. Their links are signed (URL hmac with a key kept in
 * the session) and an unsigned or tampered action URL is refused with 403,
 * so a grid action cannot be forged from another site or another session.
 * Search, sort and page are plain GET vars.
 *
 * Both are async (they query the database), so: `const grid = await SQLFORM.grid(db.thing)`.
 */
import { randomBytes } from 'node:crypto'
import { current } from '../current/index'
import {
  A, BUTTON, DIV, FORM as HFORM, H3, INPUT, LI, NAV, OPTION, SELECT, SPAN, TABLE, TBODY, TD, TH, THEAD, TR, UL, URL,
  XmlElement, type Component,
} from '../html/index'
import { HTTP, redirect } from '../http/index'
import { csvCell } from '../dal/index'
import { FORM, T } from './form'
import { SQLFORM, type SqlFormOptions } from './sqlform'
import { QK_FORMS_BAD_TABLE } from './errors'
import { formatValue, representValue, type FieldLike } from './widgets'
import { removeUpload } from './uploads'

type Row = Record<string, any>
type Flag = boolean | ((row: Row) => boolean)

export interface GridOptions {
  /** fields shown as columns (Field objects or names; default the readable fields) */
  fields?: Array<FieldLike | string>
  orderby?: unknown
  /** extra columns: { header, body(row) } */
  links?: Array<{ header: Component; body: (row: Row) => Component }>
  editable?: Flag
  deletable?: Flag
  create?: boolean
  details?: Flag
  searchable?: boolean
  csv?: boolean
  /**
   * the CSV export as stored: by default a cell starting with = + - @ tab or CR (a spreadsheet formula,
   * CSV injection) gets a leading ' (OWASP's advice); true turns that off, for files read by programs
   */
  exportRaw?: boolean
  /** rows per page (default 20) */
  paginate?: number
  /** request.args before the grid's own (when the action uses args itself) */
  args?: unknown[]
  headers?: Record<string, Component>
  /** options for the create / edit / view forms */
  formOptions?: SqlFormOptions
  /** longest text shown in a cell */
  maxtextlength?: number
  /** smartgrid: tables not linked as children */
  linkedTables?: string[]
}

const ACTIONS = new Set(['new', 'view', 'edit', 'delete'])
const OPS: Record<string, string> = { '=': 'eq', '!=': 'ne', '<': 'lt', '>': 'gt', '<=': 'le', '>=': 'ge', contains: 'contains', 'starts with': 'startsWith' }

function gridKey(): string {
  const session = current.session as Record<string, unknown> | undefined
  if (!session) throw HTTP(403, 'The grid needs a session')
  if (typeof session._gridKey !== 'string') session._gridKey = randomBytes(24).toString('hex')
  return session._gridKey as string
}

function tableOf(q: any): any {
  if (!q || typeof q !== 'object') return undefined
  if (q._tablename && q._fieldList) return q
  if (q.table && q.table._tablename) return q.table
  return tableOf(q.left) ?? tableOf(q.right)
}

function flag(f: Flag | undefined, row: Row, dflt: boolean): boolean {
  if (f === undefined) return dflt
  return typeof f === 'function' ? f(row) : f
}

interface Ctx {
  request: any
  fn: string
  prefix: string[]
  table: any
  db: any
  key: string
  o: GridOptions
}

function gridUrl(c: Ctx, args: unknown[] = [], vars?: Record<string, unknown>): string {
  return URL(c.fn, { args: [...c.prefix, ...args], vars })
}
function signedUrl(c: Ctx, args: unknown[]): string {
  return URL(c.fn, { args: [...c.prefix, ...args], hmacKey: c.key, hashVars: false })
}

/** Parse `table.field op value [and ...]` typed in the keyword box; undefined when it is plain keywords. */
function parseQuery(c: Ctx, text: string, fields: any[]): any {
  const parts = text.split(/\s+and\s+/i)
  let q: any
  for (const p of parts) {
    const m = /^\s*(\w+)\.(\w+)\s*(!=|<=|>=|=|<|>|contains|starts with)\s*"?(.*?)"?\s*$/i.exec(p)
    if (!m || m[1] !== c.table._tablename) return undefined
    const f = fields.find((x) => x.name === m[2])
    if (!f) return undefined
    const one = f[OPS[m[3]!.toLowerCase()]!](m[4])
    q = q ? q.and(one) : one
  }
  return q
}

function keywordQuery(c: Ctx, keywords: string, fields: any[]): any {
  const parsed = parseQuery(c, keywords, fields)
  if (parsed) return parsed
  let q: any
  for (const word of keywords.split(/\s+/).filter(Boolean)) {
    let any: any
    for (const f of fields) {
      let one: any
      if (f.type === 'string' || f.type === 'text' || f.type.startsWith('list:string')) one = f.contains(word)
      else if ((f.type === 'integer' || f.type === 'id') && /^-?\d+$/.test(word)) one = f.eq(Number(word))
      // bigint and decimal compare exactly: the word goes to the DAL as text, never through a float
      else if (f.type === 'bigint' && /^-?\d+$/.test(word)) one = f.eq(word)
      else if (f.type.startsWith('decimal') && /^-?\d+(\.\d+)?$/.test(word)) one = f.eq(word)
      else if (f.type === 'double' && /^-?\d+(\.\d+)?$/.test(word)) one = f.eq(Number(word))
      if (one) any = any ? any.or(one) : one
    }
    if (!any) return c.table._fieldMap.get('id').eq(-1)
    q = q ? q.and(any) : any
  }
  return q
}

function builderQuery(c: Ctx, vars: Record<string, any>, fields: any[]): any {
  const f = fields.find((x) => x.name === vars.qf)
  const op = OPS[String(vars.qo ?? '')]
  if (!f || !op || vars.qv === undefined || vars.qv === '') return undefined
  let v: unknown = String(vars.qv)
  if (['integer', 'double', 'id'].includes(f.type) || f.type.startsWith('reference')) v = Number(v)
  return f[op](v)
}

/** a CSV cell of the export, spreadsheet-safe unless the grid's exportRaw says otherwise */
function exportCell(v: unknown, raw: boolean): string {
  return csvCell(v === null || v === undefined ? '' : String(v), !raw)
}

async function referenceLabels(c: Ctx, fields: any[], rows: Row[]): Promise<Map<string, Map<string, string>>> {
  const out = new Map<string, Map<string, string>>()
  for (const f of fields) {
    if (!f.referenced || f.type.startsWith('list:') || f.represent) continue
    const ref = c.db[f.referenced]
    const ids = [...new Set(rows.map((r) => r[f.name]).filter((x) => x !== null && x !== undefined))]
    const m = new Map<string, string>()
    if (ref && ids.length) for (const r of await c.db(ref.id.belongs(ids)).select()) m.set(String(r.id), ref._represent(r))
    out.set(f.name, m)
  }
  return out
}

function cell(c: Ctx, f: any, row: Row, refs: Map<string, Map<string, string>>): Component {
  const v = row[f.name]
  const label = refs.get(f.name)?.get(String(v))
  if (label !== undefined) return label
  const shown = representValue(f, v, row)
  const max = c.o.maxtextlength ?? 64
  if (typeof shown === 'string' && shown.length > max) return shown.slice(0, max - 3) + '...'
  return shown
}

/** The list page: toolbar, table, pager. */
async function listPage(c: Ctx, baseQuery: any): Promise<XmlElement> {
  const { o, table, request } = c
  const vars = request.getVars ?? request.vars ?? {}
  const fields: any[] = (o.fields ?? table._fieldList.filter((f: any) => f.readable && f.name !== 'id'))
    .map((f: FieldLike | string) => (typeof f === 'string' ? table._fieldMap.get(f) : f))
  if (fields.some((f) => !f)) throw new QK_FORMS_BAD_TABLE('grid', 'unknown field in fields')
  const idField = table._fieldMap.get('id')
  let query = baseQuery
  const keywords = typeof vars.keywords === 'string' ? vars.keywords.trim() : ''
  const and = (q: any) => { if (q) query = query ? query.and(q) : q }
  if (o.searchable !== false) {
    if (keywords) and(keywordQuery(c, keywords, [idField, ...fields]))
    and(builderQuery(c, vars, fields))
    // no field chosen ("All fields"): the value is looked for in every field, as keywords are
    if (!vars.qf && typeof vars.qv === 'string' && vars.qv.trim()) and(keywordQuery(c, vars.qv.trim(), [idField, ...fields]))
  }
  const set = query ? c.db(query) : c.db(table)
  // sort: order=table.field or ~table.field, only on shown fields
  let orderby = o.orderby
  const order = typeof vars.order === 'string' ? vars.order : ''
  const om = /^(~?)(\w+)\.(\w+)$/.exec(order)
  const of = om && om[2] === table._tablename ? fields.find((f) => f.name === om[3]) ?? (om[3] === 'id' ? idField : undefined) : undefined
  if (of) orderby = om![1] ? of.desc() : of
  const selectFields = [idField, ...fields.filter((f) => f.name !== 'id')]
  if (vars._export_type === 'csv' && o.csv !== false) {
    const all = await set.select(...selectFields, { orderby: orderby ?? idField, limitby: [0, 100000] })
    const raw = o.exportRaw === true
    const header = selectFields.map((f) => exportCell(`${table._tablename}.${f.name}`, raw)).join(',')
    const lines = [...all].map((r: Row) => selectFields.map((f) => exportCell(r[f.name] === null || r[f.name] === undefined ? '' : formatValue(f, r[f.name]), raw)).join(','))
    throw HTTP(200, [header, ...lines].join('\r\n') + '\r\n', {
      'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="${table._tablename}.csv"`,
    })
  }
  const count = await set.count()
  const per = Math.max(1, o.paginate ?? 20)
  const pages = Math.max(1, Math.ceil(count / per))
  const page = Math.min(pages, Math.max(1, Number.parseInt(String(vars.page ?? '1'), 10) || 1))
  const rows = [...await set.select(...selectFields, { orderby: orderby ?? idField, limitby: [(page - 1) * per, page * per] })] as Row[]
  const refs = await referenceLabels(c, fields, rows)
  const keep = (extra: Record<string, unknown>) => {
    const v: Record<string, unknown> = {}
    for (const k of ['keywords', 'order', 'qf', 'qo', 'qv']) if (vars[k] !== undefined && vars[k] !== '') v[k] = vars[k]
    return { ...v, ...extra }
  }
  // header: sortable columns
  const ths: Component[] = fields.map((f) => {
    const key = `${table._tablename}.${f.name}`
    const active = order.replace(/^~/, '') === key
    const next = active && !order.startsWith('~') ? '~' + key : key
    const arrow = active ? (order.startsWith('~') ? ' \u25bc' : ' \u25b2') : ''
    return TH(A(String(o.headers?.[f.name] ?? T(f.label)), arrow, { _href: gridUrl(c, [], keep({ order: next })), _class: 'quark-sort' }))
  })
  for (const l of o.links ?? []) ths.push(TH(l.header))
  ths.push(TH(''))
  const trs = rows.map((r) => {
    const tds: Component[] = fields.map((f) => TD(cell(c, f, r, refs)))
    for (const l of o.links ?? []) tds.push(TD(l.body(r)))
    const buttons: Component[] = []
    if (flag(o.details, r, true)) buttons.push(A(T('View'), { _href: signedUrl(c, ['view', table._tablename, r.id]), _class: 'btn btn-sm btn-outline-secondary quark-view' }))
    if (flag(o.editable, r, true)) buttons.push(A(T('Edit'), { _href: signedUrl(c, ['edit', table._tablename, r.id]), _class: 'btn btn-sm btn-outline-primary quark-edit' }))
    if (flag(o.deletable, r, true)) buttons.push(A(T('Delete'), { _href: signedUrl(c, ['delete', table._tablename, r.id]), _class: 'btn btn-sm btn-outline-danger quark-delete' }))
    tds.push(TD(DIV(buttons, { _class: 'd-flex gap-1 justify-content-end' })))
    return TR(tds, { _id: `${table._tablename}_${r.id}`, _class: 'quark-grid-row' })
  })
  const toolbar: Component[] = []
  if (o.searchable !== false) {
    const fieldOpts = fields.map((f) => OPTION(String(T(f.label)), { _value: f.name, _selected: vars.qf === f.name ? 'selected' : undefined }))
    const opOpts = Object.keys(OPS).map((k) => OPTION(k, { _value: k, _selected: vars.qo === k ? 'selected' : undefined }))
    toolbar.push(HFORM(
      INPUT({ _name: 'keywords', _value: keywords, _placeholder: T('Search'), _class: 'form-control form-control-sm', _id: 'quark-grid-keywords', _style: 'width:14em' }),
      // "All fields" is the first choice and selected until a field is picked: a value then searches every field
      SELECT(OPTION(T('All fields'), { _value: '', _selected: vars.qf ? undefined : 'selected' }), fieldOpts, { _name: 'qf', _class: 'form-select form-select-sm', _style: 'width:auto' }),
      SELECT(opOpts, { _name: 'qo', _class: 'form-select form-select-sm', _style: 'width:auto' }),
      INPUT({ _name: 'qv', _value: typeof vars.qv === 'string' ? vars.qv : '', _class: 'form-control form-control-sm', _style: 'width:10em', _placeholder: T('value') }),
      order ? INPUT({ _type: 'hidden', _name: 'order', _value: order }) : '',
      BUTTON(T('Search'), { _type: 'submit', _class: 'btn btn-sm btn-primary', _id: 'quark-grid-search' }),
      A(T('Clear'), { _href: gridUrl(c), _class: 'btn btn-sm btn-outline-secondary' }),
      { _method: 'get', _action: gridUrl(c), _enctype: undefined, _class: 'd-flex gap-1 align-items-center quark-grid-search' }))
  }
  if (o.create !== false) toolbar.push(A(T('Add record'), { _href: signedUrl(c, ['new', table._tablename]), _class: 'btn btn-sm btn-success quark-new' }))
  if (o.csv !== false) toolbar.push(A(T('Export CSV'), { _href: gridUrl(c, [], keep({ _export_type: 'csv' })), _class: 'btn btn-sm btn-outline-secondary quark-csv' }))
  const pager: Component[] = []
  if (pages > 1) {
    const item = (p: number, label: Component, active = false) =>
      LI(A(label, { _href: gridUrl(c, [], keep({ page: p })), _class: 'page-link' }), { _class: 'page-item' + (active ? ' active' : '') })
    if (page > 1) pager.push(item(page - 1, '\u00ab', false))
    for (let p = Math.max(1, page - 4); p <= Math.min(pages, page + 4); p++) pager.push(item(p, String(p), p === page))
    if (page < pages) pager.push(item(page + 1, '\u00bb', false))
  }
  return DIV(
    DIV(toolbar, { _class: 'd-flex flex-wrap gap-2 mb-2 align-items-center quark-grid-toolbar' }),
    DIV(T('%s records found', [count]), { _class: 'quark-grid-count text-muted small mb-1' }),
    DIV(TABLE(THEAD(TR(ths)), TBODY(trs), { _class: 'table table-sm table-striped table-hover quark-grid-table' }), { _class: 'table-responsive' }),
    pages > 1 ? NAV(UL(pager, { _class: 'pagination pagination-sm' }), { _class: 'quark-grid-pager' }) : '',
    { _class: 'quark-grid' })
}

/** view / edit / new / delete pages; redirect back to the list when done. */
async function actionPage(c: Ctx, action: string, tablename: string, id: string | undefined): Promise<XmlElement> {
  if (!URL.verify(c.request, { hmacKey: c.key, hashVars: false })) throw HTTP(403, 'Not authorized: invalid or missing grid signature')
  const { table, o } = c
  if (tablename !== table._tablename) throw HTTP(404, 'No such table in this grid')
  const back = gridUrl(c)
  const backButton = A(T('Back'), { _href: back, _class: 'btn btn-sm btn-outline-secondary mb-2 quark-back' })
  const session = current.session as Record<string, unknown> | undefined
  const record = action === 'new' ? null : await table.get(Number(id))
  if (action !== 'new' && !record) throw HTTP(404, 'No such record')
  if (action === 'new') {
    if (o.create === false) throw HTTP(403, 'Create not allowed')
    const form = await SQLFORM(table, null, { ...o.formOptions, formname: `${tablename}/grid/new` }).process()
    if (form.accepted) { if (session) session.flash = T('Record created'); redirect(back) }
    return DIV(backButton, H3(T('New %s', [T(table._singular)])), form, { _class: 'quark-grid quark-grid-new' })
  }
  if (action === 'view') {
    if (!flag(o.details, record, true)) throw HTTP(403, 'Details not allowed')
    const form = await SQLFORM(table, record, { ...o.formOptions, readonly: true }).prepare()
    return DIV(backButton, H3(T(table._singular), ' ', SPAN('#' + record.id, { _class: 'text-muted' })), form, { _class: 'quark-grid quark-grid-view' })
  }
  if (action === 'edit') {
    if (!flag(o.editable, record, true)) throw HTTP(403, 'Edit not allowed')
    const form = await SQLFORM(table, record, { deletable: flag(o.deletable, record, true), ...o.formOptions, formname: `${tablename}/grid/edit/${record.id}` }).process()
    if (form.accepted) { if (session) session.flash = form.deleted ? T('Record deleted') : T('Record updated'); redirect(back) }
    return DIV(backButton, H3(T('Edit %s', [T(table._singular)]), ' ', SPAN('#' + record.id, { _class: 'text-muted' })), form, { _class: 'quark-grid quark-grid-edit' })
  }
  // delete: a confirmation form (POST with a form key), never a GET that deletes
  if (!flag(o.deletable, record, true)) throw HTTP(403, 'Delete not allowed')
  const form = FORM(
    DIV(T('Delete record #%s?', [record.id]), { _class: 'mb-3' }),
    BUTTON(T('Delete'), { _type: 'submit', _class: 'btn btn-danger', _id: 'quark-confirm-delete' }), ' ',
    A(T('Cancel'), { _href: back, _class: 'btn btn-outline-secondary' }))
  await form.process({ formname: `${tablename}/grid/delete/${record.id}` })
  if (form.accepted) {
    await c.db(table._fieldMap.get('id').eq(record.id)).delete()
    for (const f of table._fieldList) if (f.type === 'upload' && f.autodelete) await removeUpload(record[f.name], { folder: f.uploadfolder, uploadseparate: f.uploadseparate })
    if (session) session.flash = T('Record deleted')
    redirect(back)
  }
  return DIV(backButton, form, { _class: 'quark-grid quark-grid-delete' })
}

function makeCtx(table: any, o: GridOptions, prefix: string[]): Ctx {
  const request = current.request
  if (!request) throw HTTP(500, 'grid outside a request')
  return { request, fn: request.function, prefix, table, db: table._db, key: gridKey(), o }
}

/** SQLFORM.grid(query | table, opts). */
export async function grid(query: any, o: GridOptions = {}): Promise<XmlElement> {
  const table = tableOf(query)
  if (!table || !table._db) throw new QK_FORMS_BAD_TABLE('grid', 'needs a table or a query on one table')
  const baseQuery = query === table ? null : query
  const prefix = (o.args ?? []).map(String)
  const c = makeCtx(table, o, prefix)
  const rest: string[] = [...c.request.args].slice(prefix.length)
  if (rest.length && ACTIONS.has(rest[0]!)) return actionPage(c, rest[0]!, rest[1] ?? '', rest[2])
  return listPage(c, baseQuery)
}

/**
 * SQLFORM.smartgrid(table, opts): the grid of `table` with, on each row,
 * links to the records of every table that references it; following one
 * shows that child table's grid restricted to the parent (args
 * `<table>/<child.field>/<id>`), where new records get the parent by default.
 */
export async function smartgrid(table: any, o: GridOptions = {}): Promise<XmlElement> {
  if (!table?._db) throw new QK_FORMS_BAD_TABLE('smartgrid', 'needs a table')
  const db = table._db
  const request = current.request
  const base = (o.args ?? []).map(String)
  const args: string[] = [...(request?.args ?? [])].slice(base.length)
  let prefix = [...base, table._tablename]
  let current_t = table
  let query: any = null
  const trail: Component[] = [A(T(table._plural), { _href: URL(request.function, { args: prefix }) })]
  let i = args[0] === table._tablename ? 1 : 0
  while (i + 1 < args.length && /^\w+\.\w+$/.test(args[i]!) && /^\d+$/.test(args[i + 1]!)) {
    const [tn, fn] = args[i]!.split('.') as [string, string]
    const child = db.tables.includes(tn) ? db[tn] : undefined
    const f = child?._fieldMap.get(fn)
    if (!f || f.referenced !== current_t._tablename) throw HTTP(404, 'No such link')
    const parentId = Number(args[i + 1])
    query = f.eq(parentId)
    f.default = parentId
    f.writable = false
    prefix = [...prefix, args[i]!, args[i + 1]!]
    trail.push(' / ', A(`${T(child._plural)} (${current_t._singular} #${parentId})`, { _href: URL(request.function, { args: prefix }) }))
    current_t = child
    i += 2
  }
  const parentName = current_t._tablename
  const children: Array<[string, string]> = []
  for (const tn of db.tables as string[]) {
    if (o.linkedTables && !o.linkedTables.includes(tn)) continue
    for (const f of db[tn]._fieldList) if (f.referenced === parentName && !f.type.startsWith('list:')) children.push([tn, f.name])
  }
  const links = [...(o.links ?? [])]
  for (const [tn, fn] of children) {
    links.push({ header: T(db[tn]._plural), body: (row: Row) => A(T(db[tn]._plural), { _href: URL(request.function, { args: [...prefix, `${tn}.${fn}`, row.id] }), _class: 'quark-child-link' }) })
  }
  const inner = await grid(query ?? current_t, { ...o, args: prefix, links, fields: current_t === table ? o.fields : undefined })
  return DIV(NAV(trail, { _class: 'quark-grid-trail mb-2' }), inner, { _class: 'quark-smartgrid' })
}

SQLFORM.grid = grid
SQLFORM.smartgrid = smartgrid
