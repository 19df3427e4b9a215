// Precompiled views (what `quark compile` writes to compiled/views): every template feature renders
// exactly as from the sources, no template is compiled at run time, missing views stay missing,
// and errors still point at the template file and line.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { TemplateEngine, precompileViews, templatePosition, PRECOMPILED_INDEX, QK_TEMPLATE_NOT_FOUND } from '../../server/template/index'
import { helperNames } from '../../server/html/index'

let root = ''
let src = ''
let out = ''
const VIEWS: Record<string, string> = {
  'layout.html': `<html><title>{{block title}}Site{{end}}</title>{{include 'parts/nav.html'}}<main>{{include}}</main>{{block footer}}<f>default</f>{{end}}</html>`,
  'parts/nav.html': `<nav>{{=who}}</nav>`,
  'default/index.html': `{{extend 'layout.html'}}{{block title}}Index | {{super}}{{end}}<h1>{{=msg}}</h1>`,
  'esc.html': `<p>{{=s}}</p>{{=DIV(s, {_class: 'c'})}}{{=XML('<i>raw</i>')}}[{{=n}}][{{=u}}][{{=0}}][{{= 1 + 2 }}]`,
  'code.html': `{{ const items: Array<{ n: number }> = rows as any }}<ul>{{ for (const r of items) { }}<li>{{=r.n}}</li>{{ } }}</ul>{{ if (flag) { }}yes{{ } else { }}no{{pass}}
{{ interface Local { x: number } }}{{ const l: Local = { x: 5 } }}{{=l.x}}{{ function twice(v: number) { return v * 2 } }}{{=twice(l.x)}}`,
  'braces.html': "{{='{{=x}}'}}|{{=\"}}\"}}|{{=`a}}b`}}|{{ const o = { a: { b: 1 } } /* }} */ }}{{=o.a.b}}|{{ // a comment's quote }}ok",
  'async.html': `{{ const v = await load() }}<b>{{=v}}</b>{{=await Promise.resolve('<x>')}}`,
  'base.html': `[{{block a}}base-a{{end}}|{{include}}|{{block b}}base-b{{end}}]`,
  'mid.html': `{{extend 'base.html'}}{{block a}}mid-a<{{super}}>{{end}}mid({{include}})`,
  'leaf.html': `{{extend 'mid.html'}}{{block a}}leaf-a<{{super}}>{{end}}{{block b}}leaf-b{{end}}leaf`,
  'generic.html': `{{=JSON.stringify(Object.keys(__q.vars))}}`,
  'multi.html': 'one\n{{ const t = `a\n${who}\nb` }}\n{{=t}}\ntwo {{=who}}\n{{ if (who === "boom") { }}\n{{=(null as any).x}}\n{{ } }}\nend',
  'bad.html': `{{extend 'layout.html'}}\nok\n{{ const x: any = null }}\n\n{{=x.boom}}\n`,
}
const scope = (extra: Record<string, unknown> = {}) => ({ ...helperNames(), who: 'me', msg: 'Hi <b>', s: `<a href="x">'&'</a>`, n: null, u: undefined, rows: [{ n: 1 }, { n: 2 }], flag: false, load: async () => 42, ...extra })

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-precompiled-'))
  src = path.join(root, 'views')
  out = path.join(root, 'compiled', 'views')
  for (const [name, text] of Object.entries(VIEWS)) {
    fs.mkdirSync(path.dirname(path.join(src, name)), { recursive: true })
    fs.writeFileSync(path.join(src, name), text)
  }
  fs.writeFileSync(path.join(src, '.hidden.html'), '{{ broken')
  for (const f of precompileViews(src).files) {
    fs.mkdirSync(path.dirname(path.join(out, f.rel)), { recursive: true })
    fs.writeFileSync(path.join(out, f.rel), f.text)
  }
})
after(() => { fs.rmSync(root, { recursive: true, force: true }) })

test('every view renders the same from its precompiled module, without compiling a template', async () => {
  const fromSource = new TemplateEngine({ viewsFolder: src, checkInterval: 0 })
  const pre = new TemplateEngine({ viewsFolder: out, checkInterval: 0 })
  assert.equal(pre.isPrecompiled, true)
  assert.equal(fromSource.isPrecompiled, false)
  for (const view of Object.keys(VIEWS).filter((v) => v !== 'bad.html')) {
    for (const extra of [{}, { flag: true, rows: [], who: 'you' }]) {
      const expected = await fromSource.render(view, scope(extra))
      assert.equal(await pre.render(view, scope(extra)), expected, view)
    }
  }
  assert.equal(pre.renderSync('esc.html', scope()), fromSource.renderSync('esc.html', scope()))
  assert.equal(await pre.render('default/index.html', scope()), '<html><title>Index | Site</title><nav>me</nav><main><h1>Hi &lt;b&gt;</h1></main><f>default</f></html>')
  assert.equal(pre.compileCount, 0, 'no template compiled at run time')
  assert.ok(fromSource.compileCount > 0)
  assert.ok(!fs.readdirSync(out, { recursive: true }).map(String).some((f) => f.endsWith('.html')), 'no template in the compiled folder')
})

test('has() and missing views: as from the sources', async () => {
  const pre = new TemplateEngine({ viewsFolder: out, checkInterval: 0 })
  assert.equal(pre.has('default/index.html'), true)
  assert.equal(pre.has('./default//index.html'), true)
  assert.equal(pre.has('generic.html'), true)
  assert.equal(pre.has('default/missing.html'), false)
  assert.equal(pre.has('default/index.html.js'), false)
  assert.equal(pre.has('.hidden.html'), false)
  assert.equal(pre.has('../../views/layout.html'), false)
  assert.equal(pre.has(PRECOMPILED_INDEX), false)
  await assert.rejects(pre.render('default/missing.html', scope()), QK_TEMPLATE_NOT_FOUND)
})

test('an error in a precompiled view points at its template file and line', async () => {
  const pre = new TemplateEngine({ viewsFolder: out, checkInterval: 0 })
  const err = await pre.render('bad.html', scope()).then(() => null, (x: unknown) => x as Error & { templatePosition?: unknown })
  assert.ok(err && err.name === 'TypeError')
  assert.deepEqual(err.templatePosition, { source: path.join(src, 'bad.html'), line: 5 })
  assert.deepEqual(templatePosition(err), { source: path.join(src, 'bad.html'), line: 5 })
  // code after a multi-line template literal, in a minified body
  const err2 = await pre.render('multi.html', scope({ who: 'boom' })).catch((x: Error) => x)
  assert.deepEqual((err2 as { templatePosition?: unknown }).templatePosition, { source: path.join(src, 'multi.html'), line: 8 })
})

test('a new precompiled form is picked up; without the index the folder is served as templates', async () => {
  const dir = path.join(root, 'switch')
  fs.mkdirSync(dir)
  fs.writeFileSync(path.join(dir, 'v.html'), 'source {{=who}}')
  const e = new TemplateEngine({ viewsFolder: dir, checkInterval: 0 })
  assert.equal(await e.render('v.html', scope()), 'source me')
  const staging = path.join(root, 'staging')
  fs.mkdirSync(staging)
  fs.writeFileSync(path.join(staging, 'v.html'), 'compiled {{=who}}')
  for (const f of precompileViews(staging).files) fs.writeFileSync(path.join(dir, f.rel), f.text)
  assert.equal(await e.render('v.html', scope()), 'compiled me')
  fs.rmSync(path.join(dir, PRECOMPILED_INDEX))
  assert.equal(await e.render('v.html', scope()), 'source me')
})
