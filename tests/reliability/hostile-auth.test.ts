// Hostile inputs: authentication (cases/auth.jsonl): enumeration, session fixation, cookie flags,
// admin locality (a server bound to this machine's non-loopback address), the Host header, open
// redirects, throttling. Each line names its scenario; the scenarios are below.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import crypto from 'node:crypto'
import { startServer, type TestServer, type Agent, type TestResponse } from '../helpers/server'
import { ensureAdminPassword } from '../../server/adminlib/index'
import { runCaseFile, statusOk, type CaseLine } from './lib/cases'
import { startHostileServer, csrfOf, ADMIN_PASSWORD, LIMITS } from './lib/hostileServer'
import { hostileApp } from './apps/hostile'

const USER = { email: 'user@example.com', password: 'User-password-123' }
const servers: Record<string, TestServer | undefined> = {}
let s: TestServer

/** This machine's first non-loopback IPv4 address: requests to it come from it, so they are not local. */
function outsideAddress(): string | undefined {
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address
  return undefined
}

async function server(kind: string): Promise<TestServer> {
  if (kind === 'https') return s
  if (servers[kind]) return servers[kind]!
  const ip = kind.endsWith('-remote') ? outsideAddress() : '127.0.0.1'
  if (!ip) throw new Error('no non-loopback address on this machine')
  const t = await startServer({ apps: { rel: hostileApp() }, https: kind.startsWith('https'), options: { ...LIMITS, ip } })
  ensureAdminPassword(t.folder, ADMIN_PASSWORD)
  servers[kind] = t
  return t
}

function formKeyOf(html: string): { _formkey: string; _formname: string } {
  const key = /name="_formkey" type="hidden" value="([^"]+)"/.exec(html)
  const name = /name="_formname" type="hidden" value="([^"]+)"/.exec(html)
  assert.ok(key, 'the page has a form key')
  return { _formkey: key[1]!, _formname: name?.[1] ?? '' }
}

