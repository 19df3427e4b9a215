/**
 * The query box: text such as `thing.value > 3 and thing.name like 'a%'`
 * parsed into a DAL Query, never into SQL. Only `table.field <op> value`
 * comparisons joined by and / or / not and parentheses are understood;
 * values travel as parameters. Semicolons, SQL comments and unknown
 * names are refused with a message that says what was wrong.
 */
import type { DAL, Query, Table } from '../dal'
import { QK_DBADMIN_QUERY } from './errors'

type Tok =
  | { k: 'name'; v: string; at: number }
  | { k: 'num'; v: number; at: number }
  | { k: 'str'; v: string; at: number }
  | { k: 'op'; v: string; at: number }
  | { k: 'punct'; v: string; at: number }

const MAX_LENGTH = 2000

function tokenize(text: string): Tok[] {
  if (text.length > MAX_LENGTH) throw new QK_DBADMIN_QUERY(`longer than ${MAX_LENGTH} characters`)
  const out: Tok[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i]!
    if (/\s/.test(c)) { i++; continue }
    if (c === ';') throw new QK_DBADMIN_QUERY(`';' at position ${i + 1}: only one query, no SQL statements`)
    if (text.startsWith('--', i) || text.startsWith('/*', i) || text.startsWith('*/', i) || c === '#') {
      throw new QK_DBADMIN_QUERY(`SQL comments are not allowed (position ${i + 1})`)
    }
    if (c === "'" || c === '"') {
      // a string literal; the quote is doubled ('it''s') or backslash-escaped inside
      let s = ''
      let j = i + 1
      for (;;) {
        if (j >= text.length) throw new QK_DBADMIN_QUERY(`unterminated string starting at position ${i + 1}`)
        const d = text[j]!
        if (d === '\\' && j + 1 < text.length) { s += text[j + 1]; j += 2; continue }
        if (d === c) { if (text[j + 1] === c) { s += c; j += 2; continue } j++; break }
        s += d
        j++
      }
      out.push({ k: 'str', v: s, at: i })
      i = j
      continue
    }
    const num = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(i))
    if (num && (c !== '-' || !out.length || out[out.length - 1]!.k === 'op' || out[out.length - 1]!.v === '(' || out[out.length - 1]!.v === ',')) {
      const v = Number(num[0])
      // 1e309 is Infinity: no database column holds it (PostgreSQL refuses it, SQLite and MySQL differ)
      if (!Number.isFinite(v)) throw new QK_DBADMIN_QUERY(`the number ${num[0]} at position ${i + 1} is out of range`)
      out.push({ k: 'num', v, at: i })
      i += num[0].length
      continue
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(text.slice(i))
    if (name) { out.push({ k: 'name', v: name[0], at: i }); i += name[0].length; continue }
    const op = /^(==|!=|<>|<=|>=|=|<|>)/.exec(text.slice(i))
    if (op) { out.push({ k: 'op', v: op[0], at: i }); i += op[0].length; continue }
    if (c === '(' || c === ')' || c === ',') { out.push({ k: 'punct', v: c, at: i }); i++; continue }
    if (c === '&' || c === '|' || c === '~') {
      // web2py's Python operators: & | ~ mean and, or, not
      out.push({ k: 'name', v: c === '&' ? 'and' : c === '|' ? 'or' : 'not', at: i }); i++; continue
    }
    throw new QK_DBADMIN_QUERY(`unexpected character ${JSON.stringify(c)} at position ${i + 1}`)
  }
  return out
}

const WORDS = new Set(['and', 'or', 'not', 'like', 'ilike', 'belongs', 'in', 'contains', 'startswith', 'endswith', 'is', 'null', 'none', 'true', 'false'])

export interface ParsedQuery {
  /** the DAL query, or null for "every row of `table`" */
  query: Query | null
  /** the first table the text names */
  table: Table
}

/**
 * Parse `text` against `db`. A bare table name (`thing` or `db.thing`) means
 * all its rows. Throws QK_DBADMIN_QUERY with the reason otherwise.
 */
