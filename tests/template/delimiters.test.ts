/**
 * Issue 16, templates: `=expr` lines inside a multi-line code block write
 * their value (web2py's `{{if x:\n=a\npass}}`), and delimiters other than
 * {{ }} per view (a first-line `{{delimiters '[[' ']]'}}`) or per render
 * (`response.delimiters`), each variant compiled and cached apart; the
 * precompiled form (`quark compile`) renders the same.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { TemplateEngine, precompileViews, parseTemplate, QK_TEMPLATE_BAD_DELIMITERS, QK_TEMPLATE_PRECOMPILED_DELIMITERS, QK_TEMPLATE_SYNTAX } from '../../server/template/index'
import { helperNames } from '../../server/html/index'

let dir = ''
const write = (name: string, text: string) => { const p = path.join(dir, name); fs.mkdirSync(path.dirname(p), { recursive: true }); fs.writeFileSync(p, text) }
const engine = () => new TemplateEngine({ viewsFolder: dir, checkInterval: 0 })
const scope = (extra: Record<string, unknown> = {}) => ({ ...helperNames(), ...extra })

before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-delims-')) })
after(() => { fs.rmSync(dir, { recursive: true, force: true }) })

test('=expr lines inside a multi-line code block write their value, escaped (they were code before)', async () => {
  write('lines.html', '{{ if (x) {\n=a\n} }}|{{ for (const r of rows) {\n  =r.n\n  =", "\n} }}|{{\nconst y = 2\n= y * 3\n}}')
  const e = engine()
  assert.equal(await e.render('lines.html', scope({ x: true, a: '<a>', rows: [{ n: 1 }, { n: 2 }] })), '&lt;a&gt;|1, 2, |6')
  assert.equal(await e.render('lines.html', scope({ x: false, a: '<a>', rows: [] })), '||6')
})

test('web2py style: pass lines close a brace; =helpers render; == and === lines stay code', async () => {
  write('web2py.html', '{{ if (x) {\n=B(a)\npass\n}}.{{ const same = 1\n  == 1\nconst eq = 2\n  === 3\n}}{{=same}},{{=eq}}')
  assert.equal(await engine().render('web2py.html', scope({ x: true, a: '<i>' })), '<b>&lt;i&gt;</b>.true,false')
})

test('an error on an =line points at that template line', async () => {
  write('err.html', 'a\n{{ if (x) {\n=ok\n=(null as any).boom\n} }}')
  const err = await engine().render('err.html', scope({ x: true, ok: 1 })).catch((e: Error) => e)
  assert.deepEqual((err as { templatePosition?: unknown }).templatePosition, { source: path.join(dir, 'err.html'), line: 4 })
})

test('a view declares its own delimiters on its first line; {{ }} is then plain text', async () => {
  write('own.html', "{{delimiters '[[' ']]'}}\n<p>[[=name]]</p><script>var t = '{{ x }}'</script>[[ if (n > 1) { ]]many[[ } ]]\n")
  assert.equal(await engine().render('own.html', scope({ name: '<n>', n: 2 })), "<p>&lt;n&gt;</p><script>var t = '{{ x }}'</script>many\n")
  write('own2.html', '  {{ delimiters "<%" "%>" }}  \r\n<%=1+1%>{{=no}}')
  assert.equal(await engine().render('own2.html', scope()), '2{{=no}}')
})

test('per render (response.delimiters): the view and its layouts/includes use them; each variant is cached apart', async () => {
  write('layout.html', '<main>[[include]]</main>[[include "part.html"]]')
  write('part.html', '<i>[[=who]]</i>')
  write('page.html', "[[extend 'layout.html']]\n[[=who]] {{ vue }}")
  write('plain.html', '{{=who}}[[=who]]')
  const e = engine()
  const s = scope({ who: '<w>' })
  assert.equal(await e.render('page.html', s, undefined, undefined, ['[[', ']]']), '<main>\n&lt;w&gt; {{ vue }}</main><i>&lt;w&gt;</i>')
  assert.equal(await e.render('plain.html', s), '&lt;w&gt;[[=who]]')
  assert.equal(await e.render('plain.html', s, undefined, undefined, ['[[', ']]']), '{{=who}}&lt;w&gt;')
  assert.equal(await e.render('plain.html', s), '&lt;w&gt;[[=who]]', 'the default variant is still cached as it was')
  assert.equal(await e.render('plain.html', s, undefined, undefined, ['{{', '}}']), '&lt;w&gt;[[=who]]', 'explicit defaults are the default')
  const before = e.compileCount
  await e.render('plain.html', s, undefined, undefined, ['[[', ']]'])
  await e.render('plain.html', s)
  assert.equal(e.compileCount, before, 'both variants served from the cache')
  assert.equal(e.renderSync('plain.html', s, ['<%', '%>']), '{{=who}}[[=who]]')
})

test('a view\'s own declaration wins over the render\'s delimiters, and may be written with either', async () => {
  write('mixed.html', "[[delimiters '<%' '%>']]\n<%=who%>[[=who]]")
  write('mixed2.html', "{{delimiters '<%' '%>'}}\n<%=who%>[[=who]]")
  const e = engine()
  const s = scope({ who: 'w' })
  assert.equal(await e.render('mixed.html', s, undefined, undefined, ['[[', ']]']), 'w[[=who]]')
  assert.equal(await e.render('mixed2.html', s, undefined, undefined, ['[[', ']]']), 'w[[=who]]')
})

test('bad delimiters are a named error', async () => {
  write('x.html', 'x')
  const e = engine()
  for (const bad of [['['], ['', ']]'], ['[[', '[['], ['a b', ']]'], ['[[', 123], 'ab', ['123456789', ']]']]) {
    await assert.rejects(e.render('x.html', scope(), undefined, undefined, bad as never), QK_TEMPLATE_BAD_DELIMITERS, JSON.stringify(bad))
  }
  assert.throws(() => parseTemplate("{{delimiters '[[' '[['}}\nx", 'f.html'), QK_TEMPLATE_BAD_DELIMITERS)
  assert.throws(() => parseTemplate("{{delimiters '[[' ']]'}}\n[[=x", 'f.html'), (e: Error) => e instanceof QK_TEMPLATE_SYNTAX && /unclosed \[\[/.test(e.message))
})

test('precompiled views (quark compile) keep per-view delimiters and =lines; response.delimiters on them is a named error', async () => {
  const src = path.join(dir, 'pre-src')
  const out = path.join(dir, 'pre-out')
  const views: Record<string, string> = {
    'own.html': "{{delimiters '[[' ']]'}}\n<p>[[=name]]</p>{{ kept }}[[ if (n > 1) {\n=n\n} ]]",
    'lines.html': '{{ for (const r of rows) {\n=r\n} }}',
  }
  for (const [n, t] of Object.entries(views)) { fs.mkdirSync(src, { recursive: true }); fs.writeFileSync(path.join(src, n), t) }
  for (const f of precompileViews(src).files) { fs.mkdirSync(path.dirname(path.join(out, f.rel)), { recursive: true }); fs.writeFileSync(path.join(out, f.rel), f.text) }
  const fromSource = new TemplateEngine({ viewsFolder: src, checkInterval: 0 })
  const pre = new TemplateEngine({ viewsFolder: out, checkInterval: 0 })
  const s = scope({ name: '<n>', n: 3, rows: ['a', '<b>'] })
  assert.equal(await pre.render('own.html', s), '<p>&lt;n&gt;</p>{{ kept }}3')
  assert.equal(await pre.render('own.html', s), await fromSource.render('own.html', s))
  assert.equal(await pre.render('lines.html', s), 'a&lt;b&gt;')
  assert.equal(pre.compileCount, 0)
  await assert.rejects(pre.render('lines.html', s, undefined, undefined, ['[[', ']]']), QK_TEMPLATE_PRECOMPILED_DELIMITERS)
})
