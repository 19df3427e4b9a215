/**
 * esbuild's JavaScript API inside the binary. Bundling it breaks its
 * synchronous API: transformSync starts a worker thread on its own file
 * (`new Worker(__filename)`), which inside a SEA does not exist, so it hangs;
 * with ESBUILD_WORKER_THREADS=0 it works but spawns the executable once per
 * call (measured ~3.7x slower). So the build ships esbuild's lib/main.js as an
 * asset and the bundle's `esbuild` import resolves here: the file is extracted
 * beside the extracted executable, in the package's own layout, and loaded
 * with a real require, so its worker thread and the executable both work.
 *
 * Inside the binary the import is lazy (build/bundle.ts) and transformSync
 * goes through cachedTransformSync: esbuild's output for the same input,
 * options and esbuild version is read from the user cache folder, so a start
 * whose templates and app files were compiled before neither loads esbuild's
 * JavaScript nor starts its service (~150 ms on the first request).
 */
import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'
import { createRequire } from 'node:module'
import type * as Esbuild from 'esbuild'
import { isSea, esbuildBinaryPath, assetContent, manifest, cacheRoot, esbuildVersion, SEA_ASSETS } from './index'
import { writeCachedFile } from './cache'

let loaded: unknown

/** The esbuild module: the installed package from a checkout, the extracted copy inside the binary. */
export function loadEsbuild(): unknown {
  if (loaded) return loaded
  if (!isSea()) {
    loaded = createRequire(__filename)('esbuild')
    return loaded
  }
  const binary = esbuildBinaryPath()!  // esbuild.exe on Windows: the name ESBUILD_BINARY_PATH was given
  process.env.ESBUILD_BINARY_PATH ??= binary
  const hash = manifest().hashes[SEA_ASSETS.esbuildJs]!
  // <cache>/<hash>/esbuild/lib/main.js: esbuild checks it runs from a lib/ folder
  const main = writeCachedFile('main.js', hash, assetContent(SEA_ASSETS.esbuildJs), 0o644, cacheRoot(), 'esbuild/lib')
  loaded = createRequire(main)(main)
  return loaded
}

/** The folder of cached transforms (under the user cache folder by default). */
export function transformCacheFolder(root = cacheRoot()): string {
  return path.join(root, 'transforms')
}

/** Entries not written for this long are removed by an occasional sweep (a hit does not refresh them: at worst a recompile). */
const MAX_AGE_MS = 30 * 24 * 3600 * 1000
const SWEEP_EVERY = 64
let writes = 0

interface TransformCacheOptions {
  /** the cache folder (default transformCacheFolder()) */
  folder?: string
  /** the transform to use on a miss (default esbuild's transformSync, loaded then) */
  transform?: (input: string, options?: Esbuild.TransformOptions) => Esbuild.TransformResult
}

/**
 * esbuild's transformSync, its result kept on disk under the sha256 of
 * (esbuild's version, the options, the input): the same call in a later
 * process reads the file instead. Errors are never cached (they throw as
 * esbuild's do); an unwritable cache folder only means no cache.
 */
export function cachedTransformSync(input: string | Uint8Array, options: Esbuild.TransformOptions = {}, o: TransformCacheOptions = {}): Esbuild.TransformResult {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8')
  const folder = o.folder ?? transformCacheFolder()
  let key: string | undefined
  try {
    key = crypto.createHash('sha256').update(`${esbuildVersion()}\0${JSON.stringify(options)}\0`).update(text).digest('hex')
  } catch { /* options that do not serialise: no cache */ }
  const file = key && path.join(folder, key.slice(0, 2), `${key}.json`)
  if (file) {
    try {
      const r = JSON.parse(fs.readFileSync(file, 'utf8')) as Esbuild.TransformResult & { key: string }
      if (r.key === key && typeof r.code === 'string') { delete (r as { key?: string }).key; return r }
    } catch { /* a miss */ }
  }
  const transform = o.transform ?? (loadEsbuild() as typeof Esbuild).transformSync
  const result = transform(text, options)
  if (file) store(file, key!, result, folder)
  return result
}

function store(file: string, key: string, result: Esbuild.TransformResult, folder: string): void {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(tmp, JSON.stringify({ key, ...result }))
    fs.renameSync(tmp, file)
  } catch {
    try { fs.rmSync(tmp, { force: true }) } catch { /* nothing written */ }
    return
  }
  if (++writes % SWEEP_EVERY === 0) sweep(folder)
}

/** Remove entries older than MAX_AGE_MS (edited templates leave their old compilations behind). */
export function sweep(folder: string, now = Date.now()): number {
  let removed = 0
  let subs: string[] = []
  try { subs = fs.readdirSync(folder) } catch { return 0 }
  for (const sub of subs) {
    const dir = path.join(folder, sub)
    let names: string[] = []
    try { names = fs.readdirSync(dir) } catch { continue }
    for (const name of names) {
      const f = path.join(dir, name)
      try {
        if (now - fs.statSync(f).mtimeMs > MAX_AGE_MS) { fs.rmSync(f, { force: true }); removed++ }
      } catch { /* gone meanwhile */ }
    }
  }
  return removed
}
