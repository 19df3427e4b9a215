/**
 * SQLFORM(table, record?, options): a form made from a table's fields that
 * creates or updates a record on acceptance (deletes it with `deletable` and
 * the delete checkbox), or shows it read-only. SQLFORM.factory(...fields)
 * makes the same form with no table (nothing written, uploads still stored).
 *
 * Widgets that need the database (IS_IN_DB selects, a record given by id)
 * are resolved by `await form.process()` / `await form.prepare()`.
 */
import { createHash } from 'node:crypto'
import { INPUT, LABEL, SPAN, XML, XmlElement, type Component } from '../html/index'
import { HTTP } from '../http/index'
import { Form, T, fieldElements, type ProcessOptions } from './form'
import { resolveFormstyle, type FormRow, type FormStyle } from './formstyle'
import { QK_FORMS_BAD_TABLE, QK_FORMS_NOT_PREPARED } from './errors'
import { isIncomingFile, removeUpload, storeUpload } from './uploads'
import { optionsValidator, representValue, widgetFor, type FieldLike, type Pairs } from './widgets'

export interface SqlFormOptions {
  /** field names shown (default: readable fields) */
  fields?: string[]
  labels?: Record<string, Component>
  /** comments beside fields (default: each field's comment) */
  col3?: Record<string, Component>
  submitButton?: string
  /** show the record id on update forms (default true) */
  showid?: boolean
  readonly?: boolean
  /** update forms: a "check to delete" box */
  deletable?: boolean
  formstyle?: 'bootstrap5' | 'table3cols' | FormStyle
  /** download URL prefix (URL('download') by default) or a function of the stored name */
  upload?: string | ((name: string) => string)
  /** refuse an update when the record changed since the form was shown */
  detectRecordChange?: boolean
  formname?: string
  hidden?: Record<string, unknown>
  /** extra buttons beside submit */
  buttons?: Component[]
  /** form attributes: _action, _class, _id ... */
  [attr: `_${string}`]: unknown
  /** SQLFORM.factory: the name used for stored uploads (default no_table) */
  tableName?: string
}

interface TableLike { _tablename: string; _fieldList: FieldLike[]; _fieldMap: Map<string, FieldLike>; _db?: any; id?: any }

function isTable(t: unknown): t is TableLike {
  return !!t && typeof t === 'object' && typeof (t as TableLike)._tablename === 'string' && Array.isArray((t as TableLike)._fieldList)
}

export class SqlForm extends Form {
  readonly table: TableLike
  readonly opts: SqlFormOptions
  record: Record<string, any> | null
  private recordKey: unknown
  private prepared = false
  private needsAsync = false
  private options = new Map<string, Pairs>()
  private pendingOptions = new Map<string, Promise<Pairs>>()
  private asyncOptions: string[] = []
  private deleting = false
  /** the fields shown, in order */
  readonly shown: FieldLike[]
  /** set when a SQLFORM.factory form: nothing is written to a database */
  readonly isFactory: boolean
  custom: Record<string, any> = {}

  constructor(table: TableLike, record: unknown = null, opts: SqlFormOptions = {}, isFactory = false) {
    super('form', [])
    if (!isTable(table)) throw new QK_FORMS_BAD_TABLE('SQLFORM', 'the first argument must be a table (db.thing)')
    this.table = table
    this.opts = opts
    this.isFactory = isFactory
    for (const k of Object.keys(opts)) if (k.startsWith('_')) this.attributes[k] = opts[k as `_${string}`]
    if (opts.hidden) this.attributes.hidden = { ...opts.hidden }
    const names = opts.fields ?? table._fieldList.filter((f) => f.readable && f.name !== 'id').map((f) => f.name)
    this.shown = names.map((n) => {
      const f = table._fieldMap.get(n)
      if (!f) throw new QK_FORMS_BAD_TABLE(`SQLFORM(${table._tablename})`, `no field ${JSON.stringify(n)}`)
      return f
    })
    if (record !== null && record !== undefined && record !== '' && typeof record !== 'object') { this.recordKey = record; this.record = null; this.needsAsync = true }
    else this.record = (record || null) as Record<string, any> | null
    this.formname = opts.formname ?? `${table._tablename}/${this.record?.id ?? this.recordKey ?? 'create'}`
    for (const f of this.shown) {
      const ov = optionsValidator(f)
      if (!ov) continue
      // options that query the database are loaded by prepare(), never started here: a query left running
      // beside the request's next one would race it on the same connection
      if (hasAsyncOptions(ov)) { this.asyncOptions.push(f.name); this.needsAsync = true; continue }
      const o = ov.options!()
      if (o instanceof Promise) { this.pendingOptions.set(f.name, o); this.needsAsync = true } else this.options.set(f.name, o)
    }
    if (!this.needsAsync) this.build()
  }

