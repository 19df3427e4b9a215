/**
 * The test app shared by the forms tests: a table with every widget kind,
 * actions for FORM, SQLFORM create/update/delete, factory, uploads and the
 * grids, and a tiny multipart encoder (what a browser sends).
 */
import { randomBytes } from 'node:crypto'

export const PAGE = (body: string) => `'<!doctype html><html><head><meta charset="utf-8"><title>grid</title>' +
  '<link rel="stylesheet" href="/_quark/bootstrap.min.css"></head><body class="container py-3">' +
  '<div id="flash">' + escapeHtml(String(response.flash ?? '')) + '</div>' + ${body} + '</body></html>'`

export const FORMS_APP = {
  'models/db.ts': `
export const db = new DAL('sqlite://storage.sqlite')
db.defineTable('owner', Field('name', 'string', { requires: IS_NOT_EMPTY() }), { format: '%(name)s' })
db.defineTable('thing',
  Field('name', 'string', { requires: IS_NOT_EMPTY() }),
  Field('qty', 'integer', { default: 1 }),
  Field('kind', 'string', { requires: IS_IN_SET(['a', 'b']), default: 'a' }),
  Field('active', 'boolean'),
  Field('owner', 'reference owner'),
  Field('doc', 'upload', { autodelete: true, uploadMaxSize: 200000 }),
  { format: '%(name)s' })
`,
  'controllers/default.ts': `
export async function plain() {
  const form = FORM(INPUT({ _name: 'x', requires: IS_NOT_EMPTY() }), INPUT({ _name: 'n', requires: IS_INT_IN_RANGE(1, 10) }), INPUT({ _type: 'submit' }))
  await form.process()
  if (form.accepted) return 'ACCEPTED ' + JSON.stringify(form.vars)
  return String(form)
}
export async function two() {
  const a = await FORM(INPUT({ _name: 'a', requires: IS_NOT_EMPTY() })).process({ formname: 'first' })
  const b = await FORM(INPUT({ _name: 'b', requires: IS_NOT_EMPTY() })).process({ formname: 'second' })
  return (a.accepted ? 'A-OK ' : '') + (b.accepted ? 'B-OK ' : '') + String(a) + String(b)
}
export async function create() {
  const form = SQLFORM(db.thing)
  await form.process()
  if (form.accepted) return 'CREATED ' + form.vars.id
  return String(form)
}
export async function table3() {
  const form = await SQLFORM(db.thing, null, { formstyle: 'table3cols', fields: ['name', 'qty'] }).process()
  return String(form)
}
export async function edit() {
  const form = SQLFORM(db.thing, request.args(0), { deletable: true, detectRecordChange: true })
  await form.process()
  if (form.accepted) return (form.deleted ? 'DELETED ' : 'UPDATED ') + form.vars.id
  return String(form)
}
export async function show() {
  return String(await SQLFORM(db.thing, request.args(0), { readonly: true }).prepare())
}
export async function custom() {
  const form = await SQLFORM(db.thing, null, { fields: ['name'] }).process()
  if (form.accepted) return 'CUSTOM ' + form.vars.id
  return String(form.custom.begin) + '<p>' + String(form.custom.widget.name) + '</p>' + String(form.custom.submit) + String(form.custom.end)
}
export async function factory() {
  const form = SQLFORM.factory(Field('email', 'string', { requires: IS_EMAIL() }), Field('age', 'integer'))
  await form.process()
  if (form.accepted) return 'FACTORY ' + JSON.stringify(form.vars)
  return String(form)
}
export async function forgetful() {
  session.forget()
  return String(await FORM(INPUT({ _name: 'x' })).process())
}
export async function seed() {
  const o1 = await db.owner.insert({ name: 'Ann' })
  const o2 = await db.owner.insert({ name: 'Bob' })
  const names = ['Lamp', 'Chair', 'Table', 'Desk', 'Sofa', 'Bed', 'Shelf']
  for (let i = 0; i < names.length; i++) await db.thing.insert({ name: names[i], qty: i + 1, kind: i % 2 ? 'b' : 'a', owner: i < 4 ? o1 : o2 })
  return 'SEEDED'
}
export async function opts() {
  const form = FORM(INPUT({ _name: 'x', requires: IS_NOT_EMPTY() }), INPUT({ _name: 'y' }))
  await form.process({
    keepvalues: request.vars.keep === '1', hideerror: request.vars.hide === '1',
    onvalidation: (f: any) => { if (f.vars.y === 'bad') f.errors.y = 'y may not be bad' },
    onsuccess: (f: any) => { response.flash = 'saved ' + f.vars.x },
  })
  return 'flash=' + response.flash + ' accepted=' + form.accepted + ' errors=' + JSON.stringify(form.errors) + ' ' + String(form)
}
export function unprepared() { return String(SQLFORM(db.thing)) }
export function syncform() { return String(SQLFORM(db.owner)) }
export async function gridflags() {
  db.thing.name.represent = (v: string) => v.toUpperCase()
  const g = await SQLFORM.grid(db.thing.qty.gt(2), {
    fields: ['name', 'qty'], editable: false, deletable: (r: any) => r.qty > 5, create: false, details: false, csv: false, searchable: false,
    orderby: db.thing.qty.desc(), links: [{ header: 'Double', body: (r: any) => SPAN(String(r.qty * 2), { _class: 'dbl' }) }],
  })
  return String(g)
}
export async function list() { return JSON.stringify((await db(db.thing).select()).asList()) }
export function download() { return DOWNLOAD(request, db) }
export async function grid() {
  const g = await SQLFORM.grid(db.thing, { paginate: 3, fields: [db.thing.name, db.thing.qty, db.thing.kind, db.thing.owner] })
  return ${PAGE('String(g)')}
}
export async function smart() {
  const g = await SQLFORM.smartgrid(db.owner, { paginate: 5 })
  return ${PAGE('String(g)')}
}
`,
}

