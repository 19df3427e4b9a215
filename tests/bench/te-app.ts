/**
 * TechEmpower Framework Benchmarks' six test types as a Quark app (issue 21),
 * written with the public API only, as a user would. One app per database:
 * `te` on SQLite and `tepg` on PostgreSQL, written into the bench folder's
 * applications/. The data (10,000 worlds, TechEmpower's 12 fortunes) is
 * loaded by the app's own `seed` action before any load.
 */
import fs from 'node:fs'
import path from 'node:path'

export const WORLD_ROWS = 10000

/** TechEmpower's fortune table, byte for byte (the hostile <script> one and the Japanese one included). */
export const FORTUNES: readonly string[] = [
  'fortune: No such file or directory',
  "A computer scientist is someone who fixes things that aren't broken.",
  'After enough decimal places, nobody gives a damn.',
  'A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1',
  'A computer program does what you tell it to do, not what you want it to do.',
  'Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen',
  'Any program that runs right is obsolete.',
  'A list is only as strong as its weakest link. — Donald Knuth',
  'Feature: A bug with seniority.',
  'Computers make very fast, very accurate mistakes.',
  '<script>alert("This should not be displayed in a browser alert box.");</script>',
  'フレームワークのベンチマーク',
]
export const ADDED_FORTUNE = 'Additional fortune added at request time.'

const model = (uri: string) => `// TechEmpower's tables; the Server header every answer carries (their requirement)
export const db = new DAL(${JSON.stringify(uri)})
db.defineTable('world', Field('randomNumber', 'integer'))
db.defineTable('fortune', Field('message', 'string', { length: 2048 }))
response.headers['Server'] = 'Quark'
`

const CONTROLLER = `const randomId = () => 1 + Math.floor(Math.random() * ${WORLD_ROWS})

/** TechEmpower's rule: queries=N clamped to 1..500; a missing or non-numeric value counts as 1 */
function count(): number {
  const n = parseInt(String(request.vars.queries ?? ''), 10)
  return Number.isNaN(n) || n < 1 ? 1 : n > 500 ? 500 : n
}

export async function seed() {
  if (await db(db.world).isEmpty()) {
    const worlds = []
    for (let i = 0; i < ${WORLD_ROWS}; i++) worlds.push({ randomNumber: randomId() })
    await db.world.bulkInsert(worlds)
  }
  if (await db(db.fortune).isEmpty()) await db.fortune.bulkInsert(${JSON.stringify(FORTUNES)}.map((message) => ({ message })))
  return String(await db(db.world).count()) + ' ' + String(await db(db.fortune).count())
}

export function plaintext() {
  response.headers['Content-Type'] = 'text/plain'
  return 'Hello, World!'
}

export function json() {
  return response.json({ message: 'Hello, World!' })
}

export async function single() {
  const w = await db.world.get(randomId())
  return response.json({ id: w.id, randomNumber: w.randomNumber })
}

export async function queries() {
  const n = count()
  const out = []
  for (let i = 0; i < n; i++) {
    const w = await db.world.get(randomId())
    out.push({ id: w.id, randomNumber: w.randomNumber })
  }
  return response.json(out)
}

export async function updates() {
  const n = count()
  const out = []
  for (let i = 0; i < n; i++) {
    const w = await db.world.get(randomId())
    out.push({ id: w.id, randomNumber: randomId() })
  }
  // in id order, so two requests updating the same rows never deadlock (PostgreSQL)
  const ordered = [...out].sort((a, b) => a.id - b.id)
  for (const w of ordered) await db(db.world.id.eq(w.id)).update({ randomNumber: w.randomNumber })
  return response.json(out)
}

export async function fortunes() {
  const list = (await db(db.fortune).select()).asList()
  list.push({ id: 0, message: ${JSON.stringify(ADDED_FORTUNE)} })
  list.sort((a, b) => (a.message < b.message ? -1 : a.message > b.message ? 1 : 0))
  return { fortunes: list }
}
`

const FORTUNES_VIEW = `<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>{{ for (const f of fortunes) { }}<tr><td>{{=f.id}}</td><td>{{=f.message}}</td></tr>{{ } }}</table></body></html>`

/** Write applications/<name> into `root` with its database URI. */
export function writeTeApp(root: string, name: string, uri: string): void {
  const app = path.join(root, 'applications', name)
  const files: Record<string, string> = {
    'models/db.ts': model(uri),
    'controllers/default.ts': CONTROLLER,
    'views/default/fortunes.html': FORTUNES_VIEW,
  }
  for (const [rel, text] of Object.entries(files)) {
    const full = path.join(app, rel)
    fs.mkdirSync(path.dirname(full), { recursive: true })
    fs.writeFileSync(full, text)
  }
  for (const dir of ['databases', 'sessions', 'errors', 'private', 'uploads']) fs.mkdirSync(path.join(app, dir), { recursive: true })
}
