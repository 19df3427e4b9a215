/**
 * esbuild's JavaScript API inside the binary. Bundling it breaks its
 * synchronous API: transformSync starts a worker thread on its own file
 * (`new Worker(__filename)`), which inside a SEA does not exist, so it hangs;
 * with ESBUILD_WORKER_THREADS=0 it works but spawns the executable once per
 * call (measured ~3.7x slower). So the build ships esbuild's lib/main.js as an
 * asset and the bundle's `esbuild` import resolves here: the file is extracted
 * beside the extracted executable, in the package's own layout, and loaded
 * with a real require, so its worker thread and the executable both work.
 */
import { createRequire } from 'node:module'
import { isSea, extractExecutable, getAssetBuffer, manifest, cacheRoot, SEA_ASSETS } from './index'
import { writeCachedFile } from './cache'

let loaded: unknown

/** The esbuild module: the installed package from a checkout, the extracted copy inside the binary. */
export function loadEsbuild(): unknown {
  if (loaded) return loaded
  if (!isSea()) {
    loaded = createRequire(__filename)('esbuild')
    return loaded
  }
  const binary = extractExecutable(SEA_ASSETS.esbuild)
  process.env.ESBUILD_BINARY_PATH ??= binary
  const hash = manifest().hashes[SEA_ASSETS.esbuildJs]!
  // <cache>/<hash>/esbuild/lib/main.js: esbuild checks it runs from a lib/ folder
  const main = writeCachedFile('main.js', hash, getAssetBuffer(SEA_ASSETS.esbuildJs), 0o644, cacheRoot(), 'esbuild/lib')
  loaded = createRequire(main)(main)
  return loaded
}