export function formKey(html: string, formname?: string): string {
  const re = /<form[\s\S]*?<\/form>/g
  for (const m of html.match(re) ?? []) {
    if (formname && !m.includes(`name="_formname" type="hidden" value="${formname}"`)) continue
    const k = /name="_formkey" type="hidden" value="([^"]+)"/.exec(m)
    if (k) return k[1]!
  }
  throw new Error('no form key in page: ' + html.slice(0, 500))
}

export function formName(html: string): string {
  const m = /name="_formname" type="hidden" value="([^"]+)"/.exec(html)
  if (!m) throw new Error('no form name in page')
  return m[1]!.replace(/&#x2F;|&#47;/g, '/')
}

export interface FilePart { filename: string; data: Buffer; type?: string }

/** multipart/form-data as a browser sends it. */
export function multipart(fields: Record<string, string | FilePart>): { body: Buffer; headers: Record<string, string> } {
  const boundary = '----quarkform' + randomBytes(8).toString('hex')
  const parts: Buffer[] = []
  for (const [name, v] of Object.entries(fields)) {
    if (typeof v === 'string') {
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${v}\r\n`))
    } else {
      const fname = v.filename.replace(/"/g, '%22')
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${fname}"\r\nContent-Type: ${v.type ?? 'application/octet-stream'}\r\n\r\n`, 'utf8'), v.data, Buffer.from('\r\n'))
    }
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`))
  return { body: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

/** A controller for checkbox and radio option widgets. */
export const OPTION_WIDGETS = `
export async function boxes() {
  const form = SQLFORM.factory(
    Field('colors', 'list:string', { requires: IS_IN_SET(['red', 'green', 'blue'], { multiple: true }), widget: 'checkboxes', default: ['green'] }),
    Field('size', 'string', { requires: IS_IN_SET(['S', 'M', 'L']), widget: 'radio' }))
  await form.process({ keepvalues: true })
  return (form.accepted ? 'OK ' + JSON.stringify(form.vars) + ' ' : '') + String(form)
}`
