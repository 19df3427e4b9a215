// The admin editor knows the app (issue 19, item 5), in headless chromium:
// db.note. completes the table's fields; db.note.nosuch is squiggled and
// listed in the Problems panel (click → line); a view's misspelt name is
// flagged by quark check; a save with errors asks first; a saved model makes
// the types again for the other open files without a page reload; a compiled
// app says so on the site, design and edit pages and a save there offers to
// remove the compiled form; a model's syntax error gets a ticket showing the
// source line with a link to the editor at it. Screenshots go to
// tests/admin/screenshots/19-*.png.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { PASSWORD } from './helpers'
import { startLiveAdminServer, type LiveAdminServer } from './liveserver'
import { copyScaffold } from '../../server/cli'

const CHROMIUM = '/usr/bin/chromium'
const SHOTS = path.join(__dirname, 'screenshots')
let s: LiveAdminServer
let browser: Browser
let page: Page
let app: string

const MODEL = `// the notes of the editor test
db.defineTable('note',
  Field('title', 'string'),
  Field('body', 'text'),
  Field('stars', 'integer'))
`
const CONTROLLER = `export async function index() {
  const rows = await db(db.note).select()
  return { rows, heading: 'Notes' }
}
`
const VIEW = `<h1>{{=heading}}</h1>
<ul>
{{ for (const r of rows) { }}<li>{{=r.title}}</li>{{ } }}
</ul>
<p>{{=headng}}</p>
`

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `19-${name}.png`), fullPage: true })
}

before(async () => {
  for (let i = 0; i < 120 && !fs.existsSync(CHROMIUM); i++) await new Promise((r) => setTimeout(r, 1000))
  assert.ok(fs.existsSync(CHROMIUM), 'chromium is installed')
  fs.mkdirSync(SHOTS, { recursive: true })
  s = await startLiveAdminServer()
  app = s.appFolder('notes')
  copyScaffold(app)
  fs.writeFileSync(path.join(app, 'models', 'notes.ts'), MODEL)
  fs.writeFileSync(path.join(app, 'controllers', 'notes.ts'), CONTROLLER)
  fs.mkdirSync(path.join(app, 'views', 'notes'), { recursive: true })
  fs.writeFileSync(path.join(app, 'views', 'notes', 'index.html'), VIEW)
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } })
  page = await context.newPage()
  page.setDefaultTimeout(90000)
  // leaving the editor with unsaved text asks (beforeunload): this test leaves on purpose
  page.on('dialog', (d) => { if (d.type() === 'beforeunload') void d.accept() })
  await page.goto(`${s.url}/admin/default/login`)
  await page.fill('#password', PASSWORD)
  await Promise.all([page.waitForURL(/\/admin\/default\/index$/), page.keyboard.press('Enter')])
})

after(async () => {
  await browser?.close()
  await s?.stop()
})

const q = () => (globalThis as any).quarkEditor

async function openEditor(file: string, line?: number): Promise<void> {
  await page.goto(`${s.url}/admin/edit/index/notes?file=${encodeURIComponent(file)}${line ? `&line=${line}` : ''}`)
  await page.waitForFunction((f) => { const e = (globalThis as any).quarkEditor; return e && e.active && e.active.path === f && e.typesLoaded }, file)
  await page.evaluate(() => (globalThis as any).quarkEditor.typesLoaded)
  await page.evaluate(() => (globalThis as any).quarkEditor.editor.updateOptions({ autoClosingBrackets: 'never', autoClosingQuotes: 'never', autoSurround: 'never' }))
}

/** the TypeScript worker's completions at the end of the first occurrence of `after` in the active file */
async function completionsAfter(after: string): Promise<string[]> {
  return page.evaluate(async (a) => {
    const e = (globalThis as any).quarkEditor
    const ts = e.monaco.typescript ?? e.monaco.languages.typescript
    const model = e.active.model
    const worker = await (await ts.getTypeScriptWorker())(model.uri)
    const c = await worker.getCompletionsAtPosition(model.uri.toString(), model.getValue().indexOf(a) + a.length)
    return c ? c.entries.map((x: any) => x.name) : []
  }, after)
}

async function typeAtEnd(text: string): Promise<void> {
  await page.click('.monaco-editor .view-lines')
  await page.keyboard.press('Control+End')
  await page.keyboard.press('Enter')
  await page.keyboard.insertText(text)
}

function errorMarkers(): Promise<Array<{ message: string; startLineNumber: number; owner: string }>> {
  return page.evaluate(() => {
    const e = (globalThis as any).quarkEditor
    return e.monaco.editor.getModelMarkers({ resource: e.active.model.uri }).filter((m: any) => m.severity === 8)
      .map((m: any) => ({ message: m.message, startLineNumber: m.startLineNumber, owner: m.owner }))
  })
}

