// The tutorial (docs/tutorial.md) followed as a reader follows it: `npx quark new blog` in an empty
// folder, the tutorial's files written into the app, `npx quark` started, then chromium registers,
// writes a post with an image through the grid, reads it, comments, calls the JSON API and reads the
// pages in Italian; `npx quark scheduler blog` runs the word count. Screenshots go to
// tests/docs/screenshots/.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { chromium, type Browser, type Page } from 'playwright-core'
import { openSqlite } from '../../server/dal/drivers'
import { checkout, Quark, quark, poll, type Site } from '../cli/helpers'
import { EXAMPLES } from './blocks'

const CHROMIUM = '/usr/bin/chromium'
const SHOTS = path.join(__dirname, 'screenshots')
const TITLE = 'Hello <b>Quark</b>'
const BODY = 'My first post, written through the grid. It has **seven** words... and more'

let browser: Browser | undefined
const started: Quark[] = []
let site: Site | undefined
after(async () => {
  await browser?.close()
  for (const q of started) await q.kill()
  site?.cleanup()
})

/** A small valid PNG (a 2x2 red square), made here so the upload is a real image. */
function png(): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0 })
  const crc = (b: Buffer) => { let c = 0xffffffff; for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0 }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length)
    const td = Buffer.concat([Buffer.from(type), data]); const c = Buffer.alloc(4); c.writeUInt32BE(crc(td))
    return Buffer.concat([len, td, c])
  }
  const ihdr = Buffer.alloc(13); ihdr.writeUInt32BE(2, 0); ihdr.writeUInt32BE(2, 4); ihdr[8] = 8; ihdr[9] = 2
  const raw = Buffer.from([0, 255, 0, 0, 255, 0, 0, 0, 255, 0, 0, 255, 0, 0])
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
}

function sql<R>(query: string, ...params: unknown[]): R[] {
  const file = path.join(site!.dir, 'applications', 'blog', 'databases', 'storage.sqlite')
  const db = openSqlite(file)
  try {
    db.pragma('busy_timeout = 30000')
    return db.prepare(query).all(params).map((r) => ({ ...(r as object) })) as R[]
  } finally { db.close() }
}

