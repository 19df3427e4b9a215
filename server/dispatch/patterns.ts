/**
 * Pattern routes (web2py's routes_in / routes_out): ordered [pattern, replacement] pairs, compiled
 * once when the routes file changes. A pattern is matched against
 * `<remote address>:<scheme>://<host>:<method> <path>` (host without port, method lower case), as
 * web2py does; a pattern that starts with `/` matches the path on any address, scheme, host and method.
 * Placeholders: `$anything` → `(?<anything>.*)`, `$name` → `(?<name>\w+)`; in replacements `$name`,
 * `\g<name>` and `$<name>` name a group. Python's `(?P<name>...)` is accepted too.
 * The first rule that matches wins, and only one rule is applied: rewriting cannot loop.
 */
import { QK_ROUTES_BAD_CONFIG } from './errors'

export interface PatternRule {
  /** the pattern as written (for the admin and errors) */
  source: string
  target: string
  re: RegExp
  replacement: string
  /** the literal start of a path-only pattern ('/site/product/' of '/site/product/$id'): a cheap
   *  startsWith() skips the regex for paths that cannot match */
  literal: string
}

const ANY_HOST = ':https?://[^:/]+:[a-z]+ '
const AT = /(?<!\\)\$([a-zA-Z]\w*)/g

function compilePattern(where: string, k0: string, v0: string): PatternRule {
  if (typeof k0 !== 'string' || typeof v0 !== 'string' || k0 === '') throw new QK_ROUTES_BAD_CONFIG(where, `a rule must be a pair of non-empty strings: ${JSON.stringify([k0, v0])}`)
  const literal = k0.startsWith('/') ? /^[^\\^$.|?*+()[\]{}]*/.exec(k0)![0] : ''
  let k = k0.replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>')
  if (!k.startsWith('^')) k = '^' + k
  if (!k.endsWith('$')) k += '$'
  if (k[1] === '/') k = '^.*?' + ANY_HOST + k.slice(1)
  else if (!k.includes('://')) {
    const i = k.indexOf(':/')
    if (i < 0) throw new QK_ROUTES_BAD_CONFIG(where, `the path of a pattern needs a leading '/': ${JSON.stringify(k0)}`)
    k = k.slice(0, i) + ANY_HOST + k.slice(i + 1)
  }
  k = k.replace(/(?<!\\)\$anything/g, '(?<anything>.*)').replace(AT, (_m, name: string) => `(?<${name}>\\w+)`)
  let re: RegExp
  try { re = new RegExp(k, 's') } catch (e) {
    throw new QK_ROUTES_BAD_CONFIG(where, `not a valid regular expression: ${JSON.stringify(k0)} (${(e as Error).message})`)
  }
  const replacement = v0.replace(/\\g<(\w+)>/g, '$<$1>').replace(/\\(\d)/g, '$$$1').replace(AT, (_m, name: string) => `$<${name}>`)
  // every group the replacement names must exist in the pattern
  const groups = new Set([...k.matchAll(/\(\?<([A-Za-z_]\w*)>/g)].map((m) => m[1]!))
  const count = new RegExp(k + '|', 's').exec('')!.length - 1
  for (const m of replacement.matchAll(/\$<(\w+)>|\$(\d+)/g)) {
    if (m[1] !== undefined && !groups.has(m[1])) throw new QK_ROUTES_BAD_CONFIG(where, `the replacement ${JSON.stringify(v0)} names a group that ${JSON.stringify(k0)} does not have: ${m[1]}`)
    if (m[2] !== undefined && Number(m[2]) > count) throw new QK_ROUTES_BAD_CONFIG(where, `the replacement ${JSON.stringify(v0)} refers to group ${m[2]}, ${JSON.stringify(k0)} has ${count}`)
  }
  return { source: k0, target: v0, re, replacement, literal }
}

/**
 * The first path segment a rule's literal start names whole ('old' of '/old/page$id', 'about' of
 * '/about'), or undefined when the rule may match paths of any first segment.
 */
function firstSegmentOf(r: PatternRule): string | undefined {
  if (!r.literal.startsWith('/')) return undefined
  const end = r.literal.indexOf('/', 1)
  if (end !== -1) return r.literal.slice(1, end)
  // the whole pattern is literal ('/about'): anchored, it names its one segment whole
  return r.literal === r.source ? r.literal.slice(1) : undefined
}

/**
 * The compiled rules of one list, in order, with an index by first path segment made once per
 * change: a request whose first segment no rule names scans only the rules that name none (an
 * early exit for the usual request, whatever the number of old URLs mapped), and the match key
 * (address, scheme, host, method, path) is built only when some rule's literal start fits.
 */
export class PatternList {
  private readonly byFirst = new Map<string, PatternRule[]>()
  private readonly other: PatternRule[]

  constructor(readonly rules: readonly PatternRule[]) {
    const firsts = rules.map(firstSegmentOf)
    this.other = rules.filter((_r, i) => firsts[i] === undefined)
    for (const f of new Set(firsts)) {
      if (f !== undefined) this.byFirst.set(f, rules.filter((_r, i) => firsts[i] === undefined || firsts[i] === f))
    }
  }

  get length(): number { return this.rules.length }

  /** The replacement of the first rule that matches `path` (with the key `key()` makes), or undefined. */
  apply(path: string, key: () => string): string | undefined {
    let rules = this.other
    if (this.byFirst.size) {
      const end = path.indexOf('/', 1)
      rules = this.byFirst.get(end === -1 ? path.slice(1) : path.slice(1, end)) ?? this.other
    }
    let k: string | undefined
    for (const r of rules) {
      if (r.literal !== '' && !path.startsWith(r.literal)) continue
      k ??= key()
      if (r.re.test(k)) return k.replace(r.re, r.replacement)
    }
    return undefined
  }
}

const NO_RULES = new PatternList([])

/** [[pattern, replacement], ...] → compiled rules; throws QK_ROUTES_BAD_CONFIG naming the bad rule. */
export function compilePatterns(where: string, rules: unknown): PatternList {
  if (rules === undefined || rules === null) return NO_RULES
  if (!Array.isArray(rules)) throw new QK_ROUTES_BAD_CONFIG(where, 'routes_in / routes_out must be a list of [pattern, replacement] pairs')
  return new PatternList(rules.map((r) => {
    if (!Array.isArray(r) || r.length < 2) throw new QK_ROUTES_BAD_CONFIG(where, `a rule must be a pair [pattern, replacement]: ${JSON.stringify(r)}`)
    return compilePattern(where, r[0], r[1])
  }))
}

/** The key a pattern is matched against. */
export function patternKey(remote: string, scheme: string, host: string, method: string, path: string): string {
  return remote + ':' + scheme + '://' + host + ':' + method.toLowerCase() + ' ' + path
}
