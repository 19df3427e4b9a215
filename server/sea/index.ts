/**
 * server/sea: "am I inside the single binary?" and how to reach what the
 * binary carries. Every function works the same from a checkout (reading the
 * files on disk) and from dist/quark (reading SEA assets), so the rooms that
 * call them have no `if (binary)` of their own.
 *
 * Public surface:
 *   isSea()                     - true inside dist/quark
 *   binaryFolder()              - the folder holding the binary (data lives there), undefined from a checkout
 *   projectRoot()               - the checkout's root from a checkout, undefined inside the binary
 *   getAssetBuffer(name)        - an embedded asset's bytes (throws QK_SEA_ASSET_MISSING)
 *   manifest()                  - the build's manifest (version, content hashes of the assets)
 *   cacheRoot()                 - the user cache folder (XDG_CACHE_HOME or ~/.cache/quark, QUARK_CACHE_DIR overrides)
 *   assetContent(name)          - an asset's size and bytes on demand (decompressed if the build compressed it)
 *   extractExecutable(name, hashKey) - an asset written once to <cache>/<hashKey>/<name>, mode 0755; returns its path
 *   prepareEsbuild()            - sets ESBUILD_BINARY_PATH; must run before esbuild's JS loads
 *   loadEsbuild()               - the esbuild module (inside the binary the bundle's `import 'esbuild'` resolves to it)
 *   esbuildBinaryPath()         - the extracted esbuild executable inside the binary, undefined from a checkout
 *   esbuildVersion()            - esbuild's version without loading it (from the manifest inside the binary)
 *   loadTypescript()            - the typescript package (inside the binary: an asset extracted on first use)
 *   loadBetterSqlite3()         - better-sqlite3's Database class (a checkout only: the binaries use node:sqlite, see dal/drivers)
 *   projectFolder(name)         - 'welcome-app' | 'admin' | 'project-files' as a folder on disk (from a checkout: the
 *                                 checkout's; inside the binary: extracted once to the cache, same layout)
 *   copyProjectFolder(name, dest) - copy the welcome scaffold (or admin) into dest, e.g. for `quark new`
 *   readProjectFile(rel)        - a file of the checkout by its relative path (e.g. 'node_modules/htmx.org/dist/htmx.min.js')
 *   monacoFile(rel)             - a file of monaco-editor/min/vs, from memory inside the binary, for the IDE
 *   serveMonaco(req, res, rel)  - answers an HTTP request for that file (br when accepted, ETag, 304, 404)
 *   seaSelftest(opts)           - checks the binary's moving parts (SQLite addon, esbuild, TLS, assets, and
 *                                 with opts.boot a real server booted as a child answering the welcome index)
 *   runSelftestCommand(opts)    - `quark --selftest`: prints the checks, sets the exit code
 *   childEntry(name, file)      - the module path to fork() for a framework process entry (scheduler worker/child)
 *   childExecArgv()             - the execArgv to fork it with (from a checkout: the .ts loader preloaded)
 *   pauseIfDoubleClicked()      - after a failed start of a double-clicked .exe: say so, wait for a key (console.ts)
 *   mayBeDoubleClicked(info), launchedByDoubleClick(info) - how that is decided (pure, unit-tested)
 *   openBrowser(url)            - open the default browser where there is a desktop; false (never a throw) otherwise
 *   PackedFolder, SEA_ASSETS    - the packed-folder reader and the asset names the build embeds
 *   startupMark(label)          - a start-up time stamp, printed to stderr when QUARK_STARTUP_TRACE=1
 */
import fs from 'node:fs'
import path from 'node:path'
import sea from 'node:sea'
import { createRequire } from 'node:module'
import type Database from 'better-sqlite3'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { PackedFolder, packPath, type PackEncoding } from './pack'
import { cacheRoot, writeCachedFile, cachedFilePath, extractedFolderPath, isExtracted, extractPackedFolder, copyPackedFolder, type LazyBytes } from './cache'
import { QK_SEA_ASSET_MISSING, QK_SEA_NOT_PACKED } from './errors'
import type { SelftestOptions, SelftestCheck } from './selftest'

export { PackedFolder, packPath, cacheRoot }
export * from './errors'

/** Names of the assets build/build.ts embeds. */
export const SEA_ASSETS = {
  manifest: 'quark/manifest.json',
  esbuild: 'quark/esbuild',
  /** esbuild's lib/main.js, loaded from the cache (see esbuild.ts) */
  esbuildJs: 'quark/esbuild-main.js',
  /** typescript's lib/typescript.js (minified): 4 MB the admin needs now and then, kept out of the bundle */
  typescript: 'quark/typescript.js',
  monaco: 'quark/monaco-vs.pack',
  welcome: 'quark/welcome-app.pack',
  admin: 'quark/admin.pack',
  projectFiles: 'quark/project-files.pack',
} as const

