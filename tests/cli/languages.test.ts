// `quark languages` spawned as a user runs it, in an empty folder: progress,
// --add with a plural rule, --update keeping translations and counting unused
// strings, and the refusals (bad code, bad rule, no app, broken file left as
// it is, exit code 1).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn } from 'node:child_process'

const QUARK = path.resolve(__dirname, '..', '..', 'server', 'cli', 'quark.js')
let dir: string

interface Run { code: number | null; stdout: string; stderr: string }

function quark(...args: string[]): Promise<Run> {
  const env = { ...process.env }
  for (const k of ['NODE_TEST_CONTEXT', 'QUARK_TESTING', 'NODE_OPTIONS']) delete env[k]
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [QUARK, ...args], { cwd: dir, env })
    let stdout = '', stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

const langs = () => path.join(dir, 'applications', 'shop', 'languages')
const readLang = (l: string) => JSON.parse(fs.readFileSync(path.join(langs(), `${l}.json`), 'utf8'))

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-languages-cli-'))
  const r = await quark('new', 'shop')
  assert.equal(r.code, 0, r.stderr)
  fs.writeFileSync(path.join(dir, 'applications', 'shop', 'controllers', 'books.ts'),
    "export function index() { return T('%s %%{book}', [Number(request.vars.n ?? 1)]) }\nexport function other() { return T('A new string ## a note') }\n")
})
after(() => fs.rmSync(dir, { recursive: true, force: true }))

test('--add with a plural rule, then --update keeps translations and counts unused strings', async () => {
  const add = await quark('languages', 'shop', '--add', 'pl,sl', '--plurals', '3', '--rule', 'n == 1 ? 0 : n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 10 || n % 100 >= 20) ? 1 : 2')
  assert.equal(add.code, 0, add.stderr)
  assert.match(add.stdout, /^added pl$/m)
  assert.match(add.stdout, /^added sl$/m)
  assert.equal(readLang('pl')['%s %%{book}'], '%s %%{book}', 'the new file has every string in use')
  assert.equal(JSON.parse(fs.readFileSync(path.join(langs(), '_rules.json'), 'utf8')).pl.nplurals, 3)
  const pl = readLang('pl')
  pl['%s %%{book}'] = '%s %%{książka}'
  pl['Gone string'] = 'Zniknął'
  fs.writeFileSync(path.join(langs(), 'pl.json'), JSON.stringify(pl))
  fs.writeFileSync(path.join(dir, 'applications', 'shop', 'controllers', 'more.ts'), "export function x() { return T('Added later') }\n")
  const up = await quark('languages', 'shop', '--update')
  assert.equal(up.code, 0, up.stderr)
  assert.match(up.stdout, /^pl: 1 added, 1 unused$/m)
  const after = readLang('pl')
  assert.equal(after['%s %%{book}'], '%s %%{książka}', 'a translation is kept')
  assert.equal(after['Gone string'], 'Zniknął', 'an unused string is kept (and counted)')
  assert.equal(after['Added later'], 'Added later')
  const report = await quark('languages', 'shop')
  assert.equal(report.code, 0, report.stderr)
  assert.match(report.stdout, /^pl: \d+% translated \(2\/\d+ strings, 1 unused, 0 new\), 3 plural forms$/m)
})

test('bad input: a clear error, nothing written', async () => {
  const before = fs.readdirSync(langs()).sort()
  const cases: Array<[string[], RegExp]> = [
    [['languages'], /needs an app name/],
    [['languages', 'nope'], /No app named nope/],
    [['languages', '../x'], /Invalid app name/],
    [['languages', 'shop', '--add', '../evil'], /Not a language code/],
    [['languages', 'shop', '--add', 'xx', '--plurals', '2', '--rule', 'process.exit()'], /Bad plural rule/],
    [['languages', 'shop', '--add', 'xx', '--plurals', '2'], /give --plurals and --rule together/],
    [['languages', 'shop', '--rule', '0', '--plurals', '1'], /go with --add/],
    [['languages', 'shop', '--bogus'], /unknown flag --bogus/],
  ]
  for (const [args, message] of cases) {
    const r = await quark(...args)
    assert.notEqual(r.code, 0, args.join(' '))
    assert.match(r.stderr, message, args.join(' '))
  }
  assert.deepEqual(fs.readdirSync(langs()).sort(), before, 'no file was added')
})

test('a broken language file is reported, left as it is, and fails the command', async () => {
  const broken = '{ "Hello": "Hallo", }'
  fs.writeFileSync(path.join(langs(), 'de.json'), broken)
  const up = await quark('languages', 'shop', '--update')
  assert.equal(up.code, 1)
  assert.match(up.stderr, /de left as it is: .*de\.json/)
  assert.match(up.stdout, /^pl: 0 added/m, 'the other languages are still updated')
  assert.equal(fs.readFileSync(path.join(langs(), 'de.json'), 'utf8'), broken)
  const report = await quark('languages', 'shop')
  assert.equal(report.code, 1)
  assert.match(report.stderr, /de: BROKEN FILE/)
})

test('a web2py languages/<lang>.py is imported by --update; one with a syntax error fails the command and is kept', async () => {
  fs.rmSync(path.join(langs(), 'de.json'))
  fs.writeFileSync(path.join(langs(), 'fr.py'), "# -*- coding: utf-8 -*-\n{\n'Added later': 'Ajouté plus tard',\n'%s %%{book}': '%s %%{livre}',\n}\n")
  const up = await quark('languages', 'shop', '--update')
  assert.equal(up.code, 0, up.stderr)
  assert.match(up.stdout, /^fr: 2 translations imported from fr\.py \(web2py\)$/m)
  assert.equal(readLang('fr')['Added later'], 'Ajouté plus tard')
  const broken = "{\n'Hello': 'Hallo',\n'Bye' 'Tschüss'\n}\n"
  fs.writeFileSync(path.join(langs(), 'de.py'), broken)
  const bad = await quark('languages', 'shop', '--update')
  assert.equal(bad.code, 1)
  assert.match(bad.stderr, /de left as it is: .*de\.py.*line 4, column 1: expected .:. after a key/)
  assert.equal(fs.readFileSync(path.join(langs(), 'de.py'), 'utf8'), broken)
})
