/** Small statistics and formatting helpers shared by the macro and micro suites. */

export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of an empty list')
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

/** Integer with thin grouping so tables stay readable: 28431 -> "28,431". */
export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

/** A number with a precision that suits its magnitude (µs, ms). */
export function fmtNum(n: number): string {
  if (!Number.isFinite(n)) return String(n)
  if (n >= 100) return n.toFixed(0)
  if (n >= 10) return n.toFixed(1)
  if (n >= 1) return n.toFixed(2)
  return n.toFixed(3)
}

export function fmtPct(ratio: number): string {
  return `${(ratio * 100).toFixed(Math.abs(ratio) < 0.1 ? 1 : 0)}%`
}

/** A Markdown table; cells are escaped for `|` so an error text cannot break the layout. */
export function markdownTable(header: string[], rows: string[][]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
  const lines = [
    `| ${header.map(esc).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ]
  return lines.join('\n')
}
