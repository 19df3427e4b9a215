// quark compile: a compiled app (models, controllers, modules minified; views precompiled into
// JavaScript modules) serves byte-identical pages with its sources removed; it packs and installs
// under a new name; compile --remove runs from the sources again; a syntax error refuses the
// compile and keeps the previous compiled form; an error in a compiled view makes a ticket naming it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startServer, type TestServer } from '../helpers/server'
import { compileApp, removeCompiled, isCompiled, compileCommand } from '../../server/compile'
import { packApp, unpackApp } from '../../server/pack'
import { listTickets, readTicket } from '../../server/tickets'
import { SHOP_APP } from './testapp'

const SOURCES = ['models', 'controllers', 'views', 'modules']

/** SHOP_APP plus a layout, includes, blocks, a conditional model, modules (ts, js, json, nested) imported by a controller, generic views. */
const APP: Record<string, string> = {
  ...SHOP_APP,
  'models/pages/section.ts': `import { VERSION } from '../../modules/text'\nexport const section: string = 'pages section (conditional model) ' + VERSION`,
  'modules/text.ts': `
import { exclaim } from './sub/punct'
import { plainJs } from './plain.js'
export interface Shouted { text: string }
export const VERSION: string = '1.2'
export function shout(xs: string[]): Shouted[] { return xs.map((x) => ({ text: exclaim(x.toUpperCase()) + plainJs })) }
`,
  'modules/sub/punct.ts': `import cfg from '../cfg.json'\nexport function exclaim(s: string): string { return s + cfg.mark }\n`,
  'modules/cfg.json': `{ "mark": "!" }`,
  'modules/plain.js': `export const plainJs = 7\n`,
  'modules/types.d.ts': `export type Nothing = never\n`,
  'controllers/pages.ts': `
import { shout, VERSION, type Shouted } from '../modules/text'
export function index() {
  response.title = 'Pages <&>'
  const items: Shouted[] = shout(['a', 'b'])
  return { items, version: VERSION }
}
export function data() { return { n: 3, words: shout(['x']).map((s) => s.text) } }
export function free() { return { a: 1, b: [1, 2], c: '<x>' } }
export function hidden() { response.genericPatterns = []; return { a: 1 } }
export async function rendered() { return response.render('pages/other.html', { who: 'render <me>' }) }
export function boom() { return { x: null } }
export function layoutboom() { return { fine: 1 } }
`,
  'views/layout.html': `<!doctype html>
<html><head><title>{{block title}}{{=response.title}}{{end}}</title></head>
<body>
{{include 'parts/nav.html'}}
<main>{{include}}</main>
<footer>{{block footer}}default footer{{end}}</footer>
</body></html>
`,
  'views/parts/nav.html': `<nav><a href="{{=URL('pages', 'index')}}">pages</a> {{=typeof section === 'string' ? section : ''}}</nav>`,
  'views/parts/item.html': `<li class="{{=i % 2 ? 'odd' : 'even'}}">{{=it.text}}</li>`,
  'views/pages/index.html': `{{extend 'layout.html'}}
{{block title}}Index · {{super}}{{end}}
<h1>Version {{=version}}</h1>
<ul>
{{ for (let i = 0; i < items.length; i++) { const it = items[i] }}
{{include 'parts/item.html'}}
{{ } }}
</ul>
{{block footer}}pages footer, then {{super}}{{end}}
`,
  'views/pages/data.json': `{{=XML(JSON.stringify({ n, words, view: 'pages/data.json' }))}}`,
  'views/pages/other.html': `<p>{{=who}}</p>`,
  'views/pages/boom.html': `{{extend 'layout.html'}}
<p>fine</p>
{{ const a: number = 1 }}
{{ const b = a + 1 }}
<p>{{=a}} {{=b}}</p>
{{ if (b > 1) { }}
<p>{{=x.name}}</p>
{{ } }}
`,
  'views/pages/layoutboom.html': `{{extend 'boomlayout.html'}}<p>{{=fine}}</p>`,
  'views/boomlayout.html': `<html>\n{{include}}\n{{=(null as any).deep}}\n</html>`,
  'views/generic.html': `{{extend 'layout.html'}}<h2>{{=request.controller}}/{{=request.function}}</h2>{{=BEAUTIFY(Object.fromEntries(Object.keys(__q.vars).map((k) => [k, __q.vars[k]])))}}`,
  'views/generic.json': `{{=XML(JSON.stringify(__q.vars))}}`,
}

