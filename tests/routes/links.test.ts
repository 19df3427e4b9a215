/**
 * Every link Quark writes follows the routes: the welcome app (layout, menu, auth pages, redirects
 * after register / login / logout, requiresLogin), and the grid (sort, search, signed view / edit /
 * new links), under a path_prefix with the default application left out. Each page's href, src and
 * form action must carry the prefix (Quark's own /_quark/ files too), and each is fetched back.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startServer, type TestServer, type Agent } from '../helpers/server'
import { submit } from '../auth/authApp'

let s: TestServer
before(async () => {
  s = await startServer({ welcome: true, https: false, siteFiles: { 'routes.json': JSON.stringify({ routers: { BASE: { default_application: 'welcome', path_prefix: '/w' } } }) } })
  s.writeFile('welcome', 'models/things.ts', `db.defineTable('thing', Field('name', 'string'), Field('qty', 'integer'))`)
  s.writeFile('welcome', 'controllers/things.ts', `
    export async function index() {
      if (await db(db.thing).isEmpty()) { await db.thing.insert({ name: 'bolt', qty: 3 }); await db.thing.insert({ name: 'nut', qty: 5 }) }
      return { grid: await SQLFORM.grid(db.thing, { paginate: 1 }) }
    }
    export const secret = auth.requiresLogin(() => 'the secret')`)
})
after(() => s.stop())

/** every local href / src / action of a page */
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
  for (const l of links(r.body)) {
    assert.ok(l === '/w' || l.startsWith('/w/'), `${url} links ${l}`)
    assert.doesNotMatch(l, /\/welcome\/default\//, `${url} links the full form ${l}`)
    if (seen.has(l) || l.includes('/logout')) continue
    seen.add(l)
    const back = await a.request(l)
    assert.ok(back.status < 400, `${url} → ${l}: ${back.status} ${back.body.slice(0, 200)}`)
  }
  return r.body
}

test('welcome app pages and the grid: every link carries the prefix and works', async () => {
  const a = s.agent()
  const seen = new Set<string>()
  const home = await checkPage(a, '/w/', seen)
  assert.match(home, /href="\/w\/user\/login"/)
  assert.match(home, /href="\/w\/hello"/)
  assert.match(home, /href="\/w\/welcome\/static\/css\/app.css"/)
  assert.match(home, /href="\/w\/_quark\/bootstrap.min.css"/)
  assert.match(home, /src="\/w\/_quark\/quark.js"/)
  await checkPage(a, '/w/hello', seen)
  await checkPage(a, '/w/user/login', seen)
  await checkPage(a, '/w/user/register', seen)
  const grid = await checkPage(a, '/w/things', seen)
  assert.match(grid, /href="\/w\/things\/index\/view\/thing\/\d+\?_signature=/)
  assert.match(grid, /href="\/w\/things\?order=thing.name"/)
  assert.match(grid, /href="\/w\/things\?page=2"/)
  const view = /href="(\/w\/things\/index\/view\/thing\/\d+\?_signature=[^"]+)"/.exec(grid)![1]!.replace(/&amp;/g, '&')
  const page = await a.request(view)
  assert.equal(page.status, 200, 'a signed link written through the routes still verifies')
  assert.match(page.body, /bolt|nut/)
  // a tampered signature is refused
  // (its first character changed: to '0', or to '1' when it already was a '0', which once made it the same)
  assert.equal((await a.request(view.replace(/_signature=(.)/, (_m, c: string) => `_signature=${c === '0' ? '1' : '0'}`))).status, 403)
})

test('auth redirects follow the routes: requiresLogin, register, logout', async () => {
  const a = s.agent()
  let r = await a.request('/w/things/secret')
  assert.equal(r.status, 303)
  assert.equal(r.headers.location, '/w/user/login?_next=%2Fw%2Fthings%2Fsecret')
  r = await submit(a, '/w/user/register', 'register', { first_name: 'Ada', last_name: 'L', email: 'ada@example.com', password: 'engine-1843', password2: 'engine-1843' })
  assert.equal(r.status, 303, r.body.slice(0, 500))
  assert.equal(r.headers.location, '/w/')
  r = await a.request('/w/')
  assert.match(r.body, /action="\/w\/user\/logout"/)
  assert.equal((await a.request('/w/things/secret')).body, 'the secret')
  const key = /<form class="quark-logout[^"]*"[^>]*>[\s\S]*?name="_formkey"[^>]*value="([0-9a-f]*)"/.exec(r.body)![1]!
  r = await a.request('/w/user/logout', { form: { _formkey: key } })
  assert.equal(r.status, 303)
  assert.equal(r.headers.location, '/w/')
})
