/**
 * One CommonJS file of the whole server for the binary. `quark:main` (the
 * module the entry runs) is resolved to the chosen main file so the same
 * entry serves the real CLI and the pipeline probe.
 */
import fs from 'node:fs'
import path from 'node:path'
import * as esbuild from 'esbuild'
import { spawnSync } from 'node:child_process'
import { builtinModules } from 'node:module'

/**
 * The core loads some rooms optionally (`require('../forms')` in a try): a room
 * not written yet must not fail the build, so such a require becomes a module
 * that throws MODULE_NOT_FOUND at run time, as Node would.
 */
function missingRoomPlugin(serverDir: string): esbuild.Plugin {
  const exists = (base: string) => ['.ts', '.js', '/index.ts', '/index.js'].some((ext) => fs.existsSync(base + ext))
  return {
    name: 'quark-missing-room',
    setup(b) {
      const optional = new RegExp(`^(${OPTIONAL_NATIVE.join('|')})$`)
      b.onResolve({ filter: optional }, (args) => ({ path: args.path, namespace: 'quark-missing-room' }))
      b.onResolve({ filter: /^\.\.\/[a-z][\w-]*$/ }, (args) => {
        if (!args.importer.startsWith(serverDir + path.sep) || args.kind !== 'require-call') return undefined
        const target = path.resolve(args.resolveDir, args.path)
        if (exists(target)) return undefined
        return { path: args.path, namespace: 'quark-missing-room' }
      })
      b.onLoad({ filter: /.*/, namespace: 'quark-missing-room' }, (args) => ({
        contents: `const e = new Error(${JSON.stringify(`Cannot find module '${args.path}' (not in this build)`)}); e.code = 'MODULE_NOT_FOUND'; throw e`,
        loader: 'js',
      }))
    },
  }
}

/**
 * Framework files that are process entries (forked): inside the binary they
 * are reached by name through server/sea childEntry(name, file). A file not
 * written yet is left out.
 */
export const INTERNAL_ENTRIES: Record<string, string> = {
  'scheduler-worker': 'server/scheduler/worker-main.ts',
  'scheduler-child': 'server/scheduler/child.ts',
  // the admin's web shell and web test runner (#25): one process per shell / per run
  'admin-shell': 'server/adminlib/shellchild.ts',
  'admin-tests': 'server/adminlib/testchild.ts',
}

function internalEntriesPlugin(root: string): esbuild.Plugin {
  return {
    name: 'quark-internal-entries',
    setup(b) {
      b.onResolve({ filter: /^quark:internal-entries$/ }, () => ({ path: 'entries', namespace: 'quark-internal' }))
      b.onLoad({ filter: /.*/, namespace: 'quark-internal' }, () => {
        const rows = Object.entries(INTERNAL_ENTRIES)
          .filter(([, rel]) => fs.existsSync(path.join(root, rel)))
          .map(([name, rel]) => `${JSON.stringify(name)}: () => require(${JSON.stringify(path.join(root, rel))})`)
        return { contents: `module.exports = {${rows.join(',\n')}}`, loader: 'js', resolveDir: root }
      })
    },
  }
}

/**
 * `import ... from 'esbuild'` anywhere in the server becomes server/sea's
 * loadEsbuild(): esbuild's own JS is not bundled but run from a real file
 * (its transformSync needs a worker thread on that file; see server/sea/esbuild.ts).
 */
function esbuildPlugin(root: string): esbuild.Plugin {
  const loader = path.join(root, 'server', 'sea', 'esbuild.ts')
  return {
    name: 'quark-esbuild',
    setup(b) {
      b.onResolve({ filter: /^esbuild$/ }, (args) => {
        if (args.importer === loader) return { path: 'esbuild', external: true }
        return { path: 'esbuild', namespace: 'quark-esbuild' }
      })
      // lazily: importing esbuild costs nothing until a property is used, and transformSync is
      // server/sea's cachedTransformSync (a start whose templates and app files were compiled
      // before neither loads esbuild's JS nor starts its service)
      b.onLoad({ filter: /.*/, namespace: 'quark-esbuild' }, () => ({
        contents: `const sea = require(${JSON.stringify(loader)})\n` +
          lazyProxy('sea.loadEsbuild()', moduleShape(root, 'esbuild'), { transformSync: '(input, options) => sea.cachedTransformSync(input, options)' }),
        loader: 'js',
        resolveDir: root,
      }))
    },
  }
}

/**
 * `quark:command-summaries`: each command's summary, read from the command
 * table of the sources being built (in a child node), so the binary's
 * `quark --help` prints them without loading any command (server/cli/commands.ts).
 */
