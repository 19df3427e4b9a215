/**
 * A view with its layouts, includes and blocks resolved → ONE straight-line
 * function body (`__o += ...`), TypeScript stripped by esbuild, and a line
 * table from compiled lines back to template files and lines.
 */
import { transformSync } from 'esbuild'
import { SourceMap } from 'node:module'
import { parseTemplate, type Node, type ParsedTemplate } from './parse'
import { QK_TEMPLATE_COMPILE, QK_TEMPLATE_RECURSION } from './errors'

type Flat =
  | { kind: 'text'; text: string; file: string; line: number }
  | { kind: 'expr' | 'code'; code: string; file: string; line: number }

interface BlockLevel { nodes: Node[]; file: string }
interface Ctx {
  file: string
  overrides: Map<string, BlockLevel[]>
  body: Flat[] | null
  skipBlocks: Set<string>
  superFn?: () => Flat[]
  chain: string[]
}

export interface CompiledTemplate {
  /** JavaScript body of `function(__q) {...}` returning the HTML */
  js: string
  /**
   * The literal text chunks, read as `__q.t[i]`: kept out of the code so the
   * scoped-script binder only scans real code for names (it scans every
   * identifier-like word, and HTML text has hundreds).
   */
  texts: string[]
  isAsync: boolean
  /** every file read to build it (view, layouts, includes) */
  files: string[]
  /** compiled (1-based) line, column → template file and line */
  position(line: number, column: number): { source: string; line: number; column: number } | undefined
}

/** `load(name)` returns the parsed file for a view-relative name, and its absolute path. */
export type Loader = (name: string) => { path: string; parsed: ParsedTemplate }

function collectBlocks(nodes: Node[], out: Map<string, Node[]> = new Map()): Map<string, Node[]> {
  for (const n of nodes) if (n.kind === 'block') { out.set(n.name, n.nodes); collectBlocks(n.nodes, out) }
  return out
}

export function resolveTemplate(view: string, load: Loader): { flat: Flat[]; files: string[] } {
  const files = new Set<string>()
  const loadTracked = (name: string) => { const r = load(name); files.add(r.path); return r }

  const build = (name: string, overrides: Map<string, BlockLevel[]>, body: Flat[] | null, chain: string[]): Flat[] => {
    if (chain.includes(name) || chain.length > 40) throw new QK_TEMPLATE_RECURSION([...chain, name].join(' → '))
    const { path, parsed } = loadTracked(name)
    const next = [...chain, name]
    if (!parsed.extend) return expand(parsed.nodes, { file: path, overrides, body, skipBlocks: new Set(), chain: next })
    // Blocks this view defines replace the layout's blocks of the same name (a deeper child's win).
    const mine = collectBlocks(parsed.nodes)
    const merged = new Map(overrides)
    for (const [n, nodes] of mine) merged.set(n, [...(overrides.get(n) ?? []), { nodes, file: path }])
    const ancestorBlocks = new Set<string>()
    for (let p = parsed.extend, guard = 0; p && guard < 40; guard++) {
      const a = loadTracked(p).parsed
      for (const n of collectBlocks(a.nodes).keys()) ancestorBlocks.add(n)
      p = a.extend!
    }
    const ctx: Ctx = { file: path, overrides: merged, body, skipBlocks: ancestorBlocks, chain: next }
    const pre = expand(parsed.preExtend, ctx)
    const childBody = expand(parsed.nodes, ctx)
    return [...pre, ...build(parsed.extend, merged, childBody, next)]
  }

  const expand = (nodes: Node[], ctx: Ctx): Flat[] => {
    const out: Flat[] = []
    for (const n of nodes) {
      switch (n.kind) {
        case 'text': out.push({ kind: 'text', text: n.text, file: ctx.file, line: n.line }); break
        case 'expr': case 'code': out.push({ kind: n.kind, code: n.code, file: ctx.file, line: n.line }); break
        case 'include':
          if (n.file) out.push(...build(n.file, ctx.overrides, null, ctx.chain))
          else if (ctx.body) out.push(...ctx.body)
          break
        case 'super': if (ctx.superFn) out.push(...ctx.superFn()); break
        case 'block': {
          if (ctx.skipBlocks.has(n.name)) break
          const levels = [...(ctx.overrides.get(n.name) ?? []).filter((l) => l.nodes !== n.nodes), { nodes: n.nodes, file: ctx.file }]
          const renderLevel = (i: number): Flat[] => expand(levels[i]!.nodes, {
            ...ctx, file: levels[i]!.file, skipBlocks: new Set(),
            superFn: i + 1 < levels.length ? () => renderLevel(i + 1) : undefined,
          })
          out.push(...renderLevel(0))
          break
        }
      }
    }
    return out
  }

  const flat = build(view, new Map(), null, [])
  return { flat, files: [...files] }
}

const AWAIT = /\bawait\b/

export function compileTemplate(view: string, load: Loader): CompiledTemplate {
  const { flat, files } = resolveTemplate(view, load)
  const lines: string[] = ['const __e = __q.e, __t = __q.t; let __o = "";']
  const texts: string[] = []
  const origin: Array<{ file: string; line: number }> = [{ file: files[0] ?? view, line: 1 }]
  const push = (code: string, file: string, line: number) => {
    const parts = code.split('\n')
    parts.forEach((p, i) => { lines.push(p); origin.push({ file, line: line + i }) })
  }
  let isAsync = false
  for (let i = 0; i < flat.length; i++) {
    const f = flat[i]!
    if (f.kind === 'text') {
      // Adjacent texts (from includes, blocks) are merged into one literal.
      let text = f.text
      while (flat[i + 1]?.kind === 'text') text += (flat[++i] as { text: string }).text
      if (text) push('__o += __t[' + (texts.push(text) - 1) + '];', f.file, f.line)
    } else if (f.kind === 'expr') {
      if (AWAIT.test(f.code)) isAsync = true
      push('__o += __e(' + f.code + (f.code.includes('//') ? '\n' : '') + ');', f.file, f.line)
    } else {
      if (AWAIT.test(f.code)) isAsync = true
      push(f.code, f.file, f.line)
    }
  }
  const ts = lines.join('\n') + '\n'
  let result
  try {
    result = transformSync(ts, { loader: 'ts', sourcemap: 'external', sourcefile: 'template.ts', target: 'es2022' })
  } catch (e) {
    const err = (e as { errors?: Array<{ text: string; location?: { line: number } }> }).errors?.[0]
    const o = err?.location ? origin[err.location.line - 1] : undefined
    throw new QK_TEMPLATE_COMPILE(o?.file ?? view, o?.line ?? 0, err?.text ?? String(e), { cause: e })
  }
  const map = new SourceMap(JSON.parse(result.map) as never)
  return {
    js: result.code + 'return __o;\n',
    texts,
    isAsync,
    files,
    position(line, column) {
      const e = map.findEntry(line - 1, Math.max(0, column - 1)) as { originalLine?: number }
      if (!e || e.originalLine === undefined) return undefined
      const o = origin[e.originalLine]
      return o ? { source: o.file, line: o.line, column: 1 } : undefined
    },
  }
}
