/**
 * #19 types (items 1, 3, 4): `quark check <app>` and `quark types <app>` spawned as a user runs them
 * (node server/cli/quark.js in a temp site folder), and `tsc --noEmit -p <app>`:
 *   - tests/types/fixtures/typed (every field type, joins, references, auth extra fields, forms, grid): 0 errors;
 *   - tests/types/fixtures/mistakes: each line marked MISTAKE in its controller, and each view mistake,
 *     reported at its own line (by quark check; by tsc for the TypeScript file), exit 1;
 *   - the declarations are made from the live schema: a model edit shows in .quark/types.d.ts after the
 *     next request of a running server (no command run).
 */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn } from 'node:child_process'
import { startServer } from '../helpers/server'

const root = path.resolve(__dirname, '..', '..')
const quark = path.join(root, 'server', 'cli', 'quark.js')
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc')
const sites: string[] = []
after(() => { for (const s of sites) fs.rmSync(s, { recursive: true, force: true }) })

function site(app: string): { dir: string; folder: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-types-'))
  sites.push(dir)
  const folder = path.join(dir, 'applications', app)
  fs.cpSync(path.join(__dirname, 'fixtures', app), folder, { recursive: true })
  return { dir, folder }
}

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env }
    for (const k of ['NODE_TEST_CONTEXT', 'NODE_OPTIONS']) delete env[k]
    const p = spawn(process.execPath, [cmd, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    p.stdout.on('data', (d) => { out += d })
    p.stderr.on('data', (d) => { out += d })
    p.on('error', reject)
    p.on('close', (code) => resolve({ code, out }))
  })
}

/** file:line of each reported error (quark check: `f:l:c - error`; tsc: `f(l,c): error`). */
function errorLines(out: string): Set<string> {
  const s = new Set<string>()
  for (const m of out.matchAll(/^(\S+?):(\d+):\d+ - error/gm)) s.add(`${m[1]}:${m[2]}`)
  for (const m of out.matchAll(/^(\S+?)\((\d+),\d+\): error/gm)) s.add(`${m[1]}:${m[2]}`)
  return s
}