export function parseQuery(db: DAL, text: string): ParsedQuery {
  const toks = tokenize(text.trim())
  if (!toks.length) throw new QK_DBADMIN_QUERY('empty query: give a table name or a condition such as thing.id > 0')
  let pos = 0
  let firstTable: Table | undefined
  const peek = () => toks[pos]
  const word = (t: Tok | undefined) => (t && t.k === 'name' ? t.v.toLowerCase() : undefined)
  const fail = (msg: string, t = peek()): never => { throw new QK_DBADMIN_QUERY(t ? `${msg} at position ${t.at + 1}` : `${msg} at the end`) }

  function tableOf(name: string, t: Tok): Table {
    const tbl = (db.tables as string[]).includes(name) ? (db[name] as Table) : undefined
    if (!tbl) fail(`unknown table ${JSON.stringify(name)} (tables: ${db.tables.join(', ') || 'none'})`, t)
    firstTable ??= tbl
    return tbl!
  }

  /** `table.field` or `db.table.field` → the Field; a lone table → the Table */
  function ref(t: Tok & { k: 'name' }): { table: Table; field?: any } {
    let parts = t.v.split('.')
    if (parts[0] === 'db' && parts.length > 1 && !(db.tables as string[]).includes('db')) parts = parts.slice(1)
    if (parts.length > 2) fail(`${JSON.stringify(t.v)} is not table.field`, t)
    const table = tableOf(parts[0]!, t)
    if (parts.length === 1) return { table }
    const field = table._fieldMap.get(parts[1]!)
    if (!field) fail(`table ${table._tablename} has no field ${JSON.stringify(parts[1])} (fields: ${table.fields.join(', ')})`, t)
    return { table, field }
  }

  function value(): unknown {
    const t = peek()
    if (!t) return fail('a value is missing')
    pos++
    if (t.k === 'num' || t.k === 'str') return t.v
    const w = word(t)
    if (w === 'true') return true
    if (w === 'false') return false
    if (w === 'null' || w === 'none') return null
    if (t.k === 'name' && !WORDS.has(t.v.toLowerCase())) {
      const r = ref(t)
      if (!r.field) fail(`${JSON.stringify(t.v)} is a table, a value or table.field was expected`, t)
      return r.field
    }
    return fail(`a value (number, 'string', true, false, null or table.field) was expected, not ${JSON.stringify(String(t.v))}`, t)
  }

  function comparison(): Query {
    const t = peek()
    if (!t || t.k !== 'name' || WORDS.has(t.v.toLowerCase())) return fail('a condition must start with table.field')
    pos++
    const r = ref(t as Tok & { k: 'name' })
    if (!r.field) {
      // `thing` alone: all its rows, as thing.id > 0
      return r.table.id.gt(0)
    }
    const f = r.field
    const o = peek()
    if (!o) return fail(`an operator is missing after ${t.v}`)
    if (o.k === 'op') {
      pos++
      const v = value()
      switch (o.v) {
        case '=': case '==': return f.eq(v)
        case '!=': case '<>': return f.ne(v)
        case '<': return f.lt(v)
        case '<=': return f.le(v)
        case '>': return f.gt(v)
        case '>=': return f.ge(v)
      }
    }
    const w = word(o)
    if (w === 'like' || w === 'ilike' || w === 'startswith' || w === 'endswith' || w === 'contains') {
      pos++
      const v = value()
      if (typeof v !== 'string' && (w !== 'contains' || typeof v !== 'number')) fail(`${w} needs a quoted string`, o)
      if (w === 'like') return f.like(v)
      if (w === 'ilike') return f.ilike(v)
      if (w === 'startswith') return f.startsWith(v)
      if (w === 'endswith') return f.endsWith(v)
      return f.contains(v)
    }
    if (w === 'belongs' || w === 'in') {
      pos++
      if (peek()?.v !== '(') fail(`${w} needs a list in parentheses: ${w} (1, 2, 3)`)
      pos++
      const list: unknown[] = []
      while (peek() && peek()!.v !== ')') {
        list.push(value())
        if (peek()?.v === ',') pos++
        else if (peek()?.v !== ')') fail("',' or ')' expected")
      }
      if (!peek()) fail("')' is missing")
      pos++
      if (!list.length) fail(`${w} needs at least one value`, o)
      return f.belongs(list)
    }
    if (w === 'is') {
      pos++
      let neg = false
      if (word(peek()) === 'not') { neg = true; pos++ }
      const n = word(peek())
      if (n !== 'null' && n !== 'none') fail('is must be followed by null or not null')
      pos++
      return neg ? f.isNotNull() : f.isNull()
    }
    return fail(`unknown operator ${JSON.stringify(String(o.v))} (use = != < <= > >= like ilike belongs startswith endswith contains is null)`, o)
  }

  function primary(): Query {
    if (word(peek()) === 'not') { pos++; return primary().not() }
    if (peek()?.v === '(') {
      pos++
      const q = orExpr()
      if (peek()?.v !== ')') fail("')' is missing")
      pos++
      return q
    }
    return comparison()
  }
  function andExpr(): Query {
    let q = primary()
    while (word(peek()) === 'and') { pos++; q = q.and(primary()) }
    return q
  }
  function orExpr(): Query {
    let q = andExpr()
    while (word(peek()) === 'or') { pos++; q = q.or(andExpr()) }
    return q
  }

  // a lone table name is the whole set, without a where clause
  if (toks.length === 1 && toks[0]!.k === 'name' && !WORDS.has(toks[0]!.v.toLowerCase())) {
    const r = ref(toks[0] as Tok & { k: 'name' })
    if (!r.field) return { query: null, table: r.table }
  }
  const query = orExpr()
  if (pos < toks.length) fail(`unexpected ${JSON.stringify(String(toks[pos]!.v))}: conditions are joined with and / or`)
  return { query, table: firstTable! }
}
