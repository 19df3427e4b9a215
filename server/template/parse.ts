/**
 * Template source → a tree of nodes. Directives (between {{ and }}):
 *   =expr                  escaped output (helpers render themselves)
 *   extend 'f.html'        this view fills f.html's {{include}}
 *   include / include 'f'  the extending view's body / another file inline
 *   block name ... end     a named region a child can replace; `super` inside
 *                          a child's block writes the parent's version
 *   pass                   closes a brace, for web2py habits
 *   anything else          TypeScript code, written as is
 */
import { QK_TEMPLATE_SYNTAX } from './errors'

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
function findClose(source: string, from: number): number {
  const plain = source.indexOf('}}', from)
  let i = from
  while (i < source.length) {
    const ch = source[i]
    if (ch === '}' && source[i + 1] === '}') return i
    if (ch === '"' || ch === "'" || ch === '`') {
      let j = i + 1
      while (j < source.length && source[j] !== ch && (ch === '`' || source[j] !== '\n')) j += source[j] === '\\' ? 2 : 1
      if (source[j] !== ch) return plain
      i = j + 1
    } else if (ch === '/' && source[i + 1] === '/') {
      const nl = source.indexOf('\n', i)
      const end = source.indexOf('}}', i)
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

export function parseTemplate(source: string, file: string): ParsedTemplate {
  const root: Node[] = []
  const stack: Array<{ nodes: Node[]; block?: Extract<Node, { kind: 'block' }> }> = [{ nodes: root }]
  const result: ParsedTemplate = { file, nodes: root, preExtend: [] }
  let pos = 0
  let line = 1
  const countLines = (s: string) => { let n = 0; for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++; return n }
  while (pos < source.length) {
    const open = source.indexOf('{{', pos)
    const textEnd = open < 0 ? source.length : open
    if (textEnd > pos) {
      const text = source.slice(pos, textEnd)
      stack[stack.length - 1]!.nodes.push({ kind: 'text', text, line })
      line += countLines(text)
    }
    if (open < 0) break
    const close = findClose(source, open + 2)
    if (close < 0) throw new QK_TEMPLATE_SYNTAX(file, line, 'unclosed {{')
    const raw = source.slice(open + 2, close)
    const here = line
    line += countLines(raw)
    pos = close + 2
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
      target.push({ kind: 'code', code: raw, line: here })
    }
  }
  if (stack.length > 1) {
    const b = stack[stack.length - 1]!.block!
    throw new QK_TEMPLATE_SYNTAX(file, b.line, `{{block ${b.name}}} without {{end}}`)
  }
  return result
}
