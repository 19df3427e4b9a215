/**
 * HTML escaping as web2py's xmlescape does it: & < > " ' become
 * &amp; &lt; &gt; &quot; &#x27;. One precompiled regex, no per-call allocation
 * when nothing needs escaping (the common case for template values).
 */
const SPECIAL = /[&<>"']/g
const TEST = /[&<>"']/
const MAP: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;' }

export function escapeHtml(text: string): string {
  return TEST.test(text) ? text.replace(SPECIAL, (c) => MAP[c]!) : text
}

/** Anything that renders itself as HTML (helpers, XML, MARKMIN, ...). */
export interface Renderable { xml(): string }

export function isRenderable(v: unknown): v is Renderable {
  return v !== null && typeof v === 'object' && typeof (v as { xml?: unknown }).xml === 'function'
}

/**
 * The template and helper rule for one value: helpers render themselves,
 * null/undefined render nothing (web2py printed "None"; an empty string is
 * what a TypeScript user expects), everything else is stringified and escaped.
 */
export function xmlescape(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'string') return escapeHtml(v)
  if (typeof v === 'object' && typeof (v as Renderable).xml === 'function') return (v as Renderable).xml()
  return escapeHtml(String(v))
}

/** Marks XML(...) values: raw HTML the programmer vouches for (URL attributes keep it as given). */
export const TRUSTED_RAW: unique symbol = Symbol.for('quark.html.trustedRaw')

export function isTrustedRaw(v: unknown): boolean {
  return v !== null && typeof v === 'object' && (v as { [TRUSTED_RAW]?: unknown })[TRUSTED_RAW] === true
}
