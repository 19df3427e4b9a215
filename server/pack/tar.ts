/**
 * A small ustar writer and reader (512-byte headers, data padded to 512).
 * Only regular files and folders are written; the reader reports every
 * entry's type so the caller can refuse links, devices and extensions.
 */
import { QK_PACK_BAD_ARCHIVE } from './errors'

export interface TarEntry {
  name: string
  /** '0' file, '5' folder, anything else is reported as is ('1' hard link, '2' symlink, 'x' pax, ...) */
  type: string
  mode: number
  mtime: number
  linkname: string
  data: Buffer
}

const BLOCK = 512

function writeString(buf: Buffer, s: string, off: number, len: number): void {
  const b = Buffer.from(s, 'utf8')
  if (b.length > len) throw new QK_PACK_BAD_ARCHIVE(`name too long for a tar header: ${s}`)
  b.copy(buf, off)
}
function writeOctal(buf: Buffer, n: number, off: number, len: number): void {
  buf.write(n.toString(8).padStart(len - 1, '0') + '\0', off, len, 'ascii')
}

/** Split a long path into ustar's prefix (155) + name (100). */
function splitName(name: string): [string, string] {
  if (Buffer.byteLength(name) <= 100) return ['', name]
  for (let i = name.lastIndexOf('/'); i > 0; i = name.lastIndexOf('/', i - 1)) {
    const prefix = name.slice(0, i)
    const rest = name.slice(i + 1)
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100) return [prefix, rest]
  }
  throw new QK_PACK_BAD_ARCHIVE(`path too long for a tar header: ${name}`)
}

export function tarHeader(e: { name: string; type: string; mode: number; mtime: number; size: number; linkname?: string }): Buffer {
  const h = Buffer.alloc(BLOCK)
  const [prefix, name] = splitName(e.name)
  writeString(h, name, 0, 100)
  writeOctal(h, e.mode & 0o7777, 100, 8)
  writeOctal(h, 0, 108, 8)
  writeOctal(h, 0, 116, 8)
  writeOctal(h, e.size, 124, 12)
  writeOctal(h, Math.floor(e.mtime), 136, 12)
  h.write('        ', 148, 8, 'ascii')
  h.write(e.type, 156, 1, 'ascii')
  writeString(h, e.linkname ?? '', 157, 100)
  h.write('ustar\0', 257, 6, 'ascii')
  h.write('00', 263, 2, 'ascii')
  writeString(h, prefix, 345, 155)
  let sum = 0
  for (let i = 0; i < BLOCK; i++) sum += h[i]!
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii')
  return h
}

/** A tar archive of the entries (files carry data; folders none), with the two closing zero blocks. */
export function writeTar(entries: { name: string; type: '0' | '5'; mode?: number; mtime?: number; data?: Buffer }[]): Buffer {
  const parts: Buffer[] = []
  for (const e of entries) {
    const data = e.type === '0' ? e.data ?? Buffer.alloc(0) : Buffer.alloc(0)
    parts.push(tarHeader({ name: e.name, type: e.type, mode: e.mode ?? (e.type === '5' ? 0o755 : 0o644), mtime: e.mtime ?? Date.now() / 1000, size: data.length }))
    if (data.length) {
      parts.push(data)
      const pad = (BLOCK - (data.length % BLOCK)) % BLOCK
      if (pad) parts.push(Buffer.alloc(pad))
    }
  }
  parts.push(Buffer.alloc(BLOCK * 2))
  return Buffer.concat(parts)
}

function readString(buf: Buffer, off: number, len: number): string {
  const end = buf.indexOf(0, off)
  return buf.toString('utf8', off, end === -1 || end > off + len ? off + len : end)
}
function readOctal(buf: Buffer, off: number, len: number, what: string): number {
  const s = buf.toString('ascii', off, off + len).replace(/[\0 ]+$/g, '').replace(/^[ ]+/, '')
  if (s === '') return 0
  if (!/^[0-7]+$/.test(s)) throw new QK_PACK_BAD_ARCHIVE(`bad ${what} field in a tar header`)
  return parseInt(s, 8)
}

/** Parse a tar archive; `maxEntrySize` bounds each entry before its data is sliced. */
export function readTar(tar: Buffer, maxEntrySize: number): TarEntry[] {
  const out: TarEntry[] = []
  let off = 0
  while (off + BLOCK <= tar.length) {
    const h = tar.subarray(off, off + BLOCK)
    if (h.every((b) => b === 0)) break
    let sum = 0
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!
    if (sum !== readOctal(h, 148, 8, 'checksum')) throw new QK_PACK_BAD_ARCHIVE(`tar header checksum mismatch at byte ${off}`)
    const name = readString(h, 0, 100)
    const prefix = h.toString('ascii', 257, 262) === 'ustar' ? readString(h, 345, 155) : ''
    const size = readOctal(h, 124, 12, 'size')
    const type = String.fromCharCode(h[156]!) === '\0' ? '0' : String.fromCharCode(h[156]!)
    const full = prefix ? `${prefix}/${name}` : name
    if (size > maxEntrySize) throw new QK_PACK_BAD_ARCHIVE(`entry ${full} is ${size} bytes, more than the limit of ${maxEntrySize}`)
    const start = off + BLOCK
    if (start + size > tar.length) throw new QK_PACK_BAD_ARCHIVE(`entry ${full} is truncated`)
    out.push({ name: full, type, mode: readOctal(h, 100, 8, 'mode'), mtime: readOctal(h, 136, 12, 'mtime'), linkname: readString(h, 157, 100), data: tar.subarray(start, start + size) })
    off = start + Math.ceil(size / BLOCK) * BLOCK
  }
  return out
}
