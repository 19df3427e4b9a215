/**
 * FORM with processing: `await form.process(opts)` reads the request,
 * checks the one-time CSRF form key, validates every named field with its
 * `requires`, and sets `accepted`, `errors`, `vars`. Errors are written
 * beside their fields; hidden `_formname` / `_formkey` inputs are added
 * when rendered.
 *
 * Form keys live in `session._formkeys[formname]` (a short list, so several
 * tabs of the same form work) and are removed when used, so a replayed
 * submission is refused and says so. A session that is not saved (cookies
 * off, or `session.forget()` called on the request that rendered the form)
 * leaves no key: the submission is refused with a message naming that cause
 * rather than silently ignored. `process({ session: null })` opts out of the
 * check explicitly (for API-style forms).
 */
import { randomBytes } from 'node:crypto'
import { current } from '../current/index'
import {
  DIV, INPUT, FormElement, InputElement, SelectElement, TextareaElement, OptionElement, OptgroupElement, XmlElement,
  type HelperArg,
} from '../html/index'
import { validateAll } from '../validators/index'
import { QK_FORMS_NO_REQUEST } from './errors'
import { isEmptyFile } from './uploads'

export interface ProcessOptions {
  formname?: string
  /** keep the submitted values in the fields after acceptance (default false: fields are reset) */
  keepvalues?: boolean
  /** do not render error messages (they are still in form.errors) */
  hideerror?: boolean
  /** called after field validation; may add to form.errors */
  onvalidation?: (form: any) => unknown
  onsuccess?: ((form: any) => unknown) | string
  onfailure?: ((form: any) => unknown) | string
  /** SQLFORM: write to the database on acceptance (default true) */
  dbio?: boolean
  /** null: no CSRF form key check (explicit opt-out); default the request's session */
  session?: Record<string, unknown> | null
  /** message flashed on success when onsuccess is not given */
  message?: string
}

const MAX_KEYS_PER_FORM = 10
const MAX_FORMS = 50
const FIELD_TAGS = new Set(['input/', 'select', 'textarea'])
const NOT_VALUES = new Set(['submit', 'button', 'reset', 'image'])

export function T(text: string, symbols?: unknown): string {
  return String(current.T(text, symbols))
}

/** The value-carrying elements of a form (inputs, selects, textareas with a _name). */
export function fieldElements(root: XmlElement): XmlElement[] {
  return root.elements('', {}).filter((el) => FIELD_TAGS.has(el.tag) && typeof el.attributes._name === 'string' &&
    !String(el.attributes._name).startsWith('_') && !NOT_VALUES.has(String(el.attributes._type ?? '').toLowerCase()))
}

function isTrue(v: unknown): boolean {
  return v !== undefined && v !== null && v !== false && v !== '' && v !== 'off' && !(Array.isArray(v) && !v.length)
}

/** Put a value in an element as the browser would show it. */
export function setElementValue(el: XmlElement, value: unknown): void {
  const a = el.attributes
  if (el instanceof InputElement || el.tag === 'input/') {
    const type = String(a._type ?? 'text').toLowerCase()
    if (type === 'checkbox') {
      const values = Array.isArray(value) ? value.map(String) : null
      a._checked = (values ? a._value !== undefined && values.includes(String(a._value)) : isTrue(value)) ? 'checked' : undefined
    } else if (type === 'radio') a._checked = value !== undefined && value !== null && String(value) === String(a._value) ? 'checked' : undefined
    else if (type === 'file' || type === 'password') return
    else a._value = value === null || value === undefined ? undefined : Array.isArray(value) ? value.join(', ') : String(value)
  } else if (el instanceof TextareaElement || el.tag === 'textarea') {
    el.components = value === null || value === undefined ? [] : [String(value)]
  } else if (el instanceof SelectElement || el.tag === 'select') {
    const values = (Array.isArray(value) ? value : value === null || value === undefined ? [] : [value]).map(String)
    const mark = (p: XmlElement) => {
      for (const c of p.components) {
        if (c instanceof OptgroupElement) mark(c)
        else if (c instanceof OptionElement) {
          const v = c.attributes._value !== undefined ? String(c.attributes._value) : c.flatten()
          c.attributes._selected = values.includes(v) ? 'selected' : undefined
        }
      }
    }
    mark(el)
  }
}

