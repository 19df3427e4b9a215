/**
 * appadmin: every app's databases, administered from the admin (one shared
 * app, not a copy in each app). The app's models run in the app's own
 * environment (dbadmin.withAppDatabases); every exported DAL is a database.
 * Queries come from the query box through dbadmin.parseQuery: never SQL.
 * Also the app's pack (download .w2t), install (upload .w2t) and compile.
 *
 *   /admin/appadmin/index/<app>                    databases, tables with counts, pack / compile
 *   /admin/appadmin/select/<app>/<db>?query=...    browse with paging and sorting, SQL shown, update / delete all
 *   /admin/appadmin/insert/<app>/<db>/<table>      /edit/<app>/<db>/<table>/<id>
 *   /admin/appadmin/csv/<app>/<db>[/<table>]       export;  import_csv (POST) the same
 *   /admin/appadmin/sqllog/<app>/<db>              the migration log
 *   /admin/appadmin/pack/<app>  install  compile/<app>
 */
import fs from 'node:fs'
import { dbadminlib } from '../modules/dbadminlib'

const { dbadmin, pack, compile } = dbadminlib

/** A QuarkError (bad query, no table, bad archive...) as an HTTP answer with its own status. */
async function guard<R>(fn: () => Promise<R>): Promise<R> {
  try { return await fn() } catch (e) {
    const err = e as { status?: number; message?: string; code?: string }
    if (typeof err.code === 'string' && err.code.startsWith('QK_') && err.code !== 'QK_HTTP') throw HTTP(err.status ?? 400, admin.errorBody(request, err.status ?? 400, err.message ?? ''))
    throw e
  }
}

function str(v: unknown): string { return typeof v === 'string' ? v : Array.isArray(v) ? String(v[0] ?? '') : '' }

const withDbs = <R>(app: { name: string; folder: string }, fn: (a: any) => Promise<R>) => guard(() => dbadmin.withAppDatabases(app.folder, app.name, fn))

export async function index() {
  const app = appOf()
  response.title = `Database of ${app.name}`
  const dbs = await withDbs(app, async (a) => {
    const out: { name: string; uri: string; tables: { name: string; count: number; fields: { name: string; type: string }[] }[] }[] = []
    for (const [name, db] of a.dbs) out.push({ name, uri: String(db._uri).replace(/\/\/([^:@/]*):[^@]*@/, '//$1:****@'), tables: await dbadmin.tableSummaries(db) })
    return out
  })
  return { appName: app.name, dbs, compiled: compile.isCompiled(app.folder), crumbs: [['Site', adminUrl('default')], [`Database of ${app.name}`, '']] }
}

/** Browse: the query box (default: the table of vars.table), sorting, paging; the SQL shown. */
export async function select() {
  const app = appOf()
  const dbName = String(request.args(1) ?? '')
  const text = str(request.vars.query).trim() || str(request.vars.table)
  const orderby = str(request.vars.orderby) || 'id'
  const desc = str(request.vars.desc) === '1'
  const page = Number(str(request.vars.page)) || 1
  response.title = `${dbName}: ${text}`
  const data = await withDbs(app, async (a) => {
    const db = dbadmin.pickDb(a, dbName, app.name)
    let parsed
    try { parsed = dbadmin.parseQuery(db, text) } catch (e) {
      if ((e as { code?: string }).code !== 'QK_DBADMIN_QUERY') throw e
      return { error: (e as Error).message, tables: db.tables as string[] }
    }
    const p = await dbadmin.browse(db, parsed.table, { query: parsed.query, orderby, desc, page, pageSize: 25 })
    return {
      error: '', tables: db.tables as string[], table: parsed.table._tablename, ...p,
      cells: p.rows.map((r) => p.columns.map((c) => dbadmin.cellText(r[c]))),
      countSql: dbadmin.setOf(db, parsed.table, parsed.query)._count(),
      fields: parsed.table._fieldList.filter((f: any) => f.name !== 'id').map((f: any) => f.name as string),
    }
  })
  return { appName: app.name, dbName, text, data, crumbs: [['Site', adminUrl('default')], [`Database of ${app.name}`, adminUrl('appadmin', 'index', [app.name])], [dbName, '']] }
}

