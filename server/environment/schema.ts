/**
 * The live schema of an app, read from the objects its models exported (the
 * DALs with their tables and fields, the Auths with their user table), and
 * its TypeScript text for the declaration file (types.ts).
 *
 * Captured off the request path: after a request whose models were just
 * (re)compiled, on a later tick (app.ts), and by `quark types` / `quark check`,
 * which run the models themselves (appSchemaNow). Kept in
 * <app>/.quark/schema.json so the editor and `tsc -p <app>` see it without
 * running anything.
 */
import fs from 'node:fs'
import path from 'node:path'
import { DAL, Table } from '../dal'
import { optionalRoom } from './names'

/** `nullable`: the column may read as null (no notnull, not required, not the id); absent in older schema.json = not null. */
export interface FieldFacts { name: string; type: string; nullable?: boolean }
export interface TableFacts { name: string; fields: FieldFacts[] }
export interface DalFacts { uri: string; tables: TableFacts[] }
export interface AuthFacts { db: string; userTable: string }
/** What one set of models exported: by exported name. */
export interface SchemaScope { dals: Record<string, DalFacts>; auths: Record<string, AuthFacts> }
/** The app's schema: the top models', and each controller's with its conditional models. */
export interface AppSchema { base: SchemaScope; controllers: Record<string, SchemaScope> }

export const SCHEMA_FILE = 'schema.json'

function dalFacts(db: DAL): DalFacts {
  const tables: TableFacts[] = []
  for (const name of db.tables) {
    let t: unknown
    try { t = (db as Record<string, unknown>)[name] } catch { continue } // a lazy table whose definition throws
    if (!(t instanceof Table)) continue
    tables.push({ name, fields: t._fieldList.map((f) => (f.notnull || f.required || f.type === 'id' ? { name: f.name, type: f.type } : { name: f.name, type: f.type, nullable: true })) })
  }
  return { uri: db._uri, tables }
}

/** The DALs and Auths among `env`'s own names (the models' exports). */
export function captureScope(env: Record<string, unknown>): SchemaScope {
  const scope: SchemaScope = { dals: {}, auths: {} }
  const Auth = optionalRoom('auth')?.Auth as (new (...a: never[]) => unknown) | undefined
  const dalNames = new Map<unknown, string>()
  for (const k of Object.keys(env)) {
    const v = env[k]
    if (v instanceof DAL && !dalNames.has(v)) { dalNames.set(v, k); scope.dals[k] = dalFacts(v) }
  }
  for (const k of Object.keys(env)) {
    const v = env[k]
    if (!Auth || !(v instanceof Auth)) continue
    const a = v as { db?: unknown; tableNames?: { user?: string } }
    const db = dalNames.get(a.db)
    if (db && a.tableNames?.user) scope.auths[k] = { db, userTable: a.tableNames.user }
  }
  return scope
}

export function readSchema(appFolder: string): AppSchema | undefined {
  try { return JSON.parse(fs.readFileSync(path.join(appFolder, '.quark', SCHEMA_FILE), 'utf8')) as AppSchema } catch { return undefined }
}

/** Record one scope ('' = the top models; else a controller's) in schema.json; true when it changed. */
export function recordScope(appFolder: string, controller: string, scope: SchemaScope): boolean {
  const old = readSchema(appFolder) ?? { base: { dals: {}, auths: {} }, controllers: {} }
  const next: AppSchema = { base: old.base, controllers: { ...old.controllers } }
  if (controller) next.controllers[controller] = scope
  else next.base = scope
  return writeSchema(appFolder, next)
}

export function writeSchema(appFolder: string, schema: AppSchema): boolean {
  const file = path.join(appFolder, '.quark', SCHEMA_FILE)
  const text = JSON.stringify(schema, null, 1) + '\n'
  let old = ''
  try { old = fs.readFileSync(file, 'utf8') } catch { /* first time */ }
  if (old === text) return false
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, text)
  return true
}

/**
 * The TypeScript type of a field's values (README "Types"). decimal is a string (exact: the
 * digits as the database gives them); json is unknown (narrow it where you read it).
 */
export function valueType(type: string): string {
  if (type === 'string' || type === 'text' || type === 'password' || type === 'upload' || type === 'time') return 'string'
  if (type === 'integer' || type === 'id' || type === 'double' || type.startsWith('reference ')) return 'number'
  if (type === 'bigint') return 'bigint'
  if (type.startsWith('decimal')) return 'string'
  if (type === 'boolean') return 'boolean'
  if (type === 'date' || type === 'datetime') return 'Date'
  if (type === 'json') return 'unknown'
  if (type === 'blob') return 'Buffer'
  if (type === 'list:string') return 'string[]'
  if (type === 'list:integer' || type.startsWith('list:reference ')) return 'number[]'
  return 'unknown'
}

const key = (s: string) => (/^[A-Za-z_$][\w$]*$/.test(s) ? s : JSON.stringify(s))

/** `{ note: { row: {...}; refs: {...}; listRefs: {...} }, ... }` for one DAL. */
export function schemaTypeText(d: DalFacts, indent = '  '): string {
  const lines = ['{']
  for (const t of d.tables) {
    const row = t.fields.map((f) => `${key(f.name)}: ${valueType(f.type)}${f.nullable ? ' | null' : ''}`).join('; ')
    const refs = t.fields.filter((f) => f.type.startsWith('reference ')).map((f) => `${key(f.name)}: ${JSON.stringify(f.type.slice(10))}`).join('; ')
    const lrefs = t.fields.filter((f) => f.type.startsWith('list:reference ')).map((f) => `${key(f.name)}: ${JSON.stringify(f.type.slice(15))}`).join('; ')
    lines.push(`${indent}  ${key(t.name)}: { row: { ${row} }; refs: { ${refs} }; listRefs: { ${lrefs} } }`)
  }
  lines.push(`${indent}}`)
  return lines.join('\n')
}
