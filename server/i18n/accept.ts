/**
 * Accept-Language parsing: language tags ordered by q-value (ties keep the
 * header's order); q=0 means "not this one".
 */
export function parseAcceptLanguage(header: string | undefined | null): string[] {
  if (!header) return []
  const items: Array<{ tag: string; q: number; i: number }> = []
  header.split(',').forEach((part, i) => {
    const [rawTag, ...params] = part.trim().split(';')
    const tag = rawTag.trim().toLowerCase()
    if (!tag || !/^([a-z]{1,8}(-[a-z0-9]{1,8})*|\*)$/.test(tag)) return
    let q = 1
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p)
      if (m) q = Math.min(1, Number(m[1]))
    }
    if (q > 0 && !Number.isNaN(q)) items.push({ tag, q, i })
  })
  return items.sort((a, b) => b.q - a.q || a.i - b.i).map((x) => x.tag)
}

export const LANGUAGE_CODE = /^[a-z]{2,8}(-[a-z0-9]{1,8})*$/i
