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
