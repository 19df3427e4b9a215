/**
 * web2py's T: `translatorFor(appFolder)` (one Translator per app, cached) and
 * `translator.forRequest(acceptLanguage)`, which gives the request's `T`.
 * `T(text, symbols?)` returns a LazyT: it translates when it is rendered
 * (String(), JSON, a template's `{{=...}}`), in the language the request has
 * at that moment, so `T.force('it')` later in the action still applies.
 */
import path from 'node:path'
import { currentState, interpolate } from '../current/index'
import { markminToHtml } from '../html/index'
import { LANGUAGE_CODE, parseAcceptLanguage } from './accept'
import { QK_I18N_BAD_LANGUAGE } from './errors'
import { LanguageFiles } from './files'
import { pluralRuleFor, compilePluralRule, type PluralRule } from './plural'

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;' }
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESC[c])

export type Symbols = unknown

/** A translation that happens when it is rendered. */
export class LazyT {
  constructor(private readonly t: RequestT, readonly text: string, readonly symbols?: Symbols) {}
  toString(): string { return this.t.translate(this.text, this.symbols) }
  valueOf(): string { return this.toString() }
  toJSON(): string { return this.toString() }
  /** The translation HTML-escaped: templates write helpers' xml() as is, so T('<b>') stays text. */
  xml(): string { return escapeHtml(this.toString()) }
  get length(): number { return this.toString().length }
  [Symbol.toPrimitive](): string { return this.toString() }
}

/** T.M: the translation is MARKMIN, rendered to HTML by xml(). */
export class LazyMarkmin extends LazyT {
  xml(): string { return markminToHtml(this.toString()) }
}

export interface RequestT {
  (text: string, symbols?: Symbols): LazyT
  /** a translation written in MARKMIN: renders as HTML in templates */
  M(text: string, symbols?: Symbols): LazyMarkmin
  /** translate now, as a plain string */
  translate(text: string, symbols?: Symbols): string
  /** use this language for the rest of the request (null: back to Accept-Language) */
  force(lang: string | null): void
  /** the language in use ('' when the source text is shown untranslated) */
  readonly language: string
  /** the languages the browser accepts, best first */
  readonly accepted: string[]
}

// %%{word}, %%{word[1]}, %%{word(name)} with optional ! / !! / !!! capitalisation
const PLURAL = /%%\{(!{0,3})([^{}[\]()]+?)(?:\[(\d+)\]|\((\w+)\))?\}/g

export class Translator {
  readonly files: LanguageFiles
  /** the language the source strings are written in: never translated */
  defaultLanguage = 'en'
  constructor(readonly appFolder: string) {
    this.files = new LanguageFiles(path.join(appFolder, 'languages'))
  }

  /** Best available language for an Accept-Language header: exact tag, then its primary subtag. */
  pickLanguage(acceptLanguage?: string | null): string {
    const available = new Set(this.files.languages())
    for (const tag of parseAcceptLanguage(acceptLanguage)) {
      if (tag === '*') break
      const primary = tag.split('-')[0]
      if (tag === this.defaultLanguage || primary === this.defaultLanguage.split('-')[0]) return available.has(tag) ? tag : ''
      if (available.has(tag)) return tag
      if (available.has(primary)) return primary
    }
    return ''
  }

  /**
   * The request's T. Called on every request, often without T ever being used, so it must cost
   * next to nothing: one T per distinct Accept-Language header is built once (adding properties
   * to a fresh function costs ~0.5 µs in V8, a prototype change more) and kept; what one request
   * changes (`T.force`) lives in that request's `current` state, so requests sharing a T never
   * see each other's choice.
   */
  forRequest(acceptLanguage?: string | null): RequestT {
    const key = acceptLanguage ?? ''
    let T = this.requestTs.get(key)
    if (T === undefined) {
      const t = function (text: string, symbols?: Symbols): LazyT { return new LazyT(t, String(text), symbols) } as unknown as RequestState
      t._tr = this
      t._accept = acceptLanguage
      t._forcedOutside = null
      t._picked = undefined
      t._pickedFrom = undefined
      t._accepted = undefined
      Object.setPrototypeOf(t, this.requestProto ??= requestPrototype())
      if (this.requestTs.size >= MAX_REQUEST_TS) this.requestTs.clear()  // hostile headers: stay bounded
      this.requestTs.set(key, (T = t))
    }
    return T
  }

  private requestProto: object | undefined
  private readonly requestTs = new Map<string, RequestState>()

  /**
   * Look `text` up in `lang`'s table, apply plural forms, then the symbols. A `## comment`
   * (web2py's note to translators, which also tells apart two uses of the same words) is part
   * of the key but never shown.
   */
  translate(lang: string, text: string, symbols?: Symbols): string {
    const table = lang ? this.files.table(lang) : null
    const found = table?.[text]
    let out = stripComment(typeof found === 'string' && found !== '' ? found : text)
    const target = lang || this.defaultLanguage
    if (out.includes('%%{')) out = this.plurals(target, out, symbols)
    return symbols === undefined || symbols === null ? out : interpolate(out, symbols)
  }

  /** The language's plural rule: the one added with it in the editor (`_rules.json`), else the built-in one. */
  pluralRule(lang: string): PluralRule {
    const custom = this.files.rules()?.[lang]
    if (custom && typeof custom === 'object') {
      const key = `${custom.nplurals}|${custom.rule}`
      const cached = this.customRules.get(lang)
      if (cached?.key === key) return cached.rule
      try {
        const rule = compilePluralRule(Number(custom.nplurals), String(custom.rule))
        this.customRules.set(lang, { key, rule })
        return rule
      } catch { /* a hand-broken rules file: the built-in rule still translates */ }
    }
    return pluralRuleFor(lang)
  }

