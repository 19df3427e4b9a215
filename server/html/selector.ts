/**
 * The CSS-like selectors of elements(): `tag#id.class[attr=value]` steps,
 * separated by spaces (descendant). Parsed once per call; no regex is built
 * from user input.
 */
import { QK_HTML_BAD_SELECTOR } from './errors'

export interface SelectorStep {
  tag?: string
  id?: string
  classes: string[]
  attrs: Array<{ name: string; value?: string }>
}

interface ElementLike { tag: string; attributes: Record<string, unknown> }

const STEP = /^([A-Za-z][\w-]*|\*)?((?:#[\w-]+|\.[\w-]+|\[[\w-]+(?:=(?:"[^"]*"|'[^']*'|[^\]]*))?\])*)$/
const PART = /#([\w-]+)|\.([\w-]+)|\[([\w-]+)(?:=("[^"]*"|'[^']*'|[^\]]*))?\]/g

export function parseSelector(selector: string): SelectorStep[] {
  const steps: SelectorStep[] = []
  for (const raw of selector.trim().split(/\s+/)) {
    if (!raw) continue
    const m = STEP.exec(raw)
    if (!m) throw new QK_HTML_BAD_SELECTOR(selector)
    const step: SelectorStep = { classes: [], attrs: [] }
    if (m[1] && m[1] !== '*') step.tag = m[1].toLowerCase()
    for (const p of (m[2] ?? '').matchAll(PART)) {
      if (p[1]) step.id = p[1]
      else if (p[2]) step.classes.push(p[2])
      else if (p[3]) {
        let v = p[4]
        if (v !== undefined && /^["']/.test(v)) v = v.slice(1, -1)
        step.attrs.push({ name: p[3], value: v })
      }
    }
    steps.push(step)
  }
  if (!steps.length) throw new QK_HTML_BAD_SELECTOR(selector)
  return steps
}

export function matchesSelector(el: ElementLike, step: SelectorStep): boolean {
  if (step.tag && el.tag.replace(/\/$/, '') !== step.tag) return false
  const a = el.attributes
  if (step.id !== undefined && String(a._id ?? '') !== step.id) return false
  if (step.classes.length) {
    const have = String(a._class ?? '').split(/\s+/)
    for (const c of step.classes) if (!have.includes(c)) return false
  }
  for (const { name, value } of step.attrs) {
    const v = a['_' + name]
    if (v === undefined || v === null || v === false) return false
    if (value !== undefined && String(v) !== value) return false
  }
  return true
}
