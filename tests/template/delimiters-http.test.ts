/**
 * Issue 16 over real HTTPS: a view rendered with `response.delimiters`, a
 * view declaring its own, `=expr` lines in code blocks, CODE's stylesheet at
 * /_quark/highlight.css; then the app compiled with `quark compile` (spawned
 * as a user runs it) serves the same pages from its precompiled views.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { startServer, type TestServer } from '../helpers/server'
import { forgetMarker } from '../../server/compile/index'
import { RECHECK_MS } from '../../server/environment/index'

let s: TestServer
const CONTROLLER = `
export function brackets() { response.delimiters = ['[[', ']]']; return { name: '<you>', items: ['a', 'b'] } }
export function declared() { return { name: '<you>' } }
export function lines() { return { items: ['x', '<y>'], show: true } }
export function code() { return { src: 'def f(x):\\n    return "<b>"' } }
`
const VIEWS = {
  // a Vue-like page: {{ }} belongs to the browser, the server's code goes between [[ ]]
  'views/default/brackets.html': '<div id="app">{{ message }}</div><p>[[=name]]</p>[[ for (const i of items) { ]]<i>[[=i]]</i>[[ } ]]',
  'views/default/declared.html': "{{delimiters '<%' '%>'}}\n<p><%=name%></p><b>{{ message }}</b>",
  'views/default/lines.html': '<ul>{{ if (show) {\n  for (const i of items) {\n=LI(i)\n  }\n} }}</ul>',
  'views/default/code.html': '{{=CODE(src, { language: "python" })}}',
}

before(async () => {
  s = await startServer({ apps: { tpl: { 'controllers/default.ts': CONTROLLER, ...VIEWS } } })
})
after(async () => { await s?.stop() })

async function expectPages(): Promise<void> {
  const b = await s.request('/tpl/default/brackets')
  assert.equal(b.status, 200, b.body)
  assert.equal(b.body, '<div id="app">{{ message }}</div><p>&lt;you&gt;</p><i>a</i><i>b</i>')
  const d = await s.request('/tpl/default/declared')
  assert.equal(d.status, 200, d.body)
  assert.equal(d.body, '<p>&lt;you&gt;</p><b>{{ message }}</b>')
  const l = await s.request('/tpl/default/lines')
  assert.equal(l.status, 200, l.body)
  assert.equal(l.body, '<ul><li>x</li><li>&lt;y&gt;</li></ul>')
  const c = await s.request('/tpl/default/code')
  assert.equal(c.status, 200, c.body)
  assert.equal(c.body, '<pre><code class="hljs language-python"><span class="hljs-keyword">def</span> <span class="hljs-title function_">f</span>(<span class="hljs-params">x</span>):\n    <span class="hljs-keyword">return</span> <span class="hljs-string">&quot;&lt;b&gt;&quot;</span></code></pre>')
}

test('views with response.delimiters, a declared delimiter line, =lines and CODE, over HTTPS', async () => {
  await expectPages()
  const css = await s.request('/_quark/highlight.css')
  assert.equal(css.status, 200)
  assert.match(String(css.headers['content-type']), /^text\/css/)
  assert.match(css.body, /\.hljs-keyword/)
})

test('after `quark compile` the same pages come from the precompiled views', { timeout: 180_000 }, async () => {
  const quark = path.resolve(__dirname, '..', '..', 'server', 'cli', 'quark.js')
  const r = spawnSync(process.execPath, [quark, 'compile', 'tpl', '-f', s.folder], { encoding: 'utf8', env: { ...process.env, QUARK_QUIET_ROOMS: '1' }, timeout: 170_000 })
  assert.equal(r.status, 0, r.stdout + r.stderr)
  assert.match(r.stdout, /compiled tpl/)
  forgetMarker(s.appFolder('tpl')) // the server runs in this process: it sees the compiled form now, not after its re-check period
  // the declared and =line views compile as they are; brackets.html uses [[ ]] only through response.delimiters:
  // a compiled app renders views as compiled, so its page says so by name instead of rendering wrongly
  const d = await s.request('/tpl/default/declared')
  assert.equal(d.body, '<p>&lt;you&gt;</p><b>{{ message }}</b>')
  const l = await s.request('/tpl/default/lines')
  assert.equal(l.body, '<ul><li>x</li><li>&lt;y&gt;</li></ul>')
  const b = await s.request('/tpl/default/brackets')
  assert.equal(b.status, 500)
  // the fix the error names: the view declares its delimiters; compiled again, it renders
  s.writeFile('tpl', 'views/default/brackets.html', "{{delimiters '[[' ']]'}}\n" + VIEWS['views/default/brackets.html'])
  s.writeFile('tpl', 'controllers/default.ts', CONTROLLER.replace("response.delimiters = ['[[', ']]']; ", ''))
  const again = spawnSync(process.execPath, [quark, 'compile', 'tpl', '-f', s.folder], { encoding: 'utf8', env: { ...process.env, QUARK_QUIET_ROOMS: '1' }, timeout: 170_000 })
  assert.equal(again.status, 0, again.stdout + again.stderr)
  // the server re-checks a file it compiled at most every RECHECK_MS: the new compiled controller and view
  // are live within that period, not necessarily on the very next request (a clean-clone CI run met a stale one)
  const deadline = Date.now() + 30_000
  while ((await s.request('/tpl/default/brackets')).status !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, RECHECK_MS))
  await expectPages()
})