test('db.note. completes the fields of the table', async () => {
  await openEditor('controllers/notes.ts')
  await typeAtEnd('export function first() { return db.note.')
  let names: string[] = []
  for (let i = 0; i < 60 && !names.includes('title'); i++) {
    names = await completionsAfter('return db.note.')
    if (!names.includes('title')) await page.waitForTimeout(1000)
  }
  for (const f of ['id', 'title', 'body', 'stars']) assert.ok(names.includes(f), `db.note.${f} completes (got ${names.slice(0, 30).join(', ')})`)
  // a row's members, the framework's names
  await page.evaluate(() => {
    const e = (globalThis as any).quarkEditor
    const m = e.active.model
    m.pushEditOperations([], [{ range: { startLineNumber: 1, startColumn: 1, endLineNumber: 1, endColumn: 1 }, text: 'export async function rowProbe() { const r = (await db(db.note).select()).first(); return r?.title }\n' }], () => null)
  })
  let rowNames: string[] = []
  for (let i = 0; i < 60 && !rowNames.includes('stars'); i++) {
    rowNames = await completionsAfter('return r?.')
    if (!rowNames.includes('stars')) await page.waitForTimeout(1000)
  }
  for (const f of ['id', 'title', 'body', 'stars', 'updateRecord', 'deleteRecord']) assert.ok(rowNames.includes(f), `row.${f} completes (got ${rowNames.join(', ')})`)
  const globals = await completionsAfter('export async function rowProbe() { ')
  for (const n of ['db', 'request', 'response', 'session', 'T', 'URL', 'redirect', 'HTTP', 'DIV', 'SQLFORM', 'IS_NOT_EMPTY', 'Field']) assert.ok(globals.includes(n), `${n} completes`)
  await page.evaluate(() => { const e = (globalThis as any).quarkEditor; e.editor.setPosition({ lineNumber: e.active.model.getLineCount(), column: e.active.model.getLineMaxColumn(e.active.model.getLineCount()) }) })
  // what a person sees: the suggestion list opened with Ctrl+Space
  await page.evaluate(() => { const e = (globalThis as any).quarkEditor; e.editor.focus(); e.editor.trigger('test', 'editor.action.triggerSuggest', {}) })
  await page.locator('.suggest-widget .monaco-list-row', { hasText: 'title' }).first().waitFor()
  await shot('01-completions')
  await page.keyboard.press('Escape')
  // leave the file as it was
  await page.evaluate((text) => { const e = (globalThis as any).quarkEditor; e.active.model.setValue(text) }, CONTROLLER)
})

test('db.note.nosuch is squiggled and in the Problems panel; a click there goes to its line', async () => {
  await typeAtEnd('export function bad() {\nreturn db.note.nosuch\n}')
  const line = await page.evaluate(() => (globalThis as any).quarkEditor.active.model.getValue().split('\n').findIndex((l: string) => l.includes('nosuch')) + 1)
  await page.waitForFunction(() => {
    const e = (globalThis as any).quarkEditor
    return e.monaco.editor.getModelMarkers({ resource: e.active.model.uri }).some((m: any) => /nosuch/.test(m.message))
  }, undefined, { timeout: 150000 })
  const errors = await errorMarkers()
  assert.equal(errors.length, 1, `one error: ${errors.map((m) => m.message).join(' | ')}`)
  assert.match(errors[0]!.message, /Property 'nosuch' does not exist/)
  assert.equal(errors[0]!.startLineNumber, line)
  await page.waitForSelector('.squiggly-error')
  const item = page.locator('#qk-problem-list .qk-problem', { hasText: 'nosuch' })
  await item.waitFor()
  assert.match(await item.textContent() ?? '', new RegExp(`controllers/notes\\.ts:${line}`))
  assert.equal(await page.textContent('#qk-problem-count'), '1')
  // away from the line, then back through the panel
  await page.evaluate(() => (globalThis as any).quarkEditor.editor.setPosition({ lineNumber: 1, column: 1 }))
  await item.click()
  await page.waitForFunction((l) => (globalThis as any).quarkEditor.editor.getPosition().lineNumber === l, line)
  await shot('02-problems')
})

