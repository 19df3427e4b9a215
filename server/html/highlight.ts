/**
 * Server-side syntax highlighting for CODE(src, { language }), with the
 * maintained highlight.js (no browser script, no CDN). highlight.js escapes
 * the source itself; its output is spans with `hljs-*` classes, coloured by
 * the theme served at /_quark/highlight.css.
 */
import type { HLJSApi } from 'highlight.js'
import { escapeHtml } from './escape'

// Loaded on first use: its 190 language definitions cost tens of ms at start-up.
let hljs: HLJSApi | undefined
function api(): HLJSApi {
  if (!hljs) {
    hljs = (require('highlight.js') as { default?: HLJSApi } & HLJSApi)
    hljs = (hljs as { default?: HLJSApi }).default ?? hljs
    // never let an unknown grammar or odd input print warnings per request
    hljs.configure({ ignoreUnescapedHTML: true, throwUnescapedHTML: false })
  }
  return hljs
}

/**
 * `code` as highlighted HTML (escaped) and the language used; an unknown
 * language gives the code escaped, not highlighted, and no language.
 * `language: 'auto'` lets highlight.js pick.
 */
export function highlightCode(code: string, language: string): { html: string; language?: string } {
  const h = api()
  if (language.toLowerCase() === 'auto') {
    const r = h.highlightAuto(code)
    return { html: r.value, language: r.language }
  }
  const name = canonicalName(h, language)
  if (!name) return { html: escapeHtml(code) }
  return { html: h.highlight(code, { language: name, ignoreIllegals: true }).value, language: name }
}

const names = new Map<string, string | undefined>()
/** The registered name of a language or alias ('py' → 'python'), or undefined for an unknown one. */
function canonicalName(h: HLJSApi, language: string): string | undefined {
  const key = language.toLowerCase()
  if (names.has(key)) return names.get(key)
  const lang = h.getLanguage(key)
  const name = lang ? h.listLanguages().find((n) => h.getLanguage(n) === lang) ?? key : undefined
  if (names.size < 1000) names.set(key, name)
  return name
}

/** The highlight.js theme http/ serves at /_quark/highlight.css (node_modules-relative; build/assets.ts ships it in the binary). */
export const HIGHLIGHT_THEME = 'highlight.js/styles/github.min.css'
