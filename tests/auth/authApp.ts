/**
 * A test app with Auth and a development Mail, built on the welcome app's
 * layout and generic view, and helpers to drive its forms as a browser does.
 */
import fs from 'node:fs'
import path from 'node:path'
import { startServer, type Agent, type TestResponse, type TestServer } from '../helpers/server'
import { readMailLog } from '../../server/auth'

const ROOT = path.resolve(__dirname, '..', '..')

export const CONTROLLER = `
export async function user() { return { form: await auth.form() } }
export function index() { return { message: 'home page' } }
export const secret = auth.requiresLogin(() => ({ secret: 'for ' + auth.user!.email }))
export const admin = auth.requiresMembership('admin', () => ({ area: 'admin' }))
export const edit = auth.requiresPermission('edit', 'thing', () => ({ area: 'edit' }))
export const editOne = auth.requiresPermission('edit', 'thing', 7, () => ({ area: 'edit 7' }))
export const signed = auth.requiresSignature(() => ({ area: 'signed' }))
export const link = auth.requiresLogin(() => auth.signedURL('default', 'signed', { args: ['1'] }))
export const cond = auth.requires(() => request.vars.ok === '1', () => ({ area: 'cond' }))
export const token = auth.requiresLogin(async () => ({ token: await auth.issueToken() }))
export async function apiToken() { return auth.tokenAction() }
export async function whoami() { await auth.authenticate(); return { user: auth.user, groups: await auth.userGroups() } }
export async function boom() { throw new Error('kaput') }
// test-only administration (a real app would protect these)
export async function grant() {
  const u = Number(request.vars.user)
  if (request.vars.group) { if (!(await auth.idGroup(String(request.vars.group)))) await auth.addGroup(String(request.vars.group)); await auth.addMembership(String(request.vars.group), u) }
  if (request.vars.perm) { const g = (await auth.idGroup('editors')) ?? (await auth.addGroup('editors')); await auth.addMembership(g, u); await auth.addPermission(g, String(request.vars.perm), String(request.vars.table ?? ''), Number(request.vars.record ?? 0)) }
  return 'ok'
}
export async function approve() { await db(db.auth_user.email.eq(String(request.vars.email))).update({ registration_key: '' }); return 'ok' }
export async function revoke() {
  const u = Number(request.vars.user)
  if (request.vars.group) await auth.delMembership(String(request.vars.group), u)
  if (request.vars.perm) await auth.delPermission('editors', String(request.vars.perm), String(request.vars.table ?? ''), Number(request.vars.record ?? 0))
  return 'ok'
}
`

export function model(settings: string, defineArgs = ''): string {
  return `
export const db = new DAL('sqlite://storage.sqlite')
export const mail = new Mail({ server: 'logging', sender: 'noreply@example.com' })
export const auth = new Auth(db, { mailer: mail, jwtSecret: 'a-test-secret-of-32-characters!!', allowBasicLogin: true, ${settings} })
auth.defineTables(${defineArgs})
db.defineTable('thing', Field('name', 'string'))
`
}

export async function startAuthApp(settings = '', extra: Record<string, string> = {}, options: Record<string, unknown> = {}, defineArgs = ''): Promise<TestServer> {
  const views = path.join(ROOT, 'welcome-app', 'views')
  return startServer({
    apps: {
      shop: {
        'models/db.ts': model(settings, defineArgs),
        'controllers/default.ts': CONTROLLER,
        'views/layout.html': fs.readFileSync(path.join(views, 'layout.html'), 'utf8'),
        'views/generic.html': fs.readFileSync(path.join(views, 'generic.html'), 'utf8'),
        'views/default/user.html': "{{extend 'layout.html'}}\n{{=form}}\n",
        ...extra,
      },
    },
    options,
  })
}

export function mails(s: TestServer) {
  return readMailLog(path.join(s.appFolder('shop'), 'private', 'mail.log'))
}

/** The link a mail carries (the first http(s) URL of its body). */
export function linkIn(text: string): string {
  const m = /https?:\/\/[^\s]+/.exec(text)
  if (!m) throw new Error(`no link in ${text}`)
  return new globalThis.URL(m[0]).pathname + new globalThis.URL(m[0]).search
}

export function formKey(html: string, formname: string): string {
  const form = new RegExp(`<form[^>]*class="quark-auth-form ${formname}"[\\s\\S]*?</form>`).exec(html)
  if (!form) throw new Error(`no ${formname} form in:\n${html.slice(0, 3000)}`)
  const m = /<input[^>]*name="_formkey"[^>]*value="([0-9a-f]+)"/.exec(form[0])
  if (!m) throw new Error('no _formkey')
  return m[1]
}

/** GET the page, then POST the form back with its key, as a browser does. */
export async function submit(a: Agent, url: string, formname: string, fields: Record<string, string>): Promise<TestResponse> {
  const page = await a.request(url)
  if (page.status !== 200) throw new Error(`GET ${url}: ${page.status} ${page.body.slice(0, 300)}`)
  return a.request(url, { form: { ...fields, _formname: formname, _formkey: formKey(page.body, formname) } })
}

export const SESSION = 'session_id_shop'

/** Log out as the layout's form does: GET a page carrying the logout form, POST it with its key. */
export async function logout(a: Agent, app = 'shop'): Promise<TestResponse> {
  const page = await a.request(`/${app}/default/user/logout`)
  if (page.status === 303) return page // not logged in
  const m = /<form class="quark-logout[^"]*"[^>]*>[\s\S]*?name="_formkey"[^>]*value="([0-9a-f]*)"/.exec(page.body)
  if (!m) throw new Error(`no logout form in ${page.status} ${page.body.slice(0, 2000)}`)
  return a.request(`/${app}/default/user/logout`, { form: { _formkey: m[1] } })
}