export interface SeaManifest {
  /** package.json version at build time */
  version: string
  builtAt: string
  /** node version the binary is made of */
  node: string
  /** the target it was built for (build/targets.ts: linux-x64, linux-arm64, win-x64, darwin-x64) */
  target?: string
  /** asset name → short content hash (cache folder keys) */
  hashes: Record<string, string>
  /** the version of esbuild the binary carries (a key of the compile cache) */
  esbuild?: string
  /**
   * Assets stored brotli-compressed (name → size once decompressed): the ones
   * that are only ever written to the cache (esbuild's executable, typescript.js),
   * so the binary is ~10 MB smaller and only a first use pays (~60 ms).
   */
  compressed?: Record<string, number>
}

/**
 * Folders of the checkout the binary carries. 'project-files' holds, in the
 * checkout's layout, package.json, the framework's browser assets
 * (node_modules/bootstrap/..., server/html/client/quark.js) and the framework's
 * TypeScript sources server/**\/*.ts (for app declarations and Monaco's types).
 * 'monaco-vs' is monaco-editor/min/vs (prefer monacoFile/serveMonaco: from memory).
 */
export type ProjectFolderName = 'welcome-app' | 'admin' | 'project-files' | 'monaco-vs'

// Computed once per process: these never change while it runs.
let seaFlag: boolean | undefined
const packs = new Map<string, PackedFolder>()
let manifestCache: SeaManifest | undefined
let databaseClass: typeof Database | undefined
const folders = new Map<ProjectFolderName, string>()

export function isSea(): boolean {
  if (seaFlag === undefined) {
    try { seaFlag = sea.isSea() } catch { seaFlag = false }
  }
  return seaFlag
}

export function binaryFolder(): string | undefined {
  return isSea() ? path.dirname(process.execPath) : undefined
}

export function projectRoot(): string | undefined {
  return isSea() ? undefined : path.resolve(__dirname, '..', '..')
}

export function hasAsset(name: string): boolean {
  if (!isSea()) return false
  try { sea.getRawAsset(name); return true } catch { return false }
}

/**
 * The asset's bytes: a view on the binary's memory, not a copy (sea.getAsset
 * would copy: 10 MB for esbuild on every start). Read only: never write to it.
 */
export function getAssetBuffer(name: string): Buffer {
  if (!isSea()) throw new QK_SEA_ASSET_MISSING(`${name} (not running inside the binary)`)
  let ab: ArrayBuffer
  try { ab = sea.getRawAsset(name) as ArrayBuffer } catch (e) { throw new QK_SEA_ASSET_MISSING(name, { cause: e }) }
  return Buffer.from(ab)
}

export function manifest(): SeaManifest {
  if (!manifestCache) manifestCache = JSON.parse(getAssetBuffer(SEA_ASSETS.manifest).toString('utf8')) as SeaManifest
  return manifestCache
}

function hashOf(asset: string): string {
  const h = manifest().hashes[asset]
  if (!h) throw new QK_SEA_ASSET_MISSING(`${asset} (no hash in the manifest)`)
  return h
}

/**
 * The asset's content as the cache writes it: its size, and its bytes made on
 * demand (decompressed when the build stored it compressed, see
 * SeaManifest.compressed), so a file already in the cache costs a stat only.
 */
export function assetContent(name: string): LazyBytes {
  const raw = manifest().compressed?.[name]
  if (raw === undefined) {
    const b = getAssetBuffer(name)
    return { size: b.length, read: () => b }
  }
  return {
    size: raw,
    read: () => {
      // required here: `quark --version` must not load zlib (tests/binary/startup)
      const zlib = require('node:zlib') as typeof import('node:zlib')
      const b = zlib.brotliDecompressSync(getAssetBuffer(name))
      if (b.length !== raw) throw new QK_SEA_ASSET_MISSING(`${name} (decompressed to ${b.length} bytes, the build wrote ${raw})`)
      return b
    },
  }
}

/** Write the asset `name` to the cache folder once (keyed by `hashKey`) as `fileName`, and return the file's path. */
export function extractExecutable(name: string, hashKey: string = hashOf(name), fileName = path.posix.basename(name)): string {
  return writeCachedFile(fileName, hashKey, assetContent(name))
}

/** Windows runs an executable by its .exe name only (CreateProcess appends .exe to a name without one). */
function esbuildFileName(): string {
  return process.platform === 'win32' ? 'esbuild.exe' : 'esbuild'
}

