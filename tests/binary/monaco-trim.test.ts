// The binaries carry only the part of Monaco the admin loads (build/monaco.ts).
// Here the admin's editor runs in real chromium on the checkout (all of
// monaco-editor/min/vs served), a file of every kind the admin edits is opened,
// typed in, completed and searched, and every Monaco file the browser asked
// for must be among the files the build keeps: a Monaco upgrade that loads
// something new fails here, not in a user's editor.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { PASSWORD } from '../admin/helpers'
import { startLiveAdminServer, type LiveAdminServer } from '../admin/liveserver'
import { monacoFiles, ADMIN_LANGUAGES } from '../../build/monaco'
import { languageOf } from '../../server/adminlib/index'
import { root } from './helpers'

const CHROMIUM = '/usr/bin/chromium'
const VS = path.join(root, 'node_modules', 'monaco-editor', 'min', 'vs')
/** one file per language the admin gives (server/adminlib languageOf), beside the scaffold's .ts/.html */
const FILES: Record<string, string> = {
  'static/a.js': 'const x = 1\n', 'static/a.css': 'body { color: red }\n', 'private/a.md': '# hi\n', 'private/a.sql': 'select 1;\n',
  'private/a.yaml': 'a: 1\n', 'private/a.sh': 'echo hi\n', 'private/a.xml': '<a/>\n', 'private/a.txt': 'hi\n', 'languages/fr.json': '{}\n',
}
let s: LiveAdminServer
let browser: Browser

before(async () => {
  for (let i = 0; i < 120 && !fs.existsSync(CHROMIUM); i++) await new Promise((r) => setTimeout(r, 1000))
  s = await startLiveAdminServer()
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
})
after(async () => {
  await browser?.close()
  await s?.stop()
})

test('every language the admin gives a file is one whose colouring the build keeps', () => {
  const names = [...Object.keys(FILES), 'controllers/default.ts', 'views/default/index.html', 'cron/crontab', 'private/x.unknown']
  for (const f of names) assert.ok(ADMIN_LANGUAGES.includes(languageOf(f)), `${f}: ${languageOf(f)} is in ADMIN_LANGUAGES`)
})

test('the trimmed Monaco holds every file the admin editor loads in chromium', async () => {
  const kept = monacoFiles(VS)
  const keep = new Set(kept.files.map((f) => f.path))
  assert.ok(kept.files.length < kept.total / 2, `the trimmed set is much smaller (${kept.files.length} of ${kept.total})`)
  assert.ok(!keep.has('nls/nls.messages.de.js') && [...keep].every((p) => !p.startsWith('language/')), 'nls/ and language/ are left out')

  const app = s.appFolder('welcome')
  for (const [f, c] of Object.entries(FILES)) {
    fs.mkdirSync(path.dirname(path.join(app, f)), { recursive: true })
    fs.writeFileSync(path.join(app, f), c)
  }
  const context = await browser.newContext({ ignoreHTTPSErrors: true })
  const requested = new Map<string, number>()
  // Monaco's own requests in flight, and when the last one started or ended: the test waits for these
  // to settle, not for the whole page's network (the editor's type checks may take long on a busy machine)
  let monacoPending = 0
  let monacoLast = Date.now()
  const monacoPath = (url: string) => { const u = new URL(url); const at = u.pathname.indexOf('/monaco/vs/'); return at >= 0 ? u.pathname.slice(at + '/monaco/vs/'.length) : undefined }
  context.on('request', (r) => { if (monacoPath(r.url()) !== undefined) { monacoPending++; monacoLast = Date.now() } })
  context.on('requestfailed', (r) => { if (monacoPath(r.url()) !== undefined) { monacoPending--; monacoLast = Date.now() } })
  context.on('requestfinished', async (r) => {
    const p = monacoPath(r.url())
    if (p === undefined) return
    requested.set(p, (await r.response())?.status() ?? 0)
    monacoPending--
    monacoLast = Date.now()
  })
  const monacoSettled = async () => {
    const end = Date.now() + 120_000
    while (monacoPending > 0 || Date.now() - monacoLast < 1500) {
      assert.ok(Date.now() < end, `Monaco's requests did not settle (${monacoPending} in flight)`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  const page = await context.newPage()
  page.setDefaultTimeout(90000)
  await page.goto(`${s.url}/admin/default/login`)
  await page.fill('#password', PASSWORD)
  await Promise.all([page.waitForURL(/\/admin\/default\/index$/), page.keyboard.press('Enter')])
  for (const f of ['controllers/default.ts', 'views/default/index.html', ...Object.keys(FILES)]) {
    await page.goto(`${s.url}/admin/edit/index/welcome?file=${encodeURIComponent(f)}`)
    await page.waitForFunction((p) => { const q = (globalThis as any).quarkEditor; return q && q.active && q.active.path === p && q.editor }, f)
    await page.click('.monaco-editor .view-lines')
    await page.keyboard.press('Control+End')
    await page.keyboard.insertText(' x.')
    await page.keyboard.press('Control+Space')
    await page.keyboard.press('F1')
    await page.keyboard.press('Escape')
    await page.keyboard.press('Control+f')
    await page.keyboard.press('Escape')
    // the language's tokenizer (and worker, for ts/json/html/css) is asked for once the model exists
    const lang = languageOf(f)
    await page.waitForFunction((l) => (globalThis as any).monaco.editor.getModels().some((m: any) => m.getLanguageId() === l), lang)
    await monacoSettled()
  }
  await context.close()
  assert.ok(requested.has('loader.js') && requested.has('editor/editor.main.js'), `the editor loaded: ${[...requested.keys()].join(' ')}`)
  assert.ok([...requested.keys()].some((p) => p.includes('ts.worker')), 'the TypeScript worker started')
  const missing = [...requested.keys()].filter((p) => !keep.has(p))
  assert.deepEqual(missing, [], 'the binaries would answer 404 for these')
  for (const [p, status] of requested) assert.ok(status === 200 || status === 304, `${p}: ${status}`)
})
