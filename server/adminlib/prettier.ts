/**
 * Browser packages the admin serves itself (never a CDN): Prettier's
 * standalone build for the editor's "Format document" (only the ES module
 * files named here can be reached) and swagger-ui-dist for the API explorer.
 * From a checkout they are the installed packages; the binary carries the
 * same files among its project files (build/assets.ts PROJECT_FILES).
 */
import path from 'node:path'
import { projectFolder } from '../sea'
import { QK_ADMIN_NOT_FOUND } from './errors'

/** node_modules/<pkg> of the checkout, or of the binary's extracted project files. */
export function vendorFolder(pkg: 'prettier' | 'swagger-ui-dist'): string {
  return path.join(projectFolder('project-files'), 'node_modules', pkg)
}

const FILES: Record<string, string> = {
  'standalone.mjs': 'standalone.mjs',
  'typescript.mjs': 'plugins/typescript.mjs',
  'estree.mjs': 'plugins/estree.mjs',
  'babel.mjs': 'plugins/babel.mjs',
  'postcss.mjs': 'plugins/postcss.mjs',
}

export function prettierFile(name: unknown): { file: string; contentType: string } {
  const rel = typeof name === 'string' ? FILES[name] : undefined
  if (!rel || !Object.prototype.hasOwnProperty.call(FILES, name as string)) throw new QK_ADMIN_NOT_FOUND(`prettier file ${String(name).slice(0, 60)}`)
  return { file: path.join(vendorFolder('prettier'), rel), contentType: 'text/javascript; charset=utf-8' }
}
