/**
 * The peer of RestAPI's bench row (issue 23): Fastify + better-sqlite3
 * answering GET /api/thing?@limit=10 with the JSON RestAPI gives for the
 * bench app's table (the same 100 rows, in its own temp SQLite file):
 * {"items":[{"id":1,"name":"thing 000","value":1}, ...10 rows]}.
 * Like RestAPI it reads one row more than the page to know whether a next
 * page exists, and sends a Link header then.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import Database from 'better-sqlite3'
import { benchPort, benchTls } from './tls'

const ROWS = 100
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-fastify-rest-'))
const db = new Database(path.join(dir, 'storage.sqlite'))
db.pragma('journal_mode = WAL')
db.exec('CREATE TABLE thing (id INTEGER PRIMARY KEY AUTOINCREMENT, name CHAR(512), value INTEGER)')
const insert = db.prepare('INSERT INTO thing (name, value) VALUES (?, ?)')
db.transaction(() => { for (let i = 0; i < ROWS; i++) insert.run('thing ' + String(i).padStart(3, '0'), i + 1) })()
const page = db.prepare('SELECT id, name, value FROM thing ORDER BY id LIMIT ? OFFSET ?')

const tls = benchTls()
const app = (tls ? Fastify({ https: tls }) : Fastify()) as unknown as FastifyInstance
app.get('/api/thing', async (req, reply) => {
  const q = req.query as Record<string, string | undefined>
  const limit = Math.min(Number(q['@limit'] ?? 20), 100)
  const offset = Number(q['@offset'] ?? 0)
  const items = page.all(limit + 1, offset) as unknown[]
  if (items.length > limit) {
    items.length = limit
    reply.header('Link', `</api/thing?@limit=${limit}&@offset=${offset + limit}>; rel="next"`)
  }
  reply.type('application/json; charset=utf-8')
  return JSON.stringify({ items })
})
app.listen({ port: benchPort(), host: '127.0.0.1' }).then(() => console.log('listening'))
process.on('SIGTERM', () => { void app.close().then(() => { db.close(); fs.rmSync(dir, { recursive: true, force: true }); process.exit(0) }) })