const SHOP_PAGES = [
  '/shop/default/index', '/shop/default/about', '/shop/default/plain',
  '/shop/pages/index', '/shop/pages/data.json', '/shop/pages/free', '/shop/pages/free.json', '/shop/pages/free.xml',
  '/shop/pages/free.load', '/shop/pages/hidden', '/shop/pages/rendered', '/shop/pages/nosuch', '/shop/nosuch/index',
]
const WELCOME_PAGES = [
  '/welcome/default/index', '/welcome/default/hello', '/welcome/default/index.json', '/welcome/default/index.load',
  '/welcome/default/index.xml', '/welcome/default/user/login', '/welcome/default/user/register', '/welcome/default/nosuch',
]

interface Page { status: number; type: string; body: string }

/** status, content type and body of each page; the one-time form keys (random per request) are blanked. */
async function fetchAll(s: TestServer, pages: string[]): Promise<Page[]> {
  const out: Page[] = []
  for (const p of pages) {
    const r = await s.request(p)
    out.push({ status: r.status, type: String(r.headers['content-type']), body: r.body.replace(/(name="_formkey"[^>]*value=")[^"]*"/g, '$1"') })
  }
  return out
}

function assertSame(after: Page[], before: Page[], pages: string[], what: string): void {
  for (let i = 0; i < pages.length; i++) {
    assert.equal(after[i]!.status, before[i]!.status, `${pages[i]} ${what}: status (${after[i]!.body.slice(0, 300)})`)
    assert.equal(after[i]!.type, before[i]!.type, `${pages[i]} ${what}: content type`)
    assert.equal(after[i]!.body, before[i]!.body, `${pages[i]} ${what}: body`)
  }
}

const moveSources = (app: string, to: string) => { for (const d of SOURCES) if (fs.existsSync(path.join(app, d))) fs.renameSync(path.join(app, d), `${to}-${d}`) }
const restoreSources = (app: string, from: string) => { for (const d of SOURCES) if (fs.existsSync(`${from}-${d}`)) fs.renameSync(`${from}-${d}`, path.join(app, d)) }
const settle = (ms = 600) => new Promise((r) => setTimeout(r, ms))  // the core re-checks files every 500 ms

test('compiled welcome and test apps serve byte-identical pages without their sources; pack → unpack; --remove', async () => {
  const s = await startServer({ https: false, welcome: true, apps: { shop: APP } })
  try {
    const shopBefore = await fetchAll(s, SHOP_PAGES)
    const welcomeBefore = await fetchAll(s, WELCOME_PAGES)
    // the pages exercise what they should, from the sources
    const byPath = (p: string) => shopBefore[SHOP_PAGES.indexOf(p)]!
    assert.match(byPath('/shop/pages/index').body, /<title>Index · Pages &lt;&amp;&gt;<\/title>[\s\S]*<nav><a href="\/shop\/pages\/index">pages<\/a> pages section \(conditional model\) 1\.2<\/nav>[\s\S]*<li class="even">A!7<\/li>[\s\S]*<li class="odd">B!7<\/li>[\s\S]*pages footer, then default footer/)
    assert.equal(byPath('/shop/pages/data.json').body, '{"n":3,"words":["X!7"],"view":"pages/data.json"}')
    assert.match(byPath('/shop/pages/free').body, /<h2>pages\/free<\/h2>/)
    assert.match(byPath('/shop/pages/free.json').type, /application\/json/)
    assert.equal(byPath('/shop/pages/hidden').status, 404)
    assert.equal(byPath('/shop/pages/rendered').body, '<p>render &lt;me&gt;</p>')
    assert.match(byPath('/shop/default/about').body, /conditional model ran/)
    assert.equal(welcomeBefore[0]!.status, 200)
    assert.match(welcomeBefore[5]!.body, /name="_formkey"/)

    const shop = s.appFolder('shop'), welcome = s.appFolder('welcome')
    const out: string[] = []
    const io = { out: (x: string) => out.push(x), err: (x: string) => out.push(x) }
    assert.equal(await compileCommand.run({ flags: { folder: s.folder }, positional: ['welcome'] }, io), 0)
    assert.match(out.join('\n'), /compiled welcome: \d+ files/)
    const rep = compileApp(shop)
    assert.ok(isCompiled(shop) && isCompiled(welcome))
    assert.ok(rep.bytesOut < rep.bytesIn, 'minified')
    assert.equal(rep.views, Object.keys(APP).filter((k) => k.startsWith('views/')).length)
    // what compile produced: minified JS for code, one JS module per view, no template left
    const compiledCtl = fs.readFileSync(path.join(shop, 'compiled', 'controllers', 'default.js'), 'utf8')
    assert.doesNotMatch(compiledCtl, /: string/, 'types are gone')
    const mod = fs.readFileSync(path.join(shop, 'compiled', 'modules', 'text.js'), 'utf8')
    assert.doesNotMatch(mod, /interface|: string/)
    assert.ok(!fs.existsSync(path.join(shop, 'compiled', 'modules', 'types.d.js')))
    const compiledViews = fs.readdirSync(path.join(shop, 'compiled', 'views'), { recursive: true }).map(String).filter((f) => f.includes('.'))
    assert.deepEqual(compiledViews.filter((f) => !f.endsWith('.js')), ['.quark-views.json'])
    for (const v of ['generic.html.js', 'generic.json.js', 'layout.html.js', path.join('pages', 'index.html.js')]) assert.ok(compiledViews.includes(v), v)
    const view = fs.readFileSync(path.join(shop, 'compiled', 'views', 'pages', 'index.html.js'), 'utf8')
    assert.match(view, /^\/\/ Quark compiled view "pages\/index.html"/)
    assert.deepEqual(JSON.parse(/files:(\[[^\]]*\])/.exec(view)![1]!).sort(), ['layout.html', 'pages/index.html', 'parts/item.html', 'parts/nav.html'])
    assert.doesNotMatch(view, /\{\{|__o \+=/, 'no template syntax, minified')

    // the sources go away
    const savedShop = path.join(s.folder, 'saved-shop'), savedWelcome = path.join(s.folder, 'saved-welcome')
    moveSources(shop, savedShop)
    moveSources(welcome, savedWelcome)
    await settle()
    assertSame(await fetchAll(s, SHOP_PAGES), shopBefore, SHOP_PAGES, 'compiled, no sources')
    assertSame(await fetchAll(s, WELCOME_PAGES), welcomeBefore, WELCOME_PAGES, 'compiled, no sources')

    // a compiled app (no sources) packs and installs under a new name: the same pages
    unpackApp(packApp(shop), path.join(s.folder, 'applications'), 'shopcopy')
    assert.ok(!fs.existsSync(path.join(s.appFolder('shopcopy'), 'views')))
    await settle(1100)  // a new app folder is noticed by a rescan at most once a second
    const copyPages = SHOP_PAGES.map((p) => p.replace('/shop/', '/shopcopy/'))
    const rename = (pages: Page[]) => pages.map((p) => ({ ...p, body: p.body.replace(/\bshop\//g, 'shopcopy/') }))
    assertSame(await fetchAll(s, copyPages), rename(shopBefore), copyPages, 'packed and installed')

    // sources back: compiled still wins while compiled/ exists; --remove runs the sources (an edit shows)
    restoreSources(shop, savedShop)
    restoreSources(welcome, savedWelcome)
    fs.writeFileSync(path.join(shop, 'views', 'pages', 'other.html'), '<p>source {{=who}}</p>')
    fs.writeFileSync(path.join(shop, 'modules', 'text.ts'), APP['modules/text.ts']!.replace("'1.2'", "'1.3'"))
    await settle()
    assert.equal((await s.request('/shop/pages/rendered')).body, '<p>render &lt;me&gt;</p>', 'compiled wins')
    assert.equal(await compileCommand.run({ flags: { folder: s.folder, remove: true }, positional: ['shop'] }, io), 0)
    assert.equal(removeCompiled(welcome), true)
    assert.ok(!isCompiled(shop) && !fs.existsSync(path.join(shop, 'compiled')))
    await settle()
    assert.equal((await s.request('/shop/pages/rendered')).body, '<p>source render &lt;me&gt;</p>')
    assert.match((await s.request('/shop/pages/index')).body, /<h1>Version 1.3<\/h1>/)
    fs.writeFileSync(path.join(shop, 'views', 'pages', 'other.html'), APP['views/pages/other.html']!)
    fs.writeFileSync(path.join(shop, 'modules', 'text.ts'), APP['modules/text.ts']!)
    await settle()
    assertSame(await fetchAll(s, SHOP_PAGES), shopBefore, SHOP_PAGES, 'from sources again')
    assertSame(await fetchAll(s, WELCOME_PAGES), welcomeBefore, WELCOME_PAGES, 'from sources again')
  } finally { await s.stop() }
})

test('an error in a compiled view (or its layout) makes a ticket naming the view and line', async () => {
  const s = await startServer({ https: false, apps: { shop: APP } })
  try {
    const shop = s.appFolder('shop')
    compileApp(shop)
    moveSources(shop, path.join(s.folder, 'saved'))
    await settle()
    const cases = [
      { url: '/shop/pages/boom', file: path.join(shop, 'views', 'pages', 'boom.html'), line: 7, message: /Cannot read properties of null \(reading 'name'\)/ },
      { url: '/shop/pages/layoutboom', file: path.join(shop, 'views', 'boomlayout.html'), line: 3, message: /reading 'deep'/ },
    ]
    for (const c of cases) {
      const r = await s.request(c.url)
      assert.equal(r.status, 500)
      const tickets = (await listTickets(shop)).filter((t) => t.url.endsWith(c.url))
      assert.equal(tickets.length, 1, c.url)
      const t = await readTicket(shop, tickets[0]!.id)
      assert.match(t.error.message, c.message)
      const frame = t.frames.find((f) => f.mapped && f.file.includes(`${path.sep}views${path.sep}`))
      assert.ok(frame, JSON.stringify(t.frames.slice(0, 3)))
      assert.equal(frame.file, c.file, c.url)
      assert.equal(frame.line, c.line, c.url)
    }
  } finally { await s.stop() }
})

test('a syntax error refuses the compile, naming file and line, and keeps the previous compiled form; CLI', async () => {
  const s = await startServer({ https: false, apps: { shop: { ...APP, 'controllers/broken.ts': 'export function x( {' } } })
  try {
    const shop = s.appFolder('shop')
    const leftovers = () => fs.readdirSync(shop).filter((n) => n.startsWith('.compiled'))
    assert.throws(() => compileApp(shop), (e: any) => e.code === 'QK_COMPILE_FAILED' && /controllers\/broken\.ts:1/.test(e.message))
    assert.ok(!fs.existsSync(path.join(shop, 'compiled')))
    assert.deepEqual(leftovers(), [])
    fs.rmSync(path.join(shop, 'controllers', 'broken.ts'))
    const out: string[] = []
    const io = { out: (x: string) => out.push(x), err: (x: string) => out.push(x) }
    assert.equal(await compileCommand.run({ flags: { folder: s.folder }, positional: ['shop'] }, io), 0)
    assert.match(out.join('\n'), /compiled shop: \d+ files/)
    const manifest = fs.readFileSync(path.join(shop, 'compiled', 'MANIFEST.json'), 'utf8')
    const page = (await s.request('/shop/pages/index')).body
    const broken: Array<[string, string, RegExp]> = [
      // TypeScript inside a view that does not compile
      ['views/pages/bad.html', '<p>a</p>\n<p>b</p>\n{{ for (const x of y { }}\n{{ } }}\n', /Cannot compile views\/pages\/bad\.html:3: /],
      // a malformed directive in an included file: the included file and its line
      ['views/parts/item.html', '<li>\n{{=it.text\n', /Cannot compile views\/parts\/item\.html:2: unclosed \{\{/],
      ['views/pages/noend.html', 'x\n\n{{block a}}b', /Cannot compile views\/pages\/noend\.html:3: \{\{block a\}\} without \{\{end\}\}/],
      // a module
      ['modules/sub/punct.ts', 'export function exclaim(s: string: string {}\n', /Cannot compile modules\/sub\/punct\.ts:1: /],
    ]
    for (const [rel, text, message] of broken) {
      const file = path.join(shop, ...rel.split('/'))
      const had = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined
      fs.writeFileSync(file, text)
      assert.throws(() => compileApp(shop), (e: any) => e.code === 'QK_COMPILE_FAILED' && message.test(e.message), rel)
      await assert.rejects(compileCommand.run({ flags: { folder: s.folder }, positional: ['shop'] }, io), message)
      assert.equal(fs.readFileSync(path.join(shop, 'compiled', 'MANIFEST.json'), 'utf8'), manifest, `${rel}: the previous compiled form is untouched`)
      assert.deepEqual(leftovers(), [])
      if (had === undefined) fs.rmSync(file); else fs.writeFileSync(file, had)
    }
    await settle()
    assert.equal((await s.request('/shop/pages/index')).body, page, 'still served from the previous compiled form')
    assert.equal(await compileCommand.run({ flags: { folder: s.folder, remove: true }, positional: ['shop'] }, io), 0)
    assert.ok(!isCompiled(shop))
    await assert.rejects(compileCommand.run({ flags: { folder: s.folder }, positional: ['nope'] }, io), /No app folder/)
  } finally { await s.stop() }
})
