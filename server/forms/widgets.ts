/**
 * Widgets: the input element for a field, chosen by its type and its
 * validators (a select when they list options), and the read-only display of
 * a value. A field's own `widget(field, value, attrs)` wins.
 */
import { current } from '../current/index'
import { A, DIV, INPUT, LABEL, OPTION, SELECT, SPAN, TEXTAREA, URL, XmlElement, type Component } from '../html/index'
import { defaultRequires } from '../validators/index'
import { T } from './form'

/** The parts of a DAL Field that forms read (SQLFORM.factory fields have no table). */
export interface FieldLike {
  name: string
  type: string
  label: string
  comment?: unknown
  default?: unknown
  readable: boolean
  writable: boolean
  length?: number
  notnull?: boolean
  requires?: unknown
  _requires?: unknown
  represent?: (value: any, row?: any) => unknown
  widget?: unknown
  uploadfolder?: string
  uploadseparate?: boolean
  uploadMaxSize?: number
  autodelete?: boolean
  referenced?: string
  table?: any
}

export type Pairs = Array<[string, string]>
export type WidgetFn = (field: FieldLike, value: unknown, attrs: Record<string, unknown>) => XmlElement

export interface ValidatorLike {
  validate(value: unknown, recordId?: unknown): unknown
  formatter?(value: unknown): unknown
  options?(zero?: boolean): Pairs | Promise<Pairs>
  multiple?: unknown
}

/** The field's validators as a list (factory fields get the type's defaults). */
export function fieldRequires(field: FieldLike): ValidatorLike[] {
  let r = field.requires
  if (r === undefined && !field.table && field._requires === undefined) r = defaultRequires(field.type, { length: field.length, notnull: field.notnull })
  if (r === null || r === undefined) return []
  return (Array.isArray(r) ? r : [r]) as ValidatorLike[]
}

/** The validator that lists options for a select (IS_IN_SET, IS_IN_DB, or IS_EMPTY_OR of one), if any. */
export function optionsValidator(field: FieldLike): ValidatorLike | undefined {
  return fieldRequires(field).find((v) => typeof v.options === 'function')
}

/** The value as text in an input: the first validator's formatter, then by type. */
export function formatValue(field: FieldLike, value: unknown): string {
  if (value === null || value === undefined) return ''
  for (const v of fieldRequires(field)) {
    if (typeof v.formatter === 'function') {
      const f = v.formatter(value)
      if (f !== undefined && f !== null && typeof f !== 'object') return String(f)
    }
  }
  if (value instanceof Date) return value.toISOString().slice(0, field.type === 'date' ? 10 : 19).replace('T', ' ')
  if (Array.isArray(value)) return value.join(', ')
  if (field.type === 'json' && typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

function inputType(type: string): string {
  if (type === 'date') return 'date'
  if (type === 'time') return 'time'
  if (type === 'password') return 'password'
  return 'text'
}

function typeClass(type: string): string {
  return type.replace(/\(.*$/, '').replace(/[^a-z]/g, '_')
}

export interface WidgetOptions {
  id: string
  /** select options already resolved (IS_IN_DB needs the database) */
  options?: Pairs
  /** how to link a stored upload for download */
  downloadUrl?: (name: string) => string
}

/** The input element for a field. Attributes carry `requires` so FORM processing validates it. */
export function widgetFor(field: FieldLike, value: unknown, o: WidgetOptions): XmlElement {
  const attrs: Record<string, unknown> = { _name: field.name, _id: o.id, _class: typeClass(field.type), requires: fieldRequires(field) }
  // a field's own widget: a function, or 'checkboxes' / 'radio' for fields with options
  if (typeof field.widget === 'function') return (field.widget as WidgetFn)(field, value, attrs)
  const type = field.type
  const ov = optionsValidator(field)
  if (ov && o.options) {
    const multiple = !!ov.multiple || type.startsWith('list:')
    const selected = Array.isArray(value) ? value.map(String) : value === null || value === undefined ? [] : [String(value)]
    if (field.widget === 'checkboxes' || field.widget === 'radio') {
      // one input per option; `multiple` tells FORM processing to read the group as a list
      const type = field.widget === 'radio' ? 'radio' : 'checkbox'
      return DIV(o.options.filter(([k]) => k !== '').map(([k, label], i) => DIV(
        INPUT({ ...attrs, _id: `${o.id}_${i}`, _type: type, _value: k, _checked: selected.includes(k) ? 'checked' : undefined, multiple: type === 'checkbox' }),
        LABEL(label, { _for: `${o.id}_${i}`, _class: 'form-check-label' }), { _class: 'form-check' })), { _id: o.id, _class: 'quark-options' })
    }
    const opts = o.options.map(([k, label]) => OPTION(label, { _value: k, _selected: selected.includes(k) ? 'selected' : undefined }))
    return SELECT(opts, { ...attrs, _multiple: multiple ? 'multiple' : undefined })
  }
  if (type === 'boolean') return INPUT({ ...attrs, _type: 'checkbox', _checked: value ? 'checked' : undefined })
  if (type === 'text' || type === 'json') return TEXTAREA({ ...attrs, value: formatValue(field, value) })
  if (type === 'upload') return uploadWidget(field, value, attrs, o)
  // a password is never sent back to the browser
  const shown = type === 'password' ? undefined : formatValue(field, value)
  return INPUT({ ...attrs, _type: inputType(type), _value: shown })
}

function uploadWidget(field: FieldLike, value: unknown, attrs: Record<string, unknown>, o: WidgetOptions): XmlElement {
  const input = INPUT({ ...attrs, _type: 'file' })
  if (typeof value !== 'string' || !value) return input
  const url = (o.downloadUrl ?? defaultDownloadUrl)(value)
  const parts: Component[] = [input, SPAN(' [', A(T('file'), { _href: url, _class: 'quark-upload-link' }))]
  if (!field.notnull) {
    parts.push(' | ', INPUT({ _type: 'checkbox', _name: `${field.name}__delete`, _id: `${o.id}__delete`, _class: 'form-check-input' }),
      ' ', LABEL(T('delete'), { _for: `${o.id}__delete` }))
  }
  parts.push(']')
  return DIV(parts, { _class: 'quark-upload' })
}

/** `URL('download', args: [name])` in the current controller, web2py's convention. */
export function defaultDownloadUrl(name: string): string {
  return current.request ? URL('download', { args: [name] }) : name
}

/** How a value is shown read-only (SQLFORM readonly, grid cells, view pages). */
export function representValue(field: FieldLike, value: unknown, row?: unknown, o: { options?: Pairs; downloadUrl?: (n: string) => string } = {}): Component {
  if (field.represent) return field.represent(value, row) as Component
  if (value === null || value === undefined || value === '') return ''
  if (field.type === 'upload' && typeof value === 'string') return A(T('file'), { _href: (o.downloadUrl ?? defaultDownloadUrl)(value) })
  if (field.type === 'boolean') return value ? T('True') : T('False')
  if (field.type === 'password') return '********'
  if (o.options) {
    const map = new Map(o.options)
    if (Array.isArray(value)) return value.map((x) => map.get(String(x)) ?? String(x)).join(', ')
    const label = map.get(String(value))
    if (label !== undefined) return label
  }
  return formatValue(field, value)
}