/** The form's fields of a table: name, label, type, input kind and current value. */
function formFields(table: any, row: Record<string, unknown> | null, posted?: Record<string, unknown>) {
  return table._fieldList.filter((f: any) => f.name !== 'id' && f.writable !== false).map((f: any) => {
    const raw = posted ? posted[f.name] : row ? row[f.name] : f.default
    const value = raw === null || raw === undefined || typeof raw === 'function' ? '' : typeof raw === 'object' && !(raw instanceof Date) ? JSON.stringify(raw) : String(raw)
    const kind = f.type === 'boolean' ? 'checkbox' : f.type === 'text' || f.type === 'json' || f.type.startsWith('list:') ? 'textarea' : f.type === 'password' ? 'password' : 'text'
    return { name: f.name as string, label: String(f.label ?? f.name), type: f.type as string, kind, value, checked: raw === true || raw === 'on' || raw === 'T' }
  })
}

/** Posted values for the table's writable fields (checkboxes become booleans, empty → null for non-strings). */
function postedValues(table: any): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of table._fieldList) {
    if (f.name === 'id' || f.writable === false) continue
    const v = request.postVars[f.name]
    if (f.type === 'boolean') out[f.name] = !!v && v !== 'off'
    else if (f.type === 'json' && typeof v === 'string' && v.trim()) { try { out[f.name] = JSON.parse(v) } catch { out[f.name] = v } }
    else out[f.name] = v === undefined ? null : v
  }
  return out
}

async function recordPage(mode: 'insert' | 'edit') {
  const app = appOf()
  const [dbName, tableName] = [String(request.args(1) ?? ''), String(request.args(2) ?? '')]
  const id = mode === 'edit' ? Number(request.args(3)) : 0
  if (mode === 'edit' && !(id > 0)) throw HTTP(400, admin.errorBody(request, 400, 'edit needs a record id'))
  if (request.method === 'POST') changing()
  const result = await guard(() => dbadmin.withAppDatabases(app.folder, app.name, async (a) => {
    const db = dbadmin.pickDb(a, dbName, app.name)
    const table = dbadmin.pickTable(db, dbName, tableName)
    const row = mode === 'edit' ? await table.get(id) : null
    if (mode === 'edit' && !row) return { notFound: true as const }
    if (typeof SQLFORM === 'function') {
      // SQLFORM (forms/) in the app's environment; the admin's CSRF token guards the post, so no form key
      const form = SQLFORM(table, row, { deletable: mode === 'edit', showid: false, hidden: { _csrf: ide.csrf }, _id: 'record-form' })
      await form.process({ session: null })
      if (form.accepted) {
        const deleted = mode === 'edit' && !(await table.get(id))
        return { done: deleted ? `Record ${id} of ${tableName} deleted.` : mode === 'edit' ? `Record ${id} of ${tableName} updated.` : `Record ${form.vars.id} inserted into ${tableName}.` }
      }
      return { formHtml: form.xml() as string, fields: [], errors: {} as Record<string, string> }
    }
    let errors: Record<string, string> = {}
    if (request.method === 'POST') {
      if (mode === 'edit' && request.postVars.delete_this) {
        await db(table.id.eq(id)).delete()
        return { done: `Record ${id} of ${tableName} deleted.` }
      }
      const values = postedValues(table)
      if (mode === 'insert') {
        const r = await table.validateAndInsert(values)
        if (r.id) return { done: `Record ${r.id} inserted into ${tableName}.` }
        errors = r.errors
      } else {
        const r = await table.validateAndUpdate(id, values)
        if (!Object.keys(r.errors).length) return { done: `Record ${id} of ${tableName} updated.` }
        errors = r.errors
      }
      return { fields: formFields(table, row, request.postVars), errors }
    }
    return { fields: formFields(table, row), errors }
  }, { request }))
  if ('notFound' in result) throw HTTP(404, admin.errorBody(request, 404, `no record ${id} in ${tableName}`))
  if ('done' in result) { ide.say(result.done!); redirect(adminUrl('appadmin', 'select', [app.name, dbName], { table: tableName })) }
  response.title = mode === 'edit' ? `${tableName} ${id}` : `New ${tableName}`
  response.view = 'appadmin/record.html'
  return {
    appName: app.name, dbName, tableName, id, mode, fields: result.fields, errors: result.errors, formHtml: 'formHtml' in result ? result.formHtml : '',
    crumbs: [['Site', adminUrl('default')], [`Database of ${app.name}`, adminUrl('appadmin', 'index', [app.name])], [tableName, adminUrl('appadmin', 'select', [app.name, dbName], { table: tableName })], [mode === 'edit' ? `record ${id}` : 'new', '']],
  }
}

