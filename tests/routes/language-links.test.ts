/**
 * Links follow the language prefix: on /it/... pages of the welcome app (layout, menu, auth forms)
 * and a grid, every link Quark writes keeps /it (static files as map_static says: /welcome/it/static/),
 * each one answers, and auth's redirects (requiresLogin, register) stay in the language.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer, type Agent } from '../helpers/server'
import { submit } from '../auth/authApp'

let s: TestServer
before(async () => {
  s = await startServer({ welcome: true, https: false, siteFiles: { 'routes.json': JSON.stringify({
    routers: { BASE: { default_application: 'welcome' }, welcome: { languages: ['en', 'it'], default_language: 'en' } },
  }) } })
  s.writeFile('welcome', 'models/things.ts', `db.defineTable('thing', Field('name', 'string'))`)
  s.writeFile('welcome', 'controllers/things.ts', `
    export async function index() {
      if (await db(db.thing).isEmpty()) { await db.thing.insert({ name: 'bolt' }); await db.thing.insert({ name: 'nut' }) }
      return { grid: await SQLFORM.grid(db.thing, { paginate: 1 }) }
    }
    export const secret = auth.requiresLogin(() => 'the secret')`)
})
after(() => s.stop())

function links(html: string): string[] {
  const out: string[] = []
  for (const m of html.matchAll(/\s(?:href|src|action)="([^"]*)"/g)) {
    const u = m[1]!.replace(/&amp;/g, '&')
    if (u.startsWith('/')) out.push(u)
  }
  return out
}

async function checkPage(a: Agent, url: string, seen: Set<string>): Promise<string> {
  const r = await a.request(url)
  assert.equal(r.status, 200, `${url}: ${r.status} ${r.body.slice(0, 300)}`)
  const found = links(r.body)
  assert.ok(found.length > 3, url)
  for (const l of found) {
    if (l.startsWith('/_quark/')) continue
    assert.ok(l === '/it' || l.startsWith('/it/') || l.startsWith('/it?') || l.startsWith('/welcome/it/static/'), `${url} links ${l} outside the language`)
    if (seen.has(l) || l.includes('/logout')) continue
    seen.add(l)
    const back = await a.request(l)
    assert.ok(back.status < 400, `${url} → ${l}: ${back.status} ${back.body.slice(0, 200)}`)
  }
  return r.body
}

test('the welcome pages and a grid in /it: every link keeps the language and answers', async () => {
  const a = s.agent()
  const seen = new Set<string>()
  const home = await checkPage(a, '/it', seen)
  assert.match(home, /href="\/it\/user\/login"/)
  assert.match(home, /href="\/welcome\/it\/static\/css\/app.css"/)
  await checkPage(a, '/it/user/login', seen)
  await checkPage(a, '/it/user/register', seen)
  const grid = await checkPage(a, '/it/things', seen)
  assert.match(grid, /href="\/it\/things\/index\/view\/thing\/\d+\?_signature=/)
  assert.match(grid, /href="\/it\/things\?page=2"/)
  // the default language is left out, so the same pages without a prefix link without one
  const en = await a.request('/user/login')
  assert.match(en.body, /href="\/user\/register"/)
})

test('auth redirects stay in the language', async () => {
  const a = s.agent()
  let r = await a.request('/it/things/secret')
  assert.equal(r.status, 303)
  assert.equal(r.headers.location, '/it/user/login?_next=%2Fit%2Fthings%2Fsecret')
  r = await submit(a, '/it/user/register', 'register', { first_name: 'Ada', last_name: 'L', email: 'ada-it@example.com', password: 'engine-1843', password2: 'engine-1843' })
  assert.equal(r.status, 303, r.body.slice(0, 500))
  assert.equal(r.headers.location, '/it')
})
