/**
 * An app's files as the design page and the editor see them: listed by kind,
 * read with a hash for conflict detection, saved atomically, created,
 * renamed, deleted and uploaded, every path confined by resolveInApp.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { resolveInApp, relativeToApp, checkRelativePath } from './paths'
import { QK_ADMIN_CONFLICT, QK_ADMIN_EXISTS, QK_ADMIN_NOT_FOUND, QK_ADMIN_TOO_LARGE, QK_ADMIN_BAD_PATH } from './errors'

/** The kinds of files the design page shows, in order, with the folder each lives in. */
export const FILE_KINDS = [
  { kind: 'models', folder: 'models', title: 'Models' },
  { kind: 'controllers', folder: 'controllers', title: 'Controllers' },
  { kind: 'views', folder: 'views', title: 'Views' },
  { kind: 'languages', folder: 'languages', title: 'Languages' },
  { kind: 'static', folder: 'static', title: 'Static files' },
  { kind: 'modules', folder: 'modules', title: 'Modules' },
  { kind: 'private', folder: 'private', title: 'Private files' },
  { kind: 'cron', folder: 'cron', title: 'Cron' },
  { kind: 'tests', folder: 'tests', title: 'Tests' },
] as const

export type FileKind = typeof FILE_KINDS[number]['kind']

export interface AppFileInfo { path: string; size: number; mtimeMs: number }

/** Largest file the editor opens (text files; bigger ones are downloads, not edits). */
export const MAX_EDIT_BYTES = 2 * 1024 * 1024
const MAX_LISTED = 2000

function walk(root: string, dir: string, out: AppFileInfo[]): void {
  let entries: fs.Dirent[]
  try { entries = fs.readdirSync(dir, { withFileTypes: true }) } catch { return }
  entries.sort((a, b) => a.name.localeCompare(b.name))
  for (const e of entries) {
    if (out.length >= MAX_LISTED) return
    const full = path.join(dir, e.name)
    // Symlinks are not followed in listings: they may lead out of the app.
    if (e.isSymbolicLink()) continue
    if (e.isDirectory()) walk(root, full, out)
    else if (e.isFile()) {
      const st = fs.statSync(full)
      out.push({ path: path.relative(root, full).split(path.sep).join('/'), size: st.size, mtimeMs: st.mtimeMs })
    }
  }
}

/** Every file of the app, grouped by kind (paths relative to the app folder). */
export function listAppFiles(appFolder: string): Record<FileKind, AppFileInfo[]> {
  const root = fs.realpathSync(appFolder)
  const result = {} as Record<FileKind, AppFileInfo[]>
  for (const k of FILE_KINDS) {
    const out: AppFileInfo[] = []
    const dir = path.join(root, k.folder)
    try { if (!fs.lstatSync(dir).isDirectory()) { result[k.kind] = out; continue } } catch { result[k.kind] = out; continue }
    walk(root, dir, out)
    result[k.kind] = out
  }
  return result
}

/** Which kind a relative path belongs to (by its first segment), or undefined. */
export function kindOf(rel: string): FileKind | undefined {
  const first = rel.split('/')[0]
  return FILE_KINDS.find((k) => k.folder === first)?.kind
}

export function contentHash(data: string | Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex')
}

export interface OpenedFile { path: string; content: string; hash: string; mtimeMs: number; size: number }

export function readAppFile(appFolder: string, rel: unknown): OpenedFile {
  const abs = resolveInApp(appFolder, rel)
  let st: fs.Stats
  try { st = fs.statSync(abs) } catch { throw new QK_ADMIN_NOT_FOUND(String(rel)) }
  if (!st.isFile()) throw new QK_ADMIN_NOT_FOUND(String(rel))
  if (st.size > MAX_EDIT_BYTES) throw new QK_ADMIN_TOO_LARGE(String(rel))
  const buf = fs.readFileSync(abs)
  return { path: relativeToApp(appFolder, abs), content: buf.toString('utf8'), hash: contentHash(buf), mtimeMs: st.mtimeMs, size: st.size }
}

/** Hash of the file on disk now, or undefined when it does not exist. */
export function currentHash(appFolder: string, rel: unknown): string | undefined {
  const abs = resolveInApp(appFolder, rel)
  try { return contentHash(fs.readFileSync(abs)) } catch { return undefined }
}

