import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { TemplateEngine, makeRender, templatePosition, QK_TEMPLATE_SYNTAX, QK_TEMPLATE_NOT_FOUND, QK_TEMPLATE_BAD_PATH, QK_TEMPLATE_COMPILE, QK_TEMPLATE_RECURSION } from '../../server/template/index'
import { helperNames, XML } from '../../server/html/index'
import { originalPosition } from '../../server/environment/sourcemaps'

let dir = ''
const write = (name: string, text: string) => { const p = path.join(dir, name); fs.mkdirSync(path.dirname(p), { recursive: true }); fs.writeFileSync(p, text) }
const engine = () => new TemplateEngine({ viewsFolder: dir, checkInterval: 0 })
const scope = (extra: Record<string, unknown> = {}) => ({ ...helperNames(), ...extra })

before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-tpl-')) })
after(() => { fs.rmSync(dir, { recursive: true, force: true }) })

test('{{=expr}} escapes; helpers and XML render raw; null/undefined render nothing', async () => {
  write('esc.html', `<p>{{=s}}</p>{{=DIV(s, {_class: 'c'})}}{{=XML('<i>raw</i>')}}[{{=n}}][{{=u}}][{{=0}}][{{= 1 + 2 }}]`)
  assert.equal(await engine().render('esc.html', scope({ s: `<a href="x">'&'</a>`, n: null, u: undefined })),
    '<p>&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;</p><div class="c">&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;</div><i>raw</i>[][][0][3]')
})

test('code blocks with braces, TypeScript types, pass, if/else', async () => {
  write('code.html', `{{ const items: Array<{ n: number }> = rows as any }}<ul>{{ for (const r of items) { }}<li>{{=r.n}}</li>{{ } }}</ul>{{ if (flag) { }}yes{{ } else { }}no{{pass}}
{{ interface Local { x: number } }}{{ const l: Local = { x: 5 } }}{{=l.x}}`)
  const e = engine()
  assert.equal(await e.render('code.html', scope({ rows: [{ n: 1 }, { n: 2 }], flag: false })), '<ul><li>1</li><li>2</li></ul>no\n5')
  assert.equal(await e.render('code.html', scope({ rows: [], flag: true })), '<ul></ul>yes\n5')
})

test('}} inside strings and comments does not close a directive', async () => {
  write('braces.html', "{{='{{=x}}'}}|{{=\"}}\"}}|{{=`a}}b`}}|{{ const o = { a: { b: 1 } } /* }} */ }}{{=o.a.b}}|{{ // a comment's quote }}ok")
  assert.equal(await engine().render('braces.html', scope()), '{{=x}}|}}|a}}b|1|ok')
})

test('await in a template makes it async', async () => {
  write('async.html', `{{ const v = await load() }}<b>{{=v}}</b>{{=await Promise.resolve('<x>')}}`)
  assert.equal(await engine().render('async.html', scope({ load: async () => 42 })), '<b>42</b>&lt;x&gt;')
})

test('extend + include + blocks + super + include file', async () => {
  write('layout.html', `<html><title>{{block title}}Site{{end}}</title>{{include 'parts/nav.html'}}<main>{{include}}</main>{{block footer}}<f>default</f>{{end}}</html>`)
  write('parts/nav.html', `<nav>{{=who}}</nav>`)
  write('default/index.html', `{{extend 'layout.html'}}{{block title}}Index | {{super}}{{end}}<h1>{{=msg}}</h1>`)
  assert.equal(await engine().render('default/index.html', scope({ who: 'me', msg: 'Hi' })),
    '<html><title>Index | Site</title><nav>me</nav><main><h1>Hi</h1></main><f>default</f></html>')
})

test('nested extends: the deepest block wins, super chains through each level', async () => {
  write('base.html', `[{{block a}}base-a{{end}}|{{include}}|{{block b}}base-b{{end}}]`)
  write('mid.html', `{{extend 'base.html'}}{{block a}}mid-a<{{super}}>{{end}}mid({{include}})`)
  write('leaf.html', `{{extend 'mid.html'}}{{block a}}leaf-a<{{super}}>{{end}}{{block b}}leaf-b{{end}}leaf`)
  assert.equal(await engine().render('leaf.html', scope()), '[leaf-a<mid-a<base-a>>|mid(leaf)|leaf-b]')
  assert.equal(await engine().render('mid.html', scope()), '[mid-a<base-a>|mid()|base-b]')
})

test('a block only the child has stays in place; text before extend comes first', async () => {
  write('lay2.html', `<L>{{include}}</L>`)
  write('child2.html', `pre{{extend 'lay2.html'}}a{{block own}}B{{end}}c`)
  assert.equal(await engine().render('child2.html', scope()), 'pre<L>aBc</L>')
})

