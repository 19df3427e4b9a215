/**
 * The validators a field gets when its definition names none (web2py's
 * defaults): by type from the validators room, plus IS_IN_DB for references
 * (IS_EMPTY_OR unless notnull) and IS_NOT_IN_DB for unique fields. Computed
 * lazily on first read of `field.requires`, when every table of the request
 * is defined; `requires: null` means none.
 */
import { defaultRequires, IS_EMPTY_OR, IS_IN_DB, IS_NOT_IN_DB, IS_LIST_OF } from '../validators'
import type { Field, Validator } from './field'

export function defaultRequiresFor(field: Field): Validator[] {
  const db = field.table?._db
  const t = field.type
  if (t === 'id' || !db) return []
  if (field.referenced) {
    const target = db[field.referenced]
    if (!target) return []
    const label = target._format
    const inDb = IS_IN_DB(db as any, `${field.referenced}.id`, label ?? null, t.startsWith('list:') ? { multiple: true } : {})
    return [field.notnull || t.startsWith('list:') ? inDb : IS_EMPTY_OR(inDb)]
  }
  const out = defaultRequires(t, { length: field.length, notnull: field.notnull }) as Validator[]
  if (field.unique) out.push(IS_NOT_IN_DB(db as any, `${field.tablename}.${field.name}`))
  void IS_LIST_OF
  return out
}
