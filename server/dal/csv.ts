/**
 * CSV export/import of rows, tables and whole databases (web2py's format:
 * header `table.field`, `<NULL>` for null; a database is `TABLE name` blocks
 * ended by `END`). Import remaps ids and the references to them.
 */
import type { Rows } from './rows'
import type { Table } from './table'
import type { DAL } from './dal'
import { decodeList, encodeList, formatDateTime } from './dialects/base'
import { QK_DAL_CSV } from './errors'

const NULL = '<NULL>'

/**
 * Two kinds of CSV leave Quark. Data dumps (`db.exportToCsv()`, `table.exportToCsv()`, `rows.exportToCsv()`)
 * hold the values as they are, so that importFromCsv gives them back exactly: they are backups, read by
 * programs. Files for spreadsheets (the grid's export, the admin's download) are opened by people in
 * Excel or LibreOffice, which run a cell starting with = + - @ tab or CR as a formula (CSV injection):
 * those exports pass `spreadsheetSafe`, which neutralises such cells as OWASP advises (a leading `'`,
 * and the cell quoted), reversibly (see restoreFormulaCell).
 */
export interface CsvExportOptions {
  /** neutralise cells a spreadsheet would run as formulas (default false: an exact data dump) */
  spreadsheetSafe?: boolean
}

export interface CsvImportOptions {
  /** the text was exported with spreadsheetSafe: take the neutralising `'` off again */
  spreadsheetSafe?: boolean
}

/** starts (after any quotes a previous neutralising added) with what a spreadsheet takes for a formula */
const FORMULA_START = /^'*[=+\-@\t\r]/
/** a plain number (a negative one starts with -) is no formula, and stays a number in the spreadsheet */
const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

/**
 * `'` before a cell a spreadsheet would run as a formula. Cells that already start with quotes before
 * such a character get one more, so restoreFormulaCell can always take exactly one off.
 */
export function neutraliseFormulaCell(s: string): string {
  return FORMULA_START.test(s) && !PLAIN_NUMBER.test(s) ? "'" + s : s
}

/** the inverse of neutraliseFormulaCell */
export function restoreFormulaCell(s: string): string {
  return s.startsWith("'") && FORMULA_START.test(s.slice(1)) ? s.slice(1) : s
}

/** one CSV cell (RFC 4180 quoting); spreadsheetSafe: neutralised and quoted when it could be a formula */
export function csvCell(text: string, spreadsheetSafe = false): string {
  if (spreadsheetSafe) {
    const safe = neutraliseFormulaCell(text)
    if (safe !== text) return `"${safe.replace(/"/g, '""')}"`
  }
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return NULL
  if (v instanceof Date) return formatDateTime(v)
  if (Buffer.isBuffer(v)) return v.toString('base64')
  if (Array.isArray(v)) return encodeList(v)
  if (typeof v === 'boolean') return v ? 'T' : 'F'
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}

export function rowsToCsv(rows: Rows, options: CsvExportOptions = {}): string {
  const safe = options.spreadsheetSafe === true
  const cell = (v: unknown) => csvCell(cellText(v), safe)
  const lines = [rows.colnames.map(cell).join(',')]
  const nested = rows.tables.length > 1
  for (const r of rows) {
    lines.push(rows.colnames.map((c) => {
      const dot = c.indexOf('.')
      if (dot < 0) return cell(r[c] ?? r._extra?.[c])
      return cell(nested ? r[c.slice(0, dot)]?.[c.slice(dot + 1)] : r[c.slice(dot + 1)])
    }).join(','))
  }
  return lines.join('\r\n') + '\r\n'
}

