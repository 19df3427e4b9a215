import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startServer, type TestServer } from '../helpers/server'
import { cleanupSessions } from '../../server/session'

let s: TestServer
const sessionsDir = () => path.join(s.appFolder('app'), 'sessions')
const files = () => (fs.existsSync(sessionsDir()) ? fs.readdirSync(sessionsDir()) : [])

before(async () => {
  s = await startServer({
    apps: {
      app: {
        'controllers/default.ts': `
          export function untouched() { return 'nothing stored' }
          export function read() { return JSON.stringify(session) }
          export function set() { session.name = request.vars.name; return 'ok' }
          export async function incr() {
            const n = (session.n as number | undefined) ?? 0
            await new Promise((r) => setTimeout(r, 30))
            session.n = n + 1
            return String(session.n)
          }
          export function forget() { session.name = 'changed'; session.forget(); return 'forgotten' }
          export function renew() { session.renew(); return 'renewed' }
          export function flashAndGo() { session.flash = 'Saved!'; redirect('/app/default/showFlash') }
          export function showFlash() { return String(response.flash) + '|' + String(session.flash) }
          export function bad() { session.f = 1n; return 'x' }
        `,
      },
    },
  })
})
after(() => s.stop())

test('a request that never touched the session creates no file and no cookie', async () => {
  const r = await s.request('/app/default/untouched')
  assert.equal(r.setCookie.length, 0)
  assert.equal(files().length, 0)
})

test('writing the session sets a HttpOnly, SameSite=Lax, Secure cookie with a 128-bit id and stores JSON', async () => {
  const a = s.agent()
  const r = await a.request('/app/default/set?name=Ann')
  const line = r.setCookie.find((l) => l.startsWith('session_id_app='))!
  assert.ok(line, 'cookie set')
  assert.match(line, /HttpOnly/)
  assert.match(line, /SameSite=Lax/)
  assert.match(line, /Secure/)
  const id = a.jar.session_id_app!
  assert.match(id, /^[0-9a-f]{32}$/)
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(sessionsDir(), `${id}.json`), 'utf8')), { name: 'Ann' })
  assert.equal((await a.request('/app/default/read')).body, '{"name":"Ann"}')
  // unchanged session: no new cookie, file not rewritten
  const before = fs.statSync(path.join(sessionsDir(), `${id}.json`)).mtimeMs
  await new Promise((r) => setTimeout(r, 20))
  const again = await a.request('/app/default/read')
  assert.equal(again.setCookie.length, 0)
  assert.equal(fs.statSync(path.join(sessionsDir(), `${id}.json`)).mtimeMs, before)
  assert.ok(!files().some((f) => f.endsWith('.tmp')), 'no temp file left')
})

test('an unknown id sent by a client is never adopted', async () => {
  const forged = 'a'.repeat(32)
  const r = await s.request('/app/default/set?name=Eve', { cookies: { session_id_app: forged } })
  assert.notEqual(r.cookies.session_id_app, forged)
  assert.ok(!fs.existsSync(path.join(sessionsDir(), `${forged}.json`)))
  const r2 = await s.request('/app/default/read', { cookies: { session_id_app: '../../etc/passwd' } })
  assert.equal(r2.body, '{}')
})

test('concurrent requests of one session never tear it (they are serialised)', async () => {
  const a = s.agent()
  await a.request('/app/default/set?name=Bob')
  const results = await Promise.all(Array.from({ length: 8 }, () => a.request('/app/default/incr')))
  assert.deepEqual(results.map((r) => r.body).sort((x, y) => Number(x) - Number(y)), ['1', '2', '3', '4', '5', '6', '7', '8'])
  assert.equal(JSON.parse((await a.request('/app/default/read')).body).n, 8)
})

test('session.forget() keeps the stored session unchanged', async () => {
  const a = s.agent()
  await a.request('/app/default/set?name=Cy')
  await a.request('/app/default/forget')
  assert.equal(JSON.parse((await a.request('/app/default/read')).body).name, 'Cy')
})

test('session.renew() moves the data to a new id and removes the old file', async () => {
  const a = s.agent()
  await a.request('/app/default/set?name=Di')
  const old = a.jar.session_id_app!
  const r = await a.request('/app/default/renew')
  const fresh = r.cookies.session_id_app!
  assert.ok(fresh && fresh !== old)
  assert.ok(!fs.existsSync(path.join(sessionsDir(), `${old}.json`)))
  assert.equal(JSON.parse((await a.request('/app/default/read')).body).name, 'Di')
  assert.equal((await s.request('/app/default/read', { cookies: { session_id_app: old } })).body, '{}')
})

test('something unserialisable in the session gives a ticket, not a torn file', async () => {
  const r = await s.request('/app/default/bad')
  assert.equal(r.status, 500)
  assert.match(r.body, /Ticket issued/)
})

test('cleanupSessions removes expired files only', async () => {
  const dir = sessionsDir()
  fs.mkdirSync(dir, { recursive: true })
  const oldFile = path.join(dir, `${'b'.repeat(32)}.json`)
  const newFile = path.join(dir, `${'c'.repeat(32)}.json`)
  fs.writeFileSync(oldFile, '{}')
  fs.writeFileSync(newFile, '{}')
  const past = new Date(Date.now() - 3 * 86400 * 1000)
  fs.utimesSync(oldFile, past, past)
  const removed = await cleanupSessions(s.appFolder('app'), 86400)
  assert.equal(removed, 1)
  assert.ok(!fs.existsSync(oldFile))
  assert.ok(fs.existsSync(newFile))
})

test('session.flash survives a redirect once, as response.flash', async () => {
  const a = s.agent()
  const r = await a.request('/app/default/flashAndGo')
  assert.equal(r.status, 303)
  assert.equal((await a.request('/app/default/showFlash')).body, 'Saved!|undefined')
  assert.equal((await a.request('/app/default/showFlash')).body, '|undefined')
})
