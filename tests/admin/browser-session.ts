// What the admin's browser tests share: the admin's live server, chromium (waiting for .ci/run to
// install it), a page logged in as the admin, and the screenshots folder.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { PASSWORD } from './helpers'
import { startLiveAdminServer, type LiveAdminServer } from './liveserver'

export const CHROMIUM = '/usr/bin/chromium'
export const SHOTS = path.join(__dirname, 'screenshots')

export interface AdminBrowser {
  s: LiveAdminServer
  browser: Browser
  page: Page
  close(): Promise<void>
}

export interface AdminBrowserOptions {
  viewport?: { width: number; height: number }
  /** the page's default timeout (a busy CI machine is slow to load Monaco) */
  timeoutMs?: number
  /** files the test needs, written once the server runs and before the browser opens */
  setup?: (s: LiveAdminServer) => void | Promise<void>
}

export async function adminBrowser(o: AdminBrowserOptions = {}): Promise<AdminBrowser> {
  for (let i = 0; i < 120 && !fs.existsSync(CHROMIUM); i++) await new Promise((r) => setTimeout(r, 1000))
  assert.ok(fs.existsSync(CHROMIUM), 'chromium is installed')
  fs.mkdirSync(SHOTS, { recursive: true })
  const s = await startLiveAdminServer()
  let browser: Browser | undefined
  try {
    await o.setup?.(s)
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: o.viewport ?? { width: 1280, height: 860 } })
    const page = await context.newPage()
    page.setDefaultTimeout(o.timeoutMs ?? 90_000)
    await page.goto(`${s.url}/admin/default/login`)
    await page.fill('#password', PASSWORD)
    await Promise.all([page.waitForURL(/\/admin\/default\/index$/), page.keyboard.press('Enter')])
    const opened = browser
    return { s, browser: opened, page, async close() { await opened.close(); await s.stop() } }
  } catch (e) {
    await browser?.close()
    await s.stop()
    throw e
  }
}
