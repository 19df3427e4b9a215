/**
 * Upload storage and serving.
 *
 * A file is stored in the app's `uploads/` folder (or the field's
 * `uploadfolder`) as `table.field.<random>.<base64url of original name>.<ext>`:
 * the generated name never contains a path separator, NUL or `..`, yet the
 * original name is recoverable for Content-Disposition. With
 * `uploadseparate` it goes in `table.field/<2 chars>/` subfolders.
 *
 * `download(request, db)` (web2py's response.download) serves such a name
 * from request.args, refusing anything that does not have the generated
 * shape or that would resolve outside the folder.
 */
import fs from 'node:fs'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { current } from '../current/index'
import { HTTP, StreamBody, contentTypeOf } from '../http/index'
import { QK_FORMS_BAD_UPLOAD_NAME, QK_FORMS_DISK_FULL, QK_FORMS_NO_UPLOAD_FOLDER, QK_FORMS_UPLOAD_TOO_LARGE } from './errors'

/** What a multipart body gives for a file (http's UploadedFile) or a buffer given by code. */
export interface IncomingFile { filename: string; path?: string; data?: Buffer; size?: number; type?: string }

export interface StoreOptions {
  table: string
  field: string
  /** folder to store in (default: the current app's uploads/) */
  folder?: string
  /** store under table.field/<xx>/ subfolders */
  uploadseparate?: boolean
  /** bytes; larger files are refused with QK_FORMS_UPLOAD_TOO_LARGE */
  maxSize?: number
}

/** longest original name kept (bytes of UTF-8) so the stored name stays under filesystem limits */
const MAX_ORIGINAL = 120

export function isIncomingFile(v: unknown): v is IncomingFile {
  return !!v && typeof v === 'object' && typeof (v as IncomingFile).filename === 'string' &&
    (typeof (v as IncomingFile).path === 'string' || Buffer.isBuffer((v as IncomingFile).data))
}

/** An empty file input is posted as a file with no name and no bytes: treat it as "no file". */
export function isEmptyFile(v: unknown): boolean {
  return isIncomingFile(v) && v.filename === '' && (v.size ?? v.data?.length ?? 0) === 0
}

/** The original name reduced to a safe base name: no directories (either slash), no control characters, bounded length. */
export function cleanOriginalName(name: string): string {
  let s = utf8FromLatin1(String(name)).replace(/[\u0000-\u001f\u007f]/g, '')
  s = s.split(/[\\/]/).pop() ?? ''
  s = s.replace(/^\.+/, '').trim()
  if (!s) s = 'file'
  if (Buffer.byteLength(s) > MAX_ORIGINAL) {
    const dot = s.lastIndexOf('.')
    const ext = dot > 0 && s.length - dot <= 11 ? s.slice(dot) : ''
    let base = s.slice(0, s.length - ext.length)
    while (Buffer.byteLength(base + ext) > MAX_ORIGINAL) base = [...base].slice(0, -1).join('')
    s = base + ext
  }
  return s
}

/**
 * Browsers send file names as raw UTF-8 while busboy decodes header
 * parameters as latin1 by default: re-read such a name as UTF-8 when its
 * bytes are valid UTF-8 (a genuine latin1 name is not, and is kept).
 */
function utf8FromLatin1(s: string): string {
  if (!/[\u0080-\u00ff]/.test(s) || /[^\u0000-\u00ff]/.test(s)) return s
  const u = Buffer.from(s, 'latin1').toString('utf8')
  return u.includes('\ufffd') ? s : u
}

function extensionOf(name: string): string {
  const m = /\.([A-Za-z0-9]{1,10})$/.exec(name)
  return m ? m[1]!.toLowerCase() : 'txt'
}

export function uploadsFolder(folder?: string): string {
  if (folder) return folder
  const app = current.appFolder
  if (!app) throw new QK_FORMS_NO_UPLOAD_FOLDER()
  return path.join(app, 'uploads')
}

/** The generated name for a new upload (no I/O). */
export function makeStoredName(table: string, field: string, original: string): string {
  const clean = cleanOriginalName(original)
  const encoded = Buffer.from(clean, 'utf8').toString('base64url')
  return `${table}.${field}.${randomBytes(8).toString('hex')}.${encoded}.${extensionOf(clean)}`
}

const STORED = /^([A-Za-z][A-Za-z0-9_]*)\.([A-Za-z][A-Za-z0-9_]*)\.([0-9a-f]{16})\.([A-Za-z0-9_-]*)\.([a-z0-9]{1,10})$/

/** Parse a stored name; throws QK_FORMS_BAD_UPLOAD_NAME for anything else (so paths never reach the filesystem). */
export function parseStoredName(name: string): { table: string; field: string; random: string; original: string } {
  const m = typeof name === 'string' ? STORED.exec(name) : null
  if (!m) throw new QK_FORMS_BAD_UPLOAD_NAME(JSON.stringify(String(name).slice(0, 200)))
  return { table: m[1]!, field: m[2]!, random: m[3]!, original: Buffer.from(m[4]!, 'base64url').toString('utf8') }
}

