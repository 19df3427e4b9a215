/**
 * Prettier's standalone build for the editor's "Format document", served
 * from the installed `prettier` package (never a CDN): only the ES module
 * files named here can be reached. Inside the binary the package is not
 * shipped: the editor then says formatting is unavailable.
 */
import path from 'node:path'
import { isSea } from '../sea'
import { QK_ADMIN_NOT_FOUND } from './errors'

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
  if (isSea()) throw new QK_ADMIN_NOT_FOUND('prettier (the binary does not ship it: format from a checkout)')
  return { file: path.join(path.dirname(require.resolve('prettier/package.json')), rel), contentType: 'text/javascript; charset=utf-8' }
}
