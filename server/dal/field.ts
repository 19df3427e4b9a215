/**
 * Field(name, type, options): a column definition and, once its table is
 * defined, an expression usable in queries. Form-related options (label,
 * comment, readable, writable, represent, widget, ...) are plain properties so
 * that forms and grids read them and a controller may change them for its
 * own request only (each request builds its own Field objects).
 */
import { Expression, type CompileContext } from './expression'
import { QK_DAL_BAD_NAME, QK_DAL_BAD_TYPE } from './errors'
import type { Table } from './table'
import { defaultRequiresFor } from './default-requires'

export interface Validator {
  validate(value: unknown, recordId?: unknown): [unknown, string | null] | Promise<[unknown, string | null]>
  formatter?(value: unknown): unknown
  options?(): unknown
}

export interface FieldOptions {
  length?: number
  default?: unknown
  required?: boolean
  notnull?: boolean
  unique?: boolean
  requires?: Validator | Validator[] | null
  represent?: (value: any, row?: any) => unknown
  label?: string
  comment?: string
  readable?: boolean
  writable?: boolean
  /** value (or function) stored on every update */
  update?: unknown
  /** computed from the other values on insert/update */
  compute?: (row: Record<string, any>) => unknown
  ondelete?: 'CASCADE' | 'SET NULL' | 'RESTRICT' | 'NO ACTION'
  filterIn?: (value: any) => unknown
  filterOut?: (value: any) => unknown
  uploadfolder?: string
  widget?: unknown
  autodelete?: boolean
  [other: string]: unknown
}

const BASE_TYPES = new Set(['id', 'string', 'text', 'blob', 'boolean', 'integer', 'bigint', 'double', 'date', 'time', 'datetime',
  'json', 'password', 'upload', 'list:string', 'list:integer'])

export const NAME_RE = /^[A-Za-z][A-Za-z0-9_]{0,62}$/

/** Names that would shadow Table or Row members. */
const FIELD_NAME_CLASH = new Set(['fields', 'insert', 'bulkInsert', 'updateOrInsert', 'validateAndInsert', 'validateAndUpdate', 'get', 'on',
  'withAlias', 'exportToCsv', 'importFromCsv', 'drop', 'truncate', 'updateRecord', 'deleteRecord', 'ref', 'referencing', 'toJSON', 'asDict',
  'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', '__proto__'])

export function checkName(kind: 'table' | 'field', name: string): void {
  if (typeof name !== 'string' || !NAME_RE.test(name)) throw new QK_DAL_BAD_NAME(kind, JSON.stringify(name), 'use letters, digits and _ (starting with a letter, at most 63)')
  if (kind === 'field' && FIELD_NAME_CLASH.has(name)) throw new QK_DAL_BAD_NAME(kind, name, 'it is the name of a Table or Row member')
  if (name.toLowerCase().startsWith('quark_') && kind === 'table') throw new QK_DAL_BAD_NAME(kind, name, 'quark_ tables are reserved for the framework')
}

function defaultLabel(name: string): string {
  return name.split('_').filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join(' ')
}

export class Field extends Expression {
  declare name: string
  declare readonly type: string
  declare length: number
  declare default: unknown
  declare required: boolean
  declare notnull: boolean
  declare unique: boolean
  declare _requires: Validator | Validator[] | null | undefined
  declare represent?: (value: any, row?: any) => unknown
  declare label: string
  declare comment?: string
  declare readable: boolean
  declare writable: boolean
  declare update?: unknown
  declare compute?: (row: Record<string, any>) => unknown
  declare ondelete: string
  declare filterIn?: (value: any) => unknown
  declare filterOut?: (value: any) => unknown
  declare uploadfolder?: string
  declare widget?: unknown
  /** 'thing' for 'reference thing' and 'list:reference thing' */
  declare referenced?: string
  declare precision?: [number, number]
  /** set by defineTable */
  declare table: Table
  declare tablename: string

