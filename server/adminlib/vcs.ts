/**
 * Version control of one app (#25 item 4) with isomorphic-git, so it works
 * from the binary with no `git` installed: init (with a .gitignore for the
 * app's data folders), status, a file's version at HEAD beside the one on
 * disk (the diff editor shows them), commit everything changed, log, revert
 * a file to HEAD, and go back to a commit (its files restored in the working
 * folder, to be committed as a new version: history is never rewritten).
 */
import fs from 'node:fs'
import path from 'node:path'
import git from 'isomorphic-git'
import { resolveInApp } from './paths'
import { MAX_EDIT_BYTES } from './files'
import { QK_ADMIN_BAD_VCS_INPUT, QK_ADMIN_NOT_FOUND, QK_ADMIN_NOTHING_TO_COMMIT, QK_ADMIN_TOO_LARGE } from './errors'

/** what the app keeps at run time: never versioned */
export const IGNORED = ['databases/', 'sessions/', 'errors/', 'cache/', 'uploads/', '.quark/', 'compiled/']
const AUTHOR = { name: 'Quark admin', email: 'admin@quark.local' }
/** a commit message longer than this is refused: a message says what and why, it is not a file */
export const MESSAGE_LIMIT = 10_000
const NAME_LIMIT = 100

export type ChangeKind = 'added' | 'modified' | 'deleted'
export interface VcsStatus {
  initialized: boolean
  changes: Array<{ path: string; change: ChangeKind }>
  log: Array<{ oid: string; message: string; author: string; time: string }>
}

/**
 * A path the browser sent, as the repository names it: inside the app (the
 * admin's path checks), never in the repository's own `.git/` folder, and
 * never an ignored file (reverting `databases/x.sqlite` would delete it).
 */
async function versionedPath(appFolder: string, rel: unknown): Promise<string> {
  const abs = resolveInApp(appFolder, rel)
  const file = path.relative(fs.realpathSync(appFolder), abs).split(path.sep).join('/')
  if (file === '' || file === '.git' || file.startsWith('.git/')) throw new QK_ADMIN_BAD_VCS_INPUT(`${file || '.'} is the repository itself, not a file of the app`)
  if (await git.isIgnored({ fs, dir: appFolder, filepath: file })) throw new QK_ADMIN_BAD_VCS_INPUT(`${file} is ignored (.gitignore): it is not versioned`)
  return file
}

export function isRepository(appFolder: string): boolean {
  return fs.existsSync(path.join(appFolder, '.git'))
}

function needRepository(appFolder: string): void {
  if (!isRepository(appFolder)) throw new QK_ADMIN_NOT_FOUND('version control in this app: start it first')
}

export async function vcsInit(appFolder: string): Promise<boolean> {
  if (isRepository(appFolder)) return false
  await git.init({ fs, dir: appFolder, defaultBranch: 'main' })
  const ignore = path.join(appFolder, '.gitignore')
  if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, `# what the app makes at run time (Quark's default)\n${IGNORED.join('\n')}\n`)
  return true
}

async function headOid(appFolder: string): Promise<string | undefined> {
  try { return await git.resolveRef({ fs, dir: appFolder, ref: 'HEAD' }) } catch { return undefined }
}

export async function vcsStatus(appFolder: string): Promise<VcsStatus> {
  if (!isRepository(appFolder)) return { initialized: false, changes: [], log: [] }
  const matrix = await git.statusMatrix({ fs, dir: appFolder })
  const changes: VcsStatus['changes'] = []
  for (const [file, head, work] of matrix) {
    if (head === 1 && work === 1) continue
    changes.push({ path: file, change: head === 0 ? 'added' : work === 0 ? 'deleted' : 'modified' })
  }
  let log: VcsStatus['log'] = []
  if (await headOid(appFolder)) {
    log = (await git.log({ fs, dir: appFolder, depth: 50 })).map((c) => ({
      oid: c.oid, message: c.commit.message.trim(), author: c.commit.author.name, time: new Date(c.commit.committer.timestamp * 1000).toISOString(),
    }))
  }
  return { initialized: true, changes, log }
}

/** The author's name: "Quark admin" unless the form names someone (one line, no angle brackets: git's rules). */
function authorOf(name: unknown): { name: string; email: string } {
  const text = typeof name === 'string' ? name.trim() : ''
  if (!text) return AUTHOR
  if (text.length > NAME_LIMIT || /[<>\u0000-\u001f\u007f]/.test(text)) {
    throw new QK_ADMIN_BAD_VCS_INPUT(`an author name is one line of at most ${NAME_LIMIT} characters without < or >`)
  }
  return { name: text, email: AUTHOR.email }
}

