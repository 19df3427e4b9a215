/**
 * What clients learn about a field: `@model` answers and the OpenAPI schemas
 * are both made here, from the field's type and its validators (IS_IN_SET →
 * enum, IS_INT_IN_RANGE / IS_FLOAT_IN_RANGE → minimum/maximum, IS_LENGTH →
 * maxLength/minLength, IS_NOT_EMPTY → required, IS_EMPTY_OR → nullable).
 */
import type { FieldClass as Field, Validator } from '../../dal/index'
import { IsInSet, IsIntInRange, IsFloatInRange, IsLength, IsEmptyOr, IsNotEmpty, IsEmail, IsMatch } from '../../validators/index'

export interface FieldModel {
  name: string
  type: string
  label: string
  required: boolean
  nullable: boolean
  reference?: string
  options?: string[]
  minimum?: number
  /** inclusive */
  maximum?: number
  minLength?: number
  maxLength?: number
  format?: string
  pattern?: string
}

function validatorsOf(f: Field): Validator[] {
  const r = f.requires
  return r ? (Array.isArray(r) ? r : [r]) : []
}

/** private fields of a validator, read by name (they are set in the constructor) */
const slot = (v: unknown, k: string): unknown => (v as Record<string, unknown>)[k]

function apply(m: FieldModel, v: Validator, underEmptyOr: boolean): void {
  if (v instanceof IsEmptyOr) {
    m.nullable = true
    const other = slot(v, 'other') as Validator | Validator[]
    for (const o of Array.isArray(other) ? other : [other]) apply(m, o, true)
    return
  }
  if (v instanceof IsInSet) {
    try { m.options = v.options(false).map(([k]) => k).filter((k) => k !== '') } catch { /* a set computed from the request: not described */ }
  } else if (v instanceof IsIntInRange) {
    const lo = slot(v, 'minimum'), hi = slot(v, 'maximum')
    if (lo !== null && lo !== undefined) m.minimum = Number(lo)
    if (hi !== null && hi !== undefined) m.maximum = Number(hi) - 1  // web2py's range excludes the maximum
  } else if (v instanceof IsFloatInRange) {
    const lo = slot(v, 'minimum'), hi = slot(v, 'maximum')
    if (typeof lo === 'number') m.minimum = lo
    if (typeof hi === 'number') m.maximum = hi
  } else if (v instanceof IsLength) {
    m.maxLength = Number(slot(v, 'maxsize'))
    const min = Number(slot(v, 'minsize'))
    if (min > 0) m.minLength = min
  } else if (v instanceof IsNotEmpty) {
    if (!underEmptyOr) m.required = true
  } else if (v instanceof IsEmail) {
    m.format = 'email'
  } else if (v instanceof IsMatch) {
    m.pattern = (slot(v, 'regex') as RegExp).source
  }
}

export function fieldModel(f: Field): FieldModel {
  const m: FieldModel = { name: f.name, type: f.type, label: f.label, required: f.required || f.notnull, nullable: !(f.required || f.notnull) }
  if (f.referenced) m.reference = f.referenced
  if ((f.type === 'string' || f.type === 'password') && f.length) m.maxLength = f.length
  for (const v of validatorsOf(f)) apply(m, v, false)
  if (m.required && !validatorsOf(f).some((v) => v instanceof IsEmptyOr)) m.nullable = false
  return m
}

type Schema = Record<string, unknown>

/** The JSON Schema (OpenAPI 3.1 dialect) of a field's value. */
export function fieldSchema(f: Field): Schema {
  const m = fieldModel(f)
  let s: Schema
  const t = f.type
  if (t === 'id' || t === 'integer' || t === 'bigint' || t.startsWith('reference ')) s = { type: 'integer' }
  else if (t === 'double' || t.startsWith('decimal')) s = { type: 'number' }
  else if (t === 'boolean') s = { type: 'boolean' }
  else if (t === 'date') s = { type: 'string', format: 'date' }
  else if (t === 'datetime') s = { type: 'string', format: 'date-time' }
  else if (t === 'time') s = { type: 'string', format: 'time' }
  else if (t === 'json') s = {}
  else if (t.startsWith('list:')) s = { type: 'array', items: { type: t === 'list:string' ? 'string' : 'integer' } }
  else s = { type: 'string' }
  if (m.options && s.type === 'string') s.enum = m.options
  if (m.minimum !== undefined) s.minimum = m.minimum
  if (m.maximum !== undefined) s.maximum = m.maximum
  if (s.type === 'string') {
    if (m.maxLength !== undefined) s.maxLength = m.maxLength
    if (m.minLength !== undefined) s.minLength = m.minLength
    if (m.format && !s.format) s.format = m.format
    if (m.pattern) s.pattern = m.pattern
  }
  if (m.nullable && typeof s.type === 'string' && t !== 'id') {
    s.type = [s.type, 'null']
    if (s.enum) s.enum = [...(s.enum as unknown[]), null]
  }
  if (f.label) s.title = f.label
  if (f.comment) s.description = f.comment
  return s
}