  get recordIdValue(): unknown { return this.record?.id }
  protected override recordId(): unknown { return this.record?.id }

  override async prepare(): Promise<this> {
    if (this.prepared) return this
    // options queries were started by the constructor: finish them before the next query
    for (const [name, p] of this.pendingOptions) this.options.set(name, await p)
    this.pendingOptions.clear()
    for (const name of this.asyncOptions) this.options.set(name, await optionsValidator(this.table._fieldMap.get(name)!)!.options!())
    if (this.recordKey !== undefined) {
      if (!this.table._db) throw new QK_FORMS_BAD_TABLE('SQLFORM', 'a record id needs a table of a database')
      const row = await this.table._db((this.table._fieldMap.get('id') as any).eq(this.recordKey)).select({ limitby: [0, 1] })
      this.record = row.first()
      if (!this.record) throw HTTP(404, `No record ${String(this.recordKey)}`)
    }
    this.prepared = true
    this.build()
    return this
  }

  override async process(o: ProcessOptions = {}): Promise<this> {
    // an update form shows what was saved; a create form is emptied for the next record
    return super.process(this.record || this.recordKey !== undefined ? { keepvalues: true, ...o } : o)
  }

  private downloadUrl(): ((name: string) => string) | undefined {
    const u = this.opts.upload
    if (typeof u === 'function') return u
    if (typeof u === 'string') return (name) => `${u.replace(/\/$/, '')}/${encodeURIComponent(name)}`
    return undefined
  }

  private valueOf(f: FieldLike): unknown {
    if (this.record) return this.record[f.name]
    return typeof f.default === 'function' ? (f.default as () => unknown)() : f.default
  }

  /** Build the form's components from the fields (again after prepare()). */
  private build(): void {
    const o = this.opts
    const readonly = !!o.readonly
    const rows: FormRow[] = []
    const custom: Record<string, any> = { widget: {}, label: {}, comment: {}, dspval: {}, inpval: {}, linkto: {} }
    const prefix = this.table._tablename
    if (this.record && o.showid !== false) {
      const id = `${prefix}_id`
      rows.push({ id, label: T('Id'), widget: SPAN(String(this.record.id), { _id: id }) })
      custom.widget.id = SPAN(String(this.record.id), { _id: id })
    }
    for (const f of this.shown) {
      const id = `${prefix}_${f.name}`
      const value = this.valueOf(f)
      const label = o.labels?.[f.name] ?? T(f.label)
      const comment = o.col3?.[f.name] ?? (f.comment as Component | undefined)
      const dsp = representValue(f, value, this.record, { options: this.options.get(f.name), downloadUrl: this.downloadUrl() })
      let widget: Component
      if (readonly || !f.writable) widget = SPAN(dsp, { _id: id, _class: 'form-control-plaintext' })
      else widget = widgetFor(f, value, { id, options: this.options.get(f.name), downloadUrl: this.downloadUrl() })
      rows.push({ id, label, widget, comment, checkbox: f.type === 'boolean' && !readonly && f.writable })
      custom.widget[f.name] = widget
      custom.label[f.name] = LABEL(label, { _for: id })
      custom.comment[f.name] = comment ?? ''
      custom.dspval[f.name] = dsp
      custom.inpval[f.name] = value
    }
    if (this.record && o.deletable && !readonly && !this.isFactory) {
      const id = 'delete_record'
      const box = INPUT({ _type: 'checkbox', _name: 'delete_this_record', _id: id, _class: 'delete' })
      rows.push({ id, label: T('Check to delete'), widget: box, checkbox: true })
      custom.deletable = box
    }
    const submit: Component[] = []
    if (!readonly) {
      const s = INPUT({ _type: 'submit', _value: o.submitButton ?? T('Submit') })
      submit.push(s)
      custom.submit = s
    }
    if (o.buttons) submit.push(...o.buttons)
    this.components = []
    for (const c of resolveFormstyle(o.formstyle)(rows, submit)) this.append(c)
    if (o.detectRecordChange && this.record) {
      const hidden = (this.attributes.hidden ??= {}) as Record<string, unknown>
      hidden._record_hash = recordHash(this.record, this.shown)
    }
    this.custom = custom
    Object.defineProperty(custom, 'begin', { get: () => XML('<form' + this.renderAttributes() + '>'), enumerable: true })
    Object.defineProperty(custom, 'end', { get: () => XML(this.hiddenFields().xml() + '</form>'), enumerable: true })
  }

