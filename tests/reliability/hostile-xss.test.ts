// Hostile inputs: XSS through every output path (cases/xss.jsonl). Each payload is put through
// one path by the hostile app's xss controller; the page must carry no active content.
import { test, before, after } from 'node:test'
import type { TestServer } from '../helpers/server'
import { runCaseFile, statusOk, type CaseLine } from './lib/cases'
import { startHostileServer } from './lib/hostileServer'
import { activeContent } from './lib/inert'

let s: TestServer
before(async () => { s = await startHostileServer() })
after(() => s?.stop())

async function check(c: CaseLine): Promise<string | undefined> {
  const v = String(c.v)
  const sink = String(c.sink)
  let r
  if (sink === '@path') r = await s.request(String(c.path).replace('{v}', encodeURIComponent(v)))
  else if (sink.startsWith('form_')) r = await s.request(`/rel/xss/${sink}`, { form: { q: v, _formname: 'default' } })
  else r = await s.request(`/rel/xss/${sink}${sink === 'json' ? '.json' : c.ext ? '.' + String(c.ext) : ''}?${new URLSearchParams({ v, ...(c.extra as Record<string, string> | undefined) })}`)
  const bad = statusOk(c, r.status)
  if (bad) return `${bad}: ${r.body.slice(0, 200)}`
  if (c.expect === 'json') {
    const type = String(r.headers['content-type'])
    if (!type.startsWith('application/json')) return `served as ${type}`
    return r.json().v === v ? undefined : `the value changed: ${r.body}`
  }
  if (c.expect === 'csv-safe') return csvSafe(r.body, v)
  const type = String(r.headers['content-type'] ?? '')
  // a page that is not HTML is not rendered as HTML (when the browser is told not to sniff)
  if (!type.startsWith('text/html') && r.headers['x-content-type-options'] === 'nosniff') return undefined
  const active = activeContent(r.body)
  if (c.expect === 'active') return active ? undefined : 'the control was not found active'
  return active ? `active content: ${active}` : undefined
}

test('XSS: every output path keeps hostile input inert', { timeout: 300_000 }, async () => {
  await runCaseFile('xss.jsonl', check, { parallel: 8 })
})

/** RFC 4180 cells of a CSV text. */
function csvCells(text: string): string[] {
  const cells: string[] = []
  let i = 0
  while (i < text.length) {
    let cell = ''
    if (text[i] === '"') {
      i++
      for (;;) {
        if (i >= text.length) break
        if (text[i] === '"') { if (text[i + 1] === '"') { cell += '"'; i += 2; continue } i++; break }
        cell += text[i++]
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') cell += text[i++]
    }
    cells.push(cell)
    if (text[i] === ',') i++
    else while (text[i] === '\r' || text[i] === '\n') i++
  }
  return cells
}

/** No cell starts as a formula (= + - @ tab CR; a plain number is fine), and the value is still there (maybe behind a quote). */
function csvSafe(body: string, v: string): string | undefined {
  const cells = csvCells(body)
  for (const cell of cells) if (/^[=+\-@\t\r]/.test(cell) && !/^[+-]?\d+(\.\d+)?$/.test(cell)) return `a formula cell: ${JSON.stringify(cell)} in ${JSON.stringify(body.slice(0, 200))}`
  if (!cells.some((c) => c === v || c === "'" + v)) return `the value is not in the CSV: ${JSON.stringify(body.slice(0, 200))}`
  return undefined
}
