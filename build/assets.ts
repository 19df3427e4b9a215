/**
 * What the binary carries besides the bundled JavaScript: each entry becomes
 * one SEA asset (names in server/sea/index.ts SEA_ASSETS). Native executables (esbuild's, per target)
 * travel as they are (extracted to the user cache at run time); folders travel
 * packed (read from memory, see server/sea/pack.ts).
 */
import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'
import zlib from 'node:zlib'
import { promisify } from 'node:util'
import * as esbuild from 'esbuild'
import { SEA_ASSETS, type SeaManifest } from '../server/sea/index'
import { collectFolder, writePack, type PackInput } from './pack-writer'
import { esbuildExecutable, buildCache, NODE_VERSION, type Target } from './targets'
import { monacoFiles } from './monaco'

const brotli = promisify(zlib.brotliCompress)

/**
 * The assets of a binary: name → bytes as embedded, and for the ones stored
 * brotli-compressed their size once decompressed (SeaManifest.compressed).
 */
export interface AssetSet { files: Map<string, Buffer>; rawSizes: Map<string, number> }

/** Folders an app writes at run time: never part of the scaffold or the admin as shipped. */
const RUNTIME_FOLDERS = /^(databases|sessions|errors|cache|uploads|\.quark)\/|(^|\/)(node_modules|\.git)\//

/** Checkout files served or read at run time (see readProjectFile); every file under server/ and docs/*.md are added too. */
const PROJECT_FILES = [
  'package.json',
  'node_modules/bootstrap/dist/css/bootstrap.min.css',
  'node_modules/bootstrap/dist/js/bootstrap.bundle.min.js',
  'node_modules/htmx.org/dist/htmx.min.js',
  'node_modules/highlight.js/styles/github.min.css',
  // passkeys: the WebAuthn browser library served at /_quark/simplewebauthn-browser.js (http/static.ts assetTable)
  'node_modules/@simplewebauthn/browser/dist/bundle/index.umd.min.js',
  // the admin's Format document (server/adminlib/prettier.ts) and API explorer (admin/controllers/apiexplorer.ts)
  'node_modules/prettier/standalone.mjs',
  'node_modules/prettier/plugins/typescript.mjs',
  'node_modules/prettier/plugins/estree.mjs',
  'node_modules/prettier/plugins/babel.mjs',
  'node_modules/prettier/plugins/postcss.mjs',
  'node_modules/swagger-ui-dist/swagger-ui.css',
  'node_modules/swagger-ui-dist/swagger-ui-bundle.js',
  'node_modules/swagger-ui-dist/swagger-ui-standalone-preset.js',
  'node_modules/swagger-ui-dist/favicon-32x32.png',
  'node_modules/swagger-ui-dist/favicon-16x16.png',
]

export interface AssetOptions {
  root: string
  /** skip Monaco (a smaller, faster build for the pipeline probe) */
  monaco?: boolean
  log?: (msg: string) => void
}

export function contentHash(data: Uint8Array): string {
  return crypto.createHash('sha256').update(data).digest('base64url').slice(0, 16)
}

/** esbuild's executable for the target: the installed platform package when it is there, else the pinned tarball. */
function esbuildFor(root: string, target: Target, log: (m: string) => void): string {
  const installed = path.join(root, 'node_modules', ...target.esbuild.pkg.split('/'), ...target.esbuild.bin.split('/'))
  return fs.existsSync(installed) ? installed : esbuildExecutable(root, target, log)
}

/**
 * `data` brotli-compressed (quality 9, 16 MB window: esbuild's 11.7 MB
 * executable becomes 4.3 MB in ~11 s; quality 11 would save 0.4 MB more in
 * 45 s). Kept in the build cache by content hash, so a build compresses each
 * executable once.
 */
async function compressed(data: Buffer): Promise<Buffer> {
  const key = crypto.createHash('sha256').update(data).digest('hex').slice(0, 32)
  const file = path.join(buildCache(), 'compressed', `${key}.q9.br`)
  if (fs.existsSync(file)) return fs.readFileSync(file)
  const c = await brotli(data, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 9,
      [zlib.constants.BROTLI_PARAM_LGWIN]: 24,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  })
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(`${file}.${process.pid}.tmp`, c)
  fs.renameSync(`${file}.${process.pid}.tmp`, file)
  return c
}

/** Put `data` in the set compressed (for assets the binary only writes to its cache, never reads in place). */
async function setCompressed(set: AssetSet, name: string, data: Buffer): Promise<void> {
  set.files.set(name, await compressed(data))
  set.rawSizes.set(name, data.length)
}