function commandSummariesPlugin(root: string): esbuild.Plugin {
  return {
    name: 'quark-command-summaries',
    setup(b) {
      b.onResolve({ filter: /^quark:command-summaries$/ }, () => ({ path: 'summaries', namespace: 'quark-summaries' }))
      b.onLoad({ filter: /.*/, namespace: 'quark-summaries' }, () => {
        const code = `const { COMMANDS } = require('./server/cli/commands.ts'); process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(COMMANDS).map(([n, c]) => [n, c.summary]))))`
        const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: root, encoding: 'utf8', env: { ...process.env, QUARK_QUIET_ROOMS: '1' } })
        if (r.status !== 0) throw new Error(`build: cannot read the command table:\n${r.stderr}`)
        return { contents: `module.exports = ${r.stdout.trim().split('\n').pop()}`, loader: 'js' }
      })
    },
  }
}

/**
 * `import fs from 'node:fs'` in each of ~130 modules made esbuild's interop copy
 * fs's 100 exports into a fresh object per importing module: ~7000 property
 * definitions each start. Import statements of Node built-ins go through one
 * ES module per built-in instead, so each is wrapped once. require() calls are
 * left alone (CommonJS code may patch the real module).
 */
function builtinsPlugin(): esbuild.Plugin {
  const builtins = new Set(builtinModules)
  return {
    name: 'quark-builtins',
    setup(b) {
      b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
        if (args.kind !== 'import-statement' || args.namespace === 'quark-builtin') return undefined
        if (!builtins.has(args.path.replace(/^node:/, ''))) return undefined
        return { path: args.path, namespace: 'quark-builtin' }
      })
      b.onLoad({ filter: /.*/, namespace: 'quark-builtin' }, (args) => ({
        contents: `export * from ${JSON.stringify(args.path)}\nexport { default } from ${JSON.stringify(args.path)}\n`,
        loader: 'js',
      }))
    },
  }
}

/**
 * `require('typescript')` (the admin's controller parser, 4 MB of the bundle's
 * 6.6 MB) becomes server/sea's loadTypescript(): inside the binary an asset
 * extracted and required on first use, so no start pays for carrying it.
 */
function typescriptPlugin(root: string): esbuild.Plugin {
  const sea = path.join(root, 'server', 'sea', 'index.ts')
  return {
    name: 'quark-typescript',
    setup(b) {
      b.onResolve({ filter: /^typescript$/ }, () => ({ path: 'typescript', namespace: 'quark-typescript' }))
      b.onLoad({ filter: /.*/, namespace: 'quark-typescript' }, () => ({
        contents: `module.exports = require(${JSON.stringify(sea)}).loadTypescript()`,
        loader: 'js',
        resolveDir: root,
      }))
    },
  }
}

/**
 * Database and mail clients the server imports at the top of a module but an
 * app may never use: evaluating ioredis, mysql2 and pg took ~1.6 s of the first
 * request on a loaded machine. Also packages only some requests use (he's
 * entity tables, ws for the admin's live channel, node-cron's timers,
 * marked's Markdown parser: ~15 ms of the first request). Each import becomes a proxy that loads the
 * package on first property access. Export names are read at build time so
 * named imports (`import { Redis } from 'ioredis'`) still bind lazily.
 */
export const LAZY_PACKAGES = ['pg', 'mysql2/promise', 'ioredis', 'nodemailer', 'he', 'ws', 'node-cron', 'marked']

/**
 * Classes of lazy packages that a module instantiates at its top level
 * (html/markdown.ts builds its two `new Marked(...)` parsers at load): the
 * stand-in builds the real instance on first use of any of its properties.
 */
export const LAZY_CLASSES: Record<string, string[]> = { marked: ['Marked'] }

/** A constructor standing for `load()[name]`: `new` gives an object that builds the real instance on first use. */
function lazyClass(name: string): string {
  return `function (...args) {
    let inst
    const get = () => inst || (inst = new (load()[${JSON.stringify(name)}])(...args))
    return new Proxy({}, {
      get: (_, k) => { const i = get(); const v = i[k]; return typeof v === 'function' ? v.bind(i) : v },
      set: (_, k, v) => { get()[k] = v; return true },
      has: (_, k) => k in get(),
    })
  }`
}
/** A lazy package's proxy answers this property with whether the package was loaded (for tests). */
export const LAZY_LOADED = '__quarkLazyLoaded'

interface ModuleShape { keys: string[]; esModule: boolean }

/**
 * A package's export names and whether it says it is an ES module, as a plain
 * `require` in a fresh node sees it (the build runs under tsx, whose require
 * would load an ES build where the bundle gets the CommonJS one).
 */
function moduleShape(root: string, id: string): ModuleShape {
  const code = `const m = require(${JSON.stringify(id)}); process.stdout.write(JSON.stringify({ keys: Object.getOwnPropertyNames(m).filter((k) => k !== 'default'), esModule: !!m.__esModule }))`
  const r = spawnSync(process.execPath, ['-e', code], { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } })
  if (r.status !== 0) throw new Error(`build: cannot load ${id} to list its exports:\n${r.stderr}`)
  return JSON.parse(r.stdout) as ModuleShape
}