test('the tutorial, followed in a browser from `quark new blog` to the finished app', { timeout: 900_000 }, async () => {
  for (let i = 0; i < 120 && !fs.existsSync(CHROMIUM); i++) await new Promise((r) => setTimeout(r, 1000))
  fs.mkdirSync(SHOTS, { recursive: true })
  site = checkout.site()
  const made = await quark(site, ['new', 'blog'])
  assert.equal(made.code, 0, made.stdout + made.stderr)
  const app = path.join(site.dir, 'applications', 'blog')
  // the files the tutorial shows, written over the scaffold's
  fs.cpSync(path.join(EXAMPLES, 'blog'), app, { recursive: true })

  const server = new Quark(site, ['run', '-p', '0', '--no-browser'])
  started.push(server)
  const up = await server.waitFor(/Quark serving .+ at (https:\/\/127\.0\.0\.1:\d+)\//, 300_000)
  const base = `${up[1]}/blog/default`

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1100, height: 800 }, locale: 'en-US' })
  const page: Page = await context.newPage()
  page.setDefaultTimeout(120_000)
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true })

  // 5. the home page, empty
  await page.goto(`${base}/index`)
  assert.equal(await page.textContent('h1'), 'Latest posts')
  assert.match(await page.textContent('main') ?? '', /No posts yet\./)
  assert.equal(await page.title(), 'Blog', 'the settings model names the app')
  await shot('01-empty-blog')

  // 6. managing needs a login: the grid sends a visitor to the login page; register instead
  await page.goto(`${base}/manage`)
  assert.match(page.url(), /\/user\/login/)
  await page.goto(`${base}/user/register`)
  await page.fill('#register_first_name', 'Ada')
  await page.fill('#register_last_name', 'Lovelace')
  await page.fill('#register_email', 'ada@example.com')
  await page.fill('#register_password', 'correct horse battery staple 7')
  await page.fill('#register_password2', 'correct horse battery staple 7')
  await shot('02-register')
  await Promise.all([page.waitForLoadState('load'), page.click('main form [type=submit]')])
  await page.goto(`${base}/manage`)
  assert.match(page.url(), /\/manage/, 'logged in after registering, the grid opens')
  assert.equal(await page.textContent('h1'), 'Manage posts')

  // write a post with an image through the grid's form
  await Promise.all([page.waitForLoadState('load'), page.click('a.quark-new')])
  await page.fill('[name=title]', TITLE)
  await page.fill('[name=body]', BODY)
  await page.setInputFiles('[name=image]', { name: 'red.png', mimeType: 'image/png', buffer: png() })
  await shot('03-grid-new-post')
  await Promise.all([page.waitForLoadState('load'), page.click('main form [type=submit]')])
  await shot('03b-after-submit')
  await page.goto(`${base}/manage`)
  assert.match(await page.textContent('table') ?? '', /Hello <b>Quark<\/b>/, 'the grid lists the post, its title as text')
  await shot('04-grid')

  // the post on the home page, its title escaped (no <b> element made from it)
  await page.goto(`${base}/index`)
  const link = page.locator('article h2 a')
  assert.equal(await link.textContent(), TITLE)
  assert.equal(await page.locator('article h2 b').count(), 0, 'the title is text, not markup')
  await shot('05-home-with-post')

  // the post's page: the image is served by download(), markdown rendered; then a comment
  await Promise.all([page.waitForLoadState('load'), link.click()])
  assert.match(page.url(), /\/show\/\d+$/)
  const img = page.locator('article img')
  await poll('the uploaded image to load', async () => ((await img.evaluate((e: HTMLImageElement) => e.complete && e.naturalWidth)) === 2 ? true : undefined), 60_000)
  assert.equal(await page.locator('article strong').textContent(), 'seven', 'the body is rendered as markdown')
  assert.match(await page.textContent('main') ?? '', /0 comments/)
  await page.fill('[name=body]', 'A first comment')
  await Promise.all([page.waitForLoadState('load'), page.click('main form [type=submit]')])
  assert.match(await page.textContent('main') ?? '', /1 comments/)
  assert.match(await page.textContent('.quark-flash') ?? '', /Comment added/)
  await shot('06-post-with-comment')
  const stored = sql<{ image: string }>('SELECT image FROM post')
  assert.equal(stored.length, 1)
  assert.doesNotMatch(stored[0].image, /^red\.png$/, 'the upload is stored under a generated name')

  // 7. the JSON API
  const api = await page.request.get(`${base}/call/json/posts`)
  assert.equal(api.status(), 200)
  assert.match(api.headers()['content-type'], /application\/json/)
  const posts = await api.json() as { id: number; title: string }[]
  assert.deepEqual(posts.map((p) => p.title), [TITLE])
  const one = await page.request.get(`${base}/call/json/post/${posts[0].id}`)
  assert.equal((await one.json() as { body: string }).body, BODY)
  assert.equal((await page.request.get(`${base}/call/json/post/999`)).status(), 404)

  // 9. in Italian for a browser that asks for it
  const italian = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1100, height: 800 }, locale: 'it-IT' })
  const it = await italian.newPage()
  await it.goto(`${base}/index`)
  assert.equal(await it.textContent('h1'), 'Ultimi articoli')
  assert.match(await it.textContent('nav') ?? '', /Articoli[\s\S]*Gestisci/)
  await it.screenshot({ path: path.join(SHOTS, '07-italian.png'), fullPage: true })
  await italian.close()

  // 8. the scheduler: a task queued from the shell, run by `quark scheduler blog`
  const queued = await quark(site, ['shell', 'blog'], { input: `console.log('TASK=' + (await scheduler.queueTask('wordCount')).id)\n` })
  assert.equal(queued.code, 0, queued.stdout + queued.stderr)
  const taskId = Number(/TASK=(\d+)/.exec(queued.stdout)![1])
  const worker = new Quark(site, ['scheduler', 'blog'])
  started.push(worker)
  const run = await poll('the word count to complete', () => sql<{ run_result: string }>(
    `SELECT run_result FROM scheduler_run WHERE task_id = ? AND status = 'COMPLETED'`, taskId)[0], 300_000, 250)
  assert.equal(JSON.parse(run.run_result), BODY.split(/\s+/).filter(Boolean).length)

  // 10. the app's own tests pass
  const tested = await quark(site, ['test', 'blog'])
  assert.equal(tested.code, 0, tested.stdout + tested.stderr)
  assert.match(tested.stdout, /# blog: 2 passed, 0 failed/)
})