  override xml(): string {
    if (this.needsAsync && !this.prepared) throw new QK_FORMS_NOT_PREPARED(this.formname)
    return super.xml()
  }

  private fieldOf(el: XmlElement): FieldLike | undefined {
    return this.table._fieldMap.get(String(el.attributes._name))
  }

  protected override async validateField(el: XmlElement, post: Record<string, unknown>): Promise<void> {
    if (this.deleting) return
    const f = this.fieldOf(el)
    const v = f ? this.postedValue(el, post) : undefined
    // on update, an empty password keeps the stored one
    if (f?.type === 'password' && this.record && v === '') return
    if (f?.type === 'upload' && !isIncomingFile(v)) {
      // no new file: keep the stored one (or the delete checkbox clears it); validators only judge real files
      if (f.notnull && !this.record?.[f.name]) this.errors[f.name] = T('Choose a file')
      return
    }
    await super.validateField(el, post)
  }

  protected override postedValue(el: XmlElement, post: Record<string, unknown>): unknown {
    const v = super.postedValue(el, post)
    const f = this.fieldOf(el)
    // a list:string typed as "a, b" (no options to choose from)
    if (f && f.type.startsWith('list:') && el.tag === 'input/' && typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean)
    return v
  }

  protected override async afterFieldValidation(post: Record<string, unknown>): Promise<void> {
    this.deleting = !!(this.opts.deletable && this.record && post.delete_this_record && post.delete_this_record !== 'off')
    if (this.deleting) { for (const k of Object.keys(this.errors)) if (k !== '_formkey') delete this.errors[k] }
    if (this.opts.detectRecordChange && this.record && !this.deleting) {
      if (post._record_hash !== recordHash(this.record, this.shown)) this.errors._record = T('Record changed while you were editing it: reload it and try again')
    }
  }

  protected override async dbio(post: Record<string, unknown>): Promise<void> {
    const t = this.table
    if (this.deleting) {
      await t._db((t._fieldMap.get('id') as any).eq(this.record!.id)).delete()
      for (const f of t._fieldList) if (f.type === 'upload' && f.autodelete) await removeUpload(this.record![f.name], uploadOpts(f))
      this.deleted = true
      this.vars.id = this.record!.id
      return
    }
    const values: Record<string, unknown> = {}
    for (const el of fieldElements(this)) {
      const f = this.fieldOf(el)
      if (!f || !f.writable || f.name === 'id' || this.opts.readonly) continue
      const v = this.vars[f.name]
      if (f.type === 'upload') {
        const old = this.record?.[f.name]
        if (isIncomingFile(v)) {
          try {
            values[f.name] = await storeUpload(v, { table: t._tablename, field: f.name, maxSize: f.uploadMaxSize, ...uploadOpts(f) })
          } catch (e) {
            if ((e as { code?: string }).code !== 'QK_FORMS_UPLOAD_TOO_LARGE') throw e
            this.errors[f.name] = T('File too large (at most %s bytes)', [f.uploadMaxSize])
            continue
          }
          if (old && f.autodelete) await removeUpload(old, uploadOpts(f))
        } else if (post[`${f.name}__delete`] && old) {
          values[f.name] = ''
          if (f.autodelete !== false) await removeUpload(old, uploadOpts(f))
        }
        if (f.name in values) this.vars[f.name] = values[f.name]
        continue
      }
      if (!(f.name in this.vars)) continue
      values[f.name] = f.type === 'boolean' ? isChecked(v) : v
      if (f.type === 'boolean') this.vars[f.name] = values[f.name]
    }
    if (Object.keys(this.errors).length) { await removeStored(values, t); return }
    if (this.isFactory) return
    if (this.record) {
      if (Object.keys(values).length) await t._db((t._fieldMap.get('id') as any).eq(this.record.id)).update(values)
      this.vars.id = this.record.id
      Object.assign(this.record, values)
    } else {
      this.vars.id = await (t as any).insert(values)
    }
  }
}