function addClass(el: XmlElement, cls: string): void {
  const cur = String(el.attributes._class ?? '')
  if (!cur.split(/\s+/).includes(cls)) el.attributes._class = (cur ? cur + ' ' : '') + cls
}
function removeClass(el: XmlElement, cls: string): void {
  const cur = String(el.attributes._class ?? '')
  const next = cur.split(/\s+/).filter((c) => c && c !== cls).join(' ')
  el.attributes._class = next || undefined
}

export class Form extends FormElement {
  accepted = false
  /** field name → message; `_formkey` / `_record` for form-level problems */
  errors: Record<string, string> = {}
  vars: Record<string, any> = {}
  formname = 'default'
  formkey: string | undefined
  /** set by SQLFORM when the delete checkbox removed the record */
  deleted = false
  protected hideerror = false
  protected processed = false
  protected initialValues = new Map<XmlElement, unknown>()

  constructor(tag: string, args: HelperArg[]) {
    super(tag, args)
    if (typeof this.attributes.formname === 'string') this.formname = this.attributes.formname
  }

  /** Hook for subclasses that need the database before showing or validating (SQLFORM). */
  async prepare(): Promise<this> { return this }

  /** web2py's accepts(): the same as process(). */
  async accepts(_request?: unknown, session?: Record<string, unknown> | null, opts: ProcessOptions = {}): Promise<boolean> {
    await this.process(session === undefined ? opts : { ...opts, session })
    return this.accepted
  }

  async process(o: ProcessOptions = {}): Promise<this> {
    const request = current.request as { method: string; postVars: Record<string, unknown> } | undefined
    if (!request) throw new QK_FORMS_NO_REQUEST()
    if (o.formname) this.formname = o.formname
    this.hideerror = !!o.hideerror
    const session = o.session === undefined ? (current.session as Record<string, unknown> | undefined) : o.session
    await this.prepare()
    const fields = fieldElements(this)
    if (!this.processed) for (const el of fields) this.initialValues.set(el, snapshot(el))
    this.processed = true
    this.accepted = false
    this.errors = {}
    const post = request.postVars ?? {}
    const names = new Set(fields.map((f) => String(f.attributes._name)))
    const submitted = request.method === 'POST' &&
      (post._formname === this.formname || (post._formname === undefined && Object.keys(post).some((k) => names.has(k))))
    if (submitted) {
      if (session !== null) this.checkFormKey(post, session)
      this.vars = {}
      for (const el of fields) await this.validateField(el, post)
      await this.afterFieldValidation(post)
      if (o.onvalidation) await o.onvalidation(this)
      const ok = Object.keys(this.errors).length === 0
      if (ok) {
        if (o.dbio !== false) await this.dbio(post)
        this.accepted = Object.keys(this.errors).length === 0
      }
      if (this.accepted) {
        if (!o.keepvalues) this.resetValues(fields)
        else this.showPosted(fields, post)
        const cb = o.onsuccess ?? (o.message ? o.message : undefined)
        if (typeof cb === 'function') await cb(this)
        else if (typeof cb === 'string' && current.response) current.response.flash = cb
      } else {
        this.showPosted(fields, post)
        if (typeof o.onfailure === 'function') await o.onfailure(this)
        else if (typeof o.onfailure === 'string' && current.response) current.response.flash = o.onfailure
      }
    }
    this.renderErrors(fields)
    if (session) this.formkey = newFormKey(session, this.formname)
    else this.formkey = undefined
    return this
  }

