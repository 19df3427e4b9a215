// The book in the admin over real HTTP: refused without the admin session,
// the contents and every chapter rendered from docs/*.md (anchors, code with
// its file as a caption, links between chapters rewritten), chapter names
// that are no file of docs/ (../, encoded forms, examples/) answered 404,
// search over every chapter with escaped snippets, hostile queries escaped
// or refused; and the pack the binaries carry holds the book.
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startAdminServer, loggedIn } from './helpers'
import type { TestServer, Agent } from '../helpers/server'
import { projectFiles } from '../../build/assets'
import { writePack } from '../../build/pack-writer'
import { PackedFolder } from '../../server/sea/pack'
import { docsChapters } from '../../server/adminlib/index'

const ROOT = path.join(__dirname, '..', '..')
const CHAPTERS = fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => f.slice(0, -3))

let s: TestServer
let agent: Agent

before(async () => {
  s = await startAdminServer()
  agent = (await loggedIn(s)).agent
})
after(async () => { await s?.stop() })

describe('login', () => {
  test('every book page is refused without the admin session', async () => {
    for (const p of ['/admin/docs', '/admin/docs/index', '/admin/docs/read/dal', '/admin/docs/search?q=belongs']) {
      const r = await s.request(p)
      assert.equal(r.status, 303, p)
      assert.match(String(r.headers.location), /\/admin\/default\/login\?_next=/, p)
      assert.doesNotMatch(r.body, /belongs|The DAL/, `${p}: nothing of the book leaks`)
    }
    const json = await s.request('/admin/docs/search.json?q=belongs')
    assert.equal(json.status, 401)
  })
})

