/**
 * `quark types` / `quark check`: run the models (the top ones, then each
 * controller's conditional ones) outside any request, read the live schema
 * of what they export, and write schema.json and the declarations.
 */
import { appShellEnvironment } from './runInApp'
import { captureScope, writeSchema, type AppSchema, type SchemaScope } from './schema'
import { writeAppTypes } from './types'
import { conditionalModels } from './typescopes'

async function scopeOf(appFolder: string, appName: string, controller?: string, fn?: string): Promise<SchemaScope> {
  const sh = await appShellEnvironment(appFolder, appName, controller, fn)
  try { return sh.run(() => captureScope(sh.env)) } finally { await sh.rollback().catch(() => undefined); await sh.close() }
}

/**
 * Run the models, record the live schema, write .quark/types.d.ts; returns the declaration path.
 * schema.json keys: '' the top models, 'c' with models/c/, 'c/f' with models/c/f/ too.
 */
export async function generateAppTypes(appFolder: string, appName: string): Promise<string> {
  const schema: AppSchema = { base: await scopeOf(appFolder, appName), controllers: {} }
  for (const [c, cond] of conditionalModels(appFolder)) {
    schema.controllers[c] = await scopeOf(appFolder, appName, c, '')
    for (const fn of cond.fns.keys()) schema.controllers[`${c}/${fn}`] = await scopeOf(appFolder, appName, c, fn)
  }
  writeSchema(appFolder, schema)
  return writeAppTypes(appFolder)
}
