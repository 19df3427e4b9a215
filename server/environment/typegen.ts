/**
 * `quark types` / `quark check`: run the models (the top ones, then each
 * controller's conditional ones) outside any request, read the live schema
 * of what they export, and write schema.json and the declarations.
 */
import fs from 'node:fs'
import path from 'node:path'
import { appShellEnvironment } from './runInApp'
import { captureScope, writeSchema, type AppSchema, type SchemaScope } from './schema'
import { writeAppTypes } from './types'

async function scopeOf(appFolder: string, appName: string, controller?: string): Promise<SchemaScope> {
  const sh = await appShellEnvironment(appFolder, appName, controller)
  try { return sh.run(() => captureScope(sh.env)) } finally { await sh.rollback().catch(() => undefined); await sh.close() }
}

/** Run the models, record the live schema, write .quark/types.d.ts; returns the declaration path. */
export async function generateAppTypes(appFolder: string, appName: string): Promise<string> {
  const schema: AppSchema = { base: await scopeOf(appFolder, appName), controllers: {} }
  let dirs: string[] = []
  try { dirs = fs.readdirSync(path.join(appFolder, 'models'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort() } catch { /* no models */ }
  for (const c of dirs) if (/^[A-Za-z]\w*$/.test(c)) schema.controllers[c] = await scopeOf(appFolder, appName, c)
  writeSchema(appFolder, schema)
  return writeAppTypes(appFolder)
}
