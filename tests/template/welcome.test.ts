/**
 * The welcome app's views rendered directly through the TemplateEngine:
 * the layout's pieces (menu with dropdown, meta, flash, auth links), and the
 * render speed of the index with its layout (reported as a diagnostic).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { TemplateEngine } from '../../server/template/index'
import { helperNames } from '../../server/html/index'
import { runInContext, newState } from '../../server/current/index'

const views = path.join(__dirname, '..', '..', 'welcome-app', 'views')
const engine = new TemplateEngine({ viewsFolder: views })

function env(extra: Record<string, unknown> = {}) {
  const request = { application: 'welcome', controller: 'default', function: 'index', extension: 'html', ajax: false }
  const response = {
    title: 'Welcome', subtitle: '', flash: '', meta: { description: 'The <scaffold>' }, files: ['/welcome/static/x.css'], headers: {},
    menu: [['Home', true, '/welcome/default/index'], ['More', false, null, [['Docs', false, '/welcome/default/docs']]]],
  }
  // T as the identity: the layout's user menu labels its links with it
  const names = Object.assign(Object.create(null), helperNames(), { request, response, T: (text: string) => text }, extra)
  return { request, response, scope: Object.assign(Object.create(names), { message: 'Hello World' }) as Record<string, unknown> }
}

test('the welcome layout: title, meta, files, menu, dropdown, hidden empty flash, no auth links without auth', async () => {
  const { request, response, scope } = env()
  const html = await runInContext(newState('/x', 'welcome', { request, response }), () => engine.render('default/index.html', scope))
  assert.match(html, /<title>Welcome<\/title>/)
  assert.match(html, /<meta name="description" content="The &lt;scaffold&gt;">/)
  assert.match(html, /<link rel="stylesheet" href="\/welcome\/static\/x.css">/)
  assert.match(html, /<a class="nav-link active" aria-current="page" href="\/welcome\/default\/index">Home<\/a>/)
  assert.match(html, /<a class="dropdown-item" href="\/welcome\/default\/docs">Docs<\/a>/)
  assert.match(html, /id="quark-flash" class="[^"]* d-none"/)
  assert.ok(!html.includes('quark-auth'))
  assert.match(html, /<h1 class="display-5 fw-bold">Hello World<\/h1>/)
})

test('flash is shown escaped; login/logout links once auth exists', async () => {
  const loggedOut = env({ auth: { isLoggedIn: () => false } })
  loggedOut.response.flash = 'Saved <b>'
  const a = await runInContext(newState('/x', 'welcome', loggedOut), () => engine.render('default/index.html', loggedOut.scope))
  assert.match(a, /<span class="quark-flash-text">Saved &lt;b&gt;<\/span>/)
  assert.match(a, /href="\/welcome\/default\/user\/login">Log In<\/a>/)
  assert.match(a, /href="\/welcome\/default\/user\/register">Sign Up<\/a>/)
  const loggedIn = env({ auth: { isLoggedIn: () => true, user: { first_name: 'Ada' } } })
  const b = await runInContext(newState('/x', 'welcome', loggedIn), () => engine.render('default/index.html', loggedIn.scope))
  // the user menu: the name opens the account's pages
  assert.match(b, /id="quark-user"[^>]*>Ada<\/a>/)
  assert.match(b, /<a class="dropdown-item" data-page="profile" href="\/welcome\/default\/user\/profile">Profile<\/a>/)
  // logout is a small POST form (no cross-site logout by a link)
  assert.match(b, /<form class="quark-logout d-inline" method="post" action="\/welcome\/default\/user\/logout">[\s\S]*?>Log Out<\/button><\/form>/)
})

test('render speed of the welcome index with its layout', (t) => {
  const { request, response, scope } = env()
  runInContext(newState('/x', 'welcome', { request, response }), () => {
    for (let i = 0; i < 5000; i++) engine.renderSync('default/index.html', scope)
    const n = 20000
    const start = process.hrtime.bigint()
    for (let i = 0; i < n; i++) engine.renderSync('default/index.html', scope)
    const us = Number(process.hrtime.bigint() - start) / n / 1000
    t.diagnostic(`welcome index (layout included): ${us.toFixed(1)} µs per render, ${Math.round(1e6 / us)} renders/s`)
    // Generous bound: the machine is shared with other test runs; typical is ~30 µs.
    assert.ok(us < 500, `${us} µs per render`)
  })
})