  private readonly customRules = new Map<string, { key: string; rule: PluralRule }>()

  private plurals(lang: string, text: string, symbols: Symbols): string {
    const rule = this.pluralRule(lang)
    const dict = this.files.plurals(lang)
    return text.replace(PLURAL, (_m, bangs: string, word: string, index?: string, name?: string) => {
      let n: unknown = 1
      if (Array.isArray(symbols)) n = symbols[index ? Number(index) : 0]
      else if (symbols && typeof symbols === 'object') n = name ? (symbols as Record<string, unknown>)[name] : 1
      else if (symbols !== undefined && symbols !== null) n = symbols
      const num = Math.abs(Number(n))
      const whole = Number.isFinite(num) ? Math.trunc(num) : 1
      // %%{?one?many?zero}: web2py's choice, each text used as written
      if (word.startsWith('?')) return capitalise(choose(word.slice(1).split('?'), whole), bangs)
      const id = Number.isFinite(num) ? rule.pluralId(whole) : 0
      let form = word
      if (id > 0) {
        const forms = dict?.[word]
        form = Array.isArray(forms) && typeof forms[id - 1] === 'string' ? forms[id - 1] : rule.construct ? rule.construct(word, id) : word
      }
      return capitalise(form, bangs)
    })
  }
}

/** `!` capitalises the first letter, `!!` every word, `!!!` the whole text (web2py's case forms). */
function capitalise(form: string, bangs: string): string {
  if (bangs === '!') return form.charAt(0).toUpperCase() + form.slice(1)
  if (bangs === '!!') return form.replace(/(^|\s)(\S)/g, (_x, s: string, c: string) => s + c.toUpperCase())
  if (bangs === '!!!') return form.toUpperCase()
  return form
}

/** `?one?many?zero`: "one" for 1, "zero" for 0 (when given, else "many"), "many" otherwise. */
function choose(parts: string[], n: number): string {
  const [one = '', many = '', zero] = parts
  if (n === 1) return one
  if (n === 0 && zero !== undefined) return zero
  return many
}

/** Drop a trailing `## comment` (the last `##` starts it, as in web2py). */
export function stripComment(text: string): string {
  const at = text.lastIndexOf('##')
  return at === -1 ? text : text.slice(0, at).trimEnd()
}

/** What forRequest's function carries (per Accept-Language header); the methods live on the shared prototype. */
interface RequestState extends RequestT {
  _tr: Translator
  _accept: string | null | undefined
  /** T.force() called outside any request (a script, a module at load time) */
  _forcedOutside: string | null
  /** the language picked for _accept, and the list of available languages it was picked from */
  _picked: string | undefined
  _pickedFrom: readonly string[] | undefined
  _accepted: string[] | undefined
}

const MAX_REQUEST_TS = 512
/** the key of the forced language in a request's `current` state */
const FORCED = 'i18n.forced'

/**
 * Whether any T.force() ever ran in this process. Until one does, no request can have a forced
 * language, and translating skips the look-up of the request's state (an AsyncLocalStorage read).
 */
let forceEverUsed = false

function forcedOf(t: RequestState): string | null {
  if (!forceEverUsed) return null
  const state = currentState()
  if (state === undefined) return t._forcedOutside
  const f = state[FORCED] as string | null | undefined
  return f === undefined ? null : f
}

function langOf(t: RequestState): string {
  const forced = forcedOf(t)
  if (forced !== null) return forced
  const available = t._tr.files.languages()
  if (t._pickedFrom !== available) { t._picked = t._tr.pickLanguage(t._accept); t._pickedFrom = available }
  return t._picked!
}

/** The request T's prototype: a function prototype plus T's methods (they read the state from `this`). */
function requestPrototype(): object {
  const proto = Object.create(Function.prototype) as Record<string, unknown>
  // M, translate and force are handed around detached (`current.T = T.translate`,
  // `const { M } = T`), so each is a closure bound to its request T, made on first access.
  const bound = <K extends 'M' | 'translate' | 'force'>(key: K, make: (t: RequestState) => RequestT[K]) => ({
    get(this: RequestState): RequestT[K] {
      const fn = make(this)
      Object.defineProperty(this, key, { value: fn, configurable: true, writable: true })
      return fn
    },
    configurable: true,
  })
  Object.defineProperties(proto, {
    M: bound('M', (t) => (text: string, symbols?: Symbols) => new LazyMarkmin(t, String(text), symbols)),
    translate: bound('translate', (t) => (text: string, symbols?: Symbols) => t._tr.translate(langOf(t), String(text), symbols)),
    force: bound('force', (t) => (l: string | null) => {
      let forced: string | null = null
      if (!(l === null || l === undefined || l === '')) {
        if (!LANGUAGE_CODE.test(l)) throw new QK_I18N_BAD_LANGUAGE(JSON.stringify(l))
        forced = l.toLowerCase() === t._tr.defaultLanguage ? '' : l.toLowerCase()
      }
      forceEverUsed = true
      const state = currentState()
      if (state === undefined) t._forcedOutside = forced
      else state[FORCED] = forced
    }),
    language: { get(this: RequestState) { return langOf(this) || this._tr.defaultLanguage } },
    accepted: { get(this: RequestState) { return (this._accepted ??= parseAcceptLanguage(this._accept)) } },
  })
  return proto
}

const translators = new Map<string, Translator>()

/** The app's Translator (one per app folder, kept for the life of the process). */
export function translatorFor(appFolder: string): Translator {
  const key = path.resolve(appFolder)
  let t = translators.get(key)
  if (!t) translators.set(key, (t = new Translator(key)))
  return t
}
