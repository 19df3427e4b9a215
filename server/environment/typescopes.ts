/**
 * Names typed per file, not globally (types.ts writes them as module
 * augmentations of each app file; viewcheck.ts as locals of each view):
 *
 *   URL            the html helper. The program's global `URL` is the class of
 *                  lib.dom / @types/node (a var of another type: it cannot be
 *                  redeclared), but an augmentation adds `URL` to an app file's
 *                  own module scope, which TypeScript searches before the
 *                  globals. Node's class stays reachable as `globalThis.URL`.
 *   conditional    models/<c>/*.ts run for controller c only, models/<c>/<f>/*.ts
 *   models         for its function f only: their exports (and the tables they
 *                  add to a db) are typed in controllers/<c>.ts, in those model
 *                  files and in views/<c>/..., and unknown everywhere else. A
 *                  controller file holds every function of c, so it sees the
 *                  names of every models/<c>/<f>/ (a type cannot vary per
 *                  function within one file); a view sees its own function's.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { AppSchema, DalFacts, SchemaScope } from './schema'

/** `.ts` files directly in `dir` (sorted, .d.ts left out) and its sub-folders' names. */
export function tsIn(dir: string): { ts: string[]; dirs: string[] } {
  const ts: string[] = []
  const dirs: string[] = []
  try {
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      if (d.isDirectory()) dirs.push(d.name)
      else if (d.isFile() && d.name.endsWith('.ts') && !d.name.endsWith('.d.ts')) ts.push(path.join(dir, d.name))
    }
  } catch { /* no folder */ }
  return { ts: ts.sort(), dirs: dirs.sort() }
}

const IDENT = /^[A-Za-z]\w*$/

const EXPORT_DECL = /^\s*export\s+(?:declare\s+)?(?:const|let|var|class|enum|function\*?|async\s+function\*?)\s+([A-Za-z_$][\w$]*)/gm
const EXPORT_LIST = /^\s*export\s*\{([^}]*)\}/gm

/** Names a TS file exports (declarations and export lists). */
export function exportedNames(source: string): string[] {
  const out: string[] = []
  for (const m of source.matchAll(EXPORT_DECL)) out.push(m[1]!)
  for (const m of source.matchAll(EXPORT_LIST)) {
    for (const part of m[1]!.split(',')) {
      const p = part.trim().replace(/^type\s+/, '')
      if (!p) continue
      const as = p.split(/\s+as\s+/)
      out.push((as[1] ?? as[0])!.trim())
    }
  }
  return out
}

/** The conditional model files of an app: controller → its own files and each function's. */
export function conditionalModels(appFolder: string): Map<string, { files: string[]; fns: Map<string, string[]> }> {
  const out = new Map<string, { files: string[]; fns: Map<string, string[]> }>()
  const models = path.join(appFolder, 'models')
  for (const c of tsIn(models).dirs) {
    if (!IDENT.test(c)) continue
    const here = tsIn(path.join(models, c))
    const fns = new Map<string, string[]>()
    for (const f of here.dirs) if (IDENT.test(f)) fns.set(f, tsIn(path.join(models, c, f)).ts)
    out.set(c, { files: here.ts, fns })
  }
  return out
}

function read(file: string): string {
  try { return fs.readFileSync(file, 'utf8') } catch { return '' }
}