test('the typed fixture (every field type, joins, references, auth, forms, grid) checks with 0 errors', { timeout: 600_000 }, async () => {
  const { dir, folder } = site('typed')
  const r = await run(quark, ['check', 'typed'], dir)
  assert.equal(r.code, 0, r.out)
  assert.match(r.out, /quark check typed: 0 errors \(4 TypeScript files, 5 views\)/)
  const decl = fs.readFileSync(path.join(folder, '.quark', 'types.d.ts'), 'utf8')
  // from the live schema: the exported db typed with its tables, the auth user with its extra fields
  assert.match(decl, /const db: import\('[^']+dal\/typed'\)\.TypedDAL<QuarkApp\.Schema_db>/)
  // notnull (title, views), required (created_on) and the id read as T; every other field as T | null
  assert.match(decl, /note: \{ row: \{ id: number; title: string; body: string \| null; picture: Buffer \| null; published: boolean \| null; views: number; big: bigint \| null; score: number \| null; price: string \| null; day: Date \| null; at: string \| null; created_on: Date; meta: unknown \| null; secret: string \| null; attachment: string \| null; author: number \| null; tags: string\[\] \| null; ratings: number\[\] \| null; readers: number\[\] \| null \}; refs: \{ author: "person" \}; listRefs: \{ readers: "person" \} \}/)
  assert.match(decl, /auth_user: \{ row: \{[^}]*nickname: string \| null; birthday: Date \| null/)
  // the same files pass tsc -p <app> (the app's own tsconfig.json, written by quark)
  const t = await run(tsc, ['--noEmit', '-p', folder], dir)
  assert.equal(t.code, 0, t.out)
})

test('the welcome app (quark new) checks with 0 errors', { timeout: 600_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-types-'))
  sites.push(dir)
  const n = await run(quark, ['new', 'welcome'], dir)
  assert.equal(n.code, 0, n.out)
  const r = await run(quark, ['check', 'welcome'], dir)
  assert.equal(r.code, 0, r.out)
  assert.match(r.out, /quark check welcome: 0 errors \(\d+ TypeScript files, \d+ views\)/)
})

test('the mistakes fixture: every mistake reported at its own line, by quark check and by tsc', { timeout: 600_000 }, async () => {
  const { dir, folder } = site('mistakes')
  const controller = fs.readFileSync(path.join(folder, 'controllers', 'default.ts'), 'utf8').split('\n')
  const marked = controller.flatMap((l, i) => (l.includes('// MISTAKE') ? [`controllers/default.ts:${i + 1}`] : []))
  assert.ok(marked.length >= 20, `${marked.length} marked mistakes`)
  const views = ['views/default/index.html:2', 'views/default/index.html:6', 'views/default/me.html:1', 'views/default/me.html:3']
  const r = await run(quark, ['check', 'mistakes'], dir)
  assert.equal(r.code, 1, r.out)
  const got = errorLines(r.out)
  for (const m of [...marked, ...views]) assert.ok(got.has(m), `quark check did not report ${m}:\n${r.out}`)
  // no error on an unmarked controller line
  for (const g of got) if (g.startsWith('controllers/')) assert.ok(marked.includes(g), `unexpected error at ${g}`)
  assert.match(r.out, /views\/default\/index\.html:2:\d+ - error TS2304: Cannot find name 'mesage'/)
  assert.match(r.out, /views\/default\/me\.html:1:1 - error QK_VIEW: \{\{extend 'layot\.html'\}\}/)
  assert.match(r.out, /controllers\/default\.ts:3:\d+ - error TS2339: Property 'nosuch' does not exist on type 'TypedDAL/)

  const t = await run(tsc, ['--noEmit', '--pretty', 'false', '-p', folder], folder)
  assert.equal(t.code, 2, t.out)
  const tgot = errorLines(t.out)
  for (const m of marked) assert.ok(tgot.has(m), `tsc did not report ${m}:\n${t.out}`)
})

test('quark types: writes the declarations from the live schema; a running server rewrites them after a model edit', { timeout: 600_000 }, async () => {
  const { dir, folder } = site('typed')
  const r = await run(quark, ['types', 'typed'], dir)
  assert.equal(r.code, 0, r.out)
  assert.match(r.out, /wrote .*types\.d\.ts/)
  const file = path.join(folder, '.quark', 'types.d.ts')
  assert.doesNotMatch(fs.readFileSync(file, 'utf8'), /extra_note/)
  // an unknown app is a clear error
  const bad = await run(quark, ['types', 'nosuchapp'], dir)
  assert.notEqual(bad.code, 0)
  assert.match(bad.out, /No app named nosuchapp/)

  const server = await startServer({ apps: {}, https: false })
  try {
    const app = path.join(server.folder, 'applications', 'live')
    fs.cpSync(path.join(__dirname, 'fixtures', 'typed'), app, { recursive: true })
    fs.appendFileSync(path.join(app, 'models', 'db.ts'), "db.defineTable('extra_note', Field('words', 'list:string'), Field('n', 'bigint'))\n")
    // the server finds a new app folder on a later request (its listing is re-read at most every few hundred ms)
    let status = 0, body = ''
    for (let i = 0; i < 100 && status !== 200; i++) {
      const res = await fetch(`${server.url}/live/default/index`)
      status = res.status
      body = await res.text()
      if (status !== 200) await new Promise((ok) => setTimeout(ok, 200))
    }
    assert.equal(status, 200, body)
    const decl = path.join(app, '.quark', 'types.d.ts')
    let text = ''
    for (let i = 0; i < 200 && !/extra_note/.test(text); i++) {
      await new Promise((ok) => setTimeout(ok, 100))
      try { text = fs.readFileSync(decl, 'utf8') } catch { /* not yet */ }
    }
    assert.match(text, /extra_note: \{ row: \{ id: number; words: string\[\] \| null; n: bigint \| null \}/)
  } finally {
    await server.stop()
  }
})
