/**
 * .w2t: an app folder as one gzipped tar. Packing leaves out sessions,
 * errors and cache (and databases / uploads unless asked). Installing checks
 * the whole archive in memory first (bounded inflate, every entry's path and
 * type, per-file and total sizes); only then is anything written, into a
 * fresh hidden folder beside the target that is renamed into place at the end.
 */
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import crypto from 'node:crypto'
import { writeTar, readTar } from './tar'
import { QK_PACK_BAD_ARCHIVE, QK_PACK_BAD_NAME, QK_PACK_NO_APP, QK_PACK_TARGET_EXISTS } from './errors'

export interface PackOptions {
  /** include databases/ (default false) */
  databases?: boolean
  /** include uploads/ (default false) */
  uploads?: boolean
}

export interface UnpackLimits {
  /** largest archive accepted, compressed (default 100 MB) */
  maxArchive?: number
  /** largest total of the unpacked data (default 200 MB); a gzip bomb stops inflating here */
  maxTotal?: number
  /** largest single file (default 50 MB) */
  maxFile?: number
  /** most entries (default 20000) */
  maxEntries?: number
}

const ALWAYS_LEFT_OUT = new Set(['sessions', 'errors', 'cache', '.quark'])
const APP_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/

/** Every file and folder of the app, relative with '/', sorted; symlinks are never followed nor packed. */
function walk(root: string, o: PackOptions): { rel: string; dir: boolean; abs: string }[] {
  const out: { rel: string; dir: boolean; abs: string }[] = []
  const visit = (rel: string) => {
    const abs = rel ? path.join(root, ...rel.split('/')) : root
    const list = fs.readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const d of list) {
      const r = rel ? `${rel}/${d.name}` : d.name
      if (!rel && (ALWAYS_LEFT_OUT.has(d.name) || (d.name === 'databases' && !o.databases) || (d.name === 'uploads' && !o.uploads))) continue
      if (d.isDirectory()) { out.push({ rel: r, dir: true, abs: path.join(abs, d.name) }); visit(r) }
      else if (d.isFile()) out.push({ rel: r, dir: false, abs: path.join(abs, d.name) })
    }
  }
  visit('')
  return out
}

/** The .w2t bytes of the app in appFolder. */
export function packApp(appFolder: string, o: PackOptions = {}): Buffer {
  if (!fs.existsSync(appFolder) || !fs.statSync(appFolder).isDirectory()) throw new QK_PACK_NO_APP(appFolder)
  const entries = walk(appFolder, o).map((e) => {
    const st = fs.statSync(e.abs)
    return e.dir
      ? { name: `${e.rel}/`, type: '5' as const, mtime: st.mtimeMs / 1000 }
      : { name: e.rel, type: '0' as const, mtime: st.mtimeMs / 1000, data: fs.readFileSync(e.abs) }
  })
  return zlib.gzipSync(writeTar(entries), { level: 9 })
}

/** An entry name made safe, or a refusal saying why. Returns '' for the archive's root ('./'). */
export function checkEntryName(name: string): string {
  if (name.includes('\0')) throw new QK_PACK_BAD_ARCHIVE(`entry name with a NUL byte`)
  if (name.includes('\\')) throw new QK_PACK_BAD_ARCHIVE(`entry ${JSON.stringify(name)} has a backslash`)
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw new QK_PACK_BAD_ARCHIVE(`entry ${JSON.stringify(name)} is an absolute path`)
  const parts = name.split('/').filter((p) => p !== '' && p !== '.')
  if (parts.some((p) => p === '..')) throw new QK_PACK_BAD_ARCHIVE(`entry ${JSON.stringify(name)} leads outside the app with ..`)
  if (parts.some((p) => /[\x00-\x1f]/.test(p))) throw new QK_PACK_BAD_ARCHIVE(`entry ${JSON.stringify(name)} has a control character`)
  // checked on the segments, after '.' and empty ones are dropped ('.//C:' is 'C:'): a colon is a drive
  // or an alternate data stream on Windows, where the binary runs too, and device names open devices
  if (parts.some((p) => p.includes(':'))) throw new QK_PACK_BAD_ARCHIVE(`entry ${JSON.stringify(name)} has a colon (a drive or stream on Windows)`)
  if (parts.some((p) => /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i.test(p))) throw new QK_PACK_BAD_ARCHIVE(`entry ${JSON.stringify(name)} is a Windows device name`)
  return parts.join('/')
}

export interface CheckedEntry { rel: string; dir: boolean; data: Buffer; mode: number }

