/**
 * web2py's language files (`languages/it.py`: a Python dict literal of
 * strings, `# -*- coding: utf-8 -*-` and comments allowed) read without
 * Python, so users can bring their translations: an update imports them into
 * `<lang>.json`. The parser accepts only string keys and values ('...',
 * "...", u/r prefixes, adjacent strings joined, Python escapes); anything
 * else is a syntax error with its line and column, and the file is kept.
 */
import { QK_I18N_BAD_LANGUAGE_FILE } from './errors'

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0', '\n': '' }

export function parseWeb2pyLanguage(text: string, name = 'language file'): Record<string, string> {
  let i = 0
  const fail = (what: string): never => {
    const before = text.slice(0, i)
    const line = before.split('\n').length
    const column = i - before.lastIndexOf('\n')
    throw new QK_I18N_BAD_LANGUAGE_FILE(name, `line ${line}, column ${column}: ${what}`)
  }
  const skip = () => {
    for (;;) {
      while (i < text.length && /\s/.test(text[i]!)) i++
      if (text[i] === '#') { while (i < text.length && text[i] !== '\n') i++; continue }
      return
    }
  }
  const one = (): string => {
    let raw = false
    while (/[uUrRbB]/.test(text[i] ?? '') && /['"]/.test(text[i + 1] ?? '') || /[uUrRbB]{2}/.test(text.slice(i, i + 2)) && /['"]/.test(text[i + 2] ?? '')) {
      if (/[rR]/.test(text[i]!)) raw = true
      i++
    }
    const q = text[i]
    if (q !== "'" && q !== '"') fail('expected a string')
    const triple = text.slice(i, i + 3) === q!.repeat(3)
    const end = triple ? q!.repeat(3) : q!
    i += end.length
    let out = ''
    for (;;) {
      if (i >= text.length) fail('unterminated string')
      if (text.startsWith(end, i)) { i += end.length; return out }
      const c = text[i]!
      if (c === '\n' && !triple) fail('a line break inside a string')
      if (c === '\\' && !raw) {
        const e = text[i + 1] ?? ''
        if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) { out += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16)); i += 4; continue }
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) { out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16)); i += 6; continue }
        out += e in ESCAPES ? ESCAPES[e] : '\\' + e
        i += 2
        continue
      }
      out += c
      i++
    }
  }
  const str = (): string => {
    let s = one()
    for (;;) { // 'a' 'b' is 'ab' in Python
      skip()
      if (!/^[uUrRbB]{0,2}['"]/.test(text.slice(i, i + 3))) return s
      s += one()
    }
  }
  skip()
  if (text[i] !== '{') fail("expected '{' (a web2py language file is one dict)")
  i++
  const table: Record<string, string> = {}
  for (;;) {
    skip()
    if (text[i] === '}') { i++; break }
    const key = str()
    skip()
    if (text[i] !== ':') fail("expected ':' after a key")
    i++
    skip()
    table[key] = str()
    skip()
    if (text[i] === ',') { i++; continue }
    if (text[i] === '}') { i++; break }
    fail("expected ',' or '}'")
  }
  skip()
  if (i < text.length) fail('text after the dict')
  return table
}
