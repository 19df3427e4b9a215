/**
 * The app the hostile cases attack: `rel`, with a database holding a secret
 * row (it must never leak) and a sentinel count (it must never change), an
 * upload table for downloads, forms for CSRF, the DAL operators, the grid
 * and every HTML output path for XSS, and Auth.
 */
export const SECRET = 'TOPSECRET-42'
export const FILE_SECRET = 'QUARK-FILE-SECRET-7f3a'

/** Rows of `thing` the SQL cases are computed against. */
export const THINGS = ['alpha', 'beta', 'gamma', "O'Brien", 'a%b', 'a_b', 'back\\slash', 'quote"d', 'semi;colon', '']

const MODEL = `
// QUARK_REL_HOSTILE_DB: the SQL injection cases run on PostgreSQL too
export const db = new DAL(process.env.QUARK_REL_HOSTILE_DB || 'sqlite://storage.sqlite')
db.defineTable('thing', Field('name', 'string'), Field('qty', 'integer'), Field('doc', 'upload'))
db.defineTable('secret', Field('value', 'string'))
export const mail = new Mail({ server: 'logging', sender: 'noreply@example.com' })
export const auth = new Auth(db, { mailer: mail, jwtSecret: 'a-reliability-secret-of-32-chars!' })
auth.defineTables()
`

const PAGE = (inner: string) => `'<!doctype html><html><head><meta charset="utf-8"><title>t</title></head><body>' + ${inner} + '</body></html>'`

const DEFAULT = `
export function index() { return 'rel index' }
export async function seed() {
  if (await db(db.thing).count()) return 'already'
  for (const [i, name] of ${JSON.stringify(THINGS)}.entries()) await db.thing.insert({ name, qty: i })
  await db.secret.insert({ value: '${SECRET}' })
  return 'seeded'
}
/** The sentinel: counts that no hostile request may change. */
export async function sentinel() {
  const names = [...await db(db.thing).select(db.thing.id, db.thing.name, db.thing.qty, { orderby: db.thing.id })].map((r: any) => [r.id, r.name, r.qty])
  const users = [...await db(db.auth_user).select({ orderby: db.auth_user.id })].map((u: any) => [u.id, u.first_name, u.email, u.password])
  return response.json({ things: names.length, secrets: await db(db.secret).count(), users: users.length, digest: JSON.stringify([names, users]) })
}
export function download() { return DOWNLOAD(request, db) }
export async function upload() {
  const form = SQLFORM(db.thing, null, { fields: ['name', 'doc'] })
  await form.process()
  if (form.accepted) return 'STORED ' + (await db.thing(form.vars.id)).doc
  return ${PAGE('String(form)')}
}
export async function user() { return ${PAGE("String(await auth.form())")} }
export const secret = auth.requiresLogin(() => 'secret area of ' + auth.user!.email)
export function echo() {
  const files = (request.files ?? []).map((f: any) => [f.field, f.size])
  return response.json({ vars: Object.keys(request.postVars ?? {}).length, body: request.body ? request.body.length : 0, files, proto: String(({} as any).polluted) })
}
export function boom() { throw new Error('a ticket on purpose') }
export function redir() { redirect(String(request.vars.u ?? '/')) }
export function counter() { session.n = (Number(session.n) || 0) + 1; return 'n=' + session.n }
`

/** Forms: each answers ACCEPTED only when its form was accepted (the CSRF cases expect REJECTED). */
const FORMS = `
export async function plain() {
  const form = FORM(INPUT({ _name: 'x' }), INPUT({ _type: 'submit' }))
  await form.process()
  return form.accepted ? 'ACCEPTED' : ${PAGE("'REJECTED ' + String(form)")}
}
export async function create() {
  const form = SQLFORM(db.thing, null, { fields: ['name', 'qty'] })
  await form.process()
  return form.accepted ? 'ACCEPTED' : ${PAGE("'REJECTED ' + String(form)")}
}
export async function edit() {
  const form = SQLFORM(db.thing, 1, { fields: ['name', 'qty'], deletable: true })
  await form.process()
  return form.accepted ? 'ACCEPTED' : ${PAGE("'REJECTED ' + String(form)")}
}
export async function factory() {
  const form = SQLFORM.factory(Field('email', 'string'), Field('age', 'integer'))
  await form.process()
  return form.accepted ? 'ACCEPTED' : ${PAGE("'REJECTED ' + String(form)")}
}
export async function grid() { return ${PAGE('String(await SQLFORM.grid(db.thing, { fields: [db.thing.name, db.thing.qty] }))')} }
`

