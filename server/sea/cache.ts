/**
 * The user's cache folder, where the binary extracts what cannot run from
 * memory: native executables (esbuild, the SQLite addon) and app folders the
 * core reads from disk (admin, welcome scaffold). Extracted things are keyed
 * by a content hash computed at build time, so a new binary never reuses a
 * stale file and two binaries never fight over one. Executables go here and
 * not beside the binary because a FAT-formatted USB drive may forbid exec.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { QK_SEA_EXTRACT_FAILED, QK_SEA_BAD_NAME } from './errors'
import type { PackedFolder } from './pack'

/** Written last into an extracted folder: the extraction is complete. */
const MARKER = '.quark-extracted'

/** `$QUARK_CACHE_DIR`, else the platform's user cache folder + /quark. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.QUARK_CACHE_DIR) return path.resolve(env.QUARK_CACHE_DIR)
  let home = ''
  try { home = os.homedir() } catch { /* no home (some service accounts): fall back below */ }
  if (process.platform === 'win32' && env.LOCALAPPDATA) return path.join(env.LOCALAPPDATA, 'quark', 'cache')
  if (process.platform === 'darwin' && home) return path.join(home, 'Library', 'Caches', 'quark')
  if (env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)) return path.join(env.XDG_CACHE_HOME, 'quark')
  if (home) return path.join(home, '.cache', 'quark')
  return path.join(os.tmpdir(), `quark-cache-${typeof process.getuid === 'function' ? process.getuid() : 'user'}`)
}

function checkKey(hashKey: string): void {
  if (!/^[A-Za-z0-9_-]{6,64}$/.test(hashKey)) throw new QK_SEA_BAD_NAME(`hash key ${hashKey}`)
}

/** Where writeCachedFile puts `fileName` (nothing is checked or written). */
export function cachedFilePath(fileName: string, hashKey: string, root = cacheRoot(), subdir = ''): string {
  checkKey(hashKey)
  return path.join(root, hashKey, ...(subdir ? subdir.split('/') : []), fileName)
}

/** Where extractPackedFolder puts the pack named `name`. */
export function extractedFolderPath(name: string, hashKey: string, root = cacheRoot()): string {
  checkKey(hashKey)
  return path.join(root, hashKey, name)
}

/** Whether the pack named `name` was extracted completely (its marker file exists): one stat, the pack is not read. */
export function isExtracted(name: string, hashKey: string, root = cacheRoot()): boolean {
  return fs.existsSync(path.join(extractedFolderPath(name, hashKey, root), MARKER))
}

/**
 * Write `content` as `<cache>/<hashKey>/[<subdir>/]<fileName>` (mode 0755) unless a file of
 * the same size is already there, and return its path. Written to a temporary
 * name then renamed, so two processes starting at once never see half a file.
 */
/** Bytes known by their size before they are made (a compressed asset is only decompressed when the file is missing). */
export interface LazyBytes { size: number; read(): Uint8Array }

export function writeCachedFile(fileName: string, hashKey: string, content: Uint8Array | LazyBytes, mode = 0o755, root = cacheRoot(), subdir = ''): string {
  checkKey(hashKey)
  if (fileName !== path.basename(fileName) || fileName === '' || fileName === '.' || fileName === '..') throw new QK_SEA_BAD_NAME(fileName)
  if (subdir && !/^[\w-]+(\/[\w-]+)*$/.test(subdir)) throw new QK_SEA_BAD_NAME(subdir)
  const dir = path.join(root, hashKey, ...(subdir ? subdir.split('/') : []))
  const target = path.join(dir, fileName)
  try {
    const st = fs.statSync(target)
    if (st.isFile() && st.size === (content instanceof Uint8Array ? content.length : content.size)) return target
  } catch { /* not there yet */ }
  const data = content instanceof Uint8Array ? content : content.read()
  const tmp = `${target}.${process.pid}.${Date.now()}.tmp`
  try {
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(tmp, data, { mode })
    fs.chmodSync(tmp, mode)
    fs.renameSync(tmp, target)
  } catch (e) {
    try { fs.rmSync(tmp, { force: true }) } catch { /* best effort */ }
    throw new QK_SEA_EXTRACT_FAILED(fileName, dir, (e as Error).message, { cause: e })
  }
  return target
}

/**
 * Extract every file of `pack` under `<cache>/<hashKey>/<pack.name>/` once
 * and return that folder. A marker file written last says the extraction is
 * complete; an interrupted one is redone in a fresh temporary folder.
 */
export function extractPackedFolder(pack: PackedFolder, hashKey: string, root = cacheRoot()): string {
  checkKey(hashKey)
  const dir = path.join(root, hashKey)
  const target = path.join(dir, pack.name)
  const marker = path.join(target, MARKER)
  if (fs.existsSync(marker)) return target
  const tmp = `${target}.${process.pid}.${Date.now()}.tmp`
  try {
    fs.mkdirSync(tmp, { recursive: true })
    for (const rel of pack.list()) {
      const file = path.join(tmp, ...rel.split('/'))
      fs.mkdirSync(path.dirname(file), { recursive: true })
      fs.writeFileSync(file, pack.read(rel)!)
    }
    fs.writeFileSync(path.join(tmp, MARKER), new Date().toISOString())
    try {
      fs.renameSync(tmp, target)
    } catch (e) {
      // Another process finished first: keep theirs.
      if (fs.existsSync(marker)) fs.rmSync(tmp, { recursive: true, force: true })
      else throw e
    }
  } catch (e) {
    try { fs.rmSync(tmp, { recursive: true, force: true }) } catch { /* best effort */ }
    throw new QK_SEA_EXTRACT_FAILED(pack.name, dir, (e as Error).message, { cause: e })
  }
  return target
}

/** Copy every file of `pack` into `dest` (created if missing); existing files are left alone unless `overwrite`. */
export function copyPackedFolder(pack: PackedFolder, dest: string, overwrite = false): string[] {
  const written: string[] = []
  for (const rel of pack.list()) {
    const file = path.join(dest, ...rel.split('/'))
    if (!overwrite && fs.existsSync(file)) continue
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, pack.read(rel)!)
    written.push(rel)
  }
  return written
}