function atomicWrite(abs: string, data: string | Buffer): void {
  fs.mkdirSync(path.dirname(abs), { recursive: true })
  const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.${crypto.randomBytes(6).toString('hex')}.tmp`)
  fs.writeFileSync(tmp, data)
  fs.renameSync(tmp, abs)
}

/**
 * Save from the editor. `expectedHash` is the hash of the version the editor
 * opened: if the file on disk is different now, QK_ADMIN_CONFLICT (409) and
 * nothing is written, unless `force` (the user chose to overwrite).
 */
export function saveAppFile(appFolder: string, rel: unknown, content: string, expectedHash?: string, force = false): OpenedFile {
  if (typeof content !== 'string') throw new QK_ADMIN_BAD_PATH('content must be text')
  const abs = resolveInApp(appFolder, rel)
  if (!force && expectedHash !== undefined) {
    let now: string | undefined
    try { now = contentHash(fs.readFileSync(abs)) } catch { now = undefined }
    if (now !== undefined && now !== expectedHash) throw new QK_ADMIN_CONFLICT(String(rel))
  }
  atomicWrite(abs, content)
  return readAppFile(appFolder, rel)
}

/** Create a new file (refuses an existing one); a starting text is chosen by kind. */
export function createAppFile(appFolder: string, rel: unknown, content = ''): OpenedFile {
  const abs = resolveInApp(appFolder, rel)
  if (!kindOf(String(rel)) || checkRelativePath(rel).length < 2) throw new QK_ADMIN_BAD_PATH(`${JSON.stringify(rel)} (a file goes inside one of ${FILE_KINDS.map((k) => k.folder).join(', ')})`)
  if (fs.existsSync(abs)) throw new QK_ADMIN_EXISTS(String(rel))
  atomicWrite(abs, content || starterText(String(rel)))
  return readAppFile(appFolder, rel)
}

function starterText(rel: string): string {
  if (rel.startsWith('controllers/') && rel.endsWith('.ts')) return "export function index() {\n  return { message: 'Hello from " + path.basename(rel, '.ts') + "' }\n}\n"
  if (rel.startsWith('views/') && rel.endsWith('.html')) return "{{extend 'layout.html'}}\n<h1>{{=message}}</h1>\n"
  if (rel.startsWith('languages/') && rel.endsWith('.json')) return '{}\n'
  return ''
}

export function renameAppFile(appFolder: string, from: unknown, to: unknown): void {
  const src = resolveInApp(appFolder, from)
  const dst = resolveInApp(appFolder, to)
  if (!kindOf(String(to)) || checkRelativePath(to).length < 2) throw new QK_ADMIN_BAD_PATH(String(to))
  if (!fs.existsSync(src) || !fs.statSync(src).isFile()) throw new QK_ADMIN_NOT_FOUND(String(from))
  if (fs.existsSync(dst)) throw new QK_ADMIN_EXISTS(String(to))
  fs.mkdirSync(path.dirname(dst), { recursive: true })
  fs.renameSync(src, dst)
}

export function deleteAppFile(appFolder: string, rel: unknown): void {
  const abs = resolveInApp(appFolder, rel)
  let st: fs.Stats
  try { st = fs.lstatSync(abs) } catch { throw new QK_ADMIN_NOT_FOUND(String(rel)) }
  if (!st.isFile()) throw new QK_ADMIN_NOT_FOUND(String(rel))
  fs.unlinkSync(abs)
}

/** Store an uploaded file's bytes at `rel` (refuses to overwrite unless asked). */
export function uploadAppFile(appFolder: string, rel: unknown, data: Buffer, overwrite = false): AppFileInfo {
  const abs = resolveInApp(appFolder, rel)
  if (!kindOf(String(rel)) || checkRelativePath(rel).length < 2) throw new QK_ADMIN_BAD_PATH(String(rel))
  if (!overwrite && fs.existsSync(abs)) throw new QK_ADMIN_EXISTS(String(rel))
  atomicWrite(abs, data)
  const st = fs.statSync(abs)
  return { path: relativeToApp(appFolder, abs), size: st.size, mtimeMs: st.mtimeMs }
}

/** Monaco's language id for a file name. */
export function languageOf(rel: string): string {
  const ext = path.extname(rel).toLowerCase()
  const map: Record<string, string> = {
    '.ts': 'typescript', '.tsx': 'typescript', '.js': 'javascript', '.mjs': 'javascript', '.json': 'json',
    '.html': 'html', '.load': 'html', '.xml': 'xml', '.css': 'css', '.md': 'markdown', '.sql': 'sql',
    '.yaml': 'yaml', '.yml': 'yaml', '.sh': 'shell', '.txt': 'plaintext',
  }
  if (rel.startsWith('cron/')) return 'shell'
  return map[ext] ?? 'plaintext'
}
