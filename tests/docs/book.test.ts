// The book's examples run (issue 26): every code block of docs/*.md is either a part of a file of an
// example app (checked to be there, word for word) or a snippet that runs in the example app's
// environment through `npx quark test`, its printed output compared with the book's. The example
// app itself is made as the tutorial says: `quark new blog` in an empty folder, then its files.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { allBlocks, bookFiles, CODE_LANGS, EXAMPLES, normalise, type Block } from './blocks'
import { checkout, quark } from '../cli/helpers'

const blocks = allBlocks()
const fileBlocks = blocks.filter((b) => typeof b.attrs.file === 'string')
const runBlocks = blocks.filter((b) => b.attrs.run)
const where = (b: Block) => `docs/${b.doc}:${b.line}`

test('the book has chapters, and every code block in it is an example the tests check', () => {
  assert.ok(bookFiles().length >= 3, 'docs/ holds the tutorial, the contents and the web2py guide at least')
  const unmarked = blocks.filter((b) => CODE_LANGS.has(b.lang) && !b.attrs.run && typeof b.attrs.file !== 'string')
  assert.deepEqual(unmarked.map(where), [], 'code blocks neither `file=` nor `run` (mark each, so that it is checked)')
  const orphans = blocks.filter((b, i) => b.lang === 'text' && b.attrs.output && !blocks[i - 1]?.attrs.run)
  assert.deepEqual(orphans.map(where), [], '`text output` blocks that follow no `run` block')
  console.log(`# book: ${blocks.length} code blocks; ${fileBlocks.length + runBlocks.length} examples checked (${fileBlocks.length} parts of example files, ${runBlocks.length} run), none skipped`)
})

test('every `file=` block is word for word in its example file', () => {
  for (const b of fileBlocks) {
    const file = path.join(EXAMPLES, b.attrs.file as string)
    assert.ok(path.resolve(file).startsWith(EXAMPLES + path.sep), `${where(b)}: ${b.attrs.file} is outside docs/examples`)
    assert.ok(fs.existsSync(file), `${where(b)}: docs/examples/${b.attrs.file} does not exist`)
    const text = normalise(fs.readFileSync(file, 'utf8'))
    assert.ok(text.includes(normalise(b.code)), `${where(b)}: the block is not (a contiguous part of) docs/examples/${b.attrs.file}`)
  }
})

test('every file of the example app appears in the book', () => {
  const parts = new Map<string, string[]>()
  for (const b of fileBlocks) parts.set(b.attrs.file as string, [...(parts.get(b.attrs.file as string) ?? []), normalise(b.code)])
  const missing: string[] = []
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name)
      if (e.isDirectory()) { walk(full); continue }
      const rel = path.relative(EXAMPLES, full).split(path.sep).join('/')
      if (!parts.has(rel)) missing.push(rel)
    }
  }
  walk(EXAMPLES)
  assert.deepEqual(missing, [], 'example files the book never shows')
})

/** One app test file per `run` block, so that each starts from the example app's empty database. */
function runFile(b: Block): string {
  const check = b.expected === undefined ? '' : `\n  assert.equal(__printed.join('\\n'), ${JSON.stringify(normalise(b.expected))}, 'what ${where(b)} prints')`
  return `import { inspect as __inspect } from 'node:util'
test(${JSON.stringify(where(b))}, async () => {
  const __printed: string[] = []
  // console.log as a terminal shows it, collected to compare with the book's output block
  const console = { log: (...a: unknown[]) => { __printed.push(a.map((v) => typeof v === 'string' ? v : __inspect(v)).join(' ')) } }
  {
${b.code.split('\n').map((l) => '    ' + l).join('\n')}
  }${check}
})
`
}

test('every `run` block runs in the example app and prints what the book says', async () => {
  assert.ok(runBlocks.length > 0)
  const site = checkout.site()
  try {
    const made = await quark(site, ['new', 'blog'])
    assert.equal(made.code, 0, made.stdout + made.stderr)
    const app = path.join(site.dir, 'applications', 'blog')
    fs.cpSync(path.join(EXAMPLES, 'blog'), app, { recursive: true })
    runBlocks.forEach((b, i) => fs.writeFileSync(path.join(app, 'tests', `book_${String(i).padStart(3, '0')}.ts`), runFile(b)))
    const r = await quark(site, ['test', 'blog'], { ms: 600_000 })
    const out = r.stdout + r.stderr
    const summary = /# blog: (\d+) passed, (\d+) failed/.exec(out)
    assert.ok(summary, out)
    assert.equal(Number(summary[2]), 0, out)
    for (const b of runBlocks) assert.match(out, new RegExp(`^ok \\d+ - tests/book_\\d+\\.ts: ${where(b).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`, 'm'), `${where(b)} ran and passed`)
    assert.equal(r.code, 0, out)
    // ... and the finished app type-checks, views included, as the tutorial says it does
    const checked = await quark(site, ['check', 'blog'], { ms: 600_000 })
    assert.equal(checked.code, 0, checked.stdout + checked.stderr)
    assert.match(checked.stdout + checked.stderr, /no errors|0 errors/)
  } finally {
    site.cleanup()
  }
})
