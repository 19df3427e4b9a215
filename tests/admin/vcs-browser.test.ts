// Version control in headless chromium, beside browser-vcs.test.ts: a
// controller changed on disk, edited further in the diff page's Monaco diff
// editor and left unsaved; "Revert" then asks first and names the unsaved
// edits: dismissed, nothing happens; saved, the disk has the edit; accepted,
// the file is the committed one again. Commit with an author, seen in the log.
// Screenshots: tests/admin/screenshots/vcs-unsaved-*.png.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import type { LiveAdminServer } from './liveserver'
import { adminBrowser, SHOTS, type AdminBrowser } from './browser-session'

let s: LiveAdminServer
let browser: Browser
let page: Page

let session: AdminBrowser | undefined
before(async () => {
  session = await adminBrowser()
  ;({ s, browser, page } = session)
})
after(async () => { await session?.close() })

const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `vcs-unsaved-${name}.png`), fullPage: true })
const ctl = () => path.join(s.appFolder('welcome'), 'controllers', 'default.ts')
const rightSide = () => page.evaluate(() => (globalThis as any).quarkDiff.getModel().modified.getValue() as string)

/** Type at the end of the diff editor's right side (the file on disk). */
async function typeAtEnd(text: string): Promise<void> {
  await page.click('#vcs-diff .editor.modified .view-lines')
  await page.keyboard.press('Control+End')
  await page.keyboard.type(text)
  await page.waitForFunction((t) => (globalThis as any).quarkDiff.getModel().modified.getValue().includes(t), text)
}

async function openDiff(): Promise<void> {
  await page.goto(`${s.url}/admin/vcs/diff/welcome?file=controllers/default.ts`)
  await page.waitForFunction(() => !!(globalThis as any).quarkDiff && document.querySelectorAll('#vcs-diff .view-lines').length === 2)
}

test('a revert over unsaved edits asks first; dismissed it changes nothing, accepted it restores the commit', async () => {
  await page.goto(`${s.url}/admin/vcs/index/welcome`)
  await Promise.all([page.waitForURL(/\/admin\/vcs\/index\/welcome$/), page.click('#vcs-init button')])
  await page.fill('#vcs-message', 'the scaffold')
  await page.fill('#vcs-author', 'Ada Lovelace')
  await Promise.all([page.waitForURL(/\/admin\/vcs\/index\/welcome$/), page.click('#vcs-commit button')])
  assert.deepEqual(await page.locator('#vcs-log .qk-author').allTextContents(), ['Ada Lovelace'])
  const committed = fs.readFileSync(ctl(), 'utf8')

  const onDisk = committed + '\n// changed on disk\n'
  fs.writeFileSync(ctl(), onDisk)
  await openDiff()
  await typeAtEnd('// typed, not saved')
  await shot('01-unsaved')

  let asked = ''
  page.once('dialog', (d) => { asked = d.message(); void d.dismiss() })
  await page.click('#vcs-revert button')
  await page.waitForFunction(() => document.getElementById('vcs-diff-status')?.textContent === 'Not reverted.')
  assert.match(asked, /controllers\/default.ts has unsaved changes in this editor/)
  assert.match(page.url(), /\/admin\/vcs\/diff\/welcome/, 'still on the diff page')
  assert.equal(fs.readFileSync(ctl(), 'utf8'), onDisk, 'dismissed: the file on disk is untouched')
  assert.match(await rightSide(), /typed, not saved/, 'and the edit is still in the editor')

  // saved, the disk has it; the next question no longer speaks of unsaved edits
  await page.click('#vcs-save')
  await page.waitForFunction(() => /^Saved /.test(document.getElementById('vcs-diff-status')?.textContent ?? ''))
  assert.match(fs.readFileSync(ctl(), 'utf8'), /typed, not saved/)
  await shot('02-saved')
  page.once('dialog', (d) => { asked = d.message(); void d.dismiss() })
  await page.click('#vcs-revert button')
  await page.waitForFunction(() => document.getElementById('vcs-diff-status')?.textContent === 'Not reverted.')
  assert.match(asked, /^Revert controllers\/default.ts to the last commit\?/)

  // unsaved again, and this time accepted: the committed file is back
  await typeAtEnd('// more, not saved')
  page.once('dialog', (d) => { asked = d.message(); void d.accept() })
  await Promise.all([page.waitForURL(/\/admin\/vcs\/index\/welcome$/), page.click('#vcs-revert button')])
  assert.match(asked, /unsaved changes in this editor/)
  assert.equal(fs.readFileSync(ctl(), 'utf8'), committed)
  assert.match(await page.textContent('.qk-flash') ?? '', /Reverted controllers\/default.ts/)
  assert.ok(await page.locator('#vcs-clean').isVisible(), 'nothing changed since the commit')
  await shot('03-reverted')
})

test('a save over a change made on disk meanwhile is refused, not written', async () => {
  fs.writeFileSync(ctl(), fs.readFileSync(ctl(), 'utf8') + '\n// first\n')
  await openDiff()
  fs.writeFileSync(ctl(), 'somebody else wrote this\n')
  await typeAtEnd('// mine')
  await page.click('#vcs-save')
  await page.waitForFunction(() => /^Not saved: /.test(document.getElementById('vcs-diff-status')?.textContent ?? ''))
  assert.equal(fs.readFileSync(ctl(), 'utf8'), 'somebody else wrote this\n')
  await shot('04-conflict')
})

test('go back to the first commit from the log (asked first), then commit it as a new version', async () => {
  await page.goto(`${s.url}/admin/vcs/index/welcome`)
  // a second version to go back from
  await page.fill('#vcs-message', 'a second version')
  await Promise.all([page.waitForURL(/\/admin\/vcs\/index\/welcome$/), page.click('#vcs-commit button')])
  assert.match(fs.readFileSync(ctl(), 'utf8'), /somebody else wrote this/)
  const first = page.locator('#vcs-log li').last()
  let asked = ''
  page.once('dialog', (d) => { asked = d.message(); void d.dismiss() })
  await first.locator('.qk-restore button').click()
  assert.match(asked, /^Put the files back/, 'asked first')
  await page.reload()
  assert.ok(await page.locator('#vcs-clean').isVisible(), 'dismissed: nothing restored, nothing changed')
  assert.match(fs.readFileSync(ctl(), 'utf8'), /somebody else wrote this/)
  asked = ''
  page.once('dialog', (d) => { asked = d.message(); void d.accept() })
  await Promise.all([page.waitForURL(/\/admin\/vcs\/index\/welcome$/), first.locator('.qk-restore button').click()])
  assert.match(asked, /^Put the files back as they were in [0-9a-f]{7}\?/)
  assert.match(await page.textContent('.qk-flash') ?? '', /Went back to [0-9a-f]{7}: 1 file changed; commit to keep it/)
  assert.match(fs.readFileSync(ctl(), 'utf8'), /return \{ message: T\('Hello World'\) \}/)
  assert.equal(await page.locator('#vcs-changes li[data-path="controllers/default.ts"]').getAttribute('data-change'), 'modified')
  await page.fill('#vcs-message', 'back to the scaffold')
  await Promise.all([page.waitForURL(/\/admin\/vcs\/index\/welcome$/), page.click('#vcs-commit button')])
  assert.deepEqual(await page.locator('#vcs-log .qk-message').allTextContents(), ['back to the scaffold', 'a second version', 'the scaffold'])
  await shot('05-went-back')
})