const TOP_DECL = /^(?:export\s+)?(?:default\s+)?(?:declare\s+)?(?:async\s+)?(?:const|let|var|class|enum|function\*?)\s+([A-Za-z_$][\w$]*)/gm
const IMPORT = /^import\s+(?:type\s+)?([^'"]*?)\s+from\s/gm

/** Names a file declares or imports at its top level (at column 0: what an augmentation must not clash with). */
export function topLevelNames(source: string): Set<string> {
  const out = new Set(exportedNames(source))
  for (const m of source.matchAll(TOP_DECL)) out.add(m[1]!)
  for (const m of source.matchAll(IMPORT)) for (const id of m[1]!.replace(/\b(?:type|as)\b|[{}*,]/g, ' ').split(/\s+/)) if (id) out.add(id)
  return out
}

/** Which scope keys of schema.json a file or view sees: 'c', and 'c/f' (fn undefined: every function's; '': none). */
export function scopeKeysOf(schema: AppSchema | undefined, controller: string, fn?: string): string[] {
  const keys = [controller]
  const all = Object.keys(schema?.controllers ?? {})
  if (fn === undefined) keys.push(...all.filter((k) => k.startsWith(controller + '/')).sort())
  else if (fn) keys.push(`${controller}/${fn}`)
  return keys
}

/** The DALs the top models export, with the tables of the given scopes added (a later definition wins). */
export function scopedDals(schema: AppSchema | undefined, keys: string[]): Record<string, DalFacts> {
  const dals: Record<string, DalFacts> = {}
  const scopes: SchemaScope[] = [schema?.base ?? { dals: {}, auths: {} }, ...keys.map((k) => schema?.controllers[k]).filter((s): s is SchemaScope => !!s)]
  for (const s of scopes) {
    for (const [name, d] of Object.entries(s.dals)) {
      const into = dals[name] ??= { uri: d.uri, tables: [] }
      for (const t of d.tables) {
        const i = into.tables.findIndex((x) => x.name === t.name)
        if (i >= 0) into.tables[i] = t
        else into.tables.push(t)
      }
    }
  }
  return dals
}

/**
 * The schema type name of DAL `name` in a scope: `Schema_db` (top models), `Schema_db__blog` (controller
 * blog's files: every function's tables), `Schema_db__blog__show` (function show), `Schema_db__blog$`
 * (models/blog/*.ts: no function's).
 */
export function schemaTypeName(name: string, controller?: string, fn?: string): string {
  if (controller === undefined) return `Schema_${name}`
  return `Schema_${name}__${controller}${fn === undefined ? '' : fn === '' ? '$' : '__' + fn}`
}

export interface ScopedName { name: string; type: string }

/**
 * The names a file of controller `controller` (function `fn`, or every function when undefined) sees
 * beyond the global declarations: the conditional models' exports, and each db typed with the tables
 * those models add. `own`: the file's own exports (a model does not re-declare its own names).
 * `importPath(file)`: how the output refers to an app file.
 */
export function conditionalNames(appFolder: string, schema: AppSchema | undefined, controller: string, fn: string | undefined,
  importPath: (file: string) => string, typedPath: string, apptypesPath: string): { names: ScopedName[]; schemas: Map<string, DalFacts> } {
  const cond = conditionalModels(appFolder).get(controller)
  const files = cond ? [...cond.files, ...(fn === undefined ? [...cond.fns.values()].flat() : cond.fns.get(fn) ?? [])] : []
  const keys = scopeKeysOf(schema, controller, fn)
  const dals = scopedDals(schema, keys)
  const base = scopedDals(schema, [])
  const schemas = new Map<string, DalFacts>()
  const byName = new Map<string, ScopedName>()
  const scopeAuths: SchemaScope['auths'] = {}
  for (const k of keys) Object.assign(scopeAuths, schema?.controllers[k]?.auths ?? {})
  const dalType = (name: string) => {
    const t = schemaTypeName(name, controller, fn)
    schemas.set(t, dals[name]!)
    return `import('${typedPath}').TypedDAL<QuarkApp.${t}>`
  }
  for (const f of files) {
    for (const n of exportedNames(read(f))) {
      const plain = `typeof import('${importPath(f)}')['${n}']`
      const auth = scopeAuths[n]
      let type = plain
      if (dals[n]) type = dalType(n)
      else if (auth && dals[auth.db]) type = `import('${apptypesPath}').TypedAuth<${plain}, QuarkApp.${schemaTypeName(auth.db, controller, fn)}, ${JSON.stringify(auth.userTable)}>`
      byName.set(n, { name: n, type })
    }
  }
  // a db of the top models whose tables this scope extends: typed with them here
  for (const [n, d] of Object.entries(dals)) {
    if (byName.has(n) || !base[n]) continue
    if (JSON.stringify(d.tables) !== JSON.stringify(base[n]!.tables)) byName.set(n, { name: n, type: dalType(n) })
  }
  // the schema of an auth's db must be written even when the db itself is not re-typed here
  for (const [n, a] of Object.entries(scopeAuths)) if (byName.has(n) && dals[a.db]) dalType(a.db)
  return { names: [...byName.values()], schemas }
}