/**
 * A module whose exports stand for `loadExpr`'s, evaluated on first property
 * access. `sample` is the real module's shape (moduleShape): its export names
 * (so named imports bind) and whether it is an ES module (esbuild's import
 * interop reads __esModule at import time; answered from the build, that read
 * loads nothing). LAZY_LOADED tells whether the module was loaded. `overrides`
 * replace some exports by expressions that do not need the module.
 */
function lazyProxy(loadExpr: string, sample: ModuleShape, overrides: Record<string, string> = {}): string {
  const { keys, esModule } = sample
  return [
    'let real',
    `const load = () => real || (real = ${loadExpr})`,
    `const keys = ${JSON.stringify(keys)}`,
    `const esModule = ${JSON.stringify(esModule)}`,
    // exports answered without loading the module (JS expressions, evaluated once)
    `const own = { ${Object.entries(overrides).map(([k, expr]) => `${JSON.stringify(k)}: ${expr}`).join(', ')} }`,
    'module.exports = new Proxy({}, {',
    `  get: (_, k) => k === '__esModule' ? esModule : k === ${JSON.stringify(LAZY_LOADED)} ? !!real : Object.hasOwn(own, k) ? own[k] : load()[k],`,
    '  has: (_, k) => k in load(),',
    '  ownKeys: () => keys,',
    '  getOwnPropertyDescriptor: (_, k) => keys.includes(k) ? { configurable: true, enumerable: true, get: () => Object.hasOwn(own, k) ? own[k] : load()[k] } : undefined,',
    '})',
  ].join('\n')
}

function lazyPackagesPlugin(root: string): esbuild.Plugin {
  const filter = new RegExp(`^(${LAZY_PACKAGES.map((p) => p.replace(/[/.]/g, '\\$&')).join('|')})$`)
  return {
    name: 'quark-lazy-packages',
    setup(b) {
      b.onResolve({ filter }, (args) => {
        if (args.namespace === 'quark-lazy') return undefined // the proxy's own require: the real package
        return { path: args.path, namespace: 'quark-lazy' }
      })
      b.onLoad({ filter: /.*/, namespace: 'quark-lazy' }, (args) => ({
        contents: lazyProxy(`require(${JSON.stringify(args.path)})`, moduleShape(root, args.path),
          Object.fromEntries((LAZY_CLASSES[args.path] ?? []).map((name) => [name, lazyClass(name)]))),
        loader: 'js',
        resolveDir: root,
      }))
    },
  }
}

export interface BundleOptions {
  root: string
  /** the module build/sea-entry.ts runs after preparing the binary's runtime */
  main: string
  outfile: string
  minify?: boolean
}

// Optional native accelerators (and typescript's source-map-support) some packages try to require inside try/catch.
// They become modules that throw MODULE_NOT_FOUND, so the packages fall back as
// usual; left external they would reach the SEA's require, which warns.
const OPTIONAL_NATIVE = ['bufferutil', 'utf-8-validate', 'pg-native', 'fsevents', 'cpu-features', 'source-map-support', 'pnpapi']

export async function bundle(opts: BundleOptions): Promise<esbuild.Metafile> {
  const main = path.resolve(opts.main)
  const result = await esbuild.build({
    entryPoints: [path.join(opts.root, 'build', 'sea-entry.ts')],
    outfile: opts.outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // whitespace and syntax minified, identifiers kept: class and function names show in error
    // messages and tickets, and keepNames (what minified identifiers would need) wraps every
    // closure the server creates in a __name() call, a defineProperty per closure per request
    minifyWhitespace: opts.minify ?? true,
    minifySyntax: opts.minify ?? true,
    minifyIdentifiers: false,
    keepNames: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    // require.resolve of packages is used on the checkout's code paths only (server/sea covers the binary's)
    logOverride: { 'require-resolve-not-external': 'silent' },
    // `require(`../${room}`)` makes esbuild include every file beside the rooms; a README is not code
    loader: { '.md': 'empty' },
    define: {
      // dependencies written as ES modules may read import.meta.url, undefined in CommonJS
      'import.meta.url': '__quark_import_meta_url',
      'process.env.QUARK_BUNDLED': '"1"',
      // modules that run themselves when they are the program's main (`require.main === module`)
      // must not: inside the bundle the entry below decides what runs
      'require.main': 'undefined',
    },
    banner: { js: 'var __quark_import_meta_url=require("node:url").pathToFileURL(__filename).href;' },
    plugins: [missingRoomPlugin(path.join(opts.root, 'server')), internalEntriesPlugin(opts.root), esbuildPlugin(opts.root), typescriptPlugin(opts.root), lazyPackagesPlugin(opts.root), builtinsPlugin(), commandSummariesPlugin(opts.root), {
      name: 'quark-main',
      setup(b) {
        b.onResolve({ filter: /^quark:main$/ }, () => ({ path: main }))
      },
    }],
  })
  return result.metafile
}