/** Commit every change (new, modified, deleted files) with a message; refuses when nothing changed. */
export async function vcsCommit(appFolder: string, message: unknown, authorName?: unknown): Promise<string> {
  needRepository(appFolder)
  const text = typeof message === 'string' ? message.replace(/\r\n?/g, '\n').trim() : ''
  if (!text) throw new QK_ADMIN_BAD_VCS_INPUT('a commit needs a message')
  if (text.length > MESSAGE_LIMIT) throw new QK_ADMIN_BAD_VCS_INPUT(`a commit message has at most ${MESSAGE_LIMIT} characters (this one has ${text.length})`)
  // NUL ends a message inside git's objects; other control characters (but tab and newline) hide text in the log.
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) throw new QK_ADMIN_BAD_VCS_INPUT('a commit message cannot hold control characters')
  const author = authorOf(authorName)
  const { changes } = await vcsStatus(appFolder)
  if (!changes.length) throw new QK_ADMIN_NOTHING_TO_COMMIT()
  for (const c of changes) {
    if (c.change === 'deleted') await git.remove({ fs, dir: appFolder, filepath: c.path })
    else await git.add({ fs, dir: appFolder, filepath: c.path })
  }
  return git.commit({ fs, dir: appFolder, message: text, author })
}

/** A file's bytes in a commit (bytes, not text: images and fonts are versioned too), or null. */
async function blobAt(appFolder: string, oid: string, rel: string): Promise<Buffer | null> {
  try {
    const { blob } = await git.readBlob({ fs, dir: appFolder, oid, filepath: rel })
    return Buffer.from(blob)
  } catch { return null }
}

/** A file at HEAD (null: not in it) and on disk (null: deleted), for the diff editor. */
export async function vcsDiff(appFolder: string, file: unknown): Promise<{ path: string; original: string | null; modified: string | null }> {
  needRepository(appFolder)
  const rel = await versionedPath(appFolder, file)
  const head = await headOid(appFolder)
  const blob = head ? await blobAt(appFolder, head, rel) : null
  const abs = path.join(appFolder, rel)
  const onDisk = fs.existsSync(abs) && fs.statSync(abs).isFile()
  // both sides go into the page: the editor's size limit holds here too
  if ((blob?.length ?? 0) > MAX_EDIT_BYTES || (onDisk && fs.statSync(abs).size > MAX_EDIT_BYTES)) throw new QK_ADMIN_TOO_LARGE(rel)
  const original = blob?.toString('utf8') ?? null
  const modified = onDisk ? fs.readFileSync(abs, 'utf8') : null
  if (original === null && modified === null) throw new QK_ADMIN_NOT_FOUND(`${rel}: neither in the last commit nor on disk`)
  return { path: rel, original, modified }
}

/** Put a file back as it is at HEAD (a file HEAD lacks is deleted). */
export async function vcsRevertFile(appFolder: string, file: unknown): Promise<string> {
  needRepository(appFolder)
  const rel = await versionedPath(appFolder, file)
  const head = await headOid(appFolder)
  const original = head ? await blobAt(appFolder, head, rel) : null
  const abs = path.join(appFolder, rel)
  // only a changed file is reverted: a folder, or a name that is nowhere, is a mistake to report
  if (!(await vcsStatus(appFolder)).changes.some((c) => c.path === rel)) {
    throw new QK_ADMIN_NOT_FOUND(`${rel} among the changes since the last commit`)
  }
  if (original === null) fs.rmSync(abs, { force: true })
  else { fs.mkdirSync(path.dirname(abs), { recursive: true }); fs.writeFileSync(abs, original) }
  return rel
}

/**
 * Go back to a commit: the working folder gets that commit's files (files it
 * did not have are deleted, ignored folders untouched); the user then
 * commits this as a new version.
 */
export async function vcsRestore(appFolder: string, oid: unknown): Promise<number> {
  needRepository(appFolder)
  if (typeof oid !== 'string' || !/^[0-9a-f]{40}$/.test(oid)) throw new QK_ADMIN_BAD_VCS_INPUT(`not a commit id: ${JSON.stringify(oid).slice(0, 60)}`)
  let files: string[]
  try { files = await git.listFiles({ fs, dir: appFolder, ref: oid }) } catch { throw new QK_ADMIN_NOT_FOUND(`commit ${oid}`) }
  // Every path of the commit is checked before anything is written: a crafted
  // tree ("../x", ".git/config") or a symlink in the folder that leads out is
  // refused with the work tree untouched.
  for (const f of files) {
    resolveInApp(appFolder, f)
    if (f === '.git' || f.startsWith('.git/')) throw new QK_ADMIN_BAD_VCS_INPUT(`commit ${oid.slice(0, 7)} holds ${f}`)
  }
  const wanted = new Set(files)
  let changed = 0
  for (const [file, , work] of await git.statusMatrix({ fs, dir: appFolder })) {
    if (!wanted.has(file) && work !== 0) { fs.rmSync(path.join(appFolder, file), { force: true }); changed++ }
  }
  for (const f of files) {
    const text = await blobAt(appFolder, oid, f)
    const abs = path.join(appFolder, f)
    if (text === null) continue
    if (fs.existsSync(abs) && fs.readFileSync(abs).equals(text)) continue
    fs.mkdirSync(path.dirname(abs), { recursive: true })
    fs.writeFileSync(abs, text)
    changed++
  }
  return changed
}