export function insert() { return recordPage('insert') }
export function edit() { return recordPage('edit') }

/** POST: update or delete every row the query matches; a first POST without confirm=1 shows what would change. */
export async function update_all() { return changeAll('update') }
export async function delete_all() { return changeAll('delete') }

async function changeAll(kind: 'update' | 'delete') {
  changing()
  const app = appOf()
  const dbName = String(request.args(1) ?? '')
  const text = str(request.postVars.query)
  const field = str(request.postVars.field)
  const value = str(request.postVars.value)
  const confirm = str(request.postVars.confirm) === '1'
  const r = await withDbs(app, async (a) => {
    const db = dbadmin.pickDb(a, dbName, app.name)
    const p = dbadmin.parseQuery(db, text)
    const set = dbadmin.setOf(db, p.table, p.query)
    if (kind === 'update' && (!p.table._fieldMap.has(field) || field === 'id')) throw new dbadmin.QK_DBADMIN_QUERY(`cannot update field ${JSON.stringify(field)} of ${p.table._tablename}`)
    const values = { [field]: value === '' ? null : value }
    const sql = kind === 'update' ? set._update(values) : set._delete()
    if (!confirm) return { count: await set.count(), sql, table: p.table._tablename as string, done: -1 }
    const done = kind === 'update' ? await set.update(values) : await set.delete()
    return { count: done, sql, table: p.table._tablename as string, done }
  })
  if (r.done >= 0) {
    ide.say(`${r.done} record${r.done === 1 ? '' : 's'} of ${r.table} ${kind === 'update' ? 'updated' : 'deleted'}.`)
    redirect(adminUrl('appadmin', 'select', [app.name, dbName], { query: text }))
  }
  response.title = `Confirm ${kind}`
  response.view = 'appadmin/confirm.html'
  return { appName: app.name, dbName, kind, text, field, value, ...r, crumbs: [['Site', adminUrl('default')], [`Database of ${app.name}`, adminUrl('appadmin', 'index', [app.name])], [`confirm ${kind}`, '']] }
}

/** CSV of one table (args: app, db, table) or of the whole database (app, db): spreadsheet-safe unless ?raw=1. */
export async function csv() {
  const app = appOf()
  const [dbName, tableName] = [String(request.args(1) ?? ''), request.args(2)]
  const raw = str(request.vars.raw) === '1'
  const text = await withDbs(app, async (a) => {
    const db = dbadmin.pickDb(a, dbName, app.name)
    return dbadmin.exportCsv(db, tableName ? dbadmin.pickTable(db, dbName, String(tableName)) : null, { raw })
  })
  const fname = `${app.name}.${dbName}${tableName ? '.' + tableName : ''}.csv`.replace(/[^A-Za-z0-9_.-]/g, '_')
  response.headers['Content-Type'] = 'text/csv; charset=utf-8'
  response.headers['Content-Disposition'] = `attachment; filename="${fname}"`
  return text
}

