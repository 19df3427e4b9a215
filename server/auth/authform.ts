/**
 * The small self-submitting form Auth's pages are made of: fields with
 * validators, a one-time CSRF key kept in the session per form name, error
 * messages under the fields, Bootstrap classes. Password inputs are never
 * given a value back, so a password never appears in a response.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { current } from '../current'
import { FORM, INPUT, LABEL, DIV, BUTTON, type XmlElement } from '../html'
import type { Validator } from '../dal'

export interface AuthField {
  name: string
  label: string
  type?: 'text' | 'email' | 'password' | 'checkbox'
  requires?: Validator[]
  value?: unknown
  autocomplete?: string
}

export interface AuthForm {
  formname: string
  accepted: boolean
  /** validated values (accepted) or the posted ones */
  vars: Record<string, unknown>
  errors: Record<string, string>
  /** the form as HTML, with the errors known at the time of the call */
  render(extra?: unknown[]): XmlElement
}

const MAX_KEYS = 5

function sameKey(a: string, b: string): boolean {
  const x = Buffer.from(a), y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export async function processAuthForm(formname: string, fields: AuthField[], submit: string, o: { recordId?: unknown } = {}): Promise<AuthForm> {
  const request = current.request as { method: string; postVars: Record<string, unknown> }
  const session = current.session as Record<string, unknown>
  const T = current.T
  const keyName = `_formkey[${formname}]`
  const post = request.method === 'POST' && request.postVars._formname === formname ? request.postVars : null
  const vars: Record<string, unknown> = {}
  const errors: Record<string, string> = {}
  let accepted = false
  if (post) {
    // a few keys per form, so the same form open in two tabs works; each key serves once
    const keys = Array.isArray(session[keyName]) ? (session[keyName] as string[]) : []
    const given = typeof post._formkey === 'string' ? post._formkey : ''
    const i = keys.findIndex((k) => sameKey(k, given))
    if (i >= 0) keys.splice(i, 1)
    if (i < 0) errors._form = String(T('Session expired or invalid form key: please submit the form again'))
    for (const f of fields) {
      let v: unknown = post[f.name]
      if (Array.isArray(v)) v = v[0]
      if (f.type === 'checkbox') v = v !== undefined && v !== '' && v !== null
      else v = v === undefined || v === null ? '' : String(v)
      for (const r of f.requires ?? []) {
        const [nv, err] = await r.validate(v, o.recordId)
        if (err) { errors[f.name] = String(err); break }
        v = nv
      }
      vars[f.name] = v
    }
    accepted = Object.keys(errors).length === 0
  }
  if (accepted && !(session[keyName] as string[] | undefined)?.length) delete session[keyName]
  const form: AuthForm = {
    formname, accepted, vars, errors,
    render(extra: unknown[] = []) {
      const key = randomBytes(16).toString('hex')
      const keys = Array.isArray(session[keyName]) ? (session[keyName] as string[]) : []
      keys.push(key)
      session[keyName] = keys.slice(-MAX_KEYS)
      const rows: unknown[] = []
      if (errors._form) rows.push(DIV(errors._form, { _class: 'alert alert-danger' }))
      for (const f of fields) {
        const id = `${formname}_${f.name}`
        const err = errors[f.name]
        const posted = post ? vars[f.name] : f.value
        const shown = f.type === 'password' ? undefined : posted
        if (f.type === 'checkbox') {
          rows.push(DIV(
            INPUT({ _type: 'checkbox', _name: f.name, _id: id, _class: 'form-check-input', value: !!shown }),
            LABEL(String(T(f.label)), { _for: id, _class: 'form-check-label' }),
            { _class: 'form-check mb-3', _id: `${id}__row` }))
          continue
        }
        rows.push(DIV(
          LABEL(String(T(f.label)), { _for: id, _class: 'form-label' }),
          INPUT({
            _type: f.type ?? 'text', _name: f.name, _id: id, _class: `form-control${err ? ' is-invalid' : ''}`,
            _value: shown === undefined || shown === null || typeof shown === 'object' ? undefined : String(shown),
            _autocomplete: f.autocomplete,
          }),
          err ? DIV(err, { _class: 'invalid-feedback d-block', _id: `${f.name}__error` }) : '',
          { _class: 'mb-3', _id: `${id}__row` }))
      }
      rows.push(INPUT({ _type: 'hidden', _name: '_formname', _value: formname }))
      rows.push(INPUT({ _type: 'hidden', _name: '_formkey', _value: key }))
      rows.push(BUTTON(String(T(submit)), { _type: 'submit', _class: 'btn btn-primary' }))
      return FORM(...(rows as never[]), ...(extra as never[]), { _action: '', _method: 'post', _enctype: 'application/x-www-form-urlencoded', _class: `quark-auth-form ${formname}` })
    },
  }
  return form
}