/** RFC 4180 parser: quoted cells, doubled quotes, CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const out: string[][] = []
  let row: string[] = [], cellText = '', i = 0, quoted = false, wasQuoted = false
  const endCell = () => { row.push(wasQuoted ? cellText : cellText); cellText = ''; wasQuoted = false }
  while (i < text.length) {
    const ch = text[i]
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') { cellText += '"'; i += 2; continue }
        quoted = false; i++; continue
      }
      cellText += ch; i++; continue
    }
    if (ch === '"') { quoted = true; wasQuoted = true; i++; continue }
    if (ch === ',') { endCell(); i++; continue }
    if (ch === '\r' || ch === '\n') {
      endCell(); out.push(row); row = []
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1
      continue
    }
    cellText += ch; i++
  }
  if (quoted) throw new QK_DAL_CSV('unterminated quoted cell')
  if (cellText !== '' || row.length) { endCell(); out.push(row) }
  return out
}

function fromCell(type: string, s: string): unknown {
  if (s === NULL) return null
  if (type === 'boolean') return s === 'T' || s === 'True' || s === 'true' || s === '1'
  if (type === 'json') return JSON.parse(s)
  if (type === 'blob') return Buffer.from(s, 'base64')
  if (type === 'list:string') return decodeList(s)
  if (type.startsWith('list:')) return decodeList(s).map(Number)
  // bigint and decimal cells stay text: the DAL reads them exactly (a Number would round beyond 2^53 / 15 digits)
  if (type === 'bigint' || type.startsWith('decimal')) return s === '' ? null : s
  if (type === 'integer' || type === 'double' || type === 'id' || type.startsWith('reference')) return s === '' ? null : Number(s)
  return s
}

export async function exportTableCsv(table: Table, options: CsvExportOptions = {}): Promise<string> {
  return rowsToCsv(await table._db(table).select({ orderby: table.id }), options)
}

/**
 * Insert the rows of a CSV (header `table.field` or `field`). `idMap` maps
 * table → (old id → new id); references to tables already in it are remapped.
 */
export async function importTableCsv(table: Table, text: string | string[][], idMap: Map<string, Map<number, number>> = new Map(),
  options: CsvImportOptions = {}): Promise<Map<number, number>> {
  let rows = typeof text === 'string' ? parseCsv(text) : text
  if (options.spreadsheetSafe) rows = rows.map((r) => r.map(restoreFormulaCell))
  if (!rows.length) return new Map()
  const header = rows[0].map((h) => (h.includes('.') ? h.slice(h.indexOf('.') + 1) : h))
  for (const h of header) if (!table._fieldMap.has(h)) throw new QK_DAL_CSV(`${table._tablename} has no field ${h}`)
  const mine = new Map<number, number>()
  idMap.set(table._tablename, mine)
  await table._db.transaction(async () => {
    for (const r of rows.slice(1)) {
      if (r.length === 1 && r[0] === '') continue
      if (r.length !== header.length) throw new QK_DAL_CSV(`row of ${r.length} cells under a header of ${header.length}`)
      const values: Record<string, unknown> = {}
      let oldId: number | undefined
      header.forEach((h, i) => {
        const f = table._fieldMap.get(h)!
        let v = fromCell(f.type, r[i])
        if (h === 'id') { oldId = v as number; return }
        if (f.referenced && v !== null) {
          const m = idMap.get(f.referenced)
          if (m) v = Array.isArray(v) ? v.map((x) => m.get(x as number) ?? x) : (m.get(v as number) ?? v)
        }
        values[h] = v
      })
      const id = await table.insert(values)
      if (oldId !== undefined) mine.set(oldId, id)
    }
  })
  return mine
}

export async function exportDatabaseCsv(db: DAL, options: CsvExportOptions = {}): Promise<string> {
  let out = ''
  for (const name of db.tables) out += `TABLE ${name}\r\n${await exportTableCsv(db[name], options)}\r\n`
  return out + 'END'
}

export async function importDatabaseCsv(db: DAL, text: string, options: CsvImportOptions = {}): Promise<void> {
  let lines = parseCsv(text)
  if (options.spreadsheetSafe) lines = lines.map((r) => r.map(restoreFormulaCell))
  const idMap = new Map<string, Map<number, number>>()
  let i = 0
  await db.transaction(async () => {
    while (i < lines.length) {
      const line = lines[i]
      if (line.length === 1 && line[0] === 'END') break
      const m = line.length === 1 ? /^TABLE (\w+)$/.exec(line[0]) : null
      if (!m) { i++; continue }
      const table = db[m[1]] as Table | undefined
      if (!table || typeof table !== 'object') throw new QK_DAL_CSV(`unknown table ${m[1]}`)
      let j = i + 1
      while (j < lines.length && !(lines[j].length === 1 && (lines[j][0] === '' || lines[j][0] === 'END' || /^TABLE \w+$/.test(lines[j][0])))) j++
      await importTableCsv(table, lines.slice(i + 1, j), idMap)
      i = j
    }
  })
}
