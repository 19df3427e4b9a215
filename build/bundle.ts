/**
 * One CommonJS file of the whole server for the binary. `quark:main` (the
 * module the entry runs) is resolved to the chosen main file so the same
 * entry serves the real CLI and the pipeline probe.
 */
import fs from 'node:fs'
import path from 'node:path'
import * as esbuild from 'esbuild'
import { createRequire } from 'node:module'

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
      b.onLoad({ filter: /.*/, namespace: 'quark-esbuild' }, () => ({
        contents: `module.exports = require(${JSON.stringify(loader)}).loadEsbuild()`,
        loader: 'js',
        resolveDir: root,
      }))
    },
  }
}

/**
 * Database and mail clients the server imports at the top of a module but an
 * app may never use: evaluating ioredis, mysql2 and pg took ~1.6 s of the first
 * request on a loaded machine. Each import becomes a proxy that loads the
 * package on first property access. Export names are read at build time so
 * named imports (`import { Redis } from 'ioredis'`) still bind lazily.
 */
export const LAZY_PACKAGES = ['pg', 'mysql2/promise', 'ioredis', 'nodemailer']

function lazyPackagesPlugin(root: string): esbuild.Plugin {
  const req = createRequire(path.join(root, 'package.json'))
  const filter = new RegExp(`^(${LAZY_PACKAGES.map((p) => p.replace(/[/.]/g, '\\$&')).join('|')})$`)
  return {
    name: 'quark-lazy-packages',
    setup(b) {
      b.onResolve({ filter }, (args) => {
        if (args.namespace === 'quark-lazy') return undefined // the proxy's own require: the real package
        return { path: args.path, namespace: 'quark-lazy' }
      })
      b.onLoad({ filter: /.*/, namespace: 'quark-lazy' }, (args) => {
        const keys = Object.getOwnPropertyNames(req(args.path) as object).filter((k) => k !== 'default')
        return {
          contents: [
            'let real',
            `const load = () => real || (real = require(${JSON.stringify(args.path)}))`,
            `const keys = ${JSON.stringify(keys)}`,
            'module.exports = new Proxy({}, {',
            '  get: (_, k) => load()[k],',
            '  has: (_, k) => k in load(),',
            '  ownKeys: () => keys,',
            '  getOwnPropertyDescriptor: (_, k) => keys.includes(k) ? { configurable: true, enumerable: true, get: () => load()[k] } : undefined,',
            '})',
          ].join('\n'),
          loader: 'js',
          resolveDir: root,
        }
      })
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
    minify: opts.minify ?? true,
    // class and function names show in error messages and tickets
    keepNames: true,
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
    plugins: [missingRoomPlugin(path.join(opts.root, 'server')), internalEntriesPlugin(opts.root), esbuildPlugin(opts.root), lazyPackagesPlugin(opts.root), {
      name: 'quark-main',
      setup(b) {
        b.onResolve({ filter: /^quark:main$/ }, () => ({ path: main }))
      },
    }],
  })
  return result.metafile
}
