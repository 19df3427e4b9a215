/**
 * Path confinement for design/edit: every path the browser sends is relative
 * to one app's folder and must stay inside it. The text is checked first
 * (no "..", no absolute or drive paths, no encoded forms, no backslashes, no
 * NUL), then the real path of the target (or of its deepest existing
 * ancestor, for a file being created) must lie inside the app's real path,
 * so a symlink cannot lead out.
 */
import fs from 'node:fs'
import path from 'node:path'
import { QK_ADMIN_BAD_PATH, QK_ADMIN_OUTSIDE_APP } from './errors'

/** Check the text of a relative path; returns its normalised segments. */
export function checkRelativePath(rel: unknown): string[] {
  if (typeof rel !== 'string' || rel.length === 0) throw new QK_ADMIN_BAD_PATH('(empty)')
  const shown = JSON.stringify(rel.slice(0, 200))
  if (rel.length > 1024) throw new QK_ADMIN_BAD_PATH(shown)
  if (rel.includes('\0') || rel.includes('\\') || rel.includes('%')) throw new QK_ADMIN_BAD_PATH(shown)
  if (rel.startsWith('/') || /^[A-Za-z]:/.test(rel) || rel.startsWith('~')) throw new QK_ADMIN_BAD_PATH(shown)
  // Control characters have no place in a file name and hide things in listings.
  if (/[\u0000-\u001f\u007f]/.test(rel)) throw new QK_ADMIN_BAD_PATH(shown)
  const segments = rel.split('/')
  for (const s of segments) {
    if (s === '' || s === '.' || s === '..') throw new QK_ADMIN_BAD_PATH(shown)
  }
  return segments
}

function isInside(parent: string, child: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep)
}

/**
 * The absolute path of `rel` inside `appFolder`, after the textual and the
 * real-path checks. The target need not exist (for create/upload/rename).
 */
export function resolveInApp(appFolder: string, rel: unknown): string {
  const segments = checkRelativePath(rel)
  const root = fs.realpathSync(appFolder)
  const target = path.join(root, ...segments)
  if (!isInside(root, target)) throw new QK_ADMIN_OUTSIDE_APP(String(rel))
  // Walk up to the deepest part that exists and resolve its symlinks.
  let probe = target
  const missing: string[] = []
  for (;;) {
    try {
      const real = fs.realpathSync(probe)
      if (!isInside(root, real)) throw new QK_ADMIN_OUTSIDE_APP(String(rel))
      return missing.length ? path.join(real, ...missing.reverse()) : real
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
      // A dangling symlink is refused too: it points somewhere we cannot check.
      try { if (fs.lstatSync(probe).isSymbolicLink()) throw new QK_ADMIN_OUTSIDE_APP(String(rel)) } catch (e2) {
        if ((e2 as NodeJS.ErrnoException).code !== 'ENOENT') throw e2
      }
      missing.push(path.basename(probe))
      probe = path.dirname(probe)
      if (!isInside(root, probe)) throw new QK_ADMIN_OUTSIDE_APP(String(rel))
    }
  }
}

/** The path of `abs` relative to the app folder, with forward slashes (for URLs and listings). */
export function relativeToApp(appFolder: string, abs: string): string {
  return path.relative(fs.realpathSync(appFolder), abs).split(path.sep).join('/')
}
