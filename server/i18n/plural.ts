/**
 * Plural rules per language, as web2py's plural_rules do: how many forms a
 * language has, which form a number takes (0 = the word as written), and how
 * to build a missing plural (English only; other languages need a
 * plural-<lang>.json entry).
 */
import { QK_I18N_BAD_PLURAL_RULE } from './errors'
export interface PluralRule {
  nplurals: number
  /** index of the form for n: 0 is the singular the source text uses */
  pluralId(n: number): number
  /** a plural made by rule when the plural file lacks it */
  construct?(word: string, id: number): string
}

const oneOther: PluralRule = { nplurals: 2, pluralId: (n) => (n !== 1 ? 1 : 0) }
const zeroOneSingular: PluralRule = { nplurals: 2, pluralId: (n) => (n > 1 ? 1 : 0) }
const noPlural: PluralRule = { nplurals: 1, pluralId: () => 0 }

const english: PluralRule = {
  nplurals: 2,
  pluralId: (n) => (n !== 1 ? 1 : 0),
  construct(word, id) {
    if (id === 0) return word
    if (/[^aeiou]y$/i.test(word)) return word.slice(0, -1) + 'ies'
    if (/(s|x|z|ch|sh)$/i.test(word)) return word + 'es'
    return word + 's'
  },
}

/** Slavic three forms: 1, 21, 31 / 2-4, 22-24 / the rest. */
const eastSlavic: PluralRule = {
  nplurals: 3,
  pluralId(n) {
    const a = n % 10, b = n % 100
    if (a === 1 && b !== 11) return 0
    if (a >= 2 && a <= 4 && (b < 10 || b >= 20)) return 1
    return 2
  },
}

const polish: PluralRule = {
  nplurals: 3,
  pluralId(n) {
    if (n === 1) return 0
    const a = n % 10, b = n % 100
    return a >= 2 && a <= 4 && (b < 12 || b > 14) ? 1 : 2
  },
}

const czech: PluralRule = { nplurals: 3, pluralId: (n) => (n === 1 ? 0 : n >= 2 && n <= 4 ? 1 : 2) }

const RULES: Record<string, PluralRule> = {
  en: english,
  de: oneOther, es: oneOther, it: oneOther, nl: oneOther, sv: oneOther, da: oneOther, nb: oneOther, no: oneOther, fi: oneOther,
  el: oneOther, hu: oneOther, bg: oneOther, ca: oneOther, he: oneOther, hi: oneOther, af: oneOther, ro: oneOther,
  pt: oneOther, 'pt-br': zeroOneSingular, fr: zeroOneSingular,
  ru: eastSlavic, uk: eastSlavic, be: eastSlavic, hr: eastSlavic, sr: eastSlavic,
  pl: polish, cs: czech, sk: czech,
  ja: noPlural, zh: noPlural, ko: noPlural, th: noPlural, vi: noPlural, id: noPlural, tr: noPlural, fa: noPlural,
}

/** The rule for 'pt-br', then 'pt', else one/other like English without constructing words. */
export function pluralRuleFor(lang: string): PluralRule {
  const l = lang.toLowerCase()
  return RULES[l] ?? RULES[l.split('-')[0]] ?? oneOther
}

/** What a plural rule expression may contain: n, numbers, arithmetic, comparisons, logic, ?: and parentheses. */
const RULE_TEXT = /^(?:\s|n|\d+|%|==|!=|<=|>=|<|>|&&|\|\||!|\?|:|\(|\)|\+|-|\*|\/)*$/
export const MAX_PLURALS = 6

/**
 * A rule the user typed when adding a language (web2py's plural_rules as one
 * expression of n). Only the characters of RULE_TEXT are allowed, so the text
 * can be compiled as JavaScript without running anything else; it is then
 * tried on 0..1000 and must always give a form index in [0, nplurals).
 */
export function compilePluralRule(nplurals: number, rule: string): PluralRule {
  if (!Number.isInteger(nplurals) || nplurals < 1 || nplurals > MAX_PLURALS) throw new QK_I18N_BAD_PLURAL_RULE(`the number of forms must be 1 to ${MAX_PLURALS}, not ${JSON.stringify(nplurals)}`)
  const text = String(rule ?? '').trim() || '0'
  if (text.length > 300 || !RULE_TEXT.test(text)) throw new QK_I18N_BAD_PLURAL_RULE(`${JSON.stringify(text)} may use only n, digits, % == != < > <= >= && || ! ? : + - * / and parentheses`)
  let fn: (n: number) => unknown
  try { fn = new Function('n', `"use strict"; return (${text})`) as (n: number) => unknown } catch (e) {
    throw new QK_I18N_BAD_PLURAL_RULE(`${JSON.stringify(text)} is not an expression (${(e as Error).message})`)
  }
  const pluralId = (n: number): number => {
    const v = Number(fn(n))
    return Number.isInteger(v) && v >= 0 && v < nplurals ? v : 0
  }
  for (let n = 0; n <= 1000; n++) {
    let v: unknown
    try { v = fn(n) } catch (e) { throw new QK_I18N_BAD_PLURAL_RULE(`${JSON.stringify(text)} fails for n = ${n}: ${(e as Error).message}`) }
    const id = typeof v === 'boolean' ? Number(v) : v
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= nplurals) {
      throw new QK_I18N_BAD_PLURAL_RULE(`${JSON.stringify(text)} gives ${JSON.stringify(v)} for n = ${n}; it must give 0 to ${nplurals - 1}`)
    }
  }
  return { nplurals, pluralId: (n) => pluralId(n) }
}
