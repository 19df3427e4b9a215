/**
 * Template source → a tree of nodes. Directives (between {{ and }}):
 *   =expr                  escaped output (helpers render themselves)
 *   extend 'f.html'        this view fills f.html's {{include}}
 *   include / include 'f'  the extending view's body / another file inline
 *   block name ... end     a named region a child can replace; `super` inside
 *                          a child's block writes the parent's version
 *   pass                   closes a brace, for web2py habits
 *   anything else          TypeScript code, written as is; inside a
 *                          multi-line code block a line starting with `=`
 *                          writes its value escaped, and a line `pass`
 *                          closes a brace, as web2py's views do:
 *                          {{ if (x) {
 *                          =a
 *                          } }}
 *
 * Delimiters are `{{` `}}` unless the render asks for others
 * (`response.delimiters = ['[[', ']]']`) or the file's first line declares
 * its own: `{{delimiters '[[' ']]'}}` (written with the default or the
 * render's delimiters; the line is not output). A file's own declaration wins.
 */
import { QK_TEMPLATE_BAD_DELIMITERS, QK_TEMPLATE_SYNTAX } from './errors'

/** An opening and a closing delimiter. */
export type Delimiters = readonly [string, string]
export const DEFAULT_DELIMITERS: Delimiters = ['{{', '}}']

/**
 * Checked delimiters, or undefined for the default ones: two different
 * non-empty strings of at most 8 characters, without whitespace.
 */
