/**
 * server/cli/ts-hook.js, the .ts loader `quark` runs the framework with in a checkout:
 * each case runs in a fresh node process started with only that loader (no tsx).
 */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'

const HOOK = path.resolve(__dirname, '../../server/cli/ts-hook.js')
const V8FLAGS = path.resolve(__dirname, '../../server/cli/v8flags.js')
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-ts-hook-'))
after(() => fs.rmSync(tmp, { recursive: true, force: true }))

function run(file: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['-r', V8FLAGS, '-r', HOOK, '-e', `require(${JSON.stringify(file)})`], { encoding: 'utf8' })
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr }
}

test('TypeScript with imports and import.meta runs; an edited file is compiled again, not served from the cache', () => {
  fs.writeFileSync(path.join(tmp, 'lib.ts'), 'export const twice = (n: number): number => n * 2\n')
  const main = path.join(tmp, 'main.ts')
  fs.writeFileSync(main, "import { twice } from './lib'\nconsole.log(twice(21), import.meta.dirname === __dirname)\n")
  assert.deepEqual(run(main), { status: 0, stdout: '42 true', stderr: '' })
  // same size, other content, a later mtime: the cache key must change
  fs.writeFileSync(main, "import { twice } from './lib'\nconsole.log(twice(10), import.meta.dirname === __dirname)\n")
  fs.utimesSync(main, new Date(), new Date(Date.now() + 5000))
  assert.equal(run(main).stdout, '20 true')
})

test('closures are not wrapped in __name() (no keepNames), names still show; stacks name the .ts line', () => {
  const file = path.join(tmp, 'names.ts')
  fs.writeFileSync(file, [
    'function make() { const inner = (x: number) => x; return inner }',
    "console.log(make().name, make.toString().includes('__name'))",
    'class Thing {}',
    'console.log(Thing.name)',
    "try { throw new Error('here') } catch (e) { console.log(/names\\.ts:5/.test(String((e as Error).stack))) }",
  ].join('\n') + '\n')
  assert.deepEqual(run(file).stdout.split('\n'), ['inner false', 'Thing', 'true'])
})

test('a syntax error is reported with the file and line, and nothing broken is cached', () => {
  const file = path.join(tmp, 'broken.ts')
  fs.writeFileSync(file, 'const x: number = \n')
  const r = run(file)
  assert.notEqual(r.status, 0)
  assert.match(r.stderr, /broken\.ts:\d+/)
  fs.writeFileSync(file, 'console.log("fixed")\n')
  fs.utimesSync(file, new Date(), new Date(Date.now() + 10000))
  assert.equal(run(file).stdout, 'fixed')
})

test('exports settle into read-only data properties on first use; re-exports too; values of a cycle are not frozen early', () => {
  const dir = path.join(tmp, 'settle')
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, 'lib.ts'), 'export function f() { return 1 }\nexport const obj = { n: 1 }\nexport class K {}\n')
  fs.writeFileSync(path.join(dir, 'index.ts'), "export * from './lib'\nexport { f as g } from './lib'\n")
  // a cycle: a.ts reads b's export while b is still loading (b required a first)
  fs.writeFileSync(path.join(dir, 'a.ts'), "import { late } from './b'\nexport const early = 'early'\nexport function seenLate() { return late }\nexport let atLoad = 'unset'\ntry { atLoad = String(late) } catch { atLoad = 'not yet' }\n")
  fs.writeFileSync(path.join(dir, 'b.ts'), "import { early } from './a'\nexport const late = 'late:' + early\n")
  const main = path.join(dir, 'main.ts')
  fs.writeFileSync(main, [
    "const m = require('./index')",
    "const before = typeof Object.getOwnPropertyDescriptor(m, 'f')!.get",
    'm.f(); m.g(); m.obj.n++',
    "const after = Object.getOwnPropertyDescriptor(m, 'f')!",
    "const g = Object.getOwnPropertyDescriptor(m, 'g')!",
    "const b = require('./b')",
    "const a = require('./a')",
    'console.log(before, typeof after.value, after.writable, typeof g.value, m.obj.n, m.f(), b.late, a.atLoad, a.seenLate())',
  ].join('\n') + '\n')
  const r = run(main)
  assert.equal(r.stderr, '')
  // b loads a, which reads b.late before b has run (esbuild's getter throws then); once b has run the same import reads it
  assert.equal(r.stdout, 'function function false function 2 1 late:early not yet late:early')
})
