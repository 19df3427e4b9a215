// The book's code blocks (docs/*.md), as the tests read them. A fenced block's info string says
// what the tests do with it:
//   ```ts file=blog/models/db.ts   the block is (a contiguous part of) that file of docs/examples/
//   ```ts run                      the block runs in the blog example app's environment (quark test);
//   ```text output                 ... and when the next block is this, what it printed must equal it
// Any other ts/js/html block is an error (every example in the book is checked; none is skipped);
// sh, text, json without `file=` and the like are prose.
import fs from 'node:fs'
import path from 'node:path'

export const ROOT = path.resolve(__dirname, '..', '..')
export const DOCS = path.join(ROOT, 'docs')
export const EXAMPLES = path.join(DOCS, 'examples')

export interface Block {
  /** docs-relative markdown file and the line of the opening fence */
  doc: string
  line: number
  lang: string
  attrs: Record<string, string | true>
  code: string
  /** for a `run` block: the `text output` block right after it */
  expected?: string
}

/** The languages whose blocks must be marked as an example (file= or run). */
export const CODE_LANGS = new Set(['ts', 'typescript', 'js', 'javascript', 'html'])

export function bookFiles(): string[] {
  const out: string[] = []
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name)
      if (e.isDirectory()) { if (full !== EXAMPLES) walk(full) } else if (e.name.endsWith('.md')) out.push(full)
    }
  }
  walk(DOCS)
  return out.sort()
}

function parseInfo(info: string): { lang: string; attrs: Record<string, string | true> } {
  const [lang = '', ...rest] = info.trim().split(/\s+/)
  const attrs: Record<string, string | true> = {}
  for (const r of rest) {
    const eq = r.indexOf('=')
    if (eq < 0) attrs[r] = true
    else attrs[r.slice(0, eq)] = r.slice(eq + 1)
  }
  return { lang, attrs }
}

export function parseBlocks(file: string): Block[] {
  const doc = path.relative(DOCS, file)
  const lines = fs.readFileSync(file, 'utf8').split('\n')
  const blocks: Block[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})(.*)$/.exec(lines[i])
    if (!open) continue
    const fence = open[1]
    const start = i
    const body: string[] = []
    for (i++; i < lines.length && !lines[i].startsWith(fence); i++) body.push(lines[i])
    if (i >= lines.length) throw new Error(`${doc}:${start + 1}: a code block is never closed`)
    blocks.push({ doc, line: start + 1, ...parseInfo(open[2]), code: body.join('\n') })
  }
  // attach each `text output` block to the run block right before it
  for (let k = 1; k < blocks.length; k++) {
    if (blocks[k].lang === 'text' && blocks[k].attrs.output && blocks[k - 1].attrs.run) blocks[k - 1].expected = blocks[k].code
  }
  return blocks
}

export function allBlocks(): Block[] {
  return bookFiles().flatMap(parseBlocks)
}

/** Lines with their trailing blanks removed, so an editor's whitespace is not a failure. */
export function normalise(text: string): string {
  return text.split('\n').map((l) => l.replace(/\s+$/, '')).join('\n').trim()
}
