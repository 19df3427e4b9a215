// CSV for spreadsheets (formula cells neutralised, reversibly) versus CSV dumps (exact): issue 16, defect 5.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { DAL, Field, closeAllConnections, csvCell, neutraliseFormulaCell, parseCsv, restoreFormulaCell } from '../../server/dal'

after(() => closeAllConnections())

const FORMULAS = ['=1+1', '+A1', '-1+1', '@SUM(A1)', '\t=x', '\r=x', "'=x", "''+x", '=HYPERLINK("http://e.example/")', '-', '+', '=']

test('neutraliseFormulaCell: a formula start gets one leading quote; numbers and other text unchanged; restore is its inverse', () => {
  for (const f of FORMULAS) {
    assert.equal(neutraliseFormulaCell(f), "'" + f)
    assert.equal(restoreFormulaCell(neutraliseFormulaCell(f)), f)
  }
  for (const plain of ['-5', '+3', '-1.5e3', '.5', 'abc', "'abc", "it's", '', ' =x', '1-1']) assert.equal(neutraliseFormulaCell(plain), plain)
  // any string, any number of leading quotes: the round trip is exact, and a neutralised cell never starts a formula
  fc.assert(fc.property(fc.string({ unit: fc.constantFrom("'", '=', '+', '-', '@', '\t', '\r', 'a', '1', '.', '"', ',', '\n') }), (s) => {
    const safe = neutraliseFormulaCell(s)
    assert.equal(restoreFormulaCell(safe), s)
    assert.ok(!/^[=+\-@\t\r]/.test(safe) || /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(safe))
    // and as a CSV cell it parses back to the neutralised text
    assert.deepEqual(parseCsv(csvCell(s, true) + '\r\n'), [[safe]])
  }), { numRuns: 2000 })
})

test('table and database CSV: exact dumps by default (round trip), spreadsheetSafe on request and undone on import', async () => {
  const db = new DAL('sqlite://memory')
  db.defineTable('cell', Field('text', 'string'), Field('n', 'integer'))
  for (const [i, f] of FORMULAS.entries()) await db.cell.insert({ text: f, n: -i })
  const dump = await db.cell.exportToCsv()
  assert.ok(dump.includes('=HYPERLINK(""http://e.example/"")'), 'a dump holds the value as stored')
  const safe = await db.cell.exportToCsv({ spreadsheetSafe: true })
  assert.ok(safe.includes(`"'=HYPERLINK(""http://e.example/"")"`))
  assert.ok(safe.includes(',-3\r\n'), 'numbers are not neutralised')
  for (const cell of parseCsv(safe).flat()) assert.ok(!/^[=+@\t\r]/.test(cell) && !/^-[^\d]/.test(cell), cell)
  const wholeSafe = await db.exportToCsv({ spreadsheetSafe: true })
  assert.ok(wholeSafe.startsWith('TABLE cell\r\n') && wholeSafe.includes(`"'+A1"`))
  const texts = async () => (await db(db.cell).select({ orderby: db.cell.id })).map((r) => r.text)
  // each form comes back exactly through its own import
  for (const [text, options] of [[dump, {}], [safe, { spreadsheetSafe: true }]] as const) {
    await db(db.cell).delete()
    await db.cell.importFromCsv(text, options)
    assert.deepEqual(await texts(), FORMULAS)
  }
  await db(db.cell).delete()
  await db.importFromCsv(wholeSafe, { spreadsheetSafe: true })
  assert.deepEqual(await texts(), FORMULAS)
  const rowsSafe = (await db(db.cell).select(db.cell.text)).exportToCsv({ spreadsheetSafe: true })
  assert.ok(rowsSafe.includes(`"'@SUM(A1)"`))
})
