/** A temp copy of welcome-app/ for the in-process micro-benchmarks (tickets, sessions, databases stay out of the checkout). */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ROOT } from './measure'

export function copyWelcome(): { folder: string; remove(): void } {
  const src = path.join(ROOT, 'welcome-app')
  if (!fs.existsSync(src)) throw new Error('welcome-app/ does not exist yet')
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-bench-micro-'))
  const folder = path.join(root, 'welcome')
  fs.cpSync(src, folder, { recursive: true })
  return { folder, remove: () => fs.rmSync(root, { recursive: true, force: true }) }
}

/** The welcome app's model files, for the benchmark's label. */
export function modelCount(folder: string): number {
  return fs.readdirSync(path.join(folder, 'models')).filter((f) => f.endsWith('.ts')).length
}
