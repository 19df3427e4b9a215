/** The DAL's error codes (QK_DAL_...). Driver errors are wrapped in QK_DAL_QUERY naming the table and operation. */
import { defineError } from '../errors'

export const QK_DAL_BAD_URI = defineError('QK_DAL_BAD_URI', 500, 'Invalid database URI: %s', 'The URI given to new DAL() is not sqlite://, postgres:// or mysql://.')
export const QK_DAL_BAD_NAME = defineError('QK_DAL_BAD_NAME', 500, 'Invalid %s name %s: %s', 'A table or field name is not a plain identifier or is a reserved SQL word.')
export const QK_DAL_BAD_TYPE = defineError('QK_DAL_BAD_TYPE', 500, 'Unknown field type %s for field %s', 'Field() was given a type the DAL does not know.')
export const QK_DAL_DUPLICATE = defineError('QK_DAL_DUPLICATE', 500, '%s %s is defined twice', 'A table or field name is used twice.')
export const QK_DAL_NO_TABLE = defineError('QK_DAL_NO_TABLE', 500, 'No table named %s in this DAL', 'A query or reference names a table that was not defined.')
export const QK_DAL_NO_FIELD = defineError('QK_DAL_NO_FIELD', 500, 'Table %s has no field %s', 'insert/update/select names a field the table does not have.')
export const QK_DAL_BAD_VALUE = defineError('QK_DAL_BAD_VALUE', 500, 'Bad value for %s: %s', 'A value cannot be stored in a field of this type.')
export const QK_DAL_BAD_QUERY = defineError('QK_DAL_BAD_QUERY', 500, 'Invalid query: %s', 'A query, set or select option is malformed.')
export const QK_DAL_QUERY = defineError('QK_DAL_QUERY', 500, 'Database error during %s on %s: %s', 'The database driver refused a statement; the cause is attached.')
export const QK_DAL_MIGRATION = defineError('QK_DAL_MIGRATION', 500, 'Migration of table %s failed: %s', 'An automatic migration could not be applied.')
export const QK_DAL_CLOSED = defineError('QK_DAL_CLOSED', 500, 'Database connection %s is closed', 'A statement ran after closeAllConnections().')
export const QK_DAL_CSV = defineError('QK_DAL_CSV', 500, 'CSV import error: %s', 'importFromCsv was given malformed CSV.')
export const QK_DAL_NUL_IN_TEXT = defineError('QK_DAL_NUL_IN_TEXT', 400, 'PostgreSQL text cannot hold a NUL character (value %s)', 'A value sent to PostgreSQL contains U+0000, which its text types cannot store or compare: the request is refused before the statement runs (SQLite and MySQL keep NUL).')
export const QK_DAL_UNAVAILABLE = defineError('QK_DAL_UNAVAILABLE', 503, 'Database unavailable during %s on %s: %s', 'The database server cannot be reached or is shutting down or starting (connection refused, reset or lost): a 503, and the next request tries again.')
export const QK_DAL_2PC_UNAVAILABLE = defineError('QK_DAL_2PC_UNAVAILABLE', 500, 'Two-phase commit is not available on %s: %s', 'distributedTransactionCommit needs prepared transactions: PostgreSQL with max_prepared_transactions > 0 (postgresql.conf, then a restart), MySQL/MariaDB with InnoDB XA; SQLite has none.')
export const QK_DAL_2PC_FAILED = defineError('QK_DAL_2PC_FAILED', 500, 'Distributed transaction %s rolled back: %s', 'A participant could not prepare its part (a constraint, a lost connection): every participant was rolled back, nothing was committed.')
export const QK_DAL_2PC_STATE = defineError('QK_DAL_2PC_STATE', 500, 'Distributed transaction: %s', 'distributedTransactionBegin/Commit were called in the wrong order or outside a transaction (a request, or db.transaction()).')

// Errors that say the server is away (down, restarting, unreachable), not that the statement is wrong:
// node's socket codes, PostgreSQL's SQLSTATE classes 08 (connection) and 57P0x (shutdown, starting up),
// mysql2's lost-connection codes (MariaDB's ER_CONNECTION_KILLED, the connection ended by KILL or a
// shutdown while a request held it, has no name in mysql2: errno 1927 below)
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN',
  '57P01', '57P02', '57P03', 'PROTOCOL_CONNECTION_LOST', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN'])

/** the driver error says the database server is away (down, restarting, unreachable) */
export function isUnavailable(e: unknown): boolean {
  for (let x = e, depth = 0; x && typeof x === 'object' && depth < 4; x = (x as { cause?: unknown }).cause, depth++) {
    const code = String((x as { code?: unknown }).code ?? '')
    if (UNAVAILABLE_CODES.has(code) || /^08/.test(code)) return true
    if ((x as { errno?: unknown }).errno === 1927 && (x as { sqlState?: unknown }).sqlState === '70100') return true
    if (/Connection terminated|connection is closed|Can't add new command when connection is in closed state|encountered a connection error and is not queryable/i.test((x as Error).message ?? '')) return true
    if (x instanceof AggregateError && x.errors.some(isUnavailable)) return true
  }
  return false
}
