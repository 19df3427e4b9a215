/**
 * Uploaded files: IS_FILE / IS_UPLOAD_FILENAME check the name and extension,
 * IS_IMAGE reads the image header (PNG, JPEG, GIF, BMP) for its format and
 * size. An upload is `{ filename, data?: Buffer, path?: string }`.
 */
import { closeSync, openSync, readSync } from 'node:fs'
import { BaseValidator, factory, messageOf, type MessageOption } from './base'
import { toRegExp } from './text'

export interface Upload { filename: string; data?: Buffer; path?: string; size?: number }

function filenameOf(value: unknown): string | null {
  return value && typeof value === 'object' && typeof (value as Upload).filename === 'string' ? (value as Upload).filename : null
}

type NameRule = string | RegExp | Array<string | RegExp>
interface FileOptions extends MessageOption { filename?: NameRule; extension?: NameRule; lastdot?: boolean; case?: 0 | 1 | 2 }

function splitName(name: string, o: FileOptions): [string, string] {
  const s = o.case === 0 ? name : o.case === 2 ? name.toUpperCase() : name.toLowerCase()
  let dot = o.lastdot === false ? s.indexOf('.') : s.lastIndexOf('.')
  if (dot === -1) dot = s.length
  return [s.slice(0, dot), s.slice(dot + 1)]
}

/** IS_FILE: strings must equal the part, regular expressions must match it (anchored at the start). */
function matches(rule: NameRule, text: string): boolean {
  if (Array.isArray(rule)) return rule.some((r) => matches(r, text))
  if (rule instanceof RegExp) return new RegExp(`^(?:${rule.source})`, rule.flags.replace(/[gy]/g, '')).test(text)
  return rule === text
}

export class IsFile extends BaseValidator {
  private readonly message: string
  constructor(private readonly o: FileOptions = {}) { super(); this.message = messageOf(o, 'Enter valid filename') }
  protected check(value: unknown) {
    const name = filenameOf(value)
    if (name === null) this.fail(this.message)
    const [base, ext] = splitName(name, this.o)
    if (this.o.filename && !matches(this.o.filename, base)) this.fail(this.message)
    if (this.o.extension && !matches(this.o.extension, ext)) this.fail(this.message)
    return value
  }
}

/** The older form: filename and extension are regular expressions (strings are compiled). */
export class IsUploadFilename extends BaseValidator {
  private readonly message: string
  constructor(private readonly o: FileOptions = {}) { super(); this.message = messageOf(o, 'Enter valid filename') }
  protected check(value: unknown) {
    const name = filenameOf(value)
    if (name === null) this.fail(this.message)
    const [base, ext] = splitName(name, this.o)
    const re = (r: NameRule) => (typeof r === 'string' ? toRegExp(r) : r)
    if (this.o.filename && !matches(re(this.o.filename), base)) this.fail(this.message)
    if (this.o.extension && !matches(re(this.o.extension), ext)) this.fail(this.message)
    return value
  }
}

/** The first bytes of an upload: enough for any header (JPEG's size can come after EXIF blocks). */
function headOf(u: Upload, max = 1 << 20): Buffer {
  if (u.data) return u.data.subarray(0, max)
  if (!u.path) return Buffer.alloc(0)
  const fd = openSync(u.path, 'r')
  try {
    const buf = Buffer.alloc(max)
    return buf.subarray(0, readSync(fd, buf, 0, max, 0))
  } finally {
    closeSync(fd)
  }
}

/** [width, height] from an image header, or [-1, -1] when the bytes are not that format. */
export function imageSize(kind: string, b: Buffer): [number, number] {
  try {
    if (kind === 'png' && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) && b.toString('latin1', 12, 16) === 'IHDR') {
      return [b.readUInt32BE(16), b.readUInt32BE(20)]
    }
    if (kind === 'gif' && /^GIF8[79]a$/.test(b.toString('latin1', 0, 6)) && b.length >= 10) return [b.readUInt16LE(6), b.readUInt16LE(8)]
    if (kind === 'bmp' && b.toString('latin1', 0, 2) === 'BM' && b.length >= 26) return [b.readUInt32LE(18), b.readUInt32LE(22)]
    if (kind === 'jpeg' && b[0] === 0xff && b[1] === 0xd8) {
      let i = 2
      while (i + 4 <= b.length) {
        if (b[i] !== 0xff) break
        const code = b[i + 1]
        const len = b.readUInt16BE(i + 2)
        if (code >= 0xc0 && code <= 0xc3) return [b.readUInt16BE(i + 7), b.readUInt16BE(i + 5)]
        i += 2 + len
      }
    }
  } catch { /* truncated header */ }
  return [-1, -1]
}

export interface ImageOptions extends MessageOption {
  extensions?: string[]; maxsize?: [number, number]; minsize?: [number, number]; aspectratio?: [number, number]
}

export class IsImage extends BaseValidator {
  private readonly message: string
  constructor(private readonly o: ImageOptions = {}) { super(); this.message = messageOf(o, 'Invalid image') }
  protected check(value: unknown) {
    const name = filenameOf(value)
    const dot = name?.lastIndexOf('.') ?? -1
    if (name === null || dot < 0) this.fail(this.message)
    let ext = name.slice(dot + 1).toLowerCase()
    if (ext === 'jpg') ext = 'jpeg'
    if (!(this.o.extensions ?? ['bmp', 'gif', 'jpeg', 'png']).includes(ext)) this.fail(this.message)
    let w: number, h: number
    try { [w, h] = imageSize(ext, headOf(value as Upload)) } catch { this.fail(this.message) }
    const [minW, minH] = this.o.minsize ?? [0, 0]
    const [maxW, maxH] = this.o.maxsize ?? [10000, 10000]
    if (!(minW <= w && w <= maxW && minH <= h && h <= maxH)) this.fail(this.message)
    const ar = this.o.aspectratio
    if (ar && (ar[0] > -1 || ar[1] > -1) && h / w !== ar[1] / ar[0]) this.fail(this.message)
    return value
  }
}

export const IS_FILE = factory(IsFile)
export const IS_UPLOAD_FILENAME = factory(IsUploadFilename)
export const IS_IMAGE = factory(IsImage)
