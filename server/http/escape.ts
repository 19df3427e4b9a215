/** HTML escaping for the core's own pages and response.write; helpers (objects with xml()) render themselves. */
const MAP: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;' }
const RE = /[&<>"']/g

export function escapeHtml(s: unknown): string {
  const str = String(s ?? '')
  return RE.test(str) ? (RE.lastIndex = 0, str.replace(RE, (c) => MAP[c]!)) : str
}

/** A helper (DIV(...), XML(...)) renders itself through xml(); anything else is escaped. */
export function toHtml(v: unknown): string {
  if (v && typeof v === 'object' && typeof (v as { xml?: unknown }).xml === 'function') return String((v as { xml(): string }).xml())
  return escapeHtml(v)
}