  private checkFormKey(post: Record<string, unknown>, session: Record<string, unknown> | undefined): void {
    const key = post._formkey
    const store = (session?._formkeys ?? {}) as Record<string, string[]>
    const used = (session?._formkeysUsed ?? {}) as Record<string, string[]>
    // Stryker disable next-line ArrayDeclaration: a list holding one made-up key is never matched by a real key
    const keys = store[this.formname] ?? []
    const i = typeof key === 'string' ? keys.indexOf(key) : -1
    if (i >= 0) {
      keys.splice(i, 1)
      // Stryker disable next-line ArrayDeclaration: a list holding one made-up key is never matched by a real key
      const u = (used[this.formname] ??= [])
      u.push(key as string)
      if (u.length > MAX_KEYS_PER_FORM) u.shift()
      if (session) session._formkeysUsed = used
      return
    }
    if (typeof key !== 'string' || !key) this.errors._formkey = T('Form key missing: the form was not submitted from its page')
    // Stryker disable next-line ArrayDeclaration: a list holding one made-up key is never matched by a real key
    else if ((used[this.formname] ?? []).includes(key)) this.errors._formkey = T('This form was already submitted (a form key is valid once)')
    else if (!session || !session._formkeys) this.errors._formkey = T('Form key unknown: no form keys in this session (cookies disabled, or session.forget() on the page that showed the form)')
    else this.errors._formkey = T('Form key expired or invalid: reload the page and submit again')
  }

  /** Validate one element's posted value with its `requires`; sets vars / errors. */
  protected async validateField(el: XmlElement, post: Record<string, unknown>): Promise<void> {
    const name = String(el.attributes._name)
    if (name in this.vars || name in this.errors) return  // radios / checkbox groups: one value per name
    let value = this.postedValue(el, post)
    const requires = el.attributes.requires as Parameters<typeof validateAll>[0]
    if (requires) {
      const [v, err] = await validateAll(requires, value, this.recordId())
      if (err) { this.errors[name] = err; return }
      value = v
    }
    this.vars[name] = value
  }

  /** The value the browser sent for an element (checkbox: '' when unchecked; multiple select: an array). */
  protected postedValue(el: XmlElement, post: Record<string, unknown>): unknown {
    const name = String(el.attributes._name)
    const type = String(el.attributes._type ?? '').toLowerCase()
    let v = post[name]
    if (el.tag === 'select' && el.attributes._multiple) return v === undefined ? [] : Array.isArray(v) ? v : [v]
    if (type === 'file') return v === undefined || isEmptyFile(v) ? null : v
    if (type === 'checkbox' && (el.attributes.multiple || fieldElementsNamed(this, name).length > 1)) return v === undefined ? [] : Array.isArray(v) ? v : [v]
    if (v === undefined) v = ''
    return Array.isArray(v) ? v[v.length - 1] : v
  }

  /** Subclasses: record id for IS_NOT_IN_DB. */
  protected recordId(): unknown { return undefined }
  /** Subclasses: checks after each field validated (record change detection). */
  protected async afterFieldValidation(_post: Record<string, unknown>): Promise<void> {}
  /** Subclasses: database input/output on acceptance. */
  protected async dbio(_post: Record<string, unknown>): Promise<void> {}

  protected showPosted(fields: XmlElement[], post: Record<string, unknown>): void {
    for (const el of fields) {
      const name = String(el.attributes._name)
      const type = String(el.attributes._type ?? '').toLowerCase()
      if (type === 'file' || type === 'hidden' && name.startsWith('_')) continue
      setElementValue(el, this.postedValue(el, post))
    }
  }

  protected resetValues(fields: XmlElement[]): void {
    for (const el of fields) restore(el, this.initialValues.get(el))
  }

