/**
 * Packed folders: many files in ONE buffer, read in memory without extracting.
 * Monaco's min/vs (thousands of files), the welcome-app scaffold, the admin app
 * and the framework's browser assets travel inside the binary this way.
 *
 * Layout (written by build/pack-writer.ts):
 *   8 bytes  magic "QKPACK01"
 *   4 bytes  UInt32LE length N of the index
 *   N bytes  UTF-8 JSON index: { v: 1, files: [[path, offset, storedLength, rawLength, encoding, etag], ...] }
 *   ...      the files' bytes, each brotli-compressed ("br") or stored as is ("raw"),
 *            offsets relative to the end of the index
 * Each file is compressed on its own so one can be read (or sent still
 * compressed to a browser that accepts br) without touching the others.
 */
import type zlib from 'node:zlib'
import { QK_SEA_BAD_NAME, QK_SEA_PACK_CORRUPT } from './errors'

export const PACK_MAGIC = 'QKPACK01'

export type PackEncoding = 'br' | 'raw'

export interface PackEntry {
  path: string
  offset: number
  storedLength: number
  rawLength: number
  encoding: PackEncoding
  /** short content hash of the raw bytes, usable as an HTTP ETag */
  etag: string
}

/** Normalise a relative path inside a pack; rejects absolute paths and `..`. */
export function packPath(rel: string): string {
  const p = rel.replace(/\\/g, '/').replace(/^\.\//, '')
  if (p === '' || p.startsWith('/') || /^[A-Za-z]:/.test(p) || p.split('/').some((s) => s === '..' || s === '')) {
    throw new QK_SEA_BAD_NAME(rel)
  }
  return p
}

export class PackedFolder {
  readonly name: string
  private readonly data: Buffer
  private readonly dataStart: number
  private readonly entries = new Map<string, PackEntry>()

  constructor(name: string, buf: Buffer) {
    this.name = name
    if (buf.length < 12 || buf.toString('latin1', 0, 8) !== PACK_MAGIC) throw new QK_SEA_PACK_CORRUPT(name, 'bad magic')
    const indexLength = buf.readUInt32LE(8)
    if (12 + indexLength > buf.length) throw new QK_SEA_PACK_CORRUPT(name, 'index runs past the end')
    let index: { v: number; files: [string, number, number, number, PackEncoding, string][] }
    try {
      index = JSON.parse(buf.toString('utf8', 12, 12 + indexLength))
    } catch (e) {
      throw new QK_SEA_PACK_CORRUPT(name, 'unreadable index', { cause: e })
    }
    if (index.v !== 1 || !Array.isArray(index.files)) throw new QK_SEA_PACK_CORRUPT(name, 'unknown index version')
    this.data = buf
    this.dataStart = 12 + indexLength
    for (const [path, offset, storedLength, rawLength, encoding, etag] of index.files) {
      if (this.dataStart + offset + storedLength > buf.length) throw new QK_SEA_PACK_CORRUPT(name, `entry ${path} runs past the end`)
      this.entries.set(path, { path, offset, storedLength, rawLength, encoding, etag })
    }
  }

  /** Every file path in the pack, sorted. */
  list(): string[] {
    return [...this.entries.keys()].sort()
  }

  has(rel: string): boolean {
    return this.entries.has(packPath(rel))
  }

  entry(rel: string): PackEntry | undefined {
    return this.entries.get(packPath(rel))
  }

  /** The file's bytes, decompressed; undefined when the pack has no such file. */
  read(rel: string): Buffer | undefined {
    const e = this.entry(rel)
    if (!e) return undefined
    const stored = this.stored(e)
    if (e.encoding === 'raw') return stored
    // zlib is required on first use: the binary's entry loads this file, most starts decompress nothing
    const raw = (require('node:zlib') as typeof zlib).brotliDecompressSync(stored)
    if (raw.length !== e.rawLength) throw new QK_SEA_PACK_CORRUPT(this.name, `entry ${e.path} has the wrong length`)
    return raw
  }

  /**
   * The file's bytes as stored: lets a server answer `Accept-Encoding: br`
   * without decompressing. `encoding` is 'br' or 'raw'.
   */
  readStored(rel: string): { data: Buffer; encoding: PackEncoding; rawLength: number; etag: string } | undefined {
    const e = this.entry(rel)
    if (!e) return undefined
    return { data: this.stored(e), encoding: e.encoding, rawLength: e.rawLength, etag: e.etag }
  }

  private stored(e: PackEntry): Buffer {
    const start = this.dataStart + e.offset
    return this.data.subarray(start, start + e.storedLength)
  }
}
