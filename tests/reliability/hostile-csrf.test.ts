// Hostile inputs: CSRF on every admin action that changes something and on every kind of app
// form (cases/csrf.jsonl). The request carries the victim's cookies but no valid token of its own.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import crypto from 'node:crypto'
import type { TestServer, Agent, TestResponse } from '../helpers/server'
import { packApp } from '../../server/pack/index'
import { runCaseFile, statusOk, bodyOk, type CaseLine } from './lib/cases'
import { startHostileServer, adminAgent, sentinel, csrfOf, ADMIN_PASSWORD } from './lib/hostileServer'
import { multipart } from './lib/multipart'

let s: TestServer
let admin: { agent: Agent; csrf: string }
let otherAdmin: { agent: Agent; csrf: string }
let victim: Agent
let attacker: Agent
let mallory: Agent
let tmp: string
let w2tPath: string
const VICTIM = { email: 'victim@example.com', password: 'Victim-password-1' }

function formKeyOf(html: string): { key: string; name: string } | undefined {
  const key = /name="_formkey" type="hidden" value="([^"]+)"/.exec(html) ?? /name="_formkey" value="([^"]+)"/.exec(html)
  const name = /name="_formname" type="hidden" value="([^"]+)"/.exec(html) ?? /name="_formname" value="([^"]+)"/.exec(html)
  return key ? { key: key[1]!, name: name?.[1] ?? '' } : undefined
}

before(async () => {
  s = await startHostileServer()
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-rel-csrf-'))
  w2tPath = path.join(tmp, 'app.w2t')
  fs.writeFileSync(w2tPath, packApp(s.appFolder('rel')))
  admin = await adminAgent(s)
  otherAdmin = await adminAgent(s)
  // a ticket, so that deleting tickets would show
  assert.equal((await s.request('/rel/default/boom')).status, 500)
  // the victim registers through the form (and is logged in)
  victim = s.agent()
  const page = await victim.request('/rel/default/user/register')
  const k = formKeyOf(page.body)!
  assert.ok(k, 'the register form has a key')
  const r = await victim.request('/rel/default/user/register', { form: { first_name: 'Vic', last_name: 'Tim', ...VICTIM, password2: VICTIM.password, _formkey: k.key, _formname: k.name } })
  assert.equal(r.status, 303, `register: ${r.body.slice(0, 300)}`)
  attacker = s.agent()
  // another user, logged in: where the foreign form key of a logged-in page comes from
  mallory = s.agent()
  const mk = formKeyOf((await mallory.request('/rel/default/user/register')).body)!
  const mr = await mallory.request('/rel/default/user/register', { form: { first_name: 'Mal', last_name: 'Lory', email: 'mallory@example.com', password: 'Mallory-password-1', password2: 'Mallory-password-1', _formkey: mk.key, _formname: mk.name } })
  assert.equal(mr.status, 303)
})
after(async () => { await s?.stop(); if (tmp) fs.rmSync(tmp, { recursive: true, force: true }) })

interface State { sentinel: unknown; apps: string[]; files: Record<string, string | null>; tickets: number; mail: number; adminLoggedIn: boolean; attackerLoggedIn: boolean; victimLoggedIn: boolean }

async function state(): Promise<State> {
  const rel = s.appFolder('rel')
  const read = (f: string) => { try { return crypto.createHash('sha1').update(fs.readFileSync(path.join(rel, f))).digest('hex') } catch { return null } }
  const count = (d: string) => { try { return fs.readdirSync(path.join(rel, d)).length } catch { return 0 } }
  const size = (f: string) => { try { return fs.statSync(path.join(rel, f)).size } catch { return 0 } }
  const loggedIn = async (a: Agent) => (await a.request('/rel/default/secret')).status === 200
  return {
    sentinel: await sentinel(s),
    apps: fs.readdirSync(path.join(s.folder, 'applications')).sort(),
    files: Object.fromEntries(['static/hello.txt', 'controllers/default.ts', 'controllers/csrf.ts', 'static/renamed.txt', 'static/csrf.txt', 'compiled/MANIFEST.json'].map((f) => [f, read(f)])),
    tickets: count('errors'),
    mail: size('private/mail.log'),
    adminLoggedIn: (await admin.agent.request('/admin/default/index')).status === 200,
    attackerLoggedIn: await loggedIn(attacker),
    victimLoggedIn: await loggedIn(victim),
  }
}

let unique = 0
function fieldsOf(c: CaseLine): Record<string, string> {
  const out: Record<string, string> = {}
  const n = String(++unique)
  for (const [k, v] of Object.entries(c.fields as Record<string, string>)) {
    if (k.startsWith('@')) continue
    out[k] = v === '@password' ? ADMIN_PASSWORD : v === '@w2t' ? w2tPath : v.replace('{n}', n)
  }
  return out
}

async function adminCase(c: CaseLine): Promise<string | undefined> {
  const isLogin = String(c.path).endsWith('/login')
  // the login case: a fresh browser, whose own login page gave it a token of its own session
  const agent = isLogin ? s.agent() : admin.agent
  const own = isLogin ? csrfOf((await agent.request('/admin/default/login')).body) : admin.csrf
  const fields = fieldsOf(c)
  const token = c.token === 'wrong' ? crypto.randomBytes(32).toString('base64url') : c.token === 'foreign' ? otherAdmin.csrf : undefined
  if (token) fields._csrf = token
  let r: TestResponse
  if (c.token === 'get') r = await agent.request(`${c.path}?${new URLSearchParams({ ...fields, _csrf: own })}`)
  else if ((c.fields as Record<string, string>)['@file']) {
    const mp = multipart(fields, [{ field: 'file', filename: 'csrf.txt', type: 'text/plain', data: 'CSRF' }])
    r = await agent.request(String(c.path), { body: mp.body, headers: { 'content-type': mp.contentType } })
  } else r = await agent.request(String(c.path), { form: fields })
  // GET of the login page is the page itself; what must hold is that nobody got logged in
  const expected = isLogin && c.token === 'get' ? { ...c, status: 200 } : c
  if (isLogin && (await agent.request('/admin/default/index')).status === 200) return 'the login went through'
  return statusOk(expected, r.status) ?? bodyOk(c, r.body)
}

async function appCase(c: CaseLine): Promise<string | undefined> {
  const needsLogin = !!(c.fields as Record<string, string>)['@login']
  const isAuth = String(c.path).includes('/user/')
  // the victim's browser, logged in for the pages that need it; a fresh browser for login/register/reset
  const agent = needsLogin ? victim : s.agent()
  const page = await agent.request(String(c.path))
  const own = formKeyOf(page.body)
  if (!own) return `no form key on ${c.path}: ${page.status} ${page.body.slice(0, 200)}`
  const fields = fieldsOf(c)
  let r: TestResponse
  switch (c.token) {
    case 'none': r = await agent.request(String(c.path), { form: { ...fields, _formname: own.name } }); break
    case 'wrong': r = await agent.request(String(c.path), { form: { ...fields, _formname: own.name, _formkey: crypto.randomBytes(18).toString('base64url') } }); break
    case 'foreign': {
      const theirs = formKeyOf((await (needsLogin ? mallory : attacker).request(String(c.path))).body)!
      r = await agent.request(String(c.path), { form: { ...fields, _formname: own.name, _formkey: theirs.key } })
      break
    }
    case 'get': r = await agent.request(`${c.path}?${new URLSearchParams({ ...fields, _formname: own.name, _formkey: own.key })}`); break
    case 'valid': r = await agent.request(String(c.path), { form: { ...fields, _formname: own.name, _formkey: own.key } }); break
    default: return `unknown token mode ${String(c.token)}`
  }
  if (c.control) {
    const accepted = isAuth ? r.status === 303 : r.body.startsWith('ACCEPTED')
    return accepted ? undefined : `the control was not accepted: ${r.status} ${(r.body.match(/class="[^"]*(?:error|flash|invalid)[^"]*"[^>]*>[^<]*/g) ?? []).join(" | ") || r.body.slice(0, 300)}`
  }
  if (isAuth && r.status === 303) return `accepted (303 to ${r.headers.location})`
  return statusOk(c, r.status) ?? bodyOk(c, r.body)
}

/** reused: the victim's own key, used once (accepted), then replayed. */
async function reusedCase(c: CaseLine): Promise<{ before: State; failure?: string }> {
  const needsLogin = !!(c.fields as Record<string, string>)['@login']
  const agent = needsLogin ? victim : s.agent()
  const own = formKeyOf((await agent.request(String(c.path))).body)!
  const fields = { ...fieldsOf(c), _formname: own.name, _formkey: own.key }
  await agent.request(String(c.path), { form: fields })
  const before = await state()
  const r = await agent.request(String(c.path), { form: fields })
  const isAuth = String(c.path).includes('/user/')
  if (isAuth && r.status === 303 && !String(c.path).endsWith('/login') && !String(c.path).endsWith('/register')) return { before, failure: `replayed key accepted (303 to ${r.headers.location})` }
  return { before, failure: bodyOk(c, r.body) }
}

async function check(c: CaseLine): Promise<string | undefined> {
  let before = await state()
  let failure: string | undefined
  if (c.kind === 'admin') failure = await adminCase(c)
  else if (c.token === 'reused') ({ before, failure } = await reusedCase(c))
  else failure = await appCase(c)
  if (failure || c.control || !c.unchanged) return failure
  const now = await state()
  // a replayed login or register form may log its own fresh browser in: that is not the victim's state
  if (c.token === 'reused') { now.attackerLoggedIn = before.attackerLoggedIn }
  try { assert.deepEqual(now, before) } catch (e) { return `state changed: ${(e as Error).message.replace(/\s+/g, ' ').slice(0, 600)}` }
  return undefined
}

test('CSRF: admin actions and app forms refuse requests without their own valid token', { timeout: 300_000 }, async () => {
  await runCaseFile('csrf.jsonl', check, { parallel: 1 })
})
