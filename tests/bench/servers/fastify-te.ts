/**
 * TechEmpower's six test types on Fastify with the raw driver, the yardstick
 * of issue 21: better-sqlite3 prepared statements (BENCH_TE_SQLITE=<file>) or
 * pg with named prepared statements (BENCH_TE_PG=<connection JSON>). Same work
 * as the Quark app (te-app.ts): queries one after another, updates in id order.
 */
import Fastify from 'fastify'
import Database from 'better-sqlite3'
import pg from 'pg'
import { benchPort } from './tls'

const WORLD_ROWS = 10000
const ADDED = 'Additional fortune added at request time.'
const randomId = () => 1 + Math.floor(Math.random() * WORLD_ROWS)

interface World { id: number; randomNumber: number }
interface Fortune { id: number; message: string }

interface Store {
  world(id: number): Promise<World> | World
  fortunes(): Promise<Fortune[]> | Fortune[]
  /** write the new numbers (in id order) */
  update(worlds: World[]): Promise<void> | void
}

function sqliteStore(file: string): Store {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('busy_timeout = 5000')
  const one = db.prepare('SELECT "id", "randomNumber" FROM "world" WHERE "id" = ?')
  const all = db.prepare('SELECT "id", "message" FROM "fortune"')
  const upd = db.prepare('UPDATE "world" SET "randomNumber" = ? WHERE "id" = ?')
  const updateAll = db.transaction((ws: World[]) => { for (const w of ws) upd.run(w.randomNumber, w.id) })
  return {
    world: (id) => one.get(id) as World,
    fortunes: () => all.all() as Fortune[],
    update: (ws) => { updateAll(ws) },
  }
}

function pgStore(conn: pg.PoolConfig): Store {
  const pool = new pg.Pool({ ...conn, max: 10 })
  return {
    // named statements: prepared once per connection by pg
    world: async (id) => (await pool.query<World>({ name: 'world', text: 'SELECT "id", "randomNumber" FROM "world" WHERE "id" = $1', values: [id] })).rows[0],
    fortunes: async () => (await pool.query<Fortune>({ name: 'fortunes', text: 'SELECT "id", "message" FROM "fortune"' })).rows,
    update: async (ws) => {
      for (const w of ws) await pool.query({ name: 'update', text: 'UPDATE "world" SET "randomNumber" = $1 WHERE "id" = $2', values: [w.randomNumber, w.id] })
    },
  }
}

function count(q: unknown): number {
  const n = parseInt(String(q ?? ''), 10)
  return Number.isNaN(n) || n < 1 ? 1 : n > 500 ? 500 : n
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;' }
const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ESC[c])

const store = process.env.BENCH_TE_SQLITE ? sqliteStore(process.env.BENCH_TE_SQLITE)
  : process.env.BENCH_TE_PG ? pgStore(JSON.parse(process.env.BENCH_TE_PG) as pg.PoolConfig)
    : undefined
if (!store) throw new Error('set BENCH_TE_SQLITE or BENCH_TE_PG')

const app = Fastify()
app.addHook('onSend', async (_req, reply) => { reply.header('Server', 'Fastify') })
app.get('/plaintext', async (_req, reply) => { reply.type('text/plain'); return 'Hello, World!' })
app.get('/json', async () => ({ message: 'Hello, World!' }))
app.get('/db', async () => {
  const w = await store.world(randomId())
  return { id: w.id, randomNumber: w.randomNumber }
})
app.get('/queries', async (req) => {
  const n = count((req.query as Record<string, unknown>).queries)
  const out: World[] = []
  for (let i = 0; i < n; i++) { const w = await store.world(randomId()); out.push({ id: w.id, randomNumber: w.randomNumber }) }
  return out
})
app.get('/updates', async (req) => {
  const n = count((req.query as Record<string, unknown>).queries)
  const out: World[] = []
  for (let i = 0; i < n; i++) { const w = await store.world(randomId()); out.push({ id: w.id, randomNumber: randomId() }) }
  await store.update([...out].sort((a, b) => a.id - b.id))
  return out
})
app.get('/fortunes', async (_req, reply) => {
  const list = [...(await store.fortunes())]
  list.push({ id: 0, message: ADDED })
  list.sort((a, b) => (a.message < b.message ? -1 : a.message > b.message ? 1 : 0))
  let html = '<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>'
  for (const f of list) html += `<tr><td>${f.id}</td><td>${escape(f.message)}</td></tr>`
  reply.type('text/html; charset=utf-8')
  return html + '</table></body></html>'
})
app.listen({ port: benchPort(), host: '127.0.0.1' }).then(() => console.log('listening'))
process.on('SIGTERM', () => { void app.close().then(() => process.exit(0)) })