/** Inflate (bounded) and check every entry; throws QK_PACK_BAD_ARCHIVE before anything is written. */
export function readW2t(archive: Buffer, limits: UnpackLimits = {}): CheckedEntry[] {
  const maxArchive = limits.maxArchive ?? 100 * 2 ** 20
  const maxTotal = limits.maxTotal ?? 200 * 2 ** 20
  const maxFile = limits.maxFile ?? 50 * 2 ** 20
  const maxEntries = limits.maxEntries ?? 20000
  if (archive.length > maxArchive) throw new QK_PACK_BAD_ARCHIVE(`the archive is ${archive.length} bytes, more than the limit of ${maxArchive}`)
  if (archive.length < 2 || archive[0] !== 0x1f || archive[1] !== 0x8b) throw new QK_PACK_BAD_ARCHIVE('not a gzip file (a .w2t is a gzipped tar)')
  let tar: Buffer
  try {
    // maxOutputLength stops inflating at the limit: a gzip bomb never fills memory
    tar = zlib.gunzipSync(archive, { maxOutputLength: maxTotal + 1024 * 1024 })
  } catch (e) {
    const err = e as { code?: string; message?: string }
    if (err.code === 'ERR_BUFFER_TOO_LARGE' || /larger than|maxOutputLength/i.test(err.message ?? '')) throw new QK_PACK_BAD_ARCHIVE(`it inflates to more than ${maxTotal} bytes (a gzip bomb?)`)
    throw new QK_PACK_BAD_ARCHIVE(`cannot inflate: ${err.message}`)
  }
  const raw = readTar(tar, maxFile)
  if (raw.length > maxEntries) throw new QK_PACK_BAD_ARCHIVE(`${raw.length} entries, more than the limit of ${maxEntries}`)
  const out: CheckedEntry[] = []
  const seen = new Set<string>()
  let total = 0
  for (const e of raw) {
    if (e.type === '1' || e.type === '2') throw new QK_PACK_BAD_ARCHIVE(`entry ${JSON.stringify(e.name)} is a ${e.type === '1' ? 'hard' : 'symbolic'} link (to ${JSON.stringify(e.linkname)}); links are not installed`)
    if (e.type !== '0' && e.type !== '5' && e.type !== '7') throw new QK_PACK_BAD_ARCHIVE(`entry ${JSON.stringify(e.name)} has tar type ${JSON.stringify(e.type)}; only files and folders are installed`)
    const rel = checkEntryName(e.name)
    if (!rel) continue
    if (seen.has(rel)) throw new QK_PACK_BAD_ARCHIVE(`entry ${JSON.stringify(rel)} appears twice`)
    seen.add(rel)
    total += e.data.length
    if (total > maxTotal) throw new QK_PACK_BAD_ARCHIVE(`the files total more than ${maxTotal} bytes`)
    out.push({ rel, dir: e.type === '5', data: e.data, mode: e.mode })
  }
  // a file may not also be a folder on another entry's path (x and x/y)
  for (const e of out) {
    const parts = e.rel.split('/')
    for (let i = 1; i < parts.length; i++) {
      const anc = parts.slice(0, i).join('/')
      if (seen.has(anc) && !out.find((x) => x.rel === anc)!.dir) throw new QK_PACK_BAD_ARCHIVE(`entry ${JSON.stringify(e.rel)} lies under the file ${JSON.stringify(anc)}`)
    }
  }
  return out
}

/**
 * Install an archive as applications/<appName>. The name must be new. Files
 * are written into a hidden temporary folder inside appsFolder and renamed
 * into place only once all of them are written; on any failure it is removed.
 */
export function unpackApp(archive: Buffer, appsFolder: string, appName: string, limits: UnpackLimits = {}): { folder: string; files: number } {
  if (!APP_NAME.test(appName)) throw new QK_PACK_BAD_NAME(appName)
  const target = path.join(appsFolder, appName)
  if (fs.existsSync(target)) throw new QK_PACK_TARGET_EXISTS(appName)
  const entries = readW2t(archive, limits)
  fs.mkdirSync(appsFolder, { recursive: true })
  const tmp = path.join(appsFolder, `.unpack-${appName}-${crypto.randomBytes(6).toString('hex')}`)
  fs.mkdirSync(tmp)
  try {
    let files = 0
    for (const e of entries) {
      const dest = path.join(tmp, ...e.rel.split('/'))
      // belt and braces: the checked name cannot leave tmp, and nothing in tmp is a link
      if (!dest.startsWith(tmp + path.sep)) throw new QK_PACK_BAD_ARCHIVE(`entry ${e.rel} leads outside the app`)
      if (e.dir) { fs.mkdirSync(dest, { recursive: true }); continue }
      fs.mkdirSync(path.dirname(dest), { recursive: true })
      fs.writeFileSync(dest, e.data, { flag: 'wx', mode: 0o644 })
      files++
    }
    if (fs.existsSync(target)) throw new QK_PACK_TARGET_EXISTS(appName)
    fs.renameSync(tmp, target)
    return { folder: target, files }
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true })
    throw err
  }
}