/** POST: import a CSV (an uploaded file `csvfile` or the text `csvtext`) into a table or the whole database. */
export async function import_csv() {
  changing()
  const app = appOf()
  const [dbName, tableName] = [String(request.args(1) ?? ''), request.args(2)]
  const upload = request.files.find((f: { field: string }) => f.field === 'csvfile')
  const text = upload && upload.size ? fs.readFileSync(upload.path, 'utf8') : str(request.postVars.csvtext)
  if (!text.trim()) throw HTTP(400, admin.errorBody(request, 400, 'No CSV given: choose a file or paste the text.'))
  await withDbs(app, async (a) => {
    const db = dbadmin.pickDb(a, dbName, app.name)
    await dbadmin.importCsv(db, tableName ? dbadmin.pickTable(db, dbName, String(tableName)) : null, text)
  })
  ide.say(`CSV imported into ${tableName ? tableName : dbName}.`)
  redirect(tableName ? adminUrl('appadmin', 'select', [app.name, dbName], { table: String(tableName) }) : adminUrl('appadmin', 'index', [app.name]))
}

export async function sqllog() {
  const app = appOf()
  const dbName = String(request.args(1) ?? '')
  const log = await withDbs(app, async (a) => dbadmin.sqlLog(dbadmin.pickDb(a, dbName, app.name)))
  response.title = `sql.log of ${dbName}`
  return { appName: app.name, dbName, log, crumbs: [['Site', adminUrl('default')], [`Database of ${app.name}`, adminUrl('appadmin', 'index', [app.name])], ['sql.log', '']] }
}

/** The app as a .w2t download (?databases=1, ?uploads=1 to include them). */
export function pack_app() {
  const app = appOf()
  const data = attempt(() => pack.packApp(app.folder, { databases: str(request.vars.databases) === '1', uploads: str(request.vars.uploads) === '1' }))
  throw HTTP(200, data, { 'Content-Type': 'application/octet-stream', 'Content-Disposition': `attachment; filename="quark.app.${app.name}.w2t"` })
}

/** GET: the install form; POST: a .w2t upload (field `w2t`) or a local `path` installed under `name`. */
export async function install() {
  response.title = 'Install an app'
  if (request.method !== 'POST') return { error: '', name: '', path: '', crumbs: [['Site', adminUrl('default')], ['Install', '']] }
  changing()
  const name = str(request.postVars.name)
  const upload = request.files.find((f: { field: string }) => f.field === 'w2t')
  let error = ''
  try {
    // an uploaded file, or a .w2t already on this machine (a local path, never a URL)
    const local = str(request.postVars.path).trim()
    let data: Buffer
    if (upload && upload.size) data = fs.readFileSync(upload.path)
    else if (local) {
      if (!local.endsWith('.w2t') || !fs.statSync(local, { throwIfNoEntry: false })?.isFile()) throw new Error(`No .w2t file at ${local}`)
      data = fs.readFileSync(local)
    } else throw new Error('Choose a .w2t file to upload, or give the path of one on this machine.')
    const r = pack.unpackApp(data, ide.applications, name)
    ide.say(`Installed ${name} (${r.files} files).`)
  } catch (e) { error = (e as Error).message }
  if (!error) redirect(adminUrl('default'))
  response.status = 400
  return { error, name, path: str(request.postVars.path), crumbs: [['Site', adminUrl('default')], ['Install', '']] }
}

/** POST: compile the app (remove=1: delete the compiled form). */
export function compile_app() {
  changing()
  const app = appOf()
  if (str(request.postVars.remove) === '1') {
    compile.removeCompiled(app.folder)
    ide.say(`${app.name} runs from its sources again.`)
  } else {
    const r = attempt(() => compile.compileApp(app.folder))
    ide.say(`${app.name} compiled: ${r.files} files.`)
  }
  // the design page's "Remove the compiled form" comes back to the design page
  if (str(request.postVars.back) === 'design') redirect(adminUrl('design', 'index', [app.name]))
  redirect(adminUrl('appadmin', 'index', [app.name]))
}
