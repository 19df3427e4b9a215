/**
 * The app of the load and fault runs: `load`, on the database named by the
 * server process's QUARK_REL_DB_URI (SQLite in the app's databases/ by
 * default). /hit inserts a row, selects the last 10 and counts the request
 * in the session; /insert only inserts; /pair inserts two rows in one
 * request (the fault runs check that none is ever half-written); /cached
 * goes through cache.redis.
 */
export function loadApp(): Record<string, string> {
  return {
    'models/db.ts': `
export const db = new DAL(process.env.QUARK_REL_DB_URI || 'sqlite://load.sqlite')
db.defineTable('hit', Field('token', 'string'), Field('conn', 'integer'), Field('n', 'integer'))
db.defineTable('pair', Field('token', 'string'), Field('part', 'integer'))
`,
    'controllers/default.ts': `
function str(v: unknown): string { return typeof v === 'string' ? v : '' }
export async function hit() {
  const id = await db.hit.insert({ token: str(request.vars.t), conn: Number(request.vars.c) || 0, n: 0 })
  const rows = await db(db.hit).select(db.hit.id, db.hit.token, { orderby: db.hit.id.desc(), limitby: [0, 10] })
  session.n = (Number(session.n) || 0) + 1
  return response.json({ id, n: session.n, rows: rows.length })
}
export async function insert() {
  const id = await db.hit.insert({ token: str(request.vars.t), conn: 0, n: 0 })
  return response.json({ id })
}
export async function pair() {
  const t = str(request.vars.t)
  await db.pair.insert({ token: t, part: 1 })
  await db.pair.insert({ token: t, part: 2 })
  return response.json({ ok: true })
}
export async function cached() {
  const n = await cache.redis('counter', () => 0, 0)
  return response.json({ ok: true, n })
}
export function ping() { return 'pong' }
export async function grow() {
  session.blob = (String(session.blob ?? '')) + 'x'.repeat(Number(request.vars.kb || 64) * 1024)
  return 'size=' + session.blob.length
}
export async function regrow() {
  // what a login does: the session moves to a fresh id, then grows
  session.renew()
  session.blob = (String(session.blob ?? '')) + 'x'.repeat(Number(request.vars.kb || 64) * 1024)
  return 'size=' + session.blob.length
}
export async function upload() {
  const f = request.files?.[0]
  if (!f) return 'no file'
  const id = await db.hit.insert({ token: 'upload:' + f.size, conn: 0, n: 0 })
  return response.json({ id, size: f.size })
}
export async function attach() {
  const form = SQLFORM.factory(Field('doc', 'upload', { uploadfolder: request.folder + '/uploads' }))
  await form.process({ session: null })
  return form.accepted ? 'STORED ' + form.vars.doc : 'NOT STORED ' + JSON.stringify(form.errors)
}
`,
  }
}
