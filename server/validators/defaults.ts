/**
 * The validators a field gets when its definition names none, by type (as
 * web2py's sqlhtml/dal do): numbers in the column's range, dates parsed,
 * strings bounded by the column length; optional fields accept empty input.
 */
import type { Validator } from './base'
import { IS_DATE, IS_DATETIME, IS_TIME } from './dates'
import { IS_DECIMAL_IN_RANGE, IS_FLOAT_IN_RANGE, IS_INT_IN_RANGE } from './numbers'
import { IS_EMPTY_OR, IS_JSON, IS_LENGTH, IS_LIST_OF } from './text'

export function defaultRequires(type: string, opts: { length?: number; notnull?: boolean } = {}): Validator[] {
  let v: Validator | null = null
  const dec = /^decimal\((\d+),\s*(\d+)\)$/.exec(type)
  if (type === 'string' || type === 'password') v = IS_LENGTH(opts.length ?? 512)
  else if (type === 'text') v = IS_LENGTH(1 << 16)
  else if (type === 'integer') v = IS_INT_IN_RANGE(-(2 ** 31), 2 ** 31)
  else if (type === 'bigint') v = IS_INT_IN_RANGE(-(2n ** 63n), 2n ** 63n)
  else if (type === 'double') v = IS_FLOAT_IN_RANGE(-1e100, 1e100)
  else if (dec) { const lim = 10 ** (Number(dec[1]) - Number(dec[2])); v = IS_DECIMAL_IN_RANGE(-lim, lim) }
  else if (type === 'date') v = IS_DATE()
  else if (type === 'time') v = IS_TIME()
  else if (type === 'datetime') v = IS_DATETIME()
  else if (type === 'json') v = IS_JSON()
  else if (type === 'list:integer') v = IS_LIST_OF(IS_INT_IN_RANGE(-(2 ** 31), 2 ** 31))
  if (!v) return []
  return opts.notnull || type.startsWith('list:') ? [v] : [IS_EMPTY_OR(v)]
}