test('a save with errors asks first: No keeps the disk as it was, Yes saves and says how many', async () => {
  const file = path.join(app, 'controllers', 'notes.ts')
  let asked = ''
  page.once('dialog', (d) => { asked = d.message(); void d.dismiss() })
  await page.keyboard.press('Control+s')
  await page.waitForFunction(() => /^Not saved: 1 error/.test((globalThis as any).document.getElementById('qk-status').textContent))
  assert.match(asked, /has 1 error .*nosuch.*Save it anyway\?/s)
  assert.equal(fs.readFileSync(file, 'utf8'), CONTROLLER, 'nothing written')
  await shot('03-save-with-errors-refused')
  page.once('dialog', (d) => void d.accept())
  await page.keyboard.press('Control+s')
  await page.waitForFunction(() => /^Saved controllers\/notes\.ts with 1 error/.test((globalThis as any).document.getElementById('qk-status').textContent))
  assert.match(fs.readFileSync(file, 'utf8'), /db\.note\.nosuch/)
  // fixed, saved without a question
  await page.evaluate((text) => { const e = (globalThis as any).quarkEditor; e.active.model.setValue(text) }, CONTROLLER)
  await page.waitForFunction(() => { const e = (globalThis as any).quarkEditor; return !e.monaco.editor.getModelMarkers({ resource: e.active.model.uri }).some((m: any) => m.severity === 8) })
  await page.keyboard.press('Control+s')
  await page.waitForFunction(() => /^Saved controllers\/notes\.ts at/.test((globalThis as any).document.getElementById('qk-status').textContent))
  assert.equal(fs.readFileSync(file, 'utf8'), CONTROLLER)
})

test("a view's misspelt name is flagged (quark check) on the view's line and in the Problems panel", async () => {
  await openEditor('views/notes/index.html')
  const line = VIEW.split('\n').findIndex((l) => l.includes('headng')) + 1
  await page.waitForFunction(() => {
    const e = (globalThis as any).quarkEditor
    return e.monaco.editor.getModelMarkers({ resource: e.active.model.uri }).some((m: any) => /headng/.test(m.message))
  }, undefined, { timeout: 420000 })
  const errors = await errorMarkers()
  const m = errors.find((x) => /headng/.test(x.message))!
  assert.equal(m.startLineNumber, line)
  assert.equal(m.owner, 'quark-check')
  assert.ok(!errors.some((x) => /heading\b|rows/.test(x.message) && !/headng/.test(x.message)), `only the misspelt name: ${errors.map((x) => x.message).join(' | ')}`)
  await page.locator('#qk-problem-list .qk-problem', { hasText: 'headng' }).waitFor()
  assert.match(await page.textContent('#qk-problem-list') ?? '', new RegExp(`views/notes/index\\.html:${line}`))
  await page.waitForSelector('.squiggly-error')
  await shot('04-view-problem')
})

test('a saved model refreshes the types the other open files see, without reloading the page', async () => {
  await openEditor('controllers/notes.ts')
  await page.evaluate(() => { (globalThis as any).__samePage = true })
  await typeAtEnd('export function second() { return db.note.')
  assert.ok(!(await completionsAfter('return db.note.')).includes('color'), 'no color field yet')
  await page.click('[data-open="models/notes.ts"]')
  await page.waitForFunction(() => (globalThis as any).quarkEditor.active.path === 'models/notes.ts')
  await page.evaluate(() => {
    const e = (globalThis as any).quarkEditor
    e.active.model.setValue(e.active.model.getValue().replace("Field('stars', 'integer'))", "Field('stars', 'integer'),\n  Field('color', 'string'))"))
  })
  await page.keyboard.press('Control+s')
  await page.waitForFunction(() => /^Saved models\/notes\.ts/.test((globalThis as any).document.getElementById('qk-status').textContent))
  await page.click('.qk-tab[data-path="controllers/notes.ts"]')
  let names: string[] = []
  for (let i = 0; i < 90 && !names.includes('color'); i++) {
    names = await completionsAfter('return db.note.')
    if (!names.includes('color')) await page.waitForTimeout(1000)
  }
  assert.ok(names.includes('color'), `db.note.color completes after the model was saved (got ${names.join(', ')})`)
  assert.equal(await page.evaluate(() => (globalThis as any).__samePage), true, 'the page was not reloaded')
  await shot('05-types-refreshed')
  await page.evaluate((text) => { const e = (globalThis as any).quarkEditor; e.active.model.setValue(text) }, CONTROLLER)
})