/** Where a stored name lives, checked to be inside `folder`. */
export function storedPath(folder: string, name: string, uploadseparate = false): string {
  const p = parseStoredName(name)
  const root = path.resolve(folder)
  const full = uploadseparate ? path.join(root, `${p.table}.${p.field}`, p.random.slice(0, 2), name) : path.join(root, name)
  if (!path.resolve(full).startsWith(root + path.sep)) throw new QK_FORMS_BAD_UPLOAD_NAME(JSON.stringify(name))
  return full
}

/** Move (or write) an incoming file into the uploads folder; returns the stored name. */
export async function storeUpload(file: IncomingFile, o: StoreOptions): Promise<string> {
  const size = file.data ? file.data.length : file.size ?? (file.path ? (await fs.promises.stat(file.path)).size : 0)
  if (o.maxSize !== undefined && size > o.maxSize) {
    if (file.path) await fs.promises.rm(file.path, { force: true })
    throw new QK_FORMS_UPLOAD_TOO_LARGE(o.maxSize)
  }
  const folder = uploadsFolder(o.folder)
  const name = makeStoredName(o.table, o.field, file.filename)
  const dest = storedPath(folder, name, o.uploadseparate)
  try {
    await writeStored(file, dest)
  } catch (e) {
    // Stryker disable all: a full disk is made only by tests/reliability/faults-disk (a tmpfs, as root), not by the forms room's tests
    const code = (e as NodeJS.ErrnoException).code
    if (code !== 'ENOSPC' && code !== 'EDQUOT') throw e
    // a full disk fails the write or the copy part-way: no partial file stays in uploads/
    await fs.promises.rm(dest, { force: true })
    throw new QK_FORMS_DISK_FULL(JSON.stringify(file.filename), code, { cause: e })
    // Stryker restore all
  }
  return name
}

async function writeStored(file: IncomingFile, dest: string): Promise<void> {
  await fs.promises.mkdir(path.dirname(dest), { recursive: true })
  if (file.data) {
    await fs.promises.writeFile(dest, file.data, { flag: 'wx' })
  } else if (file.path) {
    try {
      await fs.promises.rename(file.path, dest)
    } catch (e) {
      // temp folder on another device: copy, then remove the temp file
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e
      await fs.promises.copyFile(file.path, dest, fs.constants.COPYFILE_EXCL)
      await fs.promises.rm(file.path, { force: true })
    }
  }
}

/** Remove a stored file (autodelete, delete checkbox); names that are not stored names are ignored. */
export async function removeUpload(name: unknown, o: { folder?: string; uploadseparate?: boolean } = {}): Promise<void> {
  if (typeof name !== 'string' || !STORED.test(name)) return
  await fs.promises.rm(storedPath(uploadsFolder(o.folder), name, o.uploadseparate), { force: true })
}

/** Content-Disposition with the original name: ASCII fallback plus RFC 5987 UTF-8 form. */
export function contentDisposition(original: string, inline = false): string {
  const ascii = original.replace(/[^\x20-\x7e]|["\\;]/g, '_')
  return `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(original)}`
}

interface DownloadRequest { args: ArrayLike<string> & { length: number } }
interface DbLike { [table: string]: any }

/**
 * Serve the upload named by the last request arg (web2py's response.download).
 * With `db`, the name's table.field must be an upload field of that db (its
 * uploadfolder / uploadseparate are honoured). Bad names → 400, missing → 404.
 */
export function download(request: DownloadRequest, db?: DbLike, o: { folder?: string; inline?: boolean } = {}): StreamBody {
  const name = request.args.length ? String(request.args[request.args.length - 1]) : ''
  let parsed
  try { parsed = parseStoredName(name) } catch { throw HTTP(400, 'Invalid upload name') }
  let folder = o.folder
  let separate = false
  if (db) {
    const table = db.tables?.includes(parsed.table) ? db[parsed.table] : undefined
    const field = table?._fieldMap?.get(parsed.field)
    if (!field || field.type !== 'upload') throw HTTP(404, 'No such upload field')
    folder = folder ?? field.uploadfolder
    separate = !!field.uploadseparate
  }
  let full: string
  try { full = storedPath(uploadsFolder(folder), name, separate) } catch { throw HTTP(400, 'Invalid upload name') }
  let stat: fs.Stats
  try { stat = fs.statSync(full) } catch { throw HTTP(404, 'Not found') }
  if (!stat.isFile()) throw HTTP(404, 'Not found')
  const response = current.response as { headers: Record<string, string> } | undefined
  const type = contentTypeOf(parsed.original)
  if (response) {
    response.headers['Content-Disposition'] = contentDisposition(parsed.original, o.inline)
    response.headers['Content-Length'] = String(stat.size)
    response.headers['X-Content-Type-Options'] = 'nosniff'
  }
  return new StreamBody(full, type)
}