  /** Put each field's message right after it (and mark it invalid for Bootstrap); form-level ones on top. */
  protected renderErrors(fields: XmlElement[]): void {
    for (const old of this.elements('div.quark-error')) {
      const p = old.parent
      if (p) p.components = p.components.filter((c) => c !== old)
    }
    for (const el of fields) removeClass(el, 'is-invalid')
    if (this.hideerror) return
    const placed = new Set<string>()
    for (const el of fields) {
      const name = String(el.attributes._name)
      const msg = this.errors[name]
      if (!msg || placed.has(name)) continue
      placed.add(name)
      addClass(el, 'is-invalid')
      const div = DIV(msg, { _class: 'quark-error error invalid-feedback d-block', _id: `${name}__error` })
      const parent = el.parent ?? this
      const i = parent.components.indexOf(el)
      parent.insert(i + 1, div)
    }
    const formLevel = Object.keys(this.errors).filter((k) => !placed.has(k))
    if (formLevel.length) {
      this.insert(0, DIV(formLevel.map((k) => DIV(this.errors[k]!)), { _class: 'quark-error form-error alert alert-danger', _role: 'alert' }))
    }
  }

  /** The hidden inputs that carry the form's name and key. */
  hiddenFields(): XmlElement {
    const hidden = this.attributes.hidden as Record<string, unknown> | undefined
    const inputs: XmlElement[] = []
    if (hidden) for (const k of Object.keys(hidden)) inputs.push(INPUT({ _type: 'hidden', _name: k, _value: String(hidden[k] ?? '') }))
    if (this.processed) {
      if (this.formkey) inputs.push(INPUT({ _type: 'hidden', _name: '_formkey', _value: this.formkey }))
      inputs.push(INPUT({ _type: 'hidden', _name: '_formname', _value: this.formname }))
    }
    return DIV(inputs, { _style: 'display:none;' })
  }

  override renderComponents(): string {
    // an unprocessed FORM renders exactly as html's FORM does
    const hidden = this.hiddenFields()
    return super.renderComponents() + (hidden.components.length ? hidden.xml() : '')
  }
}

function fieldElementsNamed(root: XmlElement, name: string): XmlElement[] {
  return fieldElements(root).filter((e) => e.attributes._name === name)
}

type Snap = { value?: unknown; checked?: unknown; components?: unknown[]; selected?: unknown[] }
function snapshot(el: XmlElement): Snap {
  if (el.tag === 'textarea') return { components: [...el.components] }
  if (el.tag === 'select') return { selected: el.elements('option').map((o) => o.attributes._selected) }
  return { value: el.attributes._value, checked: el.attributes._checked }
}
function restore(el: XmlElement, s: unknown): void {
  const snap = s as Snap | undefined
  if (!snap) return
  if (el.tag === 'textarea') el.components = (snap.components ?? []) as typeof el.components
  else if (el.tag === 'select') el.elements('option').forEach((o, i) => { o.attributes._selected = snap.selected?.[i] })
  else {
    const type = String(el.attributes._type ?? 'text').toLowerCase()
    if (type === 'checkbox' || type === 'radio') el.attributes._checked = snap.checked
    else if (type !== 'file' && type !== 'hidden') el.attributes._value = snap.value
  }
}

/** Make a one-time key for `formname` and remember it in the session. */
export function newFormKey(session: Record<string, unknown>, formname: string): string {
  const key = randomBytes(18).toString('base64url')
  const store = (session._formkeys ??= {}) as Record<string, string[]>
  // bounded session growth: forms named per record (grid edits) come and go
  if (!(formname in store)) {
    const names = Object.keys(store)
    if (names.length >= MAX_FORMS) delete store[names[0]!]
    const used = session._formkeysUsed as Record<string, string[]> | undefined
    if (used) { const u = Object.keys(used); if (u.length >= MAX_FORMS) delete used[u[0]!] }
  }
  const list = (store[formname] ??= [])
  list.push(key)
  if (list.length > MAX_KEYS_PER_FORM) list.shift()
  return key
}

/** FORM(...) whose result can be processed: `await FORM(INPUT({ _name: 'x', requires: IS_NOT_EMPTY() })).process()`. */
export function FORM(...args: HelperArg[]): Form {
  return new Form('form', args)
}
