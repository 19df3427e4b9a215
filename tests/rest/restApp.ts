/**
 * The app the RestAPI tests run against, on SQLite or PostgreSQL: things
 * with validators (IS_IN_SET, IS_INT_IN_RANGE, IS_LENGTH), per-user diary
 * rows behind a restricting query, notes referencing things (for @lookup),
 * API keys enabled, a Service with JSON and JSON-RPC functions.
 */
import fs from 'node:fs'
import path from 'node:path'
import { startServer, type AppFiles, type TestServer } from '../helpers/server'

const ROOT = path.resolve(__dirname, '..', '..')
export const JWT_SECRET = 'a-rest-test-secret-of-32-chars!!'

export function model(uri: string): string {
  return `
export const db = new DAL(${JSON.stringify(uri)})
export const auth = new Auth(db, { jwtSecret: ${JSON.stringify(JWT_SECRET)} })
auth.defineTables()
auth.enable('apikey')
db.defineTable('thing',
  Field('title', 'string', { length: 64, requires: [IS_NOT_EMPTY(), IS_LENGTH(20)] }),
  Field('color', 'string', { default: 'red', requires: IS_IN_SET(['red', 'green', 'blue']) }),
  Field('qty', 'integer', { default: 0, requires: IS_INT_IN_RANGE(0, 100) }),
  Field('price', 'double', { default: 0 }),
  Field('secret', 'string', { default: 'hidden' }),
  Field('made_on', 'date'))
db.defineTable('note', Field('body', 'text'), Field('thing', 'reference thing'))
db.defineTable('diary', Field('entry', 'string', { requires: IS_NOT_EMPTY() }), Field('owner', 'reference auth_user', { default: () => auth.userId }))
`
}

export const CONTROLLER = `
const service = new Service()
service.json(function add(a: string, b: string) { return Number(a) + Number(b) })
service.jsonrpc2('multiply', (a: number, b: number) => a * b)
export function call() { return service.call() }

export const api = RestAPI(db, {
  auth, title: 'Shop API', maxLimit: 50,
  services: { 'default/call': service },
  tables: {
    thing: { methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], readable: ['id', 'title', 'color', 'qty', 'price', 'made_on'], writable: ['title', 'color', 'qty', 'price', 'made_on'],
      DELETE: { membership: 'managers' } },
    note: { methods: ['GET', 'POST'], POST: { permission: 'create' } },
    diary: { methods: ['GET', 'POST', 'PATCH', 'DELETE'], requiresLogin: true, writable: ['entry'], query: (t, ctx) => t.owner.eq(ctx.userId ?? 0) },
  },
})
export const limited = RestAPI(db, { tables: { thing: { readable: ['id', 'title'] } }, rateLimit: { requests: 3, per: 3600 } })
export const limitedRedis = RestAPI(db, { tables: { thing: { readable: ['id'] } }, rateLimit: { requests: 2, per: 3600, redis: 'redis://127.0.0.1:6379/0' } })

export async function setup() {
  if (!(await db(db.auth_user).isEmpty())) return 'ok'
  const a = await auth.registerUser({ first_name: 'Ann', last_name: 'A', email: 'ann@example.com', password: 'ann-password-1' })
  const b = await auth.registerUser({ first_name: 'Bob', last_name: 'B', email: 'bob@example.com', password: 'bob-password-1' })
  const g = await auth.addGroup('managers')
  await auth.addMembership(g, a)
  await auth.addPermission(g, 'create', 'note')
  for (let i = 1; i <= 30; i++) await db.thing.insert({ title: 'thing ' + String(i).padStart(2, '0'), color: ['red', 'green', 'blue'][i % 3], qty: i, price: i / 2 })
  await db.note.insert({ body: 'about one', thing: 1 })
  await db.note.insert({ body: 'about two', thing: 2 })
  await db.diary.insert({ entry: 'ann private', owner: a })
  await db.diary.insert({ entry: 'bob private', owner: b })
  return 'ok'
}
export async function token() { return auth.issueToken(Number(request.vars.id)) }
export async function user() { return { form: await auth.form() } }
`

/** The files of the shop app. */
export function shopFiles(uri = 'sqlite://storage.sqlite'): AppFiles {
  const views = path.join(ROOT, 'welcome-app', 'views')
  return {
    'models/db.ts': model(uri),
    'controllers/default.ts': CONTROLLER,
    'views/layout.html': fs.readFileSync(path.join(views, 'layout.html'), 'utf8'),
    'views/generic.html': fs.readFileSync(path.join(views, 'generic.html'), 'utf8'),
    'views/default/user.html': "{{extend 'layout.html'}}\n{{=form}}\n",
    // policies with mistakes: a ticket naming QK_REST_BAD_POLICY, never a silently open table
    // (one controller each: a controller file runs whole on every request)
    'controllers/broken_table.ts': "export const api = RestAPI(db, { tables: { nope: true } })\n",
    'controllers/broken_field.ts': "export const api = RestAPI(db, { tables: { thing: { readable: ['id', 'nope'] } } })\n",
    'controllers/broken_method.ts': "export const api = RestAPI(db, { tables: { thing: { methods: ['FETCH' as 'GET'] } } })\n",
  }
}

/** Fill the shop's database (users, a group, 30 things, notes, diary rows) once. */
export async function setupShop(s: TestServer): Promise<void> {
  const r = await s.request('/shop/default/setup')
  if (r.status !== 200) throw new Error(`setup: ${r.status} ${r.body}`)
}

export async function startRestApp(uri = 'sqlite://storage.sqlite'): Promise<TestServer> {
  const s = await startServer({ https: false, apps: { shop: shopFiles(uri) } })
  await setupShop(s)
  return s
}

export const basic = (login: string, password: string) => 'Basic ' + Buffer.from(`${login}:${password}`).toString('base64')

/**
 * fetch with `Connection: close`: the test server lives in the test's own process, so a long
 * synchronous step in the test (loading a validator) can hold a kept-alive socket past the
 * server's 5 s keep-alive and the next request meets a closing socket ("fetch failed").
 * A connection per request keeps each test about its own request.
 */
export function fetch(url: string, init: RequestInit = {}): Promise<Response> {
  return globalThis.fetch(url, { ...init, headers: { connection: 'close', ...(init.headers as Record<string, string> | undefined) } })
}