/** IS_IN_DB (an async options()), directly or inside IS_EMPTY_OR. */
function hasAsyncOptions(v: any): boolean {
  if (!v) return false
  if (v.options?.constructor?.name === 'AsyncFunction') return true
  const inner = v.validators ?? v.other
  return Array.isArray(inner) ? inner.some(hasAsyncOptions) : hasAsyncOptions(inner)
}

function isChecked(v: unknown): boolean {
  return v !== undefined && v !== null && v !== false && v !== '' && v !== 'off'
}

function uploadOpts(f: FieldLike): { folder?: string; uploadseparate?: boolean } {
  return { folder: f.uploadfolder, uploadseparate: f.uploadseparate }
}

async function removeStored(values: Record<string, unknown>, t: TableLike): Promise<void> {
  for (const [k, v] of Object.entries(values)) {
    const f = t._fieldMap.get(k)
    if (f?.type === 'upload' && v) await removeUpload(v, uploadOpts(f))
  }
}

function recordHash(record: Record<string, any>, fields: FieldLike[]): string {
  const data = fields.map((f) => [f.name, record[f.name] instanceof Date ? record[f.name].toISOString() : record[f.name] ?? null])
  return createHash('sha256').update(JSON.stringify(data)).digest('hex').slice(0, 32)
}

/** A table-less "table" for SQLFORM.factory. */
function factoryTable(fields: FieldLike[], name: string): TableLike {
  for (const f of fields) if (!f || typeof f.name !== 'string' || typeof f.type !== 'string') throw new QK_FORMS_BAD_TABLE('SQLFORM.factory', 'arguments must be Field(...)')
  return { _tablename: name, _fieldList: fields, _fieldMap: new Map(fields.map((f) => [f.name, f])) }
}

export interface SqlFormFunction {
  (table: any, record?: unknown, opts?: SqlFormOptions): SqlForm
  factory(...args: Array<FieldLike | SqlFormOptions>): SqlForm
  grid: (query: any, opts?: any) => Promise<XmlElement>
  smartgrid: (table: any, opts?: any) => Promise<XmlElement>
}

export const SQLFORM = function SQLFORM(table: any, record?: unknown, opts?: SqlFormOptions): SqlForm {
  // SQLFORM(table, { options }) without a record
  if (record && typeof record === 'object' && opts === undefined && !('id' in (record as object))) return new SqlForm(table, null, record as SqlFormOptions)
  return new SqlForm(table, record ?? null, opts ?? {})
} as SqlFormFunction

SQLFORM.factory = (...args: Array<FieldLike | SqlFormOptions>): SqlForm => {
  const last = args[args.length - 1]
  const isOpts = !!last && typeof last === 'object' && Object.getPrototypeOf(last) === Object.prototype && typeof (last as FieldLike).type !== 'string'
  const opts = (isOpts ? args.pop() : {}) as SqlFormOptions
  const name = opts.tableName ?? 'no_table'
  return new SqlForm(factoryTable(args as FieldLike[], name), null, { formname: name, ...opts }, true)
}