async function submit(agent: Agent, p: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<TestResponse> {
  const page = await agent.request(p, { headers })
  return agent.request(p, { form: { ...fields, ...formKeyOf(page.body) }, headers })
}

const login = (agent: Agent, email = USER.email, password = USER.password, next?: string) =>
  submit(agent, '/rel/default/user/login' + (next !== undefined ? `?_next=${encodeURIComponent(next)}` : ''), { email, password })
const loggedIn = async (cookies: Record<string, string>) => (await s.request('/rel/default/secret', { cookies })).status === 200

/** The visible message of an auth page (errors and flash), with the e-mail address taken out. */
function message(r: TestResponse, email: string): string {
  const parts = r.body.match(/(class="(?:invalid-feedback|flash|alert)[^"]*"[^>]*>[^<]*)/g) ?? []
  return `${r.status} ${r.headers.location ?? ''} ${parts.join('|')}`.split(email).join('<email>')
}

before(async () => {
  s = await startHostileServer()
  const a = s.agent()
  const r = await submit(a, '/rel/default/user/register', { first_name: 'U', last_name: 'Ser', ...USER, password2: USER.password })
  assert.equal(r.status, 303, 'registered')
})
after(async () => { await s?.stop(); for (const t of Object.values(servers)) await t?.stop() })

const checks: Record<string, (c: CaseLine) => Promise<string | undefined>> = {
  async 'enumeration-login'() {
    const known = await login(s.agent(), USER.email, 'Wrong-password-1')
    const unknown = await login(s.agent(), 'nobody@example.com', 'Wrong-password-1')
    const a = message(known, USER.email), b = message(unknown, 'nobody@example.com')
    return a === b ? undefined : `a known and an unknown account answer differently: ${a} / ${b}`
  },
  async 'enumeration-reset'() {
    const known = await submit(s.agent(), '/rel/default/user/request_reset_password', { email: USER.email })
    const unknown = await submit(s.agent(), '/rel/default/user/request_reset_password', { email: 'nobody@example.com' })
    const a = message(known, USER.email), b = message(unknown, 'nobody@example.com')
    return a === b ? undefined : `a known and an unknown address answer differently: ${a} / ${b}`
  },
  async 'fixation-login'() {
    const a = s.agent()
    await a.request('/rel/default/counter')
    const before = a.jar.session_id_rel
    if (!before) return 'no session before login'
    const r = await login(a)
    if (r.status !== 303) return `login failed: ${r.status}`
    if (a.jar.session_id_rel === before) return 'the session id did not change at login'
    if (await loggedIn({ session_id_rel: before })) return 'the pre-login session id is logged in'
    return (await loggedIn(a.jar)) ? undefined : 'the new session is not logged in'
  },
  async 'fixation-preset'() {
    const planted = 'attacker-chosen-' + crypto.randomBytes(8).toString('hex')
    const a = s.agent()
    a.jar.session_id_rel = planted
    const r = await login(a)
    if (r.status !== 303) return `login failed: ${r.status}`
    if (a.jar.session_id_rel === planted) return 'the planted session id was adopted'
    return (await loggedIn({ session_id_rel: planted })) ? 'the planted session id is logged in' : undefined
  },
  async 'fixation-admin'() {
    const a = s.agent()
    const page = await a.request('/admin/default/login')
    const before = a.jar.quark_admin
    if (!before) return 'no admin session before login'
    const r = await a.request('/admin/default/login', { form: { _csrf: csrfOf(page.body), password: ADMIN_PASSWORD } })
    if (r.status !== 303) return `admin login failed: ${r.status}`
    if (a.jar.quark_admin === before) return 'the admin session id did not change at login'
    return (await s.request('/admin/default/index', { cookies: { quark_admin: before } })).status === 200 ? 'the pre-login admin session is logged in' : undefined
  },
  async logout() {
    const a = s.agent()
    await login(a)
    const cookie = a.jar.session_id_rel!
    // logout is a POST with the key of the layout's logout form
    const page = await a.request('/rel/default/user/logout')
    const key = /class="quark-logout[^"]*"[^>]*>[\s\S]*?name="_formkey"[^>]*value="([0-9a-f]*)"/.exec(page.body)?.[1]
    if (!key) return `no logout form: ${page.status}`
    const r = await a.request('/rel/default/user/logout', { form: { _formkey: key } })
    if (r.status !== 303) return `logout: ${r.status}`
    return (await loggedIn({ session_id_rel: cookie })) ? 'the old cookie is still logged in after logout' : undefined
  },
  // issue 22: the lock-out must not tell a known account from an unknown one (a fresh server, so
  // the address limit is not already spent by the throttle cases)
  async 'enumeration-lockout'(c) {
    const t = await server('http-enum')
    const email = `${c.id}@example.com`
    const r0 = t.agent()
    const page = await r0.request('/rel/default/user/register')
    const reg = await r0.request('/rel/default/user/register', { form: { first_name: 'E', last_name: 'N', email, password: USER.password, password2: USER.password, ...formKeyOf(page.body) } })
    if (reg.status !== 303 && !/already in database/.test(reg.body)) return `register: ${reg.status}`
    const tryLogin = async (e: string) => { const a = t.agent(); const p = await a.request('/rel/default/user/login'); return a.request('/rel/default/user/login', { form: { email: e, password: 'Wrong-password-1', ...formKeyOf(p.body) } }) }
    let last = ''
    for (let i = 0; i < Number(c.tries ?? 7); i++) {
      const a = message(await tryLogin(email), email), b = message(await tryLogin(`nobody-${c.id}@example.com`), `nobody-${c.id}@example.com`)
      if (a !== b) return `try ${i}: a known and an unknown account answer differently: ${a} / ${b}`
      last = a
    }
    return /locked/i.test(last) ? undefined : `neither was locked after ${c.tries} tries: ${last}`
  },
  async 'logout-csrf'(c) {
    const t = await server('http-enum')
    const a = t.agent()
    const email = `${c.id}@example.com`
    const page = await a.request('/rel/default/user/register')
    const reg = await a.request('/rel/default/user/register', { form: { first_name: 'L', last_name: 'O', email, password: USER.password, password2: USER.password, ...formKeyOf(page.body) } })
    if (reg.status !== 303) return `register: ${reg.status}`
    const r = c.method === 'GET' ? await a.request('/rel/default/user/logout') : await a.request('/rel/default/user/logout', { form: (c.form as Record<string, string>) ?? {} })
    if (r.status !== 200) return `${c.method} logout answered ${r.status}, not the confirmation form`
    return (await t.request('/rel/default/secret', { cookies: a.jar })).status === 200 ? undefined : `a ${c.method} without the form key logged the user out`
  },
  async 'cookie-flags'(c) {
    const t = await server(String(c.server))
    const r = await t.request(String(c.path))
    const line = r.setCookie.find((l) => l.startsWith(`${c.cookie}=`))
    if (!line) return `no ${c.cookie} cookie set by ${c.path}: ${r.setCookie.join(' / ')}`
    for (const f of c.flags as string[]) if (!new RegExp(`;\\s*${f}(;|$)`, 'i').test(line)) return `${c.cookie} lacks ${f}: ${line}`
    return undefined
  },
  async 'admin-locality'(c) {
    if (String(c.server).endsWith('-remote') && !outsideAddress()) { console.log(`# auth/${c.id}: skipped, this machine has no non-loopback IPv4 address`); return undefined }
    const t = await server(String(c.server))
    const r = await t.request(String(c.path), { headers: (c.headers as Record<string, string>) ?? {} })
    return statusOk(c, r.status)
  },
  async 'host-reset-link'(c) {
    const mailLog = path.join(s.appFolder('rel'), 'private', 'mail.log')
    const before = fs.existsSync(mailLog) ? fs.statSync(mailLog).size : 0
    // the form from the server's own name, the submission with the hostile Host
    const a = s.agent()
    const form = await a.request('/rel/default/user/request_reset_password')
    const r = await a.request('/rel/default/user/request_reset_password', { form: { email: USER.email, ...formKeyOf(form.body) }, headers: { host: String(c.host) } })
    const mail = fs.existsSync(mailLog) ? fs.readFileSync(mailLog, 'utf8').slice(before) : ''
    // a Host outside --allowed-hosts is refused (400 QK_HTTP_BAD_HOST) before any link is built
    if (!mail && r.status === 400 && r.body.includes('QK_HTTP_BAD_HOST')) return undefined
    if (!mail) return `no mail written (${r.status})`
    return mail.includes(String(c.host)) ? `the mailed link uses the request's Host header: ${(/https?:\/\/\S+/.exec(mail) ?? [''])[0]}` : undefined
  },
  async 'host-refused'(c) {
    const r = await s.request(String(c.path), { headers: (c.headers as Record<string, string>) ?? {} })
    const problem = statusOk(c, r.status)
    if (problem) return problem
    if (c.status === 400 && !r.body.includes('QK_HTTP_BAD_HOST')) return `400 without the error's code: ${r.body.slice(0, 200)}`
    for (const v of Object.values((c.headers as Record<string, string>) ?? {})) if (r.status !== 400 && (r.body.includes(v) || String(r.headers.location ?? '').includes(v))) return `the page or Location carries ${v}`
    return undefined
  },
  async 'host-redirect'(c) {
    const a = s.agent()
    const r = await login(a, USER.email, USER.password)
    const r2 = await a.request('/rel/default/secret', { headers: { host: String(c.host) } })
    const r3 = await s.request('/rel/default/secret', { headers: { host: String(c.host) } })
    for (const x of [r, r2, r3]) if (String(x.headers.location ?? '').includes(String(c.host))) return `Location ${x.headers.location}`
    return undefined
  },
  async 'host-admin-redirect'(c) {
    const r = await s.request('/admin/default/index', { headers: { host: String(c.host) } })
    return String(r.headers.location ?? '').includes(String(c.host)) ? `Location ${r.headers.location}` : undefined
  },
  async 'open-redirect'(c) {
    const r = await login(s.agent(), USER.email, USER.password, String(c.next))
    if (r.status !== 303) return `login: ${r.status}`
    const loc = String(r.headers.location)
    return offSite(loc) ? `redirected off-site to ${loc}` : undefined
  },
  async 'admin-open-redirect'(c) {
    const a = s.agent()
    const page = await a.request('/admin/default/login')
    const r = await a.request('/admin/default/login', { form: { _csrf: csrfOf(page.body), password: ADMIN_PASSWORD, _next: String(c.next) } })
    const loc = String(r.headers.location ?? '')
    return offSite(loc) ? `redirected off-site to ${loc}` : undefined
  },
  async 'no-secret-in-pages'() {
    const a = s.agent()
    await login(a)
    const r = await a.request('/rel/default/user/profile')
    const j = await a.request('/rel/default/secret.json')
    for (const x of [r, j]) if (/pbkdf2|\$2[aby]\$|scrypt|argon2|sha512\$/i.test(x.body)) return `a password hash in ${x.status} ${x.body.slice(0, 200)}`
    return undefined
  },
  async 'throttle-account'() {
    for (let i = 0; i < 40; i++) await login(s.agent(), USER.email, `Wrong-password-${i}`)
    const r = await login(s.agent())
    return r.status === 303 ? 'after 40 failures the right password still logs in at once' : undefined
  },
  async 'throttle-admin'() {
    const a = s.agent()
    let last: TestResponse | undefined
    for (let i = 0; i < 6; i++) {
      const page = await a.request('/admin/default/login')
      if (page.status === 429) { last = page; break }
      last = await a.request('/admin/default/login', { form: { _csrf: csrfOf(page.body), password: 'wrong-' + i } })
    }
    if (last?.status !== 429) return `no lock-out after 6 failures: ${last?.status}`
    const page = await a.request('/admin/default/login')
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
    const r = await a.request('/admin/default/login', { form: { _csrf: token, password: ADMIN_PASSWORD } })
    return r.status === 303 ? 'locked out, yet the right password logged in' : undefined
  },
}

function offSite(loc: string): boolean {
  if (!loc) return false
  const t = loc.replace(/[\t\n\r]/g, '')
  return /^[a-z][a-z0-9+.-]*:/i.test(t) && !/^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(t) || /^[/\\]{2}/.test(t)
}

test('authentication: enumeration, fixation, cookies, admin locality, Host header, redirects, throttling', { timeout: 300_000 }, async () => {
  await runCaseFile('auth.jsonl', (c) => checks[String(c.check)]?.(c) ?? Promise.resolve(`unknown check ${String(c.check)}`), { parallel: 1 })
})
