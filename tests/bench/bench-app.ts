/**
 * The folder Quark serves during the benchmark: a temp folder holding
 * applications/bench (written here) beside the welcome app that Quark copies
 * on first boot. The bench app is written only with the public API of
 * DESIGN.md, as a user would write it.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export const BENCH_ROWS = 100

const MODEL = `// The DAL definition runs on every request (web2py's model), as in a real app.
export const db = new DAL('sqlite://storage.sqlite')
db.defineTable('thing',
  Field('name', 'string'),
  Field('value', 'integer', { default: 0 }))
`

const CONTROLLER = `// Fills the table once before the load starts; answers the row count.
export async function seed() {
  if (await db(db.thing).isEmpty()) {
    for (let i = 0; i < ${BENCH_ROWS}; i++) {
      await db.thing.insert({ name: 'thing ' + String(i).padStart(3, '0'), value: i + 1 })
    }
  }
  return String(await db(db.thing).count())
}

// The 10-row page: one query, rendered by views/default/rows.html.
export async function rows() {
  const rows = await db(db.thing.value.gt(0)).select({ orderby: db.thing.name, limitby: [0, 10] })
  return { rows }
}

// issue 23: GET /bench/default/api/thing?@limit=10 through RestAPI (tests/bench/rest-row.ts)
export const api = RestAPI(db, { tables: { thing: true } })

// No view of its own: /bench/default/info.json goes through the generic JSON view.
export function info() {
  return { message: 'Hello World', numbers: [1, 2, 3], nested: { text: 'a < b & c', flag: true } }
}
`

const ROWS_VIEW = `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>Ten rows</title></head>
<body>
<h1>Ten rows</h1>
<table>
<thead><tr><th>id</th><th>name</th><th>value</th></tr></thead>
<tbody>
{{ for (const r of rows) { }}
<tr><td>{{=r.id}}</td><td>{{=r.name}}</td><td>{{=r.value}}</td></tr>
{{ } }}
</tbody>
</table>
</body>
</html>
`

/** About 2 KB of CSS: a typical small static asset. */
export const STATIC_BODY = Array.from({ length: 40 }, (_, i) => `.bench-${i} { margin: ${i}px; padding: ${i % 7}px; }`).join('\n') + '\n'

/**
 * The routes of the routed hello row (issue 24): the parameter-based router (default application
 * welcome, so /hello is welcome/default/hello) and 20 routes_in rules of old URLs, none of which
 * matches /hello, so every request scans them all.
 */
export const BENCH_ROUTES = JSON.stringify({
  routers: { BASE: { default_application: 'welcome' } },
  routes_in: Array.from({ length: 20 }, (_, i) => [`/old/page${i}/$anything`, `/welcome/default/index/${i}/$anything`]),
}, null, 1)

export interface BenchFolder { root: string; remove(): void }

export function createBenchFolder(): BenchFolder {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-bench-'))
  const app = path.join(root, 'applications', 'bench')
  const files: Record<string, string> = {
    'models/db.ts': MODEL,
    'controllers/default.ts': CONTROLLER,
    'views/default/rows.html': ROWS_VIEW,
    'static/bench.css': STATIC_BODY,
  }
  for (const [rel, text] of Object.entries(files)) {
    const full = path.join(app, rel)
    fs.mkdirSync(path.dirname(full), { recursive: true })
    fs.writeFileSync(full, text)
  }
  for (const dir of ['databases', 'sessions', 'errors', 'private', 'uploads']) fs.mkdirSync(path.join(app, dir), { recursive: true })
  return { root, remove: () => fs.rmSync(root, { recursive: true, force: true }) }
}