test('a compiled app says so on the site, design and edit pages; a save there offers to remove the compiled form', async () => {
  await page.goto(`${s.url}/admin/appadmin/index/notes`)
  await Promise.all([page.waitForURL(/\/admin\/appadmin\/index\/notes$/), page.click('#compile-form button')])
  assert.ok(fs.existsSync(path.join(app, 'compiled', 'MANIFEST.json')), 'compiled')
  await page.goto(`${s.url}/admin/default/index`)
  assert.equal(await page.textContent('.qk-app[data-app="notes"] .qk-compiled'), 'compiled')
  assert.equal(await page.locator('.qk-app[data-app="welcome"] .qk-compiled').count(), 0)
  await shot('06-site-compiled')
  await page.goto(`${s.url}/admin/design/index/notes`)
  assert.match(await page.textContent('#compiled-notice') ?? '', /notes is compiled/)
  await shot('07-design-compiled')
  await openEditor('controllers/notes.ts')
  assert.ok(await page.locator('#qk-compiled').isVisible(), 'the editor says the app is compiled')
  assert.match(await page.textContent('#qk-compiled') ?? '', /This app is compiled/)
  await shot('08-editor-compiled')
  // a save: the file is written, and the editor says the change is not live and offers to remove the compiled form
  await typeAtEnd('export function added() { return "added while compiled" }')
  let offer = ''
  page.once('dialog', (d) => { offer = d.message(); void d.dismiss() })
  await page.keyboard.press('Control+s')
  await page.waitForFunction(() => /but the app is compiled: the change is not live/.test((globalThis as any).document.getElementById('qk-status').textContent))
  assert.match(offer, /This app is compiled.*Remove the compiled form now/s)
  assert.match(fs.readFileSync(path.join(app, 'controllers', 'notes.ts'), 'utf8'), /added while compiled/, 'the source is saved')
  assert.ok(fs.existsSync(path.join(app, 'compiled', 'MANIFEST.json')), 'still compiled when the user says no')
  await shot('09-saved-while-compiled')
  page.once('dialog', (d) => void d.accept())
  await page.keyboard.press('Control+s')
  await page.waitForFunction(() => /the compiled form was removed/.test((globalThis as any).document.getElementById('qk-status').textContent))
  assert.ok(!fs.existsSync(path.join(app, 'compiled')), 'the compiled form is gone')
  assert.ok(!(await page.locator('#qk-compiled').isVisible()), 'the notice is gone')
  const tab = await page.context().newPage()
  const r = await tab.goto(`${s.url}/notes/notes/added`)
  assert.equal(r?.status(), 200)
  assert.equal(await tab.textContent('body'), 'added while compiled', 'the change is live')
  await tab.close()
})

test("a model's syntax error gets a ticket with the source line and a link to the editor at it", async () => {
  // the model broken in the editor and saved anyway (as a person in a hurry does)
  const model = path.join(app, 'models', 'notes.ts')
  const broken = fs.readFileSync(model, 'utf8') + "db.defineTable('oops', Field('a', 'string')\nconst x = ;\n"
  const line = broken.split('\n').findIndex((l) => l.includes('const x = ;')) + 1
  await openEditor('models/notes.ts')
  await page.evaluate((text) => { const e = (globalThis as any).quarkEditor; e.active.model.setValue(text) }, broken)
  let asked = ''
  page.once('dialog', (d) => { asked = d.message(); void d.accept() })
  await page.keyboard.press('Control+s')
  await page.waitForFunction(() => /^Saved models\/notes\.ts with \d+ error/.test((globalThis as any).document.getElementById('qk-status').textContent))
  assert.match(asked, /models\/notes\.ts has \d+ errors?/)
  assert.equal(fs.readFileSync(model, 'utf8'), broken)
  const tab = await page.context().newPage()
  const r = await tab.goto(`${s.url}/notes/notes/index`)
  assert.equal(r?.status(), 500)
  assert.doesNotMatch(await tab.content(), /const x/, 'the user sees no source')
  await tab.close()
  await page.goto(`${s.url}/admin/errors/index/notes`)
  const group = page.locator('#ticket-groups tbody tr', { hasText: 'Cannot compile' })
  assert.equal(await group.count(), 1, `one group of compile errors: ${await page.textContent('#ticket-groups')}`)
  await Promise.all([page.waitForURL(/\/admin\/errors\/ticket\/notes\//), group.locator('a.qk-ticket-link').first().click()])
  assert.match(await page.textContent('.alert-danger') ?? '', /Cannot compile .*models\/notes\.ts/)
  const first = page.locator('#frames > li').first()
  assert.match(await first.textContent() ?? '', new RegExp(`models/notes\\.ts:${line}`))
  assert.match(await first.locator('.qk-hit').textContent() ?? '', /const x = ;/, 'the line of the error is shown and marked')
  assert.ok(await first.locator('.qk-line').count() >= 5, 'with the lines around it')
  await shot('10-syntax-error-ticket')
  await Promise.all([page.waitForURL(new RegExp(`file=models%2Fnotes\\.ts&line=${line}`)), first.locator('.qk-frame-link').click()])
  await page.waitForFunction((l) => { const e = (globalThis as any).quarkEditor; return e && e.active && e.active.path === 'models/notes.ts' && e.editor.getPosition().lineNumber === l }, line)
  await shot('11-editor-at-syntax-error')
})
