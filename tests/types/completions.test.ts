/**
 * #19 item 3: what an editor completes in app code (TypeScript's language service over the app's
 * generated declarations, as the admin's Monaco and VS Code use it): `db.` offers the tables and the
 * public methods, no internal (`_dialect`, `_driver`, `_exec`, ...); `db.note.` the fields and the
 * table's methods; a row's members are the table's fields.
 */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import ts from 'typescript'
import { tsconfigText } from '../../server/environment/index'

const root = path.resolve(__dirname, '..', '..')
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-completions-'))
after(() => fs.rmSync(dir, { recursive: true, force: true }))

function completionsAt(folder: string, file: string, source: string, marker: string): string[] {
  const opts = ts.convertCompilerOptionsFromJson((JSON.parse(tsconfigText()) as { compilerOptions: unknown }).compilerOptions, folder).options
  const files = [path.join(folder, '.quark', 'types.d.ts'), file]
  const host: ts.LanguageServiceHost = {
    getScriptFileNames: () => files,
    getScriptVersion: () => '1',
    getScriptSnapshot: (f) => {
      const text = f === file ? source : (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : undefined)
      return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text)
    },
    getCurrentDirectory: () => folder,
    getCompilationSettings: () => opts,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: (f) => f === file || fs.existsSync(f),
    readFile: (f) => (f === file ? source : fs.readFileSync(f, 'utf8')),
  }
  const ls = ts.createLanguageService(host)
  const at = source.indexOf(marker) + marker.length
  return (ls.getCompletionsAtPosition(file, at, {})?.entries ?? []).map((e) => e.name)
}

test('db. completes tables and public methods only; db.note. its fields; a row its fields', { timeout: 600_000 }, () => {
  const folder = path.join(dir, 'applications', 'typed')
  fs.cpSync(path.join(__dirname, 'fixtures', 'typed'), folder, { recursive: true })
  const r = spawnSync(process.execPath, [path.join(root, 'server', 'cli', 'quark.js'), 'types', 'typed'], { cwd: dir, encoding: 'utf8' })
  assert.equal(r.status, 0, r.stdout + r.stderr)
  const file = path.join(folder, 'controllers', 'probe.ts')

  const onDb = completionsAt(folder, file, 'export function f() { db. }\n', 'db.')
  for (const t of ['note', 'person', 'auth_user', 'tables', 'defineTable', 'executesql', 'commit', 'rollback', 'transaction']) assert.ok(onDb.includes(t), `db. lacks ${t}: ${onDb}`)
  const internal = onDb.filter((n) => n.startsWith('_'))
  assert.deepEqual(internal, [], `db. offers internals: ${internal}`)

  const onTable = completionsAt(folder, file, 'export function f() { db.note. }\n', 'db.note.')
  for (const f of ['id', 'title', 'body', 'big', 'price', 'author', 'readers', 'insert', 'get', 'validateAndInsert', 'updateOrInsert']) assert.ok(onTable.includes(f), `db.note. lacks ${f}`)
  assert.deepEqual(onTable.filter((n) => n.startsWith('_') && n !== '_tablename'), [], `db.note. offers internals: ${onTable}`)

  const onField = completionsAt(folder, file, 'export function f() { db.note.title. }\n', 'db.note.title.')
  for (const m of ['eq', 'like', 'belongs', 'label', 'requires']) assert.ok(onField.includes(m), `field lacks ${m}`)
  assert.deepEqual(onField.filter((n) => n.startsWith('_')), [], `a field offers internals: ${onField}`)

  const onRow = completionsAt(folder, file, 'export async function f() { const r = await db.note.get(1); r!. }\n', 'r!.')
  for (const m of ['title', 'created_on', 'ref', 'updateRecord', 'deleteRecord']) assert.ok(onRow.includes(m), `row lacks ${m}`)

  const onRows = completionsAt(folder, file, 'export async function f() { const rows = await db(db.note).select(); rows. }\n', 'rows.')
  for (const m of ['first', 'last', 'find', 'exclude', 'sort', 'toJSON', 'render']) assert.ok(onRows.includes(m), `rows lacks ${m}`)
  assert.deepEqual(onRows.filter((n) => n.startsWith('_')), [], `rows offers internals: ${onRows}`)
})
