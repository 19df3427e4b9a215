/**
 * The admin's CSV download and upload. A download is opened in spreadsheets
 * more often than not, so it is spreadsheet-safe by default: a cell a
 * spreadsheet would run as a formula (= + - @ tab CR at its start) gets a
 * leading `'` (OWASP's advice against CSV injection). `raw` gives the DAL's
 * exact dump instead (`?raw=1`). An upload takes that `'` off again, so a
 * download imported back gives exactly the rows it came from.
 */
import type { DAL, Table } from '../dal'

export interface CsvDownloadOptions {
  /** the exact dump, cells as stored (for programs, not spreadsheets) */
  raw?: boolean
}

/** one table's rows, or (table null) every table of the database in the DAL's `TABLE name ... END` format */
export function exportCsv(db: DAL, table: Table | null, o: CsvDownloadOptions = {}): Promise<string> {
  const options = { spreadsheetSafe: !o.raw }
  return table ? table.exportToCsv(options) : db.exportToCsv(options)
}

/**
 * Import a CSV into one table or (table null) the database. Cells neutralised by exportCsv are restored;
 * so is a raw dump's cell that starts with `'` before one of = + - @ tab CR (it loses that `'`):
 * import raw dumps with db.importFromCsv() in code to keep such cells exactly.
 */
export async function importCsv(db: DAL, table: Table | null, text: string): Promise<void> {
  const options = { spreadsheetSafe: true }
  if (table) await table.importFromCsv(text, options)
  else await db.importFromCsv(text, options)
}
