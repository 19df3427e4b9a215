/**
 * The apps this process serves: every folder of <folder>/applications/ with
 * a valid name, plus apps mounted from anywhere under a name (the admin is
 * mounted from the checkout, so no user app can break it). New app folders
 * are noticed without a restart (rescan at most once a second on a miss).
 */
import fs from 'node:fs'
import path from 'node:path'
import { isValidAppName } from './parse'
import { QK_DISPATCH_BAD_APP_NAME } from './errors'

export class AppRegistry {
  readonly applicationsFolder: string
  /** the folder that holds applications/ (and the site's routes.json) */
  readonly folder: string
  private scanned = new Map<string, string>()
  private mounted = new Map<string, string>()
  private lastScan = 0

  constructor(folder: string) {
    this.folder = path.resolve(folder)
    this.applicationsFolder = path.join(this.folder, 'applications')
    this.scan()
  }

  /** Serve the app in `appFolder` under `name`, whatever is in applications/. */
  mountApp(name: string, appFolder: string): void {
    if (!isValidAppName(name)) throw new QK_DISPATCH_BAD_APP_NAME(name)
    this.mounted.set(name, path.resolve(appFolder))
  }

  unmountApp(name: string): void {
    this.mounted.delete(name)
  }

  /** The folder of app `name`, or undefined. */
  get(name: string): string | undefined {
    const m = this.mounted.get(name)
    if (m) return m
    const s = this.scanned.get(name)
    // Stryker disable next-line ConditionalExpression,BlockStatement: a look-up shortcut; the rescan or the one-stat path below finds the same folder
    if (s) {
      return s
    }
    // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator,BlockStatement: when to rescan is a cost choice: the rescan and the one-stat path agree on every app folder (a valid name, a directory)
    if (Date.now() - this.lastScan > 1000) {
      this.scan()
      return this.scanned.get(name)
    }
    // between scans, an app created a moment ago (`quark new`, the admin) is found by one stat of its folder
    if (!isValidAppName(name)) return undefined
    const folder = path.join(this.applicationsFolder, name)
    try {
      if (fs.statSync(folder).isDirectory()) { this.scanned.set(name, folder); return folder }
    } catch { /* no such app */ }
    return undefined
  }

  has(name: string): boolean {
    return this.get(name) !== undefined
  }

  /** Every app name, mounted ones included, sorted. */
  names(): string[] {
    this.scan()
    return [...new Set([...this.scanned.keys(), ...this.mounted.keys()])].sort()
  }

  scan(): void {
    this.lastScan = Date.now()
    const found = new Map<string, string>()
    let entries: fs.Dirent[] = []
    try { entries = fs.readdirSync(this.applicationsFolder, { withFileTypes: true }) } catch { /* no applications/ yet */ }
    for (const e of entries) {
      if ((e.isDirectory() || e.isSymbolicLink()) && isValidAppName(e.name)) found.set(e.name, path.join(this.applicationsFolder, e.name))
    }
    // apps removed from disk disappear at the next scan
    this.scanned = found
  }
}
