/**
 * Form styles: how SQLFORM lays out its rows. Bootstrap 5 by default;
 * `table3cols` is web2py's classic label | widget | comment table. A style is
 * any function with the FormStyle signature, so apps can plug their own.
 */
import { DIV, LABEL, TABLE, TD, TR, XmlElement, type Component } from '../html/index'

export interface FormRow {
  /** the widget's id; the row's id is `<id>__row` */
  id: string
  label: Component
  widget: Component
  comment?: Component
  /** checkbox rows are laid out differently by Bootstrap */
  checkbox?: boolean
}

export type FormStyle = (rows: FormRow[], submit: Component[]) => Component[]

function addClass(c: Component, cls: string): void {
  if (!(c instanceof XmlElement)) return
  const targets = c.tag === 'input/' || c.tag === 'select' || c.tag === 'textarea' ? [c] : c.elements('input, select, textarea')
  for (const el of targets) {
    const type = String(el.attributes._type ?? '')
    const want = type === 'checkbox' || type === 'radio' ? 'form-check-input' : el.tag === 'select' ? 'form-select' : cls
    const cur = String(el.attributes._class ?? '')
    if (!cur.split(/\s+/).includes(want)) el.attributes._class = (cur ? cur + ' ' : '') + want
  }
}

export const bootstrap5: FormStyle = (rows, submit) => {
  const out: Component[] = rows.map((r) => {
    addClass(r.widget, 'form-control')
    const comment = r.comment ? DIV(r.comment, { _class: 'form-text' }) : ''
    if (r.checkbox) {
      return DIV(r.widget, LABEL(r.label, { _class: 'form-check-label', _for: r.id }), comment, { _class: 'mb-3 form-check', _id: `${r.id}__row` })
    }
    return DIV(LABEL(r.label, { _class: 'form-label', _for: r.id }), r.widget, comment, { _class: 'mb-3', _id: `${r.id}__row` })
  })
  if (submit.length) {
    for (const s of submit) if (s instanceof XmlElement && !s.attributes._class) s.attributes._class = 'btn btn-primary'
    out.push(DIV(submit, { _class: 'mb-3 d-flex gap-2', _id: 'submit_record__row' }))
  }
  return out
}

export const table3cols: FormStyle = (rows, submit) => {
  const trs = rows.map((r) => TR(
    TD(LABEL(r.label, { _for: r.id }), { _class: 'w2p_fl' }),
    TD(r.widget, { _class: 'w2p_fw' }),
    TD(r.comment ?? '', { _class: 'w2p_fc' }),
    { _id: `${r.id}__row` }))
  if (submit.length) trs.push(TR(TD(''), TD(submit, { _class: 'w2p_fw' }), TD(''), { _id: 'submit_record__row' }))
  return [TABLE(trs)]
}

export const formstyles: Record<string, FormStyle> = { bootstrap5, table3cols }

export function resolveFormstyle(s: string | FormStyle | undefined): FormStyle {
  if (typeof s === 'function') return s
  return formstyles[s ?? 'bootstrap5'] ?? bootstrap5
}
