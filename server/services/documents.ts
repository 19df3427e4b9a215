/**
 * The generic .pdf and .rtf views (web2py has generic.pdf): an action's data,
 * or the text of its page, as a document. A result object becomes a title
 * (its `title` key), then each key in order: plain values as "key: value",
 * rows or lists of objects as a table, helpers and HTML by their text.
 *
 * PDF with pdfkit (pure JavaScript, its standard fonts need no font files of
 * the system); RTF written by hand (the format is a few control words).
 */
import type PDFKit from 'pdfkit'
import { isRenderable } from '../html/index'
import { findTable, flattenRow } from './feeds'
import { isRowsLike, toPlain } from './serialize'

type Block = { kind: 'title'; text: string } | { kind: 'line'; text: string } | { kind: 'table'; cols: string[]; rows: string[][] }

/** The text a helper or an HTML string shows: tags dropped, entities of the common kind decoded. */
export function textOfHtml(html: string): string {
  return html
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<br\s*\/?>|<\/(p|div|h[1-6]|li|tr|section|article|header|footer)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#x27;|&#39;/g, "'").replace(/&nbsp;/g, ' ').replace(/&amp;/g, '&')
    .replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim()
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}

/** The blocks of a document, from a result object, rows, a list, a helper or a string. */
export function documentBlocks(value: unknown): Block[] {
  const blocks: Block[] = []
  const add = (key: string | undefined, v: unknown): void => {
    if (isRenderable(v)) { blocks.push({ kind: 'line', text: (key ? key + ': ' : '') + textOfHtml(v.xml()) }); return }
    if (isRowsLike(v) || (Array.isArray(v) && v.length && v.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r)))) {
      const t = findTable(v)!
      const flat = t.rows.map((r) => flattenRow(toPlain(r) as Record<string, unknown>))
      const cols = [...new Set(flat.flatMap((r) => Object.keys(r)))]
      if (key) blocks.push({ kind: 'line', text: key + ':' })
      blocks.push({ kind: 'table', cols, rows: flat.map((r) => cols.map((c) => cell(r[c]))) })
      return
    }
    const p = toPlain(v)
    if (p !== null && typeof p === 'object') {
      if (key) blocks.push({ kind: 'line', text: key + ':' })
      for (const [k, x] of Object.entries(p)) add(Array.isArray(p) ? undefined : k, x)
      return
    }
    const text = typeof p === 'string' && /<[a-z][^>]*>/i.test(p) ? textOfHtml(p) : cell(p)
    blocks.push({ kind: 'line', text: key ? `${key}: ${text}` : text })
  }
  if (value && typeof value === 'object' && !Array.isArray(value) && !isRowsLike(value) && !isRenderable(value)) {
    const o = value as Record<string, unknown>
    if (typeof o.title === 'string' || typeof o.title === 'number') blocks.push({ kind: 'title', text: String(o.title) })
    for (const [k, v] of Object.entries(o)) if (k !== 'title') add(k, v)
  } else add(undefined, value)
  return blocks
}

/** A PDF of the value (a Buffer, made synchronously: pdfkit pushes every chunk while it writes). */
export function toPdf(value: unknown, info: { title?: string } = {}): Buffer {
  // pdfkit costs ~100 ms to load: only the first PDF pays it, not every start
  const PDFDocument = require('pdfkit') as typeof PDFKit
  const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: info.title ?? 'Quark document', Producer: 'Quark', Creator: 'Quark' } })
  const chunks: Buffer[] = []
  doc.on('data', (c: Buffer) => chunks.push(c))
  for (const b of documentBlocks(value)) {
    if (b.kind === 'title') doc.font('Helvetica-Bold').fontSize(18).text(b.text).moveDown(0.5)
    else if (b.kind === 'line') doc.font('Helvetica').fontSize(11).text(b.text)
    else {
      const width = (doc.page.width - 100) / Math.max(1, b.cols.length)
      const row = (cells: string[], bold: boolean) => {
        const y = doc.y
        let h = 0
        cells.forEach((c, i) => {
          doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(10)
          h = Math.max(h, doc.heightOfString(c, { width: width - 6 }))
          doc.text(c, 50 + i * width, y, { width: width - 6 })
        })
        doc.x = 50
        doc.y = y + h + 4
        if (doc.y > doc.page.height - 80) doc.addPage()
      }
      row(b.cols, true)
      for (const r of b.rows) row(r, false)
      doc.moveDown(0.5)
    }
  }
  doc.end()
  // 'data' is emitted asynchronously once flowing: read what pdfkit already pushed instead
  doc.removeAllListeners('data')
  for (let c = doc.read() as Buffer | null; c !== null; c = doc.read() as Buffer | null) chunks.push(c)
  return Buffer.concat(chunks)
}

// RTF text: \ { } escaped, newlines as \line, anything beyond ASCII as \uN? (signed 16-bit code units)
function rtfText(s: string): string {
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!
    const unit = s.charCodeAt(i)
    if (ch === '\\' || ch === '{' || ch === '}') out += '\\' + ch
    else if (ch === '\n') out += '\\line '
    else if (unit < 0x20) out += ' '
    else if (unit < 0x80) out += ch
    else out += '\\u' + (unit > 32767 ? unit - 65536 : unit) + '?'
  }
  return out
}

/** An RTF document of the value (tables as RTF rows). */
export function toRtf(value: unknown): string {
  let s = '{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss Helvetica;}}\\f0\\fs22\n'
  for (const b of documentBlocks(value)) {
    if (b.kind === 'title') s += '{\\pard\\b\\fs36 ' + rtfText(b.text) + '\\par}\n'
    else if (b.kind === 'line') s += '{\\pard ' + rtfText(b.text) + '\\par}\n'
    else {
      const w = Math.floor(9000 / Math.max(1, b.cols.length))
      const def = '\\trowd' + b.cols.map((_c, i) => '\\cellx' + w * (i + 1)).join('')
      const row = (cells: string[], bold: boolean) => def + cells.map((c) => '\\pard\\intbl' + (bold ? '\\b ' : ' ') + rtfText(c) + (bold ? '\\b0' : '') + '\\cell').join('') + '\\row\n'
      s += row(b.cols, true)
      for (const r of b.rows) s += row(r, false)
      s += '\\pard\\par\n'
    }
  }
  return s + '}\n'
}