export function esbuildBinaryPath(): string | undefined {
  if (!isSea()) return undefined
  return extractExecutable(SEA_ASSETS.esbuild, hashOf(SEA_ASSETS.esbuild), esbuildFileName())
}

/**
 * esbuild reads ESBUILD_BINARY_PATH when its module is first evaluated, so the
 * binary's entry calls this before anything imports esbuild. (Its worker
 * thread works because esbuild's JS runs from a real file: see esbuild.ts.)
 * Only the path is set here: the executable is extracted (or found in the
 * cache) by loadEsbuild(), the one way esbuild is loaded, so a start that
 * compiles nothing never touches it.
 */
export function prepareEsbuild(): void {
  if (!isSea()) return
  process.env.ESBUILD_BINARY_PATH = cachedFilePath(esbuildFileName(), hashOf(SEA_ASSETS.esbuild))
}

/** The version of esbuild that compiles app files (from the manifest inside the binary, no esbuild loaded). */
export function esbuildVersion(): string {
  if (isSea()) return manifest().esbuild ?? `asset-${hashOf(SEA_ASSETS.esbuildJs)}`
  const file = require.resolve('esbuild/package.json', { paths: [projectRoot()!] })
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version
}

/**
 * The typescript package (the admin lists a controller's actions with its
 * parser). Inside the binary it is not part of the bundle, whose every byte
 * each start loads: the asset is extracted to the cache on first use and
 * required from there.
 */
export function loadTypescript(): unknown {
  // createRequire, not require: the bundle maps `require('typescript')` to this function
  if (!isSea()) return createRequire(__filename)('typescript')
  const file = writeCachedFile('typescript.js', hashOf(SEA_ASSETS.typescript), assetContent(SEA_ASSETS.typescript), 0o644, cacheRoot(), 'typescript')
  return createRequire(file)(file)
}

/**
 * better-sqlite3's Database class, from a checkout. The binaries carry no
 * native addon (one per platform cannot be cross-built): their SQLite is
 * node:sqlite, chosen by server/dal/drivers.
 */
export function loadBetterSqlite3(): typeof Database {
  // required here, not imported at the top: a start that opens no database never evaluates it
  if (isSea()) throw new QK_SEA_ASSET_MISSING('better-sqlite3 (the binary uses node:sqlite)')
  if (!databaseClass) databaseClass = require('better-sqlite3') as typeof Database
  return databaseClass
}

function pack(asset: string, name: string): PackedFolder {
  let p = packs.get(asset)
  if (!p) {
    p = new PackedFolder(name, getAssetBuffer(asset))
    packs.set(asset, p)
  }
  return p
}

function folderAsset(name: ProjectFolderName): string {
  switch (name) {
    case 'admin': return SEA_ASSETS.admin
    case 'welcome-app': return SEA_ASSETS.welcome
    case 'monaco-vs': return SEA_ASSETS.monaco
    default: return SEA_ASSETS.projectFiles
  }
}

function checkoutFolder(name: ProjectFolderName): string {
  if (name === 'project-files') return projectRoot()!
  if (name === 'monaco-vs') return path.join(projectRoot()!, 'node_modules', 'monaco-editor', 'min', 'vs')
  return path.join(projectRoot()!, name)
}

/** Marks an argument vector that runs one of the binary's internal entries (see childEntry). */
export const INTERNAL_ENTRY_PREFIX = 'quark-internal:'

/**
 * What to pass to child_process.fork for a framework file that is a process
 * entry (the scheduler's worker and task child): from a checkout the file
 * itself; inside the binary a marker the binary's entry maps to the bundled
 * module (the names are listed in build/bundle.ts INTERNAL_ENTRIES).
 */
export function childEntry(name: string, checkoutFile: string): string {
  return isSea() ? INTERNAL_ENTRY_PREFIX + name : checkoutFile
}

/**
 * The execArgv to fork() a childEntry with. From a checkout the entry is a
 * .ts file, which Node 20 cannot run by itself; `quark` (server/cli/quark.js)
 * registered its .ts loader (server/cli/ts-hook.js) with require(), which a
 * forked process does not inherit, so the loader is preloaded with --require
 * after the parent's own execArgv (a test runner's `--import tsx` stays, and
 * wins). Processes forked by that child inherit the flag in their turn.
 * Inside the binary the parent's execArgv as is (the entry is a marker).
 */
export function childExecArgv(): string[] {
  if (isSea()) return [...process.execArgv]
  const hook = path.join(projectRoot()!, 'server', 'cli', 'ts-hook.js')
  return process.execArgv.includes(hook) ? [...process.execArgv] : [...process.execArgv, '--require', hook]
}