describe('chapters', () => {
  test('the contents list every chapter, linked to its page, in the admin layout', async () => {
    const r = await agent.request('/admin/docs')
    assert.equal(r.status, 200)
    assert.match(r.body, /<title>Book · Quark admin<\/title>/)
    assert.match(r.body, /<h1 id="the-quark-book">The Quark book/)
    for (const name of CHAPTERS.filter((n) => n !== 'README')) {
      assert.ok(r.body.includes(`href="/admin/docs/read/${name}"`), `the contents link ${name}`)
    }
    assert.match(r.body, /<a class="nav-link" href="\/admin\/docs\/index">Book<\/a>/, 'the menu links the book')
    // the project README and examples/ are not served by the admin: shown as text, not as broken links
    assert.doesNotMatch(r.body, /href="[^"]*\.md[#"]/)
    assert.doesNotMatch(r.body, /href="examples\//)
  })

  test('every chapter renders: headings with ids, code highlighted with its file as caption, info strings hidden', async () => {
    for (const name of CHAPTERS) {
      const r = await agent.request(`/admin/docs/read/${name}`)
      assert.equal(r.status, 200, name)
      const src = fs.readFileSync(path.join(ROOT, 'docs', `${name}.md`), 'utf8')
      const h1 = /^# (.+)$/m.exec(src)![1]!.replace(/`/g, '')
      assert.ok(r.body.includes(`<h1 id="`), `${name} has an anchored h1`)
      assert.ok(r.body.includes(h1.replace(/&/g, '&amp;').replace(/'/g, '&#x27;')) || r.body.includes(h1), `${name} shows its title`)
      for (const m of src.matchAll(/^## (.+)$/gm)) assert.ok(/<h2 id="[^"]+">/.test(r.body), `${name}: ${m[1]} is anchored`)
      // the README talks about the info strings in inline code; code blocks and captions never show them
      const blocks = r.body.replace(/<code>[\s\S]*?<\/code>/g, '')
      assert.doesNotMatch(blocks, /```|file=|\bts run\b|text output/, `${name}: no info strings shown`)
    }
    const dal = await agent.request('/admin/docs/read/dal')
    assert.match(dal.body, /<figcaption class="qk-doc-caption">docs\/examples\/blog\/models\/db\.ts<\/figcaption><pre><code class="hljs language-typescript"><span class="hljs-keyword">export<\/span>/)
    assert.match(dal.body, /<h2 id="connecting">Connecting <a class="qk-doc-anchor" href="#connecting"/)
    assert.ok(dal.body.includes('href="/admin/docs/read/scaling"'), 'a link to another chapter leads to its page')
    assert.match(dal.body, /href="\/_quark\/highlight\.css"/, 'the highlighting theme ships with Quark')
    // the side bar lists this chapter's sections
    assert.match(dal.body, /<nav aria-label="Contents of the book"[\s\S]*href="#connecting"/)
  })

  test('chapter names that are no file of docs/ get 404: traversal, encoded forms, examples/, extra segments', async () => {
    const bad = [
      '/admin/docs/read/nosuch', '/admin/docs/read/dal.md', '/admin/docs/read/examples', '/admin/docs/read/DAL',
      '/admin/docs/read/..%2FREADME', '/admin/docs/read/..%2F..%2Fpackage', '/admin/docs/read/%2e%2e%2fREADME',
      '/admin/docs/read/%2E%2E%2F%2E%2E%2FREADME', '/admin/docs/read/..%252fREADME', '/admin/docs/read/..%5cREADME',
      '/admin/docs/read/..%5c..%5cpackage', '/admin/docs/read/__proto__',
      '/admin/docs/read/constructor', '/admin/docs/read/examples/blog', '/admin/docs/read/../README',
      '/admin/docs/read/%2Fetc%2Fpasswd', '/admin/docs/read',
    ]
    for (const p of bad) {
      const r = await agent.request(p)
      assert.equal(r.status, 404, p)
      assert.doesNotMatch(r.body, /"name": "quark"|root:x:0|The Quark book/, `${p}: no file content leaks`)
    }
    // a NUL in the path is refused by the server's URL parsing before the admin sees it
    const nul = await agent.request('/admin/docs/read/README%00')
    assert.ok(nul.status === 400 || nul.status === 404, `NUL: ${nul.status}`)
    assert.doesNotMatch(nul.body, /The Quark book/)
  })
})

describe('search', () => {
  test('a word of dal.md is found with its chapter, section and an escaped, marked snippet', async () => {
    const r = await agent.request('/admin/docs/search?q=belongs')
    assert.equal(r.status, 200)
    const hit = /<li class="mb-3 qk-doc-hit" data-chapter="dal">([\s\S]*?)<\/li>/.exec(r.body)
    assert.ok(hit, 'a section of dal.md is listed')
    assert.match(hit[1]!, /href="\/admin\/docs\/read\/dal#queries"/)
    assert.match(hit[1]!, /The DAL: tables, queries, rows/)
    assert.match(hit[1]!, /<mark>belongs<\/mark>/)
    // the snippet holds the operator table's "<" and ">": escaped, never markup
    assert.match(hit[1]!, /&lt;|&gt;/)
    assert.doesNotMatch(hit[1]!.replace(/<\/?(mark|div|a|span)\b[^>]*>/g, ''), /<[a-z]/i)
    // the link leads to an anchor that exists
    const page = await agent.request('/admin/docs/read/dal')
    assert.match(page.body, /<h2 id="queries">/)
  })

  test('every word must be in the section; case does not matter; nothing found says so', async () => {
    const both = await agent.request('/admin/docs/search?q=' + encodeURIComponent('BELONGS subquery'))
    assert.match(both.body, /data-chapter="dal"/)
    const none = await agent.request('/admin/docs/search?q=' + encodeURIComponent('belongs zzqqxxnothing'))
    assert.match(none.body, /id="docs-none"/)
    assert.doesNotMatch(none.body, /class="mb-3 qk-doc-hit"/)
    const empty = await agent.request('/admin/docs/search?q=')
    assert.equal(empty.status, 200)
    assert.match(empty.body, /id="docs-empty"/)
  })

  test('a hostile query is escaped everywhere it is shown', async () => {
    const q = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    const r = await agent.request('/admin/docs/search?q=' + encodeURIComponent(q))
    assert.equal(r.status, 200)
    assert.doesNotMatch(r.body, /<script>alert|<img src=x/)
    assert.ok(r.body.includes('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;'), 'the query is shown escaped')
    // a query that matches markup-looking text of the book: the match is marked, the text escaped
    const lt = await agent.request('/admin/docs/search?q=' + encodeURIComponent('<='))
    assert.equal(lt.status, 200)
    assert.match(lt.body, /<mark>&lt;=<\/mark>/)
  })

  test('a query over 200 characters is refused with 400, and a repeated q is not a query', async () => {
    const r = await agent.request('/admin/docs/search?q=' + 'a'.repeat(201))
    assert.equal(r.status, 400)
    assert.match(r.body, /longer than 200 characters/)
    const twice = await agent.request('/admin/docs/search?q=belongs&q=x')
    assert.equal(twice.status, 200)
    assert.doesNotMatch(twice.body, /class="mb-3 qk-doc-hit"/)
  })
})

describe('the index', () => {
  test('is built once while docs/ is unchanged: two calls give the very same chapters', () => {
    const first = docsChapters('/admin/docs')
    const again = docsChapters('/admin/docs')
    assert.equal(first.length, CHAPTERS.length)
    for (let i = 0; i < first.length; i++) assert.equal(again[i], first[i], first[i]!.name)
    // another URL base (a path_prefix) is another rendering: its links start with it
    assert.ok(docsChapters('/shop/admin/docs').find((c) => c.name === 'dal')!.html.includes('href="/shop/admin/docs/read/scaling"'))
  })
})

describe('the binaries carry the book', () => {
  test('the project-files pack holds docs/*.md, byte for byte, and nothing of docs/examples/', async () => {
    const pack = new PackedFolder('project-files', await writePack(projectFiles(ROOT)))
    const docs = pack.list().filter((p) => p.startsWith('docs/')).sort()
    assert.deepEqual(docs, CHAPTERS.map((n) => `docs/${n}.md`).sort())
    for (const p of docs) assert.ok(pack.read(p)!.equals(fs.readFileSync(path.join(ROOT, p))), p)
  })
})