  constructor(name: string, type = 'string', options: FieldOptions = {}) {
    const info = typeInfo(name, type)
    super('field', undefined, undefined, info.type)
    this.name = name
    if (info.referenced) this.referenced = info.referenced
    if (info.precision) this.precision = info.precision
    this.length = options.length ?? info.length
    this.default = options.default
    this.required = options.required ?? false
    this.notnull = options.notnull ?? false
    this.unique = options.unique ?? false
    if (options.requires !== undefined) this._requires = options.requires
    this.label = options.label ?? info.label
    this.readable = options.readable ?? true
    this.writable = options.writable ?? (info.type !== 'id')
    this.ondelete = options.ondelete ?? 'CASCADE'
    for (const k in options) {
      if (!KNOWN_OPTIONS.has(k)) (this as any)[k] = options[k]
    }
    if (options.represent) this.represent = options.represent
    if (options.comment !== undefined) this.comment = options.comment
    if (options.update !== undefined) this.update = options.update
    if (options.compute) this.compute = options.compute
    if (options.filterIn) this.filterIn = options.filterIn
    if (options.filterOut) this.filterOut = options.filterOut
    if (options.uploadfolder !== undefined) this.uploadfolder = options.uploadfolder
    if (options.widget !== undefined) this.widget = options.widget
  }

  /** the field's validators; when none were given, web2py's defaults for its type (see default-requires.ts) */
  get requires(): Validator | Validator[] | null | undefined {
    if (this._requires === undefined && this.table) this._requires = defaultRequiresFor(this)
    return this._requires
  }
  set requires(v: Validator | Validator[] | null | undefined) { this._requires = v }

  compile(ctx: CompileContext): string {
    const q = ctx.d.quote
    return `${q(this.table._alias ?? this.table._tablename)}.${q(this.name)}`
  }

  toString(): string { return `${this.tablename ?? '?'}.${this.name}` }

  /** 'list:reference x' and 'reference x' store integers */
  get isReference(): boolean { return this.referenced !== undefined }
}

const KNOWN_OPTIONS = new Set(['length', 'default', 'required', 'notnull', 'unique', 'requires', 'label', 'readable', 'writable', 'ondelete',
  'represent', 'comment', 'update', 'compute', 'filterIn', 'filterOut', 'uploadfolder', 'widget'])

interface TypeInfo { type: string; referenced?: string; precision?: [number, number]; length: number; label: string }
/** name+type → checked and parsed facts, so a Field made on every request skips the regexes */
const typeInfos = new Map<string, TypeInfo>()

function typeInfo(name: string, type: string): TypeInfo {
  const key = `${name}\u0000${type}`
  let info = typeInfos.get(key)
  if (info) return info
  checkName('field', name)
  const t = normaliseType(name, type)
  const ref = /^(?:list:)?reference\s+(\w+)$/.exec(t)
  const dec = /^decimal\((\d+),\s*(\d+)\)$/.exec(t)
  info = {
    type: t, referenced: ref?.[1], precision: dec ? [Number(dec[1]), Number(dec[2])] : undefined,
    length: t === 'password' || t === 'upload' || t === 'string' ? 512 : 0, label: defaultLabel(name),
  }
  if (typeInfos.size < 10000) typeInfos.set(key, info)
  return info
}

function normaliseType(name: string, type: string): string {
  if (typeof type !== 'string') throw new QK_DAL_BAD_TYPE(String(type), name)
  const t = type.trim().replace(/\s+/g, ' ')
  if (BASE_TYPES.has(t)) return t
  if (/^(list:)?reference [A-Za-z][A-Za-z0-9_]*$/.test(t)) return t
  if (/^decimal\(\d+, ?\d+\)$/.test(t)) return t.replace(' ', '')
  throw new QK_DAL_BAD_TYPE(JSON.stringify(type), name)
}

/** A value computed from the row after select, not stored. */
export class VirtualField {
  constructor(readonly name: string, readonly fn: (row: any) => unknown, readonly options: { label?: string; type?: string } = {}) {
    checkName('field', name)
  }
}

/** A function attached to every row: row.name(...args). */
export class MethodField {
  constructor(readonly name: string, readonly fn: (row: any, ...args: any[]) => unknown) {
    checkName('field', name)
  }
}

export interface FieldFactory {
  (name: string, type?: string, options?: FieldOptions): Field
  Virtual(name: string, fn: (row: any) => unknown, options?: { label?: string; type?: string }): VirtualField
  Method(name: string, fn: (row: any, ...args: any[]) => unknown): MethodField
}

/** `Field('name', 'string', {...})`, web2py's spelling: no `new`. */
export const FieldFn: FieldFactory = Object.assign(
  (name: string, type?: string, options?: FieldOptions) => new Field(name, type, options),
  {
    Virtual: (name: string, fn: (row: any) => unknown, options?: { label?: string; type?: string }) => new VirtualField(name, fn, options),
    Method: (name: string, fn: (row: any, ...args: any[]) => unknown) => new MethodField(name, fn),
  },
)