/** typescript's lib/typescript.js, minified (9 MB → 4 MB); names kept as in the bundle. */
async function typescriptJs(root: string): Promise<Buffer> {
  const file = path.join(root, 'node_modules', 'typescript', 'lib', 'typescript.js')
  const r = await esbuild.transform(fs.readFileSync(file, 'utf8'), { loader: 'js', minify: true, keepNames: true, legalComments: 'none', target: 'node20', sourcefile: file })
  return Buffer.from(r.code)
}

export function projectFiles(root: string): PackInput[] {
  const out = new Map<string, Buffer>()
  for (const rel of PROJECT_FILES) {
    const file = path.join(root, rel)
    if (fs.existsSync(file)) out.set(rel, fs.readFileSync(file))
  }
  // the framework's sources too: app declaration files import them, and Monaco reads them for types
  for (const f of collectFolder(path.join(root, 'server'), (rel) => rel === 'README.md' || rel.endsWith('.test.ts'))) {
    out.set(`server/${f.path}`, f.data)
  }
  // the book (docs/*.md, not docs/examples/): the admin shows it at /admin/docs (server/adminlib/docs.ts)
  for (const f of fs.readdirSync(path.join(root, 'docs'), { withFileTypes: true })) {
    if (f.isFile() && f.name.endsWith('.md')) out.set(`docs/${f.name}`, fs.readFileSync(path.join(root, 'docs', f.name)))
  }
  return [...out].map(([p, data]) => ({ path: p, data }))
}

function appFolder(root: string, name: string, log: (m: string) => void): PackInput[] {
  const dir = path.join(root, name)
  if (!fs.existsSync(dir)) {
    log(`warning: ${name}/ does not exist yet; the binary carries an empty ${name}`)
    return []
  }
  return collectFolder(dir, (rel) => RUNTIME_FOLDERS.test(rel + '/'))
}

/**
 * The assets every target carries alike (JavaScript, packed folders, Monaco).
 * No SQLite addon: the binaries use node:sqlite (server/dal/drivers).
 */
export async function collectCommonAssets(opts: AssetOptions): Promise<AssetSet> {
  const log = opts.log ?? (() => {})
  const { root } = opts
  const set: AssetSet = { files: new Map(), rawSizes: new Map() }
  const assets = set.files
  await setCompressed(set, SEA_ASSETS.esbuildJs, fs.readFileSync(path.join(root, 'node_modules', 'esbuild', 'lib', 'main.js')))
  await setCompressed(set, SEA_ASSETS.typescript, await typescriptJs(root))
  assets.set(SEA_ASSETS.projectFiles, await writePack(projectFiles(root)))
  assets.set(SEA_ASSETS.welcome, await writePack(appFolder(root, 'welcome-app', log)))
  assets.set(SEA_ASSETS.admin, await writePack(appFolder(root, 'admin', log)))
  if (opts.monaco !== false) {
    const t = Date.now()
    const vs = monacoFiles(path.join(root, 'node_modules', 'monaco-editor', 'min', 'vs'))
    assets.set(SEA_ASSETS.monaco, await writePack(vs.files, { quality: 9 }))
    log(`monaco: ${vs.files.length} of ${vs.total} files (what the admin loads), packed in ${Date.now() - t} ms: ${(assets.get(SEA_ASSETS.monaco)!.length / 1e6).toFixed(1)} MB`)
  } else {
    assets.set(SEA_ASSETS.monaco, await writePack([]))
  }
  return set
}

/** The common assets plus the target's esbuild executable and the manifest (content hashes key the cache folder). */
export async function targetAssets(common: AssetSet, root: string, target: Target, log: (m: string) => void = () => {}): Promise<Map<string, Buffer>> {
  const set: AssetSet = { files: new Map(common.files), rawSizes: new Map(common.rawSizes) }
  const assets = set.files
  await setCompressed(set, SEA_ASSETS.esbuild, fs.readFileSync(esbuildFor(root, target, log)))
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }
  const esbuildPkg = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'esbuild', 'package.json'), 'utf8')) as { version: string }
  const manifest: SeaManifest = { version: pkg.version, builtAt: new Date().toISOString(), node: `v${NODE_VERSION}`, target: target.name, esbuild: esbuildPkg.version, hashes: {} }
  for (const [name, data] of assets) manifest.hashes[name] = contentHash(data)
  manifest.compressed = Object.fromEntries(set.rawSizes)
  assets.set(SEA_ASSETS.manifest, Buffer.from(JSON.stringify(manifest)))
  return assets
}
