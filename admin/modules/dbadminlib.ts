/**
 * The appadmin pages' door to server/dbadmin, server/pack and server/compile
 * (app code may not import files outside its folder). Like adminlib.ts: a
 * copy registered on globalThis under a well-known symbol wins (a bundled
 * server registers it); otherwise it is loaded from the checkout beside admin/.
 */
import type * as DbAdmin from '../../server/dbadmin/index'
import type * as Pack from '../../server/pack/index'
import type * as Compile from '../../server/compile/index'
import nodePath from 'node:path'
import { createRequire } from 'node:module'

export interface DbAdminLib { dbadmin: typeof DbAdmin; pack: typeof Pack; compile: typeof Compile }

const KEY = Symbol.for('quark.dbadminlib')

function find(): DbAdminLib {
  const g = globalThis as unknown as Record<symbol, DbAdminLib | undefined>
  let lib = g[KEY]
  if (!lib) {
    const req = createRequire(nodePath.join(current.appFolder as string, '..', 'server', 'x.js'))
    lib = { dbadmin: req('./dbadmin/index.ts'), pack: req('./pack/index.ts'), compile: req('./compile/index.ts') }
    g[KEY] = lib
  }
  return lib
}

export const dbadminlib = find()