/**
 * The DAL operators with the payload as the operand. The payload is stored as a row first, so an
 * operator that treats it as data finds it; the rows are then compared with the same filter in
 * JavaScript, and the row removed. ok=false, a 500 or a changed sentinel is an injection.
 */
const SQLI = `
function str(v: unknown): string { return typeof v === 'string' ? v : Array.isArray(v) ? String(v[0] ?? '') : '' }
const JS: Record<string, (name: string, v: string) => boolean> = {
  eq: (n, v) => n === v, ne: (n, v) => n !== v,
  lt: (n, v) => n < v, le: (n, v) => n <= v, gt: (n, v) => n > v, ge: (n, v) => n >= v,
  contains: (n, v) => n.toLowerCase().includes(v.toLowerCase()),
  containsCase: (n, v) => n.includes(v),
  startsWith: (n, v) => n.startsWith(v), endsWith: (n, v) => n.endsWith(v),
  belongs: (n, v) => [v, 'alpha'].includes(n),
  lowerEq: (n, v) => n.toLowerCase() === v.toLowerCase(), upperEq: (n, v) => n.toUpperCase() === v.toUpperCase(),
  lenEq: (n, v) => n.length === v.length,
  notEq: (n, v) => n !== v, orEq: (n, v) => n === v || n === 'beta', andNe: (n, v) => n === v && n !== 'alpha' + v,
  like: (n, v) => n === v || n !== v, ilike: (n, v) => n === v || n !== v,
}
function query(op: string, v: string) {
  const f = db.thing.name
  switch (op) {
    case 'eq': return f.eq(v)
    case 'ne': return f.ne(v)
    case 'lt': return f.lt(v)
    case 'le': return f.le(v)
    case 'gt': return f.gt(v)
    case 'ge': return f.ge(v)
    case 'contains': return f.contains(v)
    case 'containsCase': return f.contains(v, { caseSensitive: true })
    case 'startsWith': return f.startsWith(v)
    case 'endsWith': return f.endsWith(v)
    case 'belongs': return f.belongs([v, 'alpha'])
    case 'lowerEq': return f.lower().eq(v.toLowerCase())
    case 'upperEq': return f.upper().eq(v.toUpperCase())
    case 'lenEq': return f.len().eq(v.length)
    case 'notEq': return f.eq(v).not()
    case 'orEq': return f.eq(v).or(f.eq('beta'))
    case 'andNe': return f.eq(v).and(f.ne('alpha' + v))
    case 'like': return f.like(v)
    case 'ilike': return f.ilike(v)
  }
  throw HTTP(400, 'unknown op ' + op)
}
export async function op() {
  const o = str(request.vars.op), v = str(request.vars.v)
  const id = await db.thing.insert({ name: v, qty: -1 })
  try {
    const got = [...await db(query(o, v)).select(db.thing.id, db.thing.name, { orderby: db.thing.id })].map((r: any) => r.id)
    const all = [...await db(db.thing).select(db.thing.id, db.thing.name, { orderby: db.thing.id })]
    // like/ilike: the pattern's own semantics are the database's; what must hold is that the stored payload matches itself
    const expected = o === 'like' || o === 'ilike' ? got : all.filter((r: any) => r.name !== null && JS[o]!(r.name, v)).map((r: any) => r.id)
    const selfFound = o === 'like' || o === 'ilike' ? got.includes(id) : true
    return response.json({ ok: selfFound && JSON.stringify(got) === JSON.stringify(expected), got, expected })
  } finally {
    await db(db.thing.id.eq(id)).delete()
  }
}
/** A payload used as a value for insert and update: it must come back exactly. */
export async function roundtrip() {
  const v = str(request.vars.v)
  const id = await db.thing.insert({ name: v, qty: -2 })
  await db(db.thing.id.eq(id)).update({ name: v + v })
  const back = ([...await db(db.thing.id.eq(id)).select(db.thing.name)][0] as any)?.name
  await db(db.thing.id.eq(id)).delete()
  return response.json({ ok: back === v + v, back })
}
export async function grid() { return ${PAGE('String(await SQLFORM.grid(db.thing, { fields: [db.thing.name, db.thing.qty], csv: true }))')} }
`

