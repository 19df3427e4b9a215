/**
 * #19, the rest: names typed per file, nullable columns, partial selects, quark check from the binary.
 * tests/types/fixtures/scoped, spawned as a user runs it (node server/cli/quark.js in a temp site folder)
 * and with plain `tsc --noEmit -p <app>`:
 *   - URL() is the html helper in models, controllers, modules, tests/ and views, without a cast;
 *     Node's class is `globalThis.URL`, and `new URL(...)` is an error (at run time URL is the helper);
 *   - conditional models: models/blog/*.ts names and tables are typed in controllers/blog.ts and
 *     views/blog/, errors in controllers/wrong.ts and views/default/; models/blog/show/*.ts's only in
 *     blog's controller file and views/blog/show.html (an error in views/blog/index.html);
 *   - nullable columns (no notnull, not required, not the id) read as T | null;
 *   - partial selects return rows with the selected fields only, a join's per table.
 * The fixture's good files carry type-equality assertions (Equal<...> = true): a wrong row type fails them.
 */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn, spawnSync } from 'node:child_process'
import { binarySkip, buildBinary, sandbox } from '../binary/helpers'

const root = path.resolve(__dirname, '..', '..')
const quark = path.join(root, 'server', 'cli', 'quark.js')
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc')
const sites: string[] = []
after(() => { for (const s of sites) fs.rmSync(s, { recursive: true, force: true }) })

function site(app: string): { dir: string; folder: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-scopes-'))
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

const VIEW_MISTAKES = [
  'views/blog/index.html:3',     // showOnly: models/blog/show/ runs for blog/show only
  'views/default/links.html:2',  // blogTitle: models/blog/ runs for controller blog only
]

test('scoped fixture: URL helper, conditional models per controller/function, nullable columns, partial selects', { timeout: 600_000 }, async () => {
  const { dir, folder } = site('scoped')
  const wrong = fs.readFileSync(path.join(folder, 'controllers', 'wrong.ts'), 'utf8').split('\n')
  const marked = wrong.flatMap((l, i) => (l.includes('// MISTAKE') ? [`controllers/wrong.ts:${i + 1}`] : []))
  assert.equal(marked.length, 9)

  const r = await run(quark, ['check', 'scoped'], dir)
  assert.equal(r.code, 1, r.out)
  // exactly the marked lines: every other file of the fixture (models, blog.ts, default.ts, modules, tests, views) is clean
  assert.deepEqual([...errorLines(r.out)].sort(), [...marked, ...VIEW_MISTAKES].sort(), r.out)
  assert.match(r.out, /controllers\/wrong\.ts:3:\d+ - error TS2304: Cannot find name 'blogTitle'/)
  assert.match(r.out, /controllers\/wrong\.ts:4:\d+ - error TS2339: Property 'post' does not exist on type 'TypedDAL<Schema_db>'/)
  assert.match(r.out, /controllers\/wrong\.ts:11:\d+ - error TS2339: Property 'body' does not exist/)
  assert.match(r.out, /views\/blog\/index\.html:3:\d+ - error TS2304: Cannot find name 'showOnly'/)
  assert.match(r.out, /quark check scoped: 11 errors \(8 TypeScript files, 3 views\)/)

  // the live schema per scope: the top models, controller blog, function blog/show
  const schema = JSON.parse(fs.readFileSync(path.join(folder, '.quark', 'schema.json'), 'utf8'))
  assert.deepEqual(Object.keys(schema.controllers).sort(), ['blog', 'blog/show'])
  const decl = fs.readFileSync(path.join(folder, '.quark', 'types.d.ts'), 'utf8')
  assert.match(decl, /note: \{ row: \{ id: number; title: string; body: string \| null; stars: number; author: number \| null \}/)
  assert.match(decl, /declare module '\.\.\/controllers\/blog' \{[^\n]*export const blogTitle: [^\n]*export const db: import\('[^']+'\)\.TypedDAL<QuarkApp\.Schema_db__blog>/)
  assert.doesNotMatch(decl.slice(0, decl.indexOf('namespace QuarkApp')), /blogTitle|showOnly/, 'a conditional name is not global')

  // plain tsc over the app (its tsconfig written by quark): the same TypeScript mistakes, nothing else
  const t = await run(tsc, ['--noEmit', '--pretty', 'false', '-p', folder], folder)
  assert.equal(t.code, 2, t.out)
  const mine = [...errorLines(t.out)].filter((l) => /^(models|controllers|modules|tests)\//.test(l)).sort()
  assert.deepEqual(mine, marked.sort(), t.out)
})

test('the welcome app passes plain tsc -p without a cast around URL()', { timeout: 600_000 }, async () => {
  const menu = fs.readFileSync(path.join(root, 'welcome-app', 'models', 'menu.ts'), 'utf8')
  assert.doesNotMatch(menu, /\bas unknown as\b/)
  assert.match(menu, /URL\('default', 'index'\)/)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-scopes-'))
  sites.push(dir)
  assert.equal((await run(quark, ['new', 'welcome'], dir)).code, 0)
  const types = await run(quark, ['types', 'welcome'], dir)
  assert.equal(types.code, 0, types.out)
  const folder = path.join(dir, 'applications', 'welcome')
  const t = await run(tsc, ['--noEmit', '--pretty', 'false', '-p', folder], folder)
  // the app's own files only: a framework room being edited by someone else must not fail this test
  const mine = t.out.split('\n').filter((l) => /^(models|controllers|modules|tests)\/.*\(\d+,\d+\): error/.test(l))
  assert.deepEqual(mine, [], t.out)
  assert.doesNotMatch(t.out, /menu\.ts/)
})

test('quark check from the binary: a named error, exit non-zero', { skip: binarySkip, timeout: 900_000 }, () => {
  let binary = process.env.QUARK_BINARY
  if (!binary) {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-scopes-build-'))
    sites.push(work)
    binary = path.join(work, 'quark')
    buildBinary(binary)
  }
  const box = sandbox(binary)
  try {
    const q = (args: string[]) => spawnSync(box.bin, args, { env: box.env, cwd: box.appDir, encoding: 'utf8', timeout: 300_000 })
    assert.equal(q(['new', 'shop']).status, 0)
    const r = q(['check', 'shop'])
    assert.equal(r.status, 2, r.stdout + r.stderr)
    assert.match(r.stderr, /quark check: quark check needs the typescript package with its lib files and the packages' types: the binary carries the compiler only/)
  } finally {
    box.cleanup()
  }
})