test('an error in a template carries its template file and line (for tickets)', async () => {
  write('lay3.html', `line1\nline2\n{{include}}\n`)
  write('bad.html', `{{extend 'lay3.html'}}\nok\n{{ const x: any = null }}\n\n{{=x.boom}}\n`)
  const e = engine()
  const err = await e.render('bad.html', scope()).then(() => null, (x: unknown) => x as Error & { templatePosition?: { source: string; line: number } })
  assert.ok(err && err.name === 'TypeError')
  assert.deepEqual(err.templatePosition, { source: path.join(dir, 'bad.html'), line: 5 })
  // The same through the stack and the shared source-map registry (what tickets use).
  const frame = /\(?([^\s()]+\.compiled\.js):(\d+):(\d+)/.exec(err.stack!)!
  assert.deepEqual(originalPosition(frame[1]!, Number(frame[2]), Number(frame[3])), { source: path.join(dir, 'bad.html'), line: 5, column: 1 })
  assert.deepEqual(templatePosition(err), { source: path.join(dir, 'bad.html'), line: 5 })
  // An error in the layout points at the layout.
  write('lay4.html', `a\n{{include}}\n{{=missingName.x}}`)
  write('uses4.html', `{{extend 'lay4.html'}}\nbody`)
  const err2 = await e.render('uses4.html', scope()).catch((x: Error & { templatePosition?: unknown }) => x)
  assert.deepEqual((err2 as { templatePosition?: unknown }).templatePosition, { source: path.join(dir, 'lay4.html'), line: 3 })
})

test('compile errors name the file and line', async () => {
  write('syntax.html', `a\n{{ for (const x of y { }}\n{{ } }}`)
  await assert.rejects(engine().render('syntax.html', scope()), (e: Error) => e instanceof QK_TEMPLATE_COMPILE && e.message.includes('syntax.html:2'))
  write('unclosed.html', `a\n{{block x}}b`)
  await assert.rejects(engine().render('unclosed.html', scope()), QK_TEMPLATE_SYNTAX)
  write('unclosed2.html', `a {{=x`)
  await assert.rejects(engine().render('unclosed2.html', scope()), /unclosed \{\{/)
  write('noend.html', `{{end}}`)
  await assert.rejects(engine().render('noend.html', scope()), /without \{\{block\}\}/)
  write('missing.html', `{{extend 'nope.html'}}`)
  await assert.rejects(engine().render('missing.html', scope()), QK_TEMPLATE_NOT_FOUND)
  write('loop.html', `{{include 'loop.html'}}`)
  await assert.rejects(engine().render('loop.html', scope()), QK_TEMPLATE_RECURSION)
  await assert.rejects(engine().render('../etc/passwd', scope()), QK_TEMPLATE_BAD_PATH)
  await assert.rejects(engine().render('/etc/passwd', scope()), QK_TEMPLATE_BAD_PATH)
})

test('has() and live recompilation when the view, its layout or an include changes', async () => {
  write('live/lay.html', `L1[{{include}}]{{include 'live/inc.html'}}`)
  write('live/inc.html', `I1`)
  write('live/v.html', `{{extend 'live/lay.html'}}V1`)
  const e = engine()
  assert.ok(e.has('live/v.html'))
  assert.ok(!e.has('live/none.html'))
  assert.equal(await e.render('live/v.html', scope()), 'L1[V1]I1')
  assert.equal(await e.render('live/v.html', scope()), 'L1[V1]I1')
  assert.equal(e.compileCount, 1, 'cached')
  const bump = (name: string, text: string) => { write(name, text); const t = new Date(Date.now() + 5000); fs.utimesSync(path.join(dir, name), t, t) }
  bump('live/v.html', `{{extend 'live/lay.html'}}V2`)
  assert.equal(await e.render('live/v.html', scope()), 'L1[V2]I1')
  bump('live/lay.html', `L2[{{include}}]{{include 'live/inc.html'}}`)
  assert.equal(await e.render('live/v.html', scope()), 'L2[V2]I1')
  bump('live/inc.html', `I2`)
  assert.equal(await e.render('live/v.html', scope()), 'L2[V2]I2')
  assert.equal(e.compileCount, 4)
})

test('the throttle: within checkInterval no stat is done', async () => {
  write('thr.html', `one`)
  const e = new TemplateEngine({ viewsFolder: dir, checkInterval: 60_000 })
  assert.equal(await e.render('thr.html', scope()), 'one')
  write('thr.html', `two!`)
  assert.equal(await e.render('thr.html', scope()), 'one')
})

test('has(): answers cached (missing too) within checkInterval, re-checked after it', async () => {
  const e = new TemplateEngine({ viewsFolder: dir, checkInterval: 60_000 })
  assert.equal(e.has('pres/a.html'), false)
  write('pres/a.html', 'a')
  assert.equal(e.has('pres/a.html'), false, 'a missing view is remembered within the interval')
  const live = new TemplateEngine({ viewsFolder: dir, checkInterval: 0 })
  assert.equal(live.has('pres/a.html'), true)
  fs.rmSync(path.join(dir, 'pres/a.html'))
  assert.equal(live.has('pres/a.html'), false, 'interval 0 re-checks every call')
  assert.equal(e.has('../outside.html'), false, 'a bad path is simply absent')
  const short = new TemplateEngine({ viewsFolder: dir, checkInterval: 20 })
  assert.equal(short.has('pres/b.html'), false)
  write('pres/b.html', 'b')
  await new Promise((r) => setTimeout(r, 40))
  assert.equal(short.has('pres/b.html'), true, 'found after the interval')
})

test('scope: names of the request, the action result on top, makeRender, renderSync', async () => {
  write('sc.html', `{{=greeting}} {{=name}}`)
  const e = engine()
  const base = scope({ greeting: 'Hello', name: 'base' })
  const render = makeRender(e, base)
  assert.equal(await render('sc.html', { name: '<you>' }), 'Hello &lt;you&gt;')
  assert.equal(await render('sc.html'), 'Hello base')
  assert.equal(e.renderSync('sc.html', base), 'Hello base')
  write('asy.html', `{{=await 1}}`)
  assert.throws(() => e.renderSync('asy.html', base), /async/)
  assert.equal(XML('x').xml(), 'x')
})
