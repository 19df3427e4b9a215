/**
 * The admin app's door to its framework side (server/adminlib). App code may
 * not import files outside its folder, so adminlib registers itself on
 * globalThis under a well-known symbol when the server loads it; this module
 * finds it there, or loads it from the checkout beside admin/ when the server
 * has not loaded it yet (running from sources).
 */
import type * as AdminLib from '../../server/adminlib/index'
import nodePath from 'node:path'
import { createRequire } from 'node:module'

const KEY = Symbol.for('quark.adminlib')

function find(): typeof AdminLib {
  const g = globalThis as unknown as Record<symbol, typeof AdminLib | undefined>
  let lib = g[KEY]
  if (!lib) {
    // admin/ lives beside server/ in the checkout; the server runs with tsx, so the .ts loads.
    const req = createRequire(nodePath.join(current.appFolder as string, '..', 'server', 'adminlib', 'x.js'))
    lib = req('./index.ts') as typeof AdminLib
    g[KEY] = lib
  }
  return lib
}

export const adminlib = find()