/** Each action puts request.vars.v through one output path of the framework. */
const XSS = `
function str(v: unknown): string { return typeof v === 'string' ? v : Array.isArray(v) ? String(v[0] ?? '') : '' }
const v = () => str(request.vars.v)
const page = (inner: unknown) => ${PAGE('String(inner)')}
export function view() { return { v: v() } }
export function helper_div() { return page(DIV(v())) }
export function helper_attr() { return page(DIV('x', { _title: v(), _class: v(), _id: v(), _lang: v() })) }
export function helper_a() { return page(A('link', { _href: v() })) }
export function helper_img() { return page(IMG({ _src: v(), _alt: v() })) }
export function helper_input() { return page(INPUT({ _name: 'q', _value: v() })) }
export function helper_textarea() { return page(TEXTAREA(v(), { _name: 'q' })) }
export function helper_option() { return page(SELECT(OPTION(v(), { _value: v() }), { _name: 'q' })) }
export function xml_sanitize() { return page(XML(v(), { sanitize: true })) }
export function markmin() { return page(MARKMIN(v())) }
export function markdown() { return page(MARKDOWN(v())) }
export function beautify() { return page(BEAUTIFY({ key: v(), list: [v()] })) }
export function translated() { return page(SPAN(T(v()))) }
export function url_var() { return page(A('x', { _href: URL('xss', 'index', { vars: { q: v() } }) })) }
export function url_arg() { return page(A('x', { _href: URL('xss', 'index', { args: [v()] }) })) }
export function flash() { response.flash = v(); return { } }
export function title() { response.title = v(); return { } }
export async function form_error() {
  const form = FORM(INPUT({ _name: 'q', requires: IS_INT_IN_RANGE(0, 10, { errorMessage: 'bad number' }) }), INPUT({ _type: 'submit' }))
  await form.process({ session: null })
  return page(form)
}
export async function sqlform_value() {
  const mem = new DAL('sqlite://memory')
  mem.defineTable('row', Field('name', 'string'))
  const id = await mem.row.insert({ name: v() })
  return page(await SQLFORM(mem.row, id).prepare())
}
export async function grid_cell() {
  const mem = new DAL('sqlite://memory')
  mem.defineTable('row', Field('name', 'string'))
  await mem.row.insert({ name: v() })
  return page(await SQLFORM.grid(mem.row, { fields: [mem.row.name] }))
}
export function json() { return { v: v() } }
/** CSV for spreadsheets: the generic .csv view of rows holding v. */
export function rows_csv() { return [{ name: v(), n: 1 }] }
/** The control: raw output, which the checker must find active. */
export function raw_control() { return page(XML(v())) }
`

const VIEW_LAYOUT = `<!doctype html><html><head><meta charset="utf-8"><title>{{=response.title || 'rel'}}</title></head><body><div class="flash">{{=response.flash || ''}}</div>{{include}}</body></html>`

export function hostileApp(): Record<string, string> {
  return {
    'models/db.ts': MODEL,
    'controllers/default.ts': DEFAULT,
    'controllers/forms.ts': FORMS,
    'controllers/sqli.ts': SQLI,
    'controllers/xss.ts': XSS,
    'views/layout.html': VIEW_LAYOUT,
    'views/xss/view.html': `{{extend 'layout.html'}}<p>{{=v}}</p><p title="{{=v}}">t</p><a href="/rel/x?q={{=v}}">l</a>`,
    'views/xss/flash.html': `{{extend 'layout.html'}}<p>flash</p>`,
    'views/xss/title.html': `{{extend 'layout.html'}}<p>title</p>`,
    'static/hello.txt': 'hello static\n',
    'private/secret.txt': FILE_SECRET + '\n',
    'uploads/README.txt': 'uploads\n',
  }
}