/**
 * The welcome scaffold or the admin app as a real folder (inside the binary:
 * extracted once to the cache; a later start only checks the marker file,
 * once per process, without reading the pack).
 */
export function projectFolder(name: ProjectFolderName): string {
  if (!isSea()) return checkoutFolder(name)
  let dir = folders.get(name)
  if (dir) return dir
  const asset = folderAsset(name)
  const hash = hashOf(asset)
  dir = isExtracted(name, hash) ? extractedFolderPath(name, hash) : extractPackedFolder(pack(asset, name), hash)
  folders.set(name, dir)
  return dir
}

/** Copy the welcome scaffold (or the admin app) into `dest`; used for applications/welcome and `quark new`. */
export function copyProjectFolder(name: ProjectFolderName, dest: string): void {
  if (!isSea()) {
    fs.cpSync(checkoutFolder(name), dest, { recursive: true, errorOnExist: false, force: false })
    return
  }
  copyPackedFolder(pack(folderAsset(name), name), dest)
}

/** A file of the checkout by its '/'-separated path relative to the root; inside the binary, from the packed project files. */
export function readProjectFile(rel: string): Buffer {
  const p = packPath(rel)
  if (!isSea()) return fs.readFileSync(path.join(projectRoot()!, ...p.split('/')))
  const data = pack(SEA_ASSETS.projectFiles, 'project-files').read(p)
  if (!data) throw new QK_SEA_NOT_PACKED(p)
  return data
}

export interface MonacoFile {
  /** the bytes, compressed when `encoding` is 'br' */
  data: Buffer
  encoding: PackEncoding
  etag: string
  /** the decompressed bytes, for clients that do not accept br */
  raw(): Buffer
}

/**
 * A file of monaco-editor/min/vs by its path below vs/ (e.g. 'editor/editor.main.js'),
 * undefined if there is none. Inside the binary it comes from memory, still
 * brotli-compressed, so a browser sending `Accept-Encoding: br` gets it as is.
 */
export function monacoFile(rel: string): MonacoFile | undefined {
  const p = packPath(rel)
  if (!isSea()) {
    const file = path.join(projectRoot()!, 'node_modules', 'monaco-editor', 'min', 'vs', ...p.split('/'))
    let data: Buffer
    try { data = fs.readFileSync(file) } catch { return undefined }
    const st = fs.statSync(file)
    return { data, encoding: 'raw', etag: `${st.size.toString(36)}-${Math.floor(st.mtimeMs).toString(36)}`, raw: () => data }
  }
  const m = pack(SEA_ASSETS.monaco, 'monaco-vs')
  const s = m.readStored(p)
  if (!s) return undefined
  return { data: s.data, encoding: s.encoding, etag: s.etag, raw: () => m.read(p)! }
}

// The entry of the binary loads this module first: what only some commands use (the selftest's
// https and child_process, the browser launcher, the Monaco server) is required on first call.
export type { SelftestCheck, SelftestOptions }

/** Answer an HTTP request for a Monaco file (see serve.ts). */
export function serveMonaco(req: IncomingMessage, res: ServerResponse, rel: string): void {
  (require('./serve') as typeof import('./serve')).serveMonaco(req, res, rel)
}

/** Open `url` in the default browser where there is a desktop (see browser.ts). */
export function openBrowser(url: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return (require('./browser') as typeof import('./browser')).openBrowser(url, env)
}

export function hasDesktop(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  return (require('./browser') as typeof import('./browser')).hasDesktop(env, platform)
}

export function loadEsbuild(): unknown {
  return (require('./esbuild') as typeof import('./esbuild')).loadEsbuild()
}

export function seaSelftest(opts: SelftestOptions = {}): Promise<{ ok: boolean; sea: boolean; checks: SelftestCheck[] }> {
  return (require('./selftest') as typeof import('./selftest')).seaSelftest(opts)
}

export function runSelftestCommand(opts: SelftestOptions): Promise<boolean> {
  return (require('./selftest') as typeof import('./selftest')).runSelftestCommand(opts)
}

export function bootCheck(command: string, prefixArgs: string[] = [], timeoutMs = 30_000): Promise<string> {
  return (require('./selftest') as typeof import('./selftest')).bootCheck(command, prefixArgs, timeoutMs)
}

export { startupMark, startupTraceEnabled } from './trace'
export { pauseIfDoubleClicked, mayBeDoubleClicked, launchedByDoubleClick, parseTasklist, type LaunchInfo } from './console'