export function checkDelimiters(d: unknown): Delimiters | undefined {
  if (d === undefined || d === null) return undefined
  const ok = Array.isArray(d) && d.length === 2 && d.every((x) => typeof x === 'string' && x.length > 0 && x.length <= 8 && !/\s/.test(x)) && d[0] !== d[1]
  if (!ok) throw new QK_TEMPLATE_BAD_DELIMITERS(JSON.stringify(d) ?? String(d))
  return d[0] === DEFAULT_DELIMITERS[0] && d[1] === DEFAULT_DELIMITERS[1] ? undefined : [d[0] as string, d[1] as string]
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const DIRECTIVE_CACHE = new Map<string, RegExp>()
/** `<open>delimiters 'a' 'b'<close>` on the first line, with this file's candidate opening/closing strings. */
function directive(d: Delimiters): RegExp {
  const key = d[0] + '\0' + d[1]
  let re = DIRECTIVE_CACHE.get(key)
  if (!re) {
    re = new RegExp('^[ \\t]*' + esc(d[0]) + '\\s*delimiters\\s+([\'"])(\\S+?)\\1\\s+([\'"])(\\S+?)\\3\\s*' + esc(d[1]) + '[ \\t]*(?:\\r?\\n)?')
    if (DIRECTIVE_CACHE.size < 100) DIRECTIVE_CACHE.set(key, re)
  }
  return re
}

export type Node =
  | { kind: 'text'; text: string; line: number }
  | { kind: 'expr'; code: string; line: number }
  | { kind: 'code'; code: string; line: number }
  | { kind: 'include'; file?: string; line: number }
  | { kind: 'super'; line: number }
  | { kind: 'block'; name: string; nodes: Node[]; line: number }

export interface ParsedTemplate {
  file: string
  nodes: Node[]
  /** the layout named by {{extend}} */
  extend?: string
  /** nodes written before {{extend}}: emitted before the layout, as web2py does */
  preExtend: Node[]
}

const QUOTED = /^\s*(['"])(.*?)\1\s*$/

function fileArg(arg: string, file: string, line: number, what: string): string {
  const m = QUOTED.exec(arg)
  if (!m || !m[2]) throw new QK_TEMPLATE_SYNTAX(file, line, `${what} needs a quoted file name`)
  return m[2]
}

/**
 * The `}}` that closes a directive, skipping string literals and comments
 * so `{{='}}'}}` works. If quotes do not balance (a regex literal, say),
 * falls back to the first `}}`, which is what web2py does.
 */
function findClose(source: string, from: number, close: string): number {
  const plain = source.indexOf(close, from)
  let i = from
  while (i < source.length) {
    const ch = source[i]
    if (ch === close[0] && source.startsWith(close, i)) return i
    if (ch === '"' || ch === "'" || ch === '`') {
      let j = i + 1
      while (j < source.length && source[j] !== ch && (ch === '`' || source[j] !== '\n')) j += source[j] === '\\' ? 2 : 1
      if (source[j] !== ch) return plain
      i = j + 1
    } else if (ch === '/' && source[i + 1] === '/') {
      const nl = source.indexOf('\n', i)
      const end = source.indexOf(close, i)
      if (nl < 0 || (end >= 0 && end < nl)) return end
      i = nl + 1
    } else if (ch === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2)
      if (end < 0) return plain
      i = end + 2
    } else i++
  }
  return plain
}

/** A code block's lines: `=expr` lines become output, `pass` lines a closing brace, the rest stays code. */
function codeNodes(raw: string, line: number, out: Node[]): void {
  if (raw.indexOf('\n') < 0) { out.push({ kind: 'code', code: raw, line }); return }
  const lines = raw.split('\n')
  let code: string[] = []
  let codeLine = line
  const flush = () => { if (code.some((l) => l.trim())) out.push({ kind: 'code', code: code.join('\n'), line: codeLine }); code = [] }
  lines.forEach((l, i) => {
    const t = l.trim()
    // '=' but not '==' or '=>': an output line (a line can only start an expression, never continue one)
    if (i > 0 && t.startsWith('=') && t[1] !== '=' && t[1] !== '>' && t.slice(1).trim()) {
      flush()
      out.push({ kind: 'expr', code: t.slice(1), line: line + i })
      codeLine = line + i + 1
    } else if (i > 0 && t === 'pass') {
      flush()
      out.push({ kind: 'code', code: '}', line: line + i })
      codeLine = line + i + 1
    } else {
      if (!code.length) codeLine = line + i
      code.push(l)
    }
  })
  flush()
}

/**
 * Parse a template. `delimiters` are the render's (default `{{` `}}`); a
 * first-line `delimiters` directive in the file replaces them for this file.
 */
export function parseTemplate(source: string, file: string, delimiters?: Delimiters): ParsedTemplate {
  let [OPEN, CLOSE] = delimiters ?? DEFAULT_DELIMITERS
  let line = 1
  let pos = 0
  const own = directive(DEFAULT_DELIMITERS).exec(source) ?? (delimiters ? directive(delimiters).exec(source) : null)
  if (own) {
    const d = checkDelimiters([own[2], own[4]]) ?? DEFAULT_DELIMITERS
    ;[OPEN, CLOSE] = d
    pos = own[0].length
    if (own[0].endsWith('\n')) line++
  }
  const root: Node[] = []
  const stack: Array<{ nodes: Node[]; block?: Extract<Node, { kind: 'block' }> }> = [{ nodes: root }]
  const result: ParsedTemplate = { file, nodes: root, preExtend: [] }
  const countLines = (s: string) => { let n = 0; for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++; return n }
  while (pos < source.length) {
    const open = source.indexOf(OPEN, pos)
    const textEnd = open < 0 ? source.length : open
    if (textEnd > pos) {
      const text = source.slice(pos, textEnd)
      stack[stack.length - 1]!.nodes.push({ kind: 'text', text, line })
      line += countLines(text)
    }
    if (open < 0) break
    const close = findClose(source, open + OPEN.length, CLOSE)
    if (close < 0) throw new QK_TEMPLATE_SYNTAX(file, line, 'unclosed ' + OPEN)
    const raw = source.slice(open + OPEN.length, close)
    const here = line
    line += countLines(raw)
    pos = close + CLOSE.length
    const t = raw.trim()
    const target = stack[stack.length - 1]!.nodes
    const word = /^(\w+)\b\s*([\s\S]*)$/.exec(t)
    const kw = word?.[1]
    const rest = word?.[2] ?? ''
    if (t.startsWith('=')) {
      if (!t.slice(1).trim()) throw new QK_TEMPLATE_SYNTAX(file, here, 'empty {{=}}')
      target.push({ kind: 'expr', code: raw.slice(raw.indexOf('=') + 1), line: here })
    } else if (kw === 'extend' && QUOTED.test(rest)) {
      if (result.extend) throw new QK_TEMPLATE_SYNTAX(file, here, 'more than one {{extend}}')
      if (stack.length > 1) throw new QK_TEMPLATE_SYNTAX(file, here, '{{extend}} inside a block')
      result.extend = fileArg(rest, file, here, 'extend')
      result.preExtend = root.splice(0)
    } else if (kw === 'include' && (rest === '' || QUOTED.test(rest))) {
      target.push({ kind: 'include', file: rest ? fileArg(rest, file, here, 'include') : undefined, line: here })
    } else if (kw === 'block' && /^[\w-]+$/.test(rest)) {
      const block = { kind: 'block' as const, name: rest, nodes: [] as Node[], line: here }
      target.push(block)
      stack.push({ nodes: block.nodes, block })
    } else if (t === 'end' || t === 'end block' || (kw === 'end' && /^block\s+[\w-]+$/.test(rest))) {
      if (stack.length === 1) throw new QK_TEMPLATE_SYNTAX(file, here, '{{end}} without {{block}}')
      stack.pop()
    } else if (t === 'super') {
      target.push({ kind: 'super', line: here })
    } else if (t === 'pass') {
      target.push({ kind: 'code', code: '}', line: here })
    } else if (t) {
      codeNodes(raw, here, target)
    }
  }
  if (stack.length > 1) {
    const b = stack[stack.length - 1]!.block!
    throw new QK_TEMPLATE_SYNTAX(file, b.line, `{{block ${b.name}}} without {{end}}`)
  }
  return result
}
